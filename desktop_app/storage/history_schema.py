"""The history database's tables, its forward migrations (``PRAGMA user_version``) and the full-text index."""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from .gallery_schema import add_gallery_columns
from .history_records import STATUSES, HistoryError

SCHEMA_VERSION = 3

UNFINISHED = ("starting", "processing")

_V1_STATUSES = "'starting', 'processing', 'succeeded', 'failed', 'canceled', 'aborted'"

# Version 1: the first released shape. Never edit it: later versions are migrations below.
_V1_TABLES = (
    """CREATE TABLE conversations (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        model TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX conversations_by_activity ON conversations (updated_at DESC, id DESC)",
    """CREATE TABLE turns (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        role TEXT NOT NULL,
        text TEXT NOT NULL,
        model TEXT NOT NULL,
        state TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (conversation_id, position)
    )""",
    f"""CREATE TABLE generations (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        turn_id INTEGER REFERENCES turns (id) ON DELETE SET NULL,
        model TEXT NOT NULL,
        version TEXT,
        input_json TEXT NOT NULL,
        prediction_id TEXT,
        status TEXT NOT NULL CHECK (status IN ({_V1_STATUSES})),
        error TEXT,
        created_at TEXT NOT NULL,
        started_at TEXT,
        completed_at TEXT,
        predict_time REAL
    )""",
    "CREATE INDEX generations_by_conversation ON generations (conversation_id, id)",
    "CREATE INDEX generations_by_turn ON generations (turn_id)",
    "CREATE INDEX generations_unfinished ON generations (status) WHERE status IN ('starting', 'processing')",
    """CREATE TABLE outputs (
        id INTEGER PRIMARY KEY,
        generation_id INTEGER NOT NULL REFERENCES generations (id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        content_type TEXT NOT NULL,
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        source_url TEXT,
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX outputs_by_generation ON outputs (generation_id, id)",
    "CREATE INDEX outputs_by_path ON outputs (path)",
)


def _create_v1(connection: sqlite3.Connection) -> None:
    for statement in _V1_TABLES:
        connection.execute(statement)


def _add_interrupted_status(connection: sqlite3.Connection) -> None:
    """v1 → v2: generations may be ``interrupted`` (the app quit before the prediction existed).

    SQLite cannot alter a CHECK constraint, so the table is rebuilt (create, copy, drop, rename);
    :func:`migrate` runs this with foreign keys off and checks them before committing.
    """
    statuses = ", ".join(f"'{status}'" for status in STATUSES)
    connection.execute(
        f"""CREATE TABLE generations_v2 (
            id INTEGER PRIMARY KEY,
            conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            turn_id INTEGER REFERENCES turns (id) ON DELETE SET NULL,
            model TEXT NOT NULL,
            version TEXT,
            input_json TEXT NOT NULL,
            prediction_id TEXT,
            status TEXT NOT NULL CHECK (status IN ({statuses})),
            error TEXT,
            created_at TEXT NOT NULL,
            started_at TEXT,
            completed_at TEXT,
            predict_time REAL
        )"""
    )
    columns = (
        "id, conversation_id, turn_id, model, version, input_json, prediction_id, status, error, "
        "created_at, started_at, completed_at, predict_time"
    )
    connection.execute(f"INSERT INTO generations_v2 ({columns}) SELECT {columns} FROM generations")
    connection.execute("DROP TABLE generations")
    connection.execute("ALTER TABLE generations_v2 RENAME TO generations")
    connection.execute("CREATE INDEX generations_by_conversation ON generations (conversation_id, id)")
    connection.execute("CREATE INDEX generations_by_turn ON generations (turn_id)")
    connection.execute(
        "CREATE INDEX generations_unfinished ON generations (status) WHERE status IN ('starting', 'processing')"
    )


Migration = Callable[[sqlite3.Connection], None]

#: Upgrades the database from version N (the key) to N + 1; version 0 is an empty file.
MIGRATIONS: Mapping[int, Migration] = {0: _create_v1, 1: _add_interrupted_status, 2: add_gallery_columns}


class NewerSchemaError(Exception):
    """The database was written by a newer version of the app."""


class ForeignDatabaseError(Exception):
    """The file is an SQLite database, but not one this app created."""


class DamagedDatabaseError(Exception):
    """The file is corrupt or not a history database; ``str()`` says why. It should be moved aside."""


def schema_version(connection: sqlite3.Connection) -> int:
    """The ``PRAGMA user_version`` of the database."""
    row = connection.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def migrate(
    connection: sqlite3.Connection,
    target: int = SCHEMA_VERSION,
    migrations: Mapping[int, Migration] = MIGRATIONS,
) -> int:
    """Brings the database up to ``target``, one committed step per version; returns the version it had.

    The connection must be in autocommit mode (``isolation_level=None``). Each step runs in its own
    ``BEGIN IMMEDIATE`` transaction with foreign keys off (so tables can be rebuilt) and a
    ``foreign_key_check`` before the commit; a failing step leaves the database at the previous version.
    """
    found = schema_version(connection)
    if found > target:
        raise NewerSchemaError(f"schema version {found} is newer than this app's {target}")
    if found == 0 and connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
        raise ForeignDatabaseError("it holds tables this app did not create")
    connection.execute("PRAGMA foreign_keys = OFF")
    try:
        while (version := schema_version(connection)) < target:
            connection.execute("BEGIN IMMEDIATE")
            try:
                if schema_version(connection) == version:  # another process may have just done it
                    migrations[version](connection)
                    problems = connection.execute("PRAGMA foreign_key_check").fetchall()
                    if problems:
                        raise sqlite3.IntegrityError(f"migration {version} broke {len(problems)} references")
                    connection.execute(f"PRAGMA user_version = {version + 1}")
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
    finally:
        connection.execute("PRAGMA foreign_keys = ON")
    return found


# --- Full-text search ----------------------------------------------------------------------------
# One FTS5 row per conversation (rowid = conversation id): its title and the text of all its turns,
# kept in step by triggers, so a search returns conversation ids without a join; and one per
# generation (rowid = generation id) with its prompt, for the gallery. The index depends on the
# SQLite build, not on the schema version: without FTS5 the triggers are dropped and search
# falls back to LIKE; when FTS5 is back (or the set of triggers changed), the index is rebuilt.

_TOKENIZER = "unicode61 remove_diacritics 2"
_FTS_TABLE = f"CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(title, body, tokenize='{_TOKENIZER}')"
_PROMPT_FTS_TABLE = f"CREATE VIRTUAL TABLE IF NOT EXISTS prompt_fts USING fts5(prompt, tokenize='{_TOKENIZER}')"
_DOCUMENT = (
    "SELECT c.id, c.title, coalesce((SELECT group_concat(t.text, char(10)) FROM turns t "
    "WHERE t.conversation_id = c.id), '') FROM conversations c"
)


def _refresh(conversation: str) -> str:
    return (f"DELETE FROM search_fts WHERE rowid = {conversation}; "
            f"INSERT INTO search_fts (rowid, title, body) {_DOCUMENT} WHERE c.id = {conversation};")


_PROMPT_INSERT = "INSERT INTO prompt_fts (rowid, prompt) VALUES (new.id, new.prompt);"
_PROMPT_DELETE = "DELETE FROM prompt_fts WHERE rowid = old.id;"

FTS_TRIGGERS = {
    "search_fts_conversation_insert": f"AFTER INSERT ON conversations BEGIN {_refresh('new.id')} END",
    "search_fts_conversation_title": f"AFTER UPDATE OF title ON conversations BEGIN {_refresh('new.id')} END",
    "search_fts_conversation_delete": "AFTER DELETE ON conversations BEGIN "
    "DELETE FROM search_fts WHERE rowid = old.id; END",
    "search_fts_turn_insert": f"AFTER INSERT ON turns BEGIN {_refresh('new.conversation_id')} END",
    "search_fts_turn_text": f"AFTER UPDATE OF text ON turns BEGIN {_refresh('new.conversation_id')} END",
    "search_fts_turn_delete": f"AFTER DELETE ON turns BEGIN {_refresh('old.conversation_id')} END",
    "search_fts_generation_insert": f"AFTER INSERT ON generations BEGIN {_PROMPT_INSERT} END",
    "search_fts_generation_prompt":
        f"AFTER UPDATE OF prompt ON generations BEGIN {_PROMPT_DELETE} {_PROMPT_INSERT} END",
    "search_fts_generation_delete": f"AFTER DELETE ON generations BEGIN {_PROMPT_DELETE} END",
}


def fts5_available(connection: sqlite3.Connection) -> bool:
    """Whether this SQLite has FTS5: compiled in (``PRAGMA compile_options``) or loadable (a probe table)."""
    options = {str(row[0]) for row in connection.execute("PRAGMA compile_options")}
    if "ENABLE_FTS5" in options:
        return True
    try:
        connection.execute("CREATE VIRTUAL TABLE temp.fts5_probe USING fts5(x)")
        connection.execute("DROP TABLE temp.fts5_probe")
    except sqlite3.Error:
        return False
    return True


def sync_search_index(connection: sqlite3.Connection, enabled: bool) -> None:
    """Creates (and rebuilds, if it was not maintained) the FTS index when ``enabled``; else drops its triggers."""
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name GLOB 'search_fts*'")
    present = {str(row[0]) for row in rows}
    if present == (set(FTS_TRIGGERS) if enabled else set()):
        return
    connection.execute("BEGIN IMMEDIATE")
    try:
        for name in present:
            connection.execute(f"DROP TRIGGER IF EXISTS {name}")
        if enabled:
            connection.execute(_FTS_TABLE)
            connection.execute(_PROMPT_FTS_TABLE)
            for name, body in FTS_TRIGGERS.items():
                connection.execute(f"CREATE TRIGGER {name} {body}")
            connection.execute("DELETE FROM search_fts")
            connection.execute(f"INSERT INTO search_fts (rowid, title, body) {_DOCUMENT}")
            connection.execute("DELETE FROM prompt_fts")
            connection.execute("INSERT INTO prompt_fts (rowid, prompt) SELECT id, prompt FROM generations")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


_WORD = re.compile(r"\w", re.UNICODE)


def search_terms(query: str) -> list[str]:
    """The words of a search box entry (whitespace-separated, those with at least one letter or digit)."""
    return [term for term in query.split() if _WORD.search(term)]


def fts_query(terms: Sequence[str]) -> str:
    """An FTS5 query requiring every term as a quoted prefix phrase (``"cat"* "hat"*``), safe against FTS syntax."""
    return " ".join('"' + term.replace('"', '""') + '"*' for term in terms)


def like_term(term: str) -> str:
    """A ``LIKE … ESCAPE '\\'`` pattern that finds ``term`` anywhere."""
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_filter(terms: Sequence[str], fts: bool) -> tuple[str, list[str]]:
    """A ``WHERE`` clause over ``conversations c`` requiring every term in the title or some turn."""
    if not terms:
        return "", []
    if fts:
        return "WHERE c.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?)", [fts_query(terms)]
    clause = "(c.title LIKE ? ESCAPE '\\' OR c.id IN (SELECT conversation_id FROM turns WHERE text LIKE ? ESCAPE '\\'))"
    patterns = [like_term(term) for term in terms]
    return "WHERE " + " AND ".join([clause] * len(terms)), [pattern for pattern in patterns for _ in range(2)]


SNIPPET_LENGTH = 160


def snippet(texts: Sequence[str], terms: Sequence[str], fallback: str) -> str:
    """About ``SNIPPET_LENGTH`` characters around the first match of any term, else ``fallback``, on one line."""
    folded_terms = [term.casefold() for term in terms]
    for text in texts:
        folded = text.casefold()
        hits = [folded.find(term) for term in folded_terms if term in folded]
        if hits:
            start = max(0, min(hits) - 40)
            window = " ".join(text[start : start + SNIPPET_LENGTH + 40].split())
            more = len(window) > SNIPPET_LENGTH or start + SNIPPET_LENGTH + 40 < len(text)
            return ("…" if start else "") + window[:SNIPPET_LENGTH] + ("…" if more else "")
    line = " ".join(fallback.split())
    return line if len(line) <= SNIPPET_LENGTH else line[: SNIPPET_LENGTH - 1] + "…"


# --- Opening the file ----------------------------------------------------------------------------

_CORRUPT_CODES = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB (primary result codes)
BUSY_TIMEOUT = 10.0  # seconds to wait for another process (a second app window) to finish writing


def open_database(path: Path) -> sqlite3.Connection:
    """An autocommit connection to ``path`` in WAL mode with foreign keys on, checked and migrated.

    Raises :class:`DamagedDatabaseError` when the file is corrupt (garbage bytes, a failing
    ``PRAGMA integrity_check``) or not a history database, and :class:`HistoryError` when it
    cannot be opened (locked, unreadable folder) or comes from a newer app; it is then untouched.
    """
    try:
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as error:
        raise HistoryError(f"Could not open the history database {path}: {describe_error(error)}.") from error
    try:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")  # with WAL: consistent after any crash
        connection.execute("PRAGMA foreign_keys = ON")
        problems = [str(row[0]) for row in connection.execute("PRAGMA integrity_check(3)")]
        if problems != ["ok"]:
            raise DamagedDatabaseError("the integrity check found: " + "; ".join(problems))
        migrate(connection)
        return connection
    except BaseException as error:
        connection.close()
        if isinstance(error, ForeignDatabaseError):
            raise DamagedDatabaseError(f"{error}") from error
        if isinstance(error, NewerSchemaError):
            raise HistoryError(
                f"The history database {path} was written by a newer version of Replicate Desktop ({error}); "
                "it was left untouched. Update the app to open it."
            ) from error
        if isinstance(error, sqlite3.DatabaseError) and _primary_code(error) in _CORRUPT_CODES:
            raise DamagedDatabaseError(describe_error(error)) from error
        if isinstance(error, sqlite3.Error):
            raise HistoryError(f"Could not open the history database {path}: {describe_error(error)}.") from error
        raise


def move_aside(path: Path, now: datetime) -> Path:
    """Renames a damaged database (and its ``-wal``/``-shm`` files) to ``<name>.corrupt-<timestamp>``."""
    stamp = now.strftime("%Y%m%d-%H%M%S")
    backup = path.with_name(f"{path.name}.corrupt-{stamp}")
    counter = 2
    while backup.exists():
        backup = path.with_name(f"{path.name}.corrupt-{stamp}-{counter}")
        counter += 1
    try:
        os.replace(path, backup)
        for suffix in ("-wal", "-shm"):
            companion = path.with_name(path.name + suffix)
            if companion.exists():
                os.replace(companion, backup.with_name(backup.name + suffix))
    except OSError as error:
        raise HistoryError(
            f"The history database {path} is damaged and could not be moved aside ({describe_error(error)}); "
            "it was left untouched."
        ) from error
    return backup


def describe_error(error: BaseException) -> str:
    """A short lowercase reason for an SQLite or OS error (``the disk is full`` …)."""
    if isinstance(error, sqlite3.Error):
        if _primary_code(error) == 13:  # SQLITE_FULL
            return "the disk is full"
        return str(error) or type(error).__name__
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    return str(error) or type(error).__name__


def _primary_code(error: sqlite3.Error) -> int:
    return int(getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF
