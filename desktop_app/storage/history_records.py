"""The history's plain records (conversations, turns, generations, outputs, list entries) and its errors."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from .gallery_schema import model_name, output_kind, prompt_of
from .validation import mask_tokens

STATUSES = ("starting", "processing", "succeeded", "failed", "canceled", "aborted", "interrupted")
GenerationStatus = Literal["starting", "processing", "succeeded", "failed", "canceled", "aborted", "interrupted"]

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


class HistoryError(Exception):
    """The history could not be opened, read or written; ``str()`` is one sentence for the user."""


class NotFoundError(HistoryError, LookupError):
    """No conversation, turn or generation has the given id."""


@dataclass(frozen=True)
class OutputRecord:
    """A saved output file: ``path`` is absolute, ``relative_path`` is inside the library (``/`` separated)."""

    id: int
    generation_id: int
    path: Path
    relative_path: str
    content_type: str
    size: int
    sha256: str
    source_url: str | None
    created_at: datetime


@dataclass(frozen=True)
class Generation:
    """One prediction: its model and input, how it went, and the outputs it saved."""

    id: int
    conversation_id: int
    turn_id: int | None
    model: str
    version: str | None
    input: Mapping[str, Any]
    prediction_id: str | None
    status: str
    error: str | None
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    predict_time: float | None
    outputs: tuple[OutputRecord, ...] = ()


@dataclass(frozen=True)
class Turn:
    """One message of a conversation; ``position`` counts from 0."""

    id: int
    conversation_id: int
    position: int
    role: str
    text: str
    model: str
    state: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Conversation:
    """A conversation with its turns in order and its generations oldest first.

    ``model`` is the model used last; :attr:`models` lists every model used.
    """

    id: int
    title: str
    model: str
    created_at: datetime
    updated_at: datetime
    turns: tuple[Turn, ...] = ()
    generations: tuple[Generation, ...] = ()

    @property
    def models(self) -> tuple[str, ...]:
        """Every model the turns and generations used, in order of first use."""
        seen = dict.fromkeys(
            [turn.model for turn in self.turns if turn.model] + [gen.model for gen in self.generations if gen.model]
        )
        return tuple(seen) or (self.model,)


@dataclass(frozen=True)
class HistoryEntry:
    """A line of the history list: the conversation, its last activity, a snippet and a thumbnail."""

    conversation_id: int
    title: str
    model: str
    created_at: datetime
    updated_at: datetime
    snippet: str
    thumbnail: Path | None
    turn_count: int


def format_timestamp(when: datetime) -> str:
    """``2026-11-28T14:30:59.000000Z`` (UTC, fixed width, sorts as text). A naive datetime is local time."""
    return when.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def parse_timestamp(text: str) -> datetime:
    """The aware UTC datetime of a stored timestamp."""
    return datetime.strptime(text, TIMESTAMP_FORMAT).replace(tzinfo=UTC)


def to_timestamp(value: datetime | str | None) -> str | None:
    """A stored timestamp from a datetime or ISO 8601 text (``…Z`` accepted); ``None`` stays ``None``."""
    if value is None:
        return None
    return format_timestamp(datetime.fromisoformat(value) if isinstance(value, str) else value)


# --- rows ↔ records -------------------------------------------------------------------------------

OUTPUT_COLUMNS = "id, generation_id, path, content_type, size, sha256, source_url, created_at"
GENERATION_COLUMNS = (
    "id, conversation_id, turn_id, model, version, input_json, prediction_id, status, error, "
    "created_at, started_at, completed_at, predict_time"
)
TURN_COLUMNS = "id, conversation_id, position, role, text, model, state, created_at, updated_at"


def output_from_row(row: Sequence[Any], locate: Callable[[str], Path]) -> OutputRecord:
    """An :class:`OutputRecord` from ``OUTPUT_COLUMNS``; ``locate`` turns the relative path into an absolute one."""
    return OutputRecord(
        id=row[0], generation_id=row[1], path=locate(row[2]), relative_path=row[2], content_type=row[3],
        size=row[4], sha256=row[5], source_url=row[6], created_at=parse_timestamp(row[7]),
    )


def generation_from_row(row: Sequence[Any], outputs: Sequence[OutputRecord]) -> Generation:
    """A :class:`Generation` from ``GENERATION_COLUMNS``."""
    return Generation(
        id=row[0], conversation_id=row[1], turn_id=row[2], model=row[3], version=row[4], input=json.loads(row[5]),
        prediction_id=row[6], status=row[7], error=row[8], created_at=parse_timestamp(row[9]),
        started_at=_optional(row[10]), completed_at=_optional(row[11]), predict_time=row[12], outputs=tuple(outputs),
    )


def turn_from_row(row: Sequence[Any]) -> Turn:
    """A :class:`Turn` from ``TURN_COLUMNS``."""
    return Turn(
        id=row[0], conversation_id=row[1], position=row[2], role=row[3], text=row[4], model=row[5], state=row[6],
        created_at=parse_timestamp(row[7]), updated_at=parse_timestamp(row[8]),
    )


def _optional(text: str | None) -> datetime | None:
    return None if text is None else parse_timestamp(text)


def load_generations(
    db: sqlite3.Connection, locate: Callable[[str], Path], condition: str, parameters: Sequence[Any]
) -> list[Generation]:
    """The generations matching the SQL ``condition`` (which may end in ``ORDER BY``), with their outputs
    (those deleted in the gallery left out)."""
    rows = db.execute(f"SELECT {GENERATION_COLUMNS} FROM generations WHERE {condition}", parameters).fetchall()
    outputs: dict[int, list[OutputRecord]] = {}
    if rows:
        ids = [row[0] for row in rows]
        for output in db.execute(
            f"SELECT {OUTPUT_COLUMNS} FROM outputs WHERE generation_id IN ({', '.join('?' * len(ids))})"
            " AND deleted_at IS NULL ORDER BY id",
            ids,
        ):
            outputs.setdefault(output[1], []).append(output_from_row(output, locate))
    return [generation_from_row(row, outputs.get(row[0], ())) for row in rows]


def input_json_text(value: Mapping[str, Any]) -> str:
    """The JSON text stored for a generation's input, with anything token-shaped masked."""
    try:
        return mask_tokens(json.dumps(dict(value), ensure_ascii=False, allow_nan=False))
    except (TypeError, ValueError) as error:
        raise ValueError(f"The generation input cannot be stored as JSON: {error}") from error


