"""The conversation history: an SQLite database (WAL) in the data folder and a content-addressed file library."""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from . import history_schema as schema
from .gallery_schema import model_name, output_kind, prompt_of
from .history_library import OutputLibrary, type_and_extension
from .history_records import (
    ENTRY_QUERY,
    OUTPUT_COLUMNS,
    TURN_COLUMNS,
    Conversation,
    Generation,
    HistoryEntry,
    HistoryError,
    NotFoundError,
    OutputRecord,
    format_timestamp,
    input_json_text,
    load_generations,
    output_from_row,
    parse_timestamp,
    rowid,
    to_timestamp,
    turn_from_row,
    utc_now,
)
from .history_restart import HistoryRestart
from .history_schema import describe_error
from .image_metadata import MetadataError, embed_metadata, normalize_metadata, sidecar_bytes
from .validation import mask_tokens

log = logging.getLogger(__name__)


class HistoryStore:
    """Conversations, their turns, generations and saved outputs. Thread-safe (one connection behind a
    lock), so the UI can call it through ``asyncio.to_thread``. Every write is one committed transaction.

    Open with :meth:`open`. ``last_warning`` holds a sentence about what :meth:`open` had to repair or
    which files :meth:`delete_conversation` could not remove, else ``None``.
    """

    def __init__(
        self, connection: sqlite3.Connection, path: Path, library_dir: Path, *, fts: bool,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._connection: sqlite3.Connection | None = connection
        self._lock = threading.RLock()
        self._clock = clock
        self._library = OutputLibrary(library_dir)
        self.path = path
        self.library_dir = library_dir
        self.uses_fts = fts
        self.last_warning: str | None = None
        self.restart = HistoryRestart(reading=self._read, writing=self._write, library=self._library,  # on start
                                      lock=self._lock, now=self._now)

    def __repr__(self) -> str:
        return f"HistoryStore({str(self.path)!r}, fts={self.uses_fts})"

    @classmethod
    def open(
        cls, path: Path, *, library_dir: Path | None = None, use_fts: bool | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> HistoryStore:
        """Opens (creating or upgrading) the database at ``path``; outputs go to ``library_dir`` (default:
        ``library`` beside it). FTS5 search is used when SQLite has it, unless ``use_fts=False``.

        A damaged file (or one that is not a history database) is renamed to ``<name>.corrupt-<timestamp>``
        and a new history is started, with ``last_warning`` saying so; the damaged file is never deleted.
        Raises :class:`HistoryError` when the file cannot be opened at all or is from a newer app.
        """
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            reason = describe_error(error)
            raise HistoryError(f"Could not create the history folder {path.parent}: {reason}.") from error
        warning = None
        try:
            connection = schema.open_database(path)
        except schema.DamagedDatabaseError as damage:
            backup = schema.move_aside(path, clock())
            warning = (f"The history database {path} was damaged ({damage}); it was kept as {backup.name} "
                       "and a new, empty history was started.")
            log.warning("%s", warning)
            try:
                connection = schema.open_database(path)
            except schema.DamagedDatabaseError as again:  # pragma: no cover - a fresh file cannot be damaged
                raise HistoryError(f"Could not start a new history at {path}: {again}.") from again
        try:
            fts = use_fts is not False and schema.fts5_available(connection)
            schema.sync_search_index(connection, fts)
        except sqlite3.Error as error:
            connection.close()
            raise HistoryError(f"Could not prepare the history search index: {describe_error(error)}.") from error
        library = library_dir if library_dir is not None else path.parent / "library"
        store = cls(connection, path, library, fts=fts, clock=clock)
        store.last_warning = warning
        return store

    def close(self) -> None:
        """Closes the database; later calls raise :class:`HistoryError`. Closing twice is fine."""
        with self._lock:
            if self._connection is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._connection.execute("PRAGMA optimize")
                self._connection.close()
                self._connection = None

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    # --- conversations and turns ---------------------------------------------------------------------

    def create_conversation(self, title: str, model: str) -> int:
        """A new, empty conversation; returns its id."""
        now = self._now()
        with self._write("create a conversation") as db:
            return rowid(db.execute(
                "INSERT INTO conversations (title, model, created_at, updated_at) VALUES (?, ?, ?, ?)",
                (title.strip(), model, now, now)))

    def rename_conversation(self, conversation_id: int, title: str) -> None:
        """Changes the title (the conversation keeps its place in the list)."""
        with self._write("rename a conversation") as db:
            cursor = db.execute("UPDATE conversations SET title = ? WHERE id = ?", (title.strip(), conversation_id))
            if not cursor.rowcount:
                raise NotFoundError(f"There is no conversation {conversation_id}.")

    def delete_conversation(self, conversation_id: int) -> None:
        """Deletes the conversation with its turns, generations and outputs, then the output files no other
        output uses. Files that cannot be removed are named in ``last_warning`` (the rows are gone)."""
        with self._lock:
            with self._write("delete a conversation") as db:
                paths = [str(row[0]) for row in db.execute(
                    "SELECT DISTINCT o.path FROM outputs o JOIN generations g ON g.id = o.generation_id "
                    "WHERE g.conversation_id = ?", (conversation_id,))]
                if not db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,)).rowcount:
                    raise NotFoundError(f"There is no conversation {conversation_id}.")
            failed = self._remove_unused(paths)
            self.last_warning = f"Some output files could not be removed: {', '.join(failed)}." if failed else None

    def add_turn(self, conversation_id: int, role: str, text: str, model: str, state: str) -> int:
        """Appends a turn at the end of the conversation; returns its id."""
        now = self._now()
        with self._write("add a turn") as db:
            self._touch(db, conversation_id, now, model)
            position = db.execute(
                "SELECT coalesce(max(position) + 1, 0) FROM turns WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()[0]
            return rowid(db.execute(
                "INSERT INTO turns (conversation_id, position, role, text, model, state, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (conversation_id, position, role, text, model, state, now, now)))

    def update_turn(self, turn_id: int, *, text: str | None = None, state: str | None = None) -> None:
        """Replaces the text and/or the state of a turn (``None`` leaves a field as it is)."""
        changes = {name: value for name, value in (("text", text), ("state", state)) if value is not None}
        now = self._now()
        with self._write("update a turn") as db:
            row = db.execute("SELECT conversation_id FROM turns WHERE id = ?", (turn_id,)).fetchone()
            if row is None:
                raise NotFoundError(f"There is no turn {turn_id}.")
            assignments = "".join(f"{name} = ?, " for name in changes)  # only these, so FTS reindexes only new text
            db.execute(f"UPDATE turns SET {assignments}updated_at = ? WHERE id = ?", (*changes.values(), now, turn_id))
            self._touch(db, row[0], now)

    # --- generations and outputs ---------------------------------------------------------------------

    def start_generation(
        self, conversation_id: int, turn_id: int | None, model: str, version: str | None, input: Mapping[str, Any],
        *, source_output_id: int | None = None,
    ) -> int:
        """Records a generation as ``starting``, before its prediction is created; returns its id.

        Anything shaped like a Replicate API token in ``input`` is masked before it is stored.
        ``source_output_id`` is the output it was made from (a step of a chain); a source that is
        gone by now is recorded as none.
        """
        input_json = input_json_text(input)
        prompt = prompt_of(json.loads(input_json))
        now = self._now()
        with self._write("record a generation") as db:
            self._touch(db, conversation_id, now, model)
            if turn_id is not None and db.execute(
                "SELECT 1 FROM turns WHERE id = ? AND conversation_id = ?", (turn_id, conversation_id)
            ).fetchone() is None:
                raise NotFoundError(f"There is no turn {turn_id} in conversation {conversation_id}.")
            return rowid(db.execute(
                "INSERT INTO generations (conversation_id, turn_id, model, version, input_json, status, created_at,"
                " prompt, source_output_id) VALUES (?, ?, ?, ?, ?, 'starting', ?, ?, (SELECT id FROM outputs"
                " WHERE id = ?))",
                (conversation_id, turn_id, model, version, input_json, now, prompt, source_output_id)))

    def update_generation(
        self, generation_id: int, *, prediction_id: str | None = None, status: str | None = None,
        error: str | None = None, started_at: datetime | str | None = None,
        completed_at: datetime | str | None = None, predict_time: float | None = None,
        version: str | None = None,
    ) -> None:
        """Sets the given fields (``None`` leaves a field as it is). Timestamps are datetimes or ISO 8601
        text; a final status without ``completed_at`` (given now or before) records the current time."""
        if status is not None and status not in schema.STATUSES:
            raise ValueError(f"Unknown generation status {status!r}; expected one of {', '.join(schema.STATUSES)}")
        changes = {name: value for name, value in {
            "prediction_id": prediction_id, "status": status, "error": None if error is None else mask_tokens(error),
            "started_at": to_timestamp(started_at), "completed_at": to_timestamp(completed_at),
            "predict_time": predict_time, "version": version,
        }.items() if value is not None}
        now = self._now()
        with self._write("update a generation") as db:
            row = db.execute("SELECT conversation_id FROM generations WHERE id = ?", (generation_id,)).fetchone()
            if row is None:
                raise NotFoundError(f"There is no generation {generation_id}.")
            if changes:
                assignments = ", ".join(f"{name} = ?" for name in changes)
                db.execute(f"UPDATE generations SET {assignments} WHERE id = ?", (*changes.values(), generation_id))
            if status is not None and status not in schema.UNFINISHED:
                db.execute("UPDATE generations SET completed_at = coalesce(completed_at, ?) WHERE id = ?",
                           (now, generation_id))
            self._touch(db, row[0], now)

    def add_output(
        self, generation_id: int, data: bytes, content_type: str | None, source_url: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> OutputRecord:
        """Saves ``data`` in the library as ``<sha256[:2]>/<sha256>.<ext>`` and records it; returns the record.

        The generation's prompt, model, version, seed and prediction id (overridden and extended by
        ``metadata``) are embedded: PNG text chunks, JPEG/WebP XMP, else a ``.json`` sidecar. The file is complete
        before its row exists; when it cannot be written (a full disk, an unwritable folder) ``OutputWriteError``
        is raised and there is neither a file nor a row. Only http(s) source URLs are kept.
        """
        generation = self.get_generation(generation_id)
        prompt = generation.input.get("prompt")
        values = normalize_metadata({
            "prompt": prompt if isinstance(prompt, str) else None, "model": generation.model,
            "version": generation.version, "seed": generation.input.get("seed"),
            "prediction_id": generation.prediction_id,
            "parameters": json.dumps(generation.input, ensure_ascii=False, sort_keys=True), **(metadata or {})})
        try:
            payload, sidecar = embed_metadata(data, content_type, values), None
        except MetadataError:
            payload, sidecar = data, sidecar_bytes(values)
        media_type, extension = type_and_extension(data, content_type)
        # Written without the lock (the window's reads would wait tens of ms); named with its row, under it.
        staged = self._library.stage(payload, extension, sidecar)
        url = mask_tokens(source_url) if source_url and source_url.startswith(("https://", "http://")) else None
        try:
            with self._lock:
                created = self._library.place(staged)
                try:
                    with self._write("record an output") as db:
                        now = self._now()
                        output_id = rowid(db.execute(
                            "INSERT INTO outputs (generation_id, path, content_type, size, sha256, source_url, "
                            "created_at, model, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (generation_id, staged.relative, media_type, len(payload), staged.digest, url, now,
                             model_name(generation.model), output_kind(media_type))))
                        self._touch(db, generation.conversation_id, now)
                        row = db.execute(f"SELECT {OUTPUT_COLUMNS} FROM outputs WHERE id = ?", (output_id,)).fetchone()
                except BaseException:
                    if created:
                        self._remove_unused([staged.relative])
                    raise
        finally:
            self._library.discard(staged)
        return output_from_row(row, self._library.path)

    # --- reading -------------------------------------------------------------------------------------

    def list_entries(self, query: str = "", offset: int = 0, limit: int = 50) -> list[HistoryEntry]:
        """Conversations, latest activity first, whose title or turns contain every word of ``query``
        (as word prefixes with FTS5, as substrings in the LIKE fallback); ``""`` lists them all."""
        terms = schema.search_terms(query)
        where, parameters = schema.search_filter(terms, self.uses_fts)
        texts: dict[int, list[str]] = {}
        with self._read() as db:
            rows = db.execute(ENTRY_QUERY.format(where=where), (*parameters, max(limit, 0), max(offset, 0))).fetchall()
            if terms and rows:
                ids = [row[0] for row in rows]
                for conversation_id, text in db.execute(
                    f"SELECT conversation_id, text FROM turns WHERE conversation_id IN ({', '.join('?' * len(ids))})"
                    " ORDER BY conversation_id, position", ids,
                ):
                    texts.setdefault(conversation_id, []).append(text)
        return [
            HistoryEntry(
                conversation_id=row[0], title=row[1], model=row[2], created_at=parse_timestamp(row[3]),
                updated_at=parse_timestamp(row[4]), snippet=schema.snippet(texts.get(row[0], []), terms, row[5] or ""),
                thumbnail=None if row[6] is None else self._library.path(row[6]), turn_count=row[7],
            )
            for row in rows
        ]

    def count_entries(self, query: str = "") -> int:
        """How many conversations :meth:`list_entries` finds for ``query`` (without offset and limit)."""
        where, parameters = schema.search_filter(schema.search_terms(query), self.uses_fts)
        with self._read() as db:
            return int(db.execute(f"SELECT count(*) FROM conversations c {where}", parameters).fetchone()[0])

    def load_conversation(self, conversation_id: int) -> Conversation:
        """The conversation with its turns in order and its generations, oldest first, with their outputs."""
        with self._read() as db:
            row = db.execute(
                "SELECT id, title, model, created_at, updated_at FROM conversations WHERE id = ?", (conversation_id,)
            ).fetchone()
            if row is None:
                raise NotFoundError(f"There is no conversation {conversation_id}.")
            turns = tuple(turn_from_row(values) for values in db.execute(
                f"SELECT {TURN_COLUMNS} FROM turns WHERE conversation_id = ? ORDER BY position", (conversation_id,)))
            generations = load_generations(
                db, self._library.path, "conversation_id = ? ORDER BY id", (conversation_id,))
        return Conversation(row[0], row[1], row[2], parse_timestamp(row[3]), parse_timestamp(row[4]),
                            turns, tuple(generations))

    def get_generation(self, generation_id: int) -> Generation:
        """One generation with its outputs."""
        with self._read() as db:
            found = load_generations(db, self._library.path, "id = ?", (generation_id,))
        if not found:
            raise NotFoundError(f"There is no generation {generation_id}.")
        return found[0]

    # --- for the gallery (storage/gallery.py) ---------------------------------------------------------

    @property
    def library(self) -> OutputLibrary:
        """The content-addressed files the outputs point to."""
        return self._library

    def reading(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """One read transaction on the database (for queries this class does not offer)."""
        return self._read()

    def writing(self, action: str) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """One write transaction; ``action`` completes "Could not …" in the error's sentence."""
        return self._write(action)

    # --- helpers -------------------------------------------------------------------------------------

    def _now(self) -> str:
        return format_timestamp(self._clock())

    @contextlib.contextmanager
    def _write(self, action: str) -> Iterator[sqlite3.Connection]:
        with self._transaction("BEGIN IMMEDIATE", action) as connection:
            yield connection

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._transaction("BEGIN", "read the history") as connection:
            yield connection

    @contextlib.contextmanager
    def _transaction(self, begin: str, action: str) -> Iterator[sqlite3.Connection]:
        with self._lock:
            connection = self._connection
            if connection is None:
                raise HistoryError("The history is closed.")
            try:
                connection.execute(begin)
                yield connection
                connection.execute("COMMIT")
            except BaseException as error:
                if connection.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        connection.execute("ROLLBACK")
                if isinstance(error, sqlite3.Error):
                    raise HistoryError(f"Could not {action} in {self.path}: {describe_error(error)}.") from error
                raise

    def _touch(self, db: sqlite3.Connection, conversation_id: int, now: str, model: str | None = None) -> None:
        """Moves the conversation to the top (and records the model last used); NotFoundError if it is gone."""
        if not db.execute(
            "UPDATE conversations SET updated_at = ?, model = coalesce(nullif(?, ''), model) WHERE id = ?",
            (now, model, conversation_id),
        ).rowcount:
            raise NotFoundError(f"There is no conversation {conversation_id}.")

    def _remove_unused(self, relative_paths: Sequence[str]) -> list[str]:
        """Deletes the library files among ``relative_paths`` that no output row uses; returns failures."""
        with self._read() as db:
            unused = [path for path in dict.fromkeys(relative_paths)
                      if db.execute("SELECT 1 FROM outputs WHERE path = ? LIMIT 1", (path,)).fetchone() is None]
        return self._library.remove(unused)
