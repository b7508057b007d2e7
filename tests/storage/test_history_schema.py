"""The history database file: pragmas, the schema version, migrations from every version, damaged files."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop_app.storage import HistoryError, HistoryStore
from desktop_app.storage import history_schema as schema

# The first released schema, written out by hand: the migrations must accept exactly this.
V1_SCHEMA = """
CREATE TABLE conversations (
    id INTEGER PRIMARY KEY, title TEXT NOT NULL, model TEXT NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE INDEX conversations_by_activity ON conversations (updated_at DESC, id DESC);
CREATE TABLE turns (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    position INTEGER NOT NULL, role TEXT NOT NULL, text TEXT NOT NULL, model TEXT NOT NULL, state TEXT NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    UNIQUE (conversation_id, position)
);
CREATE TABLE generations (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    turn_id INTEGER REFERENCES turns (id) ON DELETE SET NULL,
    model TEXT NOT NULL, version TEXT, input_json TEXT NOT NULL, prediction_id TEXT,
    status TEXT NOT NULL CHECK (status IN ('starting', 'processing', 'succeeded', 'failed', 'canceled', 'aborted')),
    error TEXT, created_at TEXT NOT NULL, started_at TEXT, completed_at TEXT, predict_time REAL
);
CREATE INDEX generations_by_conversation ON generations (conversation_id, id);
CREATE INDEX generations_by_turn ON generations (turn_id);
CREATE INDEX generations_unfinished ON generations (status) WHERE status IN ('starting', 'processing');
CREATE TABLE outputs (
    id INTEGER PRIMARY KEY,
    generation_id INTEGER NOT NULL REFERENCES generations (id) ON DELETE CASCADE,
    path TEXT NOT NULL, content_type TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL,
    source_url TEXT, created_at TEXT NOT NULL
);
CREATE INDEX outputs_by_generation ON outputs (generation_id, id);
CREATE INDEX outputs_by_path ON outputs (path);
PRAGMA user_version = 1;
"""

T0 = "2026-01-02T03:04:05.000000Z"
T1 = "2026-01-02T03:05:00.000000Z"
SHA = "ab" * 32


def add_v1_rows(db: sqlite3.Connection) -> None:
    """One conversation with two turns, a finished generation with an output and a lost one."""
    db.execute("INSERT INTO conversations VALUES (1, 'Old chat', 'flux', ?, ?)", (T0, T1))
    db.execute("INSERT INTO turns VALUES (1, 1, 0, 'user', 'a lighthouse at dusk', 'flux', 'done', ?, ?)", (T0, T0))
    db.execute("INSERT INTO turns VALUES (2, 1, 1, 'assistant', '', 'flux', 'done', ?, ?)", (T0, T1))
    db.execute("INSERT INTO generations VALUES (1, 1, 2, 'flux', 'v9', '{\"prompt\": \"a lighthouse at dusk\"}', "
               "'pred-1', 'succeeded', NULL, ?, ?, ?, 2.5)", (T0, T0, T1))
    db.execute("INSERT INTO generations VALUES (2, 1, NULL, 'flux', NULL, '{}', NULL, 'processing', NULL, ?, NULL, "
               "NULL, NULL)", (T1,))
    db.execute("INSERT INTO outputs VALUES (1, 1, ?, 'image/png', 10, ?, 'https://replicate.delivery/x.png', ?)",
               (f"{SHA[:2]}/{SHA}.png", SHA, T1))


def build_v1_by_hand(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.executescript(V1_SCHEMA)
        add_v1_rows(db)
    sqlite3.connect(path).close()


def normalized_schema(path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name").fetchall()
    clean = []
    for name, sql in rows:
        text = re.sub(r"\s+", " ", sql.replace('"', ""))
        clean.append((name, re.sub(r"\s*([(),])\s*", r"\1", text)))
    return clean


def backups(folder: Path) -> list[Path]:
    """The moved-aside database files (without their -wal and -shm companions)."""
    return sorted(p for p in folder.glob("history.db.corrupt-*") if not p.name.endswith(("-wal", "-shm")))


def check_upgraded_v1_data(store: HistoryStore) -> None:
    conversation = store.load_conversation(1)
    assert conversation.title == "Old chat"
    assert conversation.updated_at == datetime(2026, 1, 2, 3, 5, tzinfo=UTC)
    assert [turn.text for turn in conversation.turns] == ["a lighthouse at dusk", ""]
    finished, lost = conversation.generations
    assert (finished.status, finished.prediction_id, finished.predict_time, finished.turn_id) == (
        "succeeded", "pred-1", 2.5, 2)
    assert [output.sha256 for output in finished.outputs] == [SHA]
    assert finished.outputs[0].path == store.library_dir / SHA[:2] / f"{SHA}.png"
    assert [entry.conversation_id for entry in store.list_entries("lighthouse")] == [1]  # indexed on upgrade
    assert store.restart.mark_interrupted_on_start() == 1  # the v2 status
    assert store.get_generation(lost.id).status == "interrupted"


def test_a_new_database_uses_wal_foreign_keys_and_the_current_version(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "history.db") as store:
        connection = store._connection
        assert connection is not None
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert connection.execute("PRAGMA foreign_keys").fetchone() == (1,)
        assert connection.execute("PRAGMA synchronous").fetchone() == (1,)  # NORMAL
        assert schema.schema_version(connection) == schema.SCHEMA_VERSION == 3
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            connection.execute("INSERT INTO turns (conversation_id, position, role, text, model, state, created_at,"
                               " updated_at) VALUES (42, 0, 'user', '', 'm', 'done', 'x', 'x')")
    with sqlite3.connect(tmp_path / "history.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)  # WAL is a property of the file


def test_opening_a_hand_built_v1_database_migrates_it(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    build_v1_by_hand(path)
    with sqlite3.connect(path) as db, pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        db.execute("UPDATE generations SET status = 'interrupted' WHERE id = 2")  # v1 does not know it

    with HistoryStore.open(path) as store:
        assert store.last_warning is None
        check_upgraded_v1_data(store)

    fresh = tmp_path / "fresh.db"
    HistoryStore.open(fresh).close()
    assert normalized_schema(path) == normalized_schema(fresh)


@pytest.mark.parametrize("version", range(schema.SCHEMA_VERSION))
def test_every_earlier_version_upgrades_to_the_current_one(tmp_path: Path, version: int) -> None:
    path = tmp_path / "history.db"
    db = sqlite3.connect(path, isolation_level=None)
    assert schema.migrate(db, target=version) == 0
    assert schema.schema_version(db) == version
    if version >= 1:
        db.execute("BEGIN")
        add_v1_rows(db)
        db.execute("COMMIT")
    db.close()

    with HistoryStore.open(path) as store:
        connection = store._connection
        assert connection is not None
        assert schema.schema_version(connection) == schema.SCHEMA_VERSION
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        if version >= 1:
            check_upgraded_v1_data(store)
        else:
            assert store.list_entries() == []
    fresh = tmp_path / "fresh.db"
    HistoryStore.open(fresh).close()
    assert normalized_schema(path) == normalized_schema(fresh)


def test_a_failing_migration_leaves_the_previous_version(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    build_v1_by_hand(path)

    def broken(connection: sqlite3.Connection) -> None:
        connection.execute("DROP TABLE generations")
        raise RuntimeError("bug in migration")

    db = sqlite3.connect(path, isolation_level=None)
    with pytest.raises(RuntimeError, match="bug in migration"):
        schema.migrate(db, migrations={**schema.MIGRATIONS, 1: broken})
    assert schema.schema_version(db) == 1
    assert db.execute("SELECT count(*) FROM generations").fetchone() == (2,)
    assert db.execute("PRAGMA foreign_keys").fetchone() == (1,)
    db.close()


def test_a_migration_that_breaks_references_is_rolled_back(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    build_v1_by_hand(path)

    def orphaning(connection: sqlite3.Connection) -> None:
        connection.execute("DELETE FROM conversations")  # foreign keys are off while migrating: no cascade

    db = sqlite3.connect(path, isolation_level=None)
    with pytest.raises(sqlite3.IntegrityError, match="broke"):
        schema.migrate(db, migrations={**schema.MIGRATIONS, 1: orphaning})
    assert db.execute("SELECT count(*) FROM conversations").fetchone() == (1,)
    db.close()


def test_a_database_from_a_newer_app_is_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    HistoryStore.open(path).close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    before = path.read_bytes()

    with pytest.raises(HistoryError, match="newer version") as caught:
        HistoryStore.open(path)

    assert "left untouched" in str(caught.value)
    assert path.read_bytes() == before
    assert backups(tmp_path) == []


def test_garbage_bytes_are_moved_aside_and_a_new_history_starts(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    garbage = b"this is not a database, just some unlucky bytes " * 100
    path.write_bytes(garbage)

    with HistoryStore.open(path, clock=lambda: datetime(2026, 11, 28, 14, 30, 5, tzinfo=UTC)) as store:
        backup = tmp_path / "history.db.corrupt-20261128-143005"
        assert backup.read_bytes() == garbage
        assert store.last_warning is not None
        assert store.last_warning.startswith(f"The history database {path} was damaged (")
        assert "history.db.corrupt-20261128-143005" in store.last_warning
        assert "new, empty history" in store.last_warning
        conversation = store.create_conversation("works again", "m")
        assert [e.conversation_id for e in store.list_entries()] == [conversation]


def test_a_failing_integrity_check_moves_the_file_aside(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    with HistoryStore.open(path) as store:
        for index in range(20):
            conversation = store.create_conversation(f"chat {index}", "m")
            store.add_turn(conversation, "user", "hello", "m", "done")  # updated_at moves past created_at
    with sqlite3.connect(path) as db:  # the index now disagrees with its table
        db.execute("PRAGMA writable_schema = ON")
        db.execute("UPDATE sqlite_master SET sql = 'CREATE INDEX conversations_by_activity ON conversations "
                   "(created_at DESC, id DESC)' WHERE name = 'conversations_by_activity'")
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() != [("ok",)]

    with HistoryStore.open(path) as store:
        assert store.last_warning is not None
        assert "integrity check" in store.last_warning
        assert store.list_entries() == []
    assert len(backups(tmp_path)) == 1


def test_a_scrambled_page_moves_the_file_aside(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    with HistoryStore.open(path) as store:
        for index in range(300):
            conversation = store.create_conversation(f"title {index}", "m")
            store.add_turn(conversation, "user", "some words " * 20, "m", "done")
    with sqlite3.connect(path) as db:
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'conversations_by_activity'").fetchone()[0]
    data = bytearray(path.read_bytes())
    for offset in range((root - 1) * page_size + 100, root * page_size, 7):
        data[offset] = (data[offset] * 31 + 17) % 256
    path.write_bytes(bytes(data))

    with HistoryStore.open(path) as store:
        assert store.last_warning is not None
        assert "malformed" in store.last_warning
    assert [p.read_bytes() for p in backups(tmp_path)] == [bytes(data)]


def test_move_aside_takes_the_wal_and_shared_memory_files_along(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    for name, content in (("history.db", b"main"), ("history.db-wal", b"wal"), ("history.db-shm", b"shm")):
        (tmp_path / name).write_bytes(content)

    backup = schema.move_aside(path, datetime(2026, 11, 28, 9, 0, tzinfo=UTC))

    assert backup == tmp_path / "history.db.corrupt-20261128-090000"
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == {
        "history.db.corrupt-20261128-090000": b"main", "history.db.corrupt-20261128-090000-wal": b"wal",
        "history.db.corrupt-20261128-090000-shm": b"shm"}


def test_a_damaged_file_that_cannot_be_moved_is_left_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "history.db"
    path.write_bytes(b"garbage" * 100)

    def refuse(source: object, target: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(schema.os, "replace", refuse)
    with pytest.raises(HistoryError, match=r"damaged and could not be moved aside \(permission denied\)"):
        HistoryStore.open(path)
    assert path.read_bytes() == b"garbage" * 100


def test_two_damaged_files_in_the_same_second_keep_both_backups(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    when = datetime(2026, 11, 28, 14, 30, 5, tzinfo=UTC)
    for attempt in (b"first garbage" * 50, b"second garbage" * 50):
        path.unlink(missing_ok=True)
        for companion in tmp_path.glob("history.db-*"):
            companion.unlink()
        path.write_bytes(attempt)
        HistoryStore.open(path, clock=lambda: when).close()
    assert [p.name for p in backups(tmp_path)] == [
        "history.db.corrupt-20261128-143005", "history.db.corrupt-20261128-143005-2"]


def test_a_foreign_sqlite_database_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE recipes (name TEXT)")

    with HistoryStore.open(path) as store:
        assert store.last_warning is not None
        assert "tables this app did not create" in store.last_warning
    [backup] = backups(tmp_path)
    with sqlite3.connect(backup) as db:
        assert db.execute("SELECT name FROM sqlite_master").fetchall() == [("recipes",)]


def test_an_empty_file_is_a_new_history(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    path.write_bytes(b"")
    with HistoryStore.open(path) as store:
        assert store.last_warning is None
        assert store.count_entries() == 0


def test_a_locked_database_is_an_error_not_damage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schema, "BUSY_TIMEOUT", 0.05)
    path = tmp_path / "history.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(HistoryError, match="locked"):
            HistoryStore.open(path)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert backups(tmp_path) == []


def test_an_unusable_folder_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be")
    with pytest.raises(HistoryError, match=r"Could not create the history folder .*data"):
        HistoryStore.open(blocker / "history.db")
    (tmp_path / "folder.db").mkdir()
    with pytest.raises(HistoryError, match="Could not open the history database"):
        HistoryStore.open(tmp_path / "folder.db")


def test_fts5_detection_matches_the_compile_options(tmp_path: Path) -> None:
    db = sqlite3.connect(":memory:")
    compiled = any(row[0] == "ENABLE_FTS5" for row in db.execute("PRAGMA compile_options"))
    assert schema.fts5_available(db) is (compiled or schema.fts5_available(db))
    with HistoryStore.open(tmp_path / "history.db") as store:
        assert store.uses_fts is schema.fts5_available(db)


@pytest.mark.parametrize(
    ("query", "terms", "fts"),
    [
        ("cat", ["cat"], '"cat"*'),
        ('  a "quoted" word ', ["a", '"quoted"', "word"], '"a"* """quoted"""* "word"*'),
        ("- ! cat", ["cat"], '"cat"*'),
        ("", [], ""),
    ],
)
def test_search_terms_and_fts_queries(query: str, terms: list[str], fts: str) -> None:
    assert schema.search_terms(query) == terms
    assert schema.fts_query(terms) == fts


def test_like_terms_escape_wildcards() -> None:
    assert schema.like_term("100%_a\\b") == "%100\\%\\_a\\\\b%"


def test_snippets() -> None:
    long_text = "word " * 100 + "NEEDLE here " + "tail " * 100
    hit = schema.snippet(["nothing", long_text], ["needle"], "fallback")
    assert hit.startswith("…")
    assert hit.endswith("…")
    assert "NEEDLE here" in hit
    assert len(hit) <= schema.SNIPPET_LENGTH + 2
    assert schema.snippet(["short needle text"], ["needle"], "x") == "short needle text"
    assert schema.snippet([], ["needle"], "  the\nfallback  ") == "the fallback"
    assert schema.snippet([], [], "y" * 500) == "y" * (schema.SNIPPET_LENGTH - 1) + "…"
