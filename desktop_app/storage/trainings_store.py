"""The trainings the app started (so they survive quitting and crashes), the files it uploaded for them (by content
hash, so nothing is sent twice) and the models it created to train into — in a SQLite file of their own."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

LOGS_TAIL = 20_000  # characters of a training's logs kept (the end, where the progress and the errors are)
TERMINAL = frozenset({"succeeded", "failed", "canceled", "aborted", "interrupted"})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS trainings (
    local_id INTEGER PRIMARY KEY AUTOINCREMENT,
    training_id TEXT UNIQUE,
    trainer TEXT NOT NULL,
    destination TEXT NOT NULL,
    input TEXT NOT NULL,
    data_source TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    logs_tail TEXT NOT NULL DEFAULT '',
    version TEXT,
    weights TEXT,
    error TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS uploads (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    file_id TEXT NOT NULL,
    url TEXT NOT NULL,
    content_type TEXT NOT NULL,
    expires_at TEXT,
    uploaded_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS destinations (
    name TEXT PRIMARY KEY,
    hardware TEXT NOT NULL DEFAULT '',
    visibility TEXT NOT NULL DEFAULT 'private',
    created_at REAL NOT NULL
);
PRAGMA user_version = 1;
"""
_FIELDS = ("training_id", "trainer", "destination", "input", "data_source", "status", "logs_tail", "version",
           "weights", "error", "created_at", "updated_at")

_INSERT = f"INSERT INTO trainings ({', '.join(_FIELDS)}) VALUES ({', '.join('?' * len(_FIELDS))})"


class TrainingsStoreError(Exception):
    """The trainings file cannot be opened or written; ``str()`` says which and why."""


@dataclass(frozen=True)
class TrainingRecord:
    """One training as the app remembers it. ``status`` is Replicate's, or ``preparing`` before the training
    exists there, or ``interrupted`` when the app stopped before creating it. ``local_id`` is 0 until stored."""

    trainer: str
    destination: str
    input: Mapping[str, Any] = field(default_factory=dict)
    data_source: str = ""
    status: str = "preparing"
    training_id: str | None = None
    logs_tail: str = ""
    version: str | None = None
    weights: str | None = None
    error: str | None = None
    created_at: float = 0.0
    updated_at: float = 0.0
    local_id: int = 0

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL


@dataclass(frozen=True)
class StoredUpload:
    """A file the Files API holds, known by the SHA-256 of its content."""

    sha256: str
    size: int
    file_id: str
    url: str
    content_type: str
    expires_at: str | None = None


class TrainingsStore:
    """Thread-safe (every call takes a lock), blocking: call it from a worker thread in async code."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as error:
            raise TrainingsStoreError(f"The trainings file {path} cannot be opened: {error}") from error

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ---- trainings ---------------------------------------------------------------------------------

    def add(self, record: TrainingRecord) -> TrainingRecord:
        """Stores a new record and returns it with its ``local_id`` and times."""
        now = time.time()
        stored = replace(record, created_at=record.created_at or now, updated_at=now,
                         logs_tail=record.logs_tail[-LOGS_TAIL:])
        values = [_column(stored, name) for name in _FIELDS]
        with self._write() as db:
            cursor = db.execute(_INSERT, values)
        return replace(stored, local_id=int(cursor.lastrowid or 0))

    def update(self, local_id: int, **changes: Any) -> TrainingRecord:
        """Changes some fields of a stored record (``logs_tail`` keeps its last :data:`LOGS_TAIL` characters)."""
        unknown = set(changes) - set(_FIELDS)
        if unknown:
            raise ValueError(f"not a training field: {', '.join(sorted(unknown))}")
        if "logs_tail" in changes:
            changes["logs_tail"] = str(changes["logs_tail"])[-LOGS_TAIL:]
        changes["updated_at"] = time.time()
        record = replace(TrainingRecord("", ""), **changes)
        assignments = ", ".join(f"{name} = ?" for name in changes)
        with self._write() as db:
            db.execute(f"UPDATE trainings SET {assignments} WHERE local_id = ?",
                       [*(_column(record, name) for name in changes), local_id])
        found = self.get(local_id)
        if found is None:
            raise KeyError(local_id)
        return found

    def get(self, local_id: int) -> TrainingRecord | None:
        rows = self._select("WHERE local_id = ?", (local_id,))
        return rows[0] if rows else None

    def by_training_id(self, training_id: str) -> TrainingRecord | None:
        rows = self._select("WHERE training_id = ?", (training_id,))
        return rows[0] if rows else None

    def all(self) -> list[TrainingRecord]:
        """Every training, newest first."""
        return self._select("ORDER BY created_at DESC, local_id DESC", ())

    def unfinished(self) -> list[TrainingRecord]:
        """Trainings that had not ended when the app last stopped, oldest first."""
        marks = ", ".join("?" * len(TERMINAL))
        return self._select(f"WHERE status NOT IN ({marks}) ORDER BY local_id", tuple(sorted(TERMINAL)))

    # ---- uploads and destinations ------------------------------------------------------------------

    def remember_upload(self, upload: StoredUpload) -> None:
        with self._write() as db:
            db.execute("INSERT OR REPLACE INTO uploads VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (upload.sha256, upload.size, upload.file_id, upload.url, upload.content_type,
                        upload.expires_at, time.time()))

    def upload(self, sha256: str) -> StoredUpload | None:
        with self._lock:
            row = self._db.execute("SELECT sha256, size, file_id, url, content_type, expires_at FROM uploads "
                                   "WHERE sha256 = ?", (sha256,)).fetchone()
        return StoredUpload(*row) if row else None

    def add_destination(self, name: str, *, hardware: str = "", visibility: str = "private") -> None:
        with self._write() as db:
            db.execute("INSERT OR IGNORE INTO destinations VALUES (?, ?, ?, ?)",
                       (name, hardware, visibility, time.time()))

    def destinations(self) -> list[str]:
        """Models the app created or trained into, most recent first."""
        with self._lock:
            created = self._db.execute("SELECT name, created_at FROM destinations").fetchall()
            trained = self._db.execute("SELECT destination, MAX(created_at) FROM trainings "
                                       "GROUP BY destination").fetchall()
        latest: dict[str, float] = {}
        for name, when in [*created, *trained]:
            latest[name] = max(latest.get(name, 0.0), float(when or 0.0))
        return sorted(latest, key=lambda name: (-latest[name], name))

    # ---- plumbing ----------------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._db
            except sqlite3.Error as error:
                raise TrainingsStoreError(f"The trainings file {self.path} cannot be written: {error}") from error

    def _select(self, where: str, params: tuple[Any, ...]) -> list[TrainingRecord]:
        with self._lock:
            rows = self._db.execute(f"SELECT local_id, {', '.join(_FIELDS)} FROM trainings {where}", params).fetchall()
        return [_record(row) for row in rows]


def _column(record: TrainingRecord, name: str) -> Any:
    value = getattr(record, name)
    return json.dumps(dict(value), ensure_ascii=False) if name == "input" else value


def _record(row: tuple[Any, ...]) -> TrainingRecord:
    local_id, *values = row
    data = dict(zip(_FIELDS, values, strict=True))
    try:
        parsed = json.loads(data["input"])
    except ValueError:
        parsed = {}
    data["input"] = parsed if isinstance(parsed, dict) else {}
    return TrainingRecord(**data, local_id=int(local_id))