def rowid(cursor: sqlite3.Cursor) -> int:
    """The id of the row an INSERT just added."""
    if cursor.lastrowid is None:  # pragma: no cover - an INSERT always sets it
        raise HistoryError("The database did not return the new row's id.")
    return cursor.lastrowid


def insert_copy(db: sqlite3.Connection, conversation: Conversation, stored: Mapping[int, str]) -> int:
    """Inserts ``conversation`` under new ids (turn links remapped, output paths from ``stored``)."""
    stamp = format_timestamp
    conversation_id = rowid(db.execute(
        "INSERT INTO conversations (title, model, created_at, updated_at) VALUES (?, ?, ?, ?)",
        (conversation.title, conversation.model, stamp(conversation.created_at), stamp(conversation.updated_at))))
    turn_ids: dict[int, int] = {}
    for turn in conversation.turns:
        turn_ids[turn.id] = rowid(db.execute(
            "INSERT INTO turns (conversation_id, position, role, text, model, state, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (conversation_id, turn.position, turn.role, turn.text, turn.model,
                                                 turn.state, stamp(turn.created_at), stamp(turn.updated_at))))
    for generation in conversation.generations:
        if generation.status not in STATUSES:
            raise HistoryError(f"Unknown generation status {generation.status!r}.")
        input_json = input_json_text(generation.input)
        generation_id = rowid(db.execute(
            f"INSERT INTO generations ({GENERATION_COLUMNS.removeprefix('id, ')}, prompt) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (conversation_id, None if generation.turn_id is None else turn_ids.get(generation.turn_id),
             generation.model, generation.version, input_json, generation.prediction_id,
             generation.status, generation.error, stamp(generation.created_at), to_timestamp(generation.started_at),
             to_timestamp(generation.completed_at), generation.predict_time, prompt_of(json.loads(input_json)))))
        for output in generation.outputs:
            db.execute(
                "INSERT INTO outputs (generation_id, path, content_type, size, sha256, source_url, created_at, model,"
                " kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (generation_id, stored[output.id], output.content_type, output.size, output.sha256, output.source_url,
                 stamp(output.created_at), model_name(generation.model), output_kind(output.content_type)))
    return conversation_id


# One page of the history list: each conversation with its last text, first image and turn count.
ENTRY_QUERY = """
SELECT c.id, c.title, c.model, c.created_at, c.updated_at,
  (SELECT substr(t.text, 1, 400) FROM turns t WHERE t.conversation_id = c.id AND t.text != ''
   ORDER BY t.position DESC LIMIT 1),
  (SELECT o.path FROM generations g JOIN outputs o ON o.generation_id = g.id
   WHERE g.conversation_id = c.id AND o.kind = 'image' AND o.deleted_at IS NULL ORDER BY g.id, o.id LIMIT 1),
  (SELECT count(*) FROM turns t WHERE t.conversation_id = c.id)
FROM (SELECT c.id FROM conversations c {where} ORDER BY c.updated_at DESC, c.id DESC LIMIT ? OFFSET ?) AS page
JOIN conversations c ON c.id = page.id
ORDER BY c.updated_at DESC, c.id DESC"""


def utc_now() -> datetime:
    """The history's clock: now, in UTC."""
    return datetime.now(UTC)
