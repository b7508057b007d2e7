"""The queue database's tables and their forward migrations (``PRAGMA user_version``), apart from the history's."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path

SCHEMA_VERSION = 2
JOB_STATES = ("queued", "creating", "running", "succeeded", "failed", "canceled")

# Version 1: the first shape. Never edit it: later versions are migrations below.
_V1_TABLES = (
    """CREATE TABLE batches (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        key TEXT,
        history_id INTEGER,
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX batches_by_key ON batches (key)",
    f"""CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        batch_id INTEGER NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        model TEXT NOT NULL,
        input_json TEXT NOT NULL,
        label TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL CHECK (state IN ({", ".join(f"'{state}'" for state in JOB_STATES)})),
        prediction_id TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        sent_at TEXT,
        sent_digest TEXT,
        error TEXT,
        predict_time REAL,
        cost REAL,
        outputs_json TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX jobs_by_batch ON jobs (batch_id, position)",
    "CREATE INDEX jobs_by_state ON jobs (state, position)",
    "CREATE UNIQUE INDEX jobs_by_prediction ON jobs (prediction_id) WHERE prediction_id IS NOT NULL",
    """CREATE TABLE job_predictions (
        prediction_id TEXT PRIMARY KEY,
        job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE
    )""",
    """CREATE TABLE spend (
        id INTEGER PRIMARY KEY,
        prediction_id TEXT NOT NULL UNIQUE,
        model TEXT NOT NULL,
        basis TEXT NOT NULL,
        predict_time REAL,
        outputs INTEGER NOT NULL DEFAULT 0,
        cost REAL,
        batch_id INTEGER,
        at TEXT NOT NULL
    )""",
    "CREATE INDEX spend_by_time ON spend (at)",
    "CREATE INDEX spend_by_model ON spend (model, at)",
    """CREATE TABLE model_hardware (
        model TEXT PRIMARY KEY,
        sku TEXT NOT NULL
    )""",
    """CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value_json TEXT NOT NULL
    )""",
)


def _create_v1(connection: sqlite3.Connection) -> None:
    for statement in _V1_TABLES:
        connection.execute(statement)


def _add_sent_inputs_and_schemas(connection: sqlite3.Connection) -> None:
    """Version 2: what a job's last create sent (the input, in the form a lost create is looked for by, and the
    version it named) instead of a digest of it, which cannot match Replicate's echo of a file; and the input
    schemas each batch was checked against, so that its jobs are sent the same way after a restart. Version 1's
    ``sent_digest`` column stays, unread."""
    connection.execute("ALTER TABLE jobs ADD COLUMN sent_input_json TEXT")
    connection.execute("ALTER TABLE jobs ADD COLUMN sent_version TEXT")
    connection.execute("""CREATE TABLE batch_schemas (
        batch_id INTEGER NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        schema_json TEXT NOT NULL,
        PRIMARY KEY (batch_id, model)
    )""")


Migration = Callable[[sqlite3.Connection], None]

#: Upgrades the database from version N (the key) to N + 1; version 0 is an empty file.
MIGRATIONS: Mapping[int, Migration] = {0: _create_v1, 1: _add_sent_inputs_and_schemas}


class QueueSchemaError(Exception):
    """The file is not a queue database this app can use; ``str()`` says why."""


def open_queue_database(path: Path) -> sqlite3.Connection:
    """Opens the database (WAL, foreign keys on, autocommit) and brings it up to :data:`SCHEMA_VERSION`."""
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10.0)
    try:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")  # with WAL: a commit survives a crash of the app
        migrate(connection)
        connection.execute("PRAGMA foreign_keys = ON")
    except (sqlite3.Error, QueueSchemaError):
        connection.close()
        raise
    return connection


def migrate(connection: sqlite3.Connection, target: int = SCHEMA_VERSION,
            migrations: Mapping[int, Migration] = MIGRATIONS) -> int:
    """Brings the database up to ``target``, one committed step per version; returns the version it had."""
    found = int(connection.execute("PRAGMA user_version").fetchone()[0])
    if found > target:
        raise QueueSchemaError(f"it was written by a newer version of the app (schema {found}, this one knows "
                               f"{target})")
    if found == 0 and connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
        raise QueueSchemaError("it holds tables this app did not create")
    while (version := int(connection.execute("PRAGMA user_version").fetchone()[0])) < target:
        connection.execute("BEGIN IMMEDIATE")
        try:
            if int(connection.execute("PRAGMA user_version").fetchone()[0]) == version:  # not done meanwhile
                migrations[version](connection)
                connection.execute(f"PRAGMA user_version = {version + 1}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
    return found
