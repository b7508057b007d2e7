"""The job queue's own SQLite file (``queue.sqlite3``, WAL): batches, jobs, the spend ledger, prices chosen.

Every write is one committed transaction, so a job's state survives the app quitting or dying: queued jobs
come back queued, a job whose create may have reached Replicate keeps when it was sent and what was sent (to
find it again before sending anything), a running job keeps its prediction id. A batch keeps the input schemas
its jobs were checked against (as JSON objects the application layer reads), so they are sent alike after a
restart.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from .queue_records import (
    ENDED_STATES,
    UNFINISHED_STATES,
    BatchRecord,
    JobRecord,
    JobState,
    NewJob,
    SpendEntry,
    decode_input,
    encode_input,
)
from .queue_schema import QueueSchemaError, open_queue_database

_JOB_COLUMNS = ("id, batch_id, position, model, input_json, label, state, prediction_id, attempts, sent_at, "
                "sent_input_json, error, predict_time, cost, outputs_json, created_at, updated_at, sent_version")
_JOB_FIELDS = frozenset({"state", "prediction_id", "attempts", "sent_at", "sent_input", "sent_version", "error",
                         "predict_time", "cost", "outputs", "position"})


class QueueStoreError(Exception):
    """The queue database could not be opened or written; ``str()`` is one sentence."""


def _now() -> datetime:
    return datetime.now(UTC)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class QueueStore:
    """Batches, jobs, the spend ledger, per-model hardware and queue settings. Thread-safe (one connection
    behind a lock); calls are quick enough to make from the loop. Open with :meth:`open`."""

    def __init__(self, connection: sqlite3.Connection, path: Path, *, clock: Callable[[], datetime] = _now) -> None:
        self._connection: sqlite3.Connection | None = connection
        self._lock = threading.RLock()
        self.path = path
        self.clock = clock

    @classmethod
    def open(cls, path: Path, *, clock: Callable[[], datetime] = _now) -> QueueStore:
        """Opens (creating or upgrading) the queue database at ``path``."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            return cls(open_queue_database(path), path, clock=clock)
        except QueueSchemaError as error:
            raise QueueStoreError(f"The queue database {path} cannot be used: {error}.") from error
        except (OSError, sqlite3.Error) as error:
            raise QueueStoreError(f"Could not open the queue database {path}: {error}.") from error

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def __enter__(self) -> QueueStore:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    # --- batches and jobs ----------------------------------------------------------------------------

    def add_batch(self, title: str, jobs: Sequence[NewJob], *, key: str | None = None,
                  schemas: Mapping[str, Mapping[str, Any]] | None = None) -> BatchRecord:
        """A new batch whose jobs join the end of the queue, in order, with the input ``schemas`` (by model, as
        JSON objects) they were checked against."""
        now = _stamp(self.clock())
        with self._write() as db:
            batch_id = _rowid(db.execute("INSERT INTO batches (title, key, created_at) VALUES (?, ?, ?)",
                                         (title, key, now)))
            db.executemany("INSERT INTO batch_schemas (batch_id, model, schema_json) VALUES (?, ?, ?)",
                           [(batch_id, model, json.dumps(schema, ensure_ascii=False, sort_keys=True))
                            for model, schema in (schemas or {}).items()])
            start = int(db.execute("SELECT coalesce(max(position), 0) FROM jobs").fetchone()[0]) + 1
            db.executemany(
                "INSERT INTO jobs (batch_id, position, model, input_json, label, state, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, 'queued', ?, ?)",
                [(batch_id, start + index, job.model, encode_input(job.input), job.label, now, now)
                 for index, job in enumerate(jobs)],
            )
        found = self.batch(batch_id)
        assert found is not None
        return found

    def batch(self, batch_id: int) -> BatchRecord | None:
        with self._read() as db:
            row = db.execute("SELECT id, title, key, history_id, created_at FROM batches WHERE id = ?",
                             (batch_id,)).fetchone()
            return None if row is None else self._batch(db, row)

    def batches(self, *, unfinished_only: bool = False, key: str | None = None) -> list[BatchRecord]:
        """Batches oldest first; only those with a job left to do, or with this ``key``, when asked."""
        with self._read() as db:
            rows = db.execute("SELECT id, title, key, history_id, created_at FROM batches "
                              + ("WHERE key = ? " if key is not None else "") + "ORDER BY id",
                              (key,) if key is not None else ()).fetchall()
            found = [self._batch(db, row) for row in rows]
        return [batch for batch in found if batch.unfinished] if unfinished_only else found

    def set_batch_history(self, batch_id: int, history_id: int) -> None:
        with self._write() as db:
            db.execute("UPDATE batches SET history_id = ? WHERE id = ?", (history_id, batch_id))

    def job(self, job_id: int) -> JobRecord | None:
        with self._read() as db:
            row = db.execute(f"SELECT {_JOB_COLUMNS} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return None if row is None else _job(row)

    def jobs(self, *, batch_id: int | None = None, states: Sequence[JobState] | None = None) -> list[JobRecord]:
        """Jobs in queue order (by position), of one batch and in some states when asked."""
        where: list[str] = []
        params: list[Any] = []
        if batch_id is not None:
            where.append("batch_id = ?")
            params.append(batch_id)
        if states is not None:
            where.append(f"state IN ({', '.join('?' for _ in states)})")
            params.extend(states)
        clause = f"WHERE {' AND '.join(where)} " if where else ""
        with self._read() as db:
            rows = db.execute(f"SELECT {_JOB_COLUMNS} FROM jobs {clause}ORDER BY position, id", params).fetchall()
        return [_job(row) for row in rows]

    def next_queued(self, skip: Sequence[int] = ()) -> JobRecord | None:
        """The first queued job in queue order, other than those in ``skip``."""
        exclude = f"AND id NOT IN ({', '.join('?' for _ in skip)}) " if skip else ""
        with self._read() as db:
            row = db.execute(f"SELECT {_JOB_COLUMNS} FROM jobs WHERE state = 'queued' {exclude}"
                             "ORDER BY position, id LIMIT 1", list(skip)).fetchone()
        return None if row is None else _job(row)

    def update_job(self, job_id: int, **changes: Any) -> JobRecord:
        """Sets the given fields (state, prediction_id, attempts, sent_at, sent_input, sent_version, error,
        predict_time, cost, outputs, position) in one transaction and returns the job as stored."""
        unknown = set(changes) - _JOB_FIELDS
        if unknown:
            raise ValueError(f"unknown job fields: {sorted(unknown)}")
        columns: list[str] = ["updated_at = ?"]
        values: list[Any] = [_stamp(self.clock())]
        for name, value in changes.items():
            if name == "outputs":
                columns.append("outputs_json = ?")
                values.append(json.dumps([str(item) for item in value]))
            elif name == "sent_input":
                columns.append("sent_input_json = ?")
                values.append(None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True))
            elif name == "sent_at":
                columns.append("sent_at = ?")
                values.append(_stamp(value) if value is not None else None)
            else:
                columns.append(f"{name} = ?")
                values.append(value)
        with self._write() as db:
            db.execute(f"UPDATE jobs SET {', '.join(columns)} WHERE id = ?", [*values, job_id])
            if changes.get("prediction_id") is not None:  # every prediction a job ever had stays its own
                db.execute("INSERT OR IGNORE INTO job_predictions (prediction_id, job_id) VALUES (?, ?)",
                           (changes["prediction_id"], job_id))
        found = self.job(job_id)
        if found is None:
            raise QueueStoreError(f"Job {job_id} is not in the queue.")
        return found

    def set_states(self, job_ids: Sequence[int], state: JobState, *, only_from: Sequence[JobState]) -> list[int]:
        """Moves the jobs that are in one of ``only_from`` to ``state``; returns the ids that moved."""
        if not job_ids:
            return []
        marks = ", ".join("?" for _ in job_ids)
        states = ", ".join("?" for _ in only_from)
        with self._write() as db:
            moved = [int(row[0]) for row in db.execute(
                f"SELECT id FROM jobs WHERE id IN ({marks}) AND state IN ({states})", [*job_ids, *only_from])]
            if moved:
                db.execute(f"UPDATE jobs SET state = ?, updated_at = ? WHERE id IN ({', '.join('?' for _ in moved)})",
                           [state, _stamp(self.clock()), *moved])
        return moved

    def move(self, job_id: int, index: int) -> None:
        """Puts a queued job at ``index`` (0 = next to run) among the queued jobs; the others keep their order."""
        with self._write() as db:
            queued = [int(row[0]) for row in db.execute(
                "SELECT id FROM jobs WHERE state = 'queued' ORDER BY position, id")]
            if job_id not in queued:
                raise QueueStoreError(f"Job {job_id} is not waiting in the queue, so it cannot be moved.")
            positions = sorted(int(row[0]) for row in db.execute(
                "SELECT position FROM jobs WHERE state = 'queued'"))
            queued.remove(job_id)
            queued.insert(max(0, min(index, len(queued))), job_id)
            db.executemany("UPDATE jobs SET position = ? WHERE id = ?", list(zip(positions, queued, strict=True)))

    def claimed_predictions(self) -> set[str]:
        """Every prediction id some job owns or owned (a retried job's earlier ones too)."""
        with self._read() as db:
            return {str(row[0]) for row in db.execute("SELECT prediction_id FROM job_predictions")}

    # --- the spend ledger ----------------------------------------------------------------------------

    def add_spend(self, entry: SpendEntry) -> bool:
        """Adds a paid run (once per prediction); False when it was already in the ledger."""
        with self._write() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO spend (prediction_id, model, basis, predict_time, outputs, cost, batch_id, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (entry.prediction_id, entry.model, entry.basis, entry.predict_time, entry.outputs, entry.cost,
                 entry.batch_id, _stamp(entry.at)),
            )
            return cursor.rowcount == 1

    def spend(self, *, since: datetime | None = None, until: datetime | None = None,
              predictions: Sequence[str] | None = None) -> list[SpendEntry]:
        """Ledger entries in time order, within ``[since, until)`` when given, of ``predictions`` when given."""
        where: list[str] = []
        params: list[Any] = []
        if predictions is not None:
            where.append(f"prediction_id IN ({', '.join('?' * len(predictions))})")
            params.extend(predictions)
        if since is not None:
            where.append("at >= ?")
            params.append(_stamp(since))
        if until is not None:
            where.append("at < ?")
            params.append(_stamp(until))
        clause = f"WHERE {' AND '.join(where)} " if where else ""
        with self._read() as db:
            rows = db.execute("SELECT prediction_id, model, basis, predict_time, outputs, cost, batch_id, at "
                              f"FROM spend {clause}ORDER BY at, id", params).fetchall()
        return [_spend_entry(row) for row in rows]

    def recent_predict_times(self, model: str, limit: int = 20) -> list[float]:
        """The model's latest compute times in the ledger, newest first (what estimates are based on)."""
        with self._read() as db:
            rows = db.execute("SELECT predict_time FROM spend WHERE model = ? AND predict_time IS NOT NULL "
                              "ORDER BY at DESC LIMIT ?", (model, limit)).fetchall()
        return [float(row[0]) for row in rows]

    # --- choices: hardware per model, settings --------------------------------------------------------

    def model_hardware(self) -> dict[str, str]:
        with self._read() as db:
            return {str(row[0]): str(row[1]) for row in db.execute("SELECT model, sku FROM model_hardware")}

    def set_model_hardware(self, model: str, sku: str | None) -> None:
        """Remembers which hardware ``model`` runs on (``None`` forgets it)."""
        with self._write() as db:
            if sku is None:
                db.execute("DELETE FROM model_hardware WHERE model = ?", (model,))
            else:
                db.execute("INSERT INTO model_hardware (model, sku) VALUES (?, ?) "
                           "ON CONFLICT (model) DO UPDATE SET sku = excluded.sku", (model, sku))

    def setting(self, key: str) -> Any:
        with self._read() as db:
            row = db.execute("SELECT value_json FROM settings WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def set_setting(self, key: str, value: Any) -> None:
        """Keeps a JSON value (``None`` removes it)."""
        with self._write() as db:
            if value is None:
                db.execute("DELETE FROM settings WHERE key = ?", (key,))
            else:
                db.execute("INSERT INTO settings (key, value_json) VALUES (?, ?) "
                           "ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json",
                           (key, json.dumps(value, sort_keys=True)))

    # --- plumbing ----------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._connection is None:
                raise QueueStoreError("The queue database is closed.")
            try:
                yield self._connection
            except sqlite3.Error as error:
                raise QueueStoreError(f"Could not read the queue database: {error}.") from error

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._connection is None:
                raise QueueStoreError("The queue database is closed.")
            db = self._connection
            try:
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
            except sqlite3.Error as error:
                raise QueueStoreError(f"Could not write the queue database: {error}.") from error

    def _batch(self, db: sqlite3.Connection, row: Sequence[Any]) -> BatchRecord:
        counts = {str(state): int(count) for state, count in db.execute(
            "SELECT state, count(*) FROM jobs WHERE batch_id = ? GROUP BY state", (row[0],))}
        schemas = {str(model): json.loads(text) for model, text in db.execute(
            "SELECT model, schema_json FROM batch_schemas WHERE batch_id = ?", (row[0],))}
        return BatchRecord(int(row[0]), str(row[1]), row[2], row[3], _parse(row[4]) or _now(), counts, schemas)


def _job(row: Sequence[Any]) -> JobRecord:
    return JobRecord(
        id=int(row[0]), batch_id=int(row[1]), position=int(row[2]), model=str(row[3]), input=decode_input(row[4]),
        label=str(row[5]), state=row[6], prediction_id=row[7], attempts=int(row[8]), sent_at=_parse(row[9]),
        sent_input=json.loads(row[10]) if row[10] else None, error=row[11], predict_time=row[12], cost=row[13],
        outputs=json.loads(row[14]), created_at=_parse(row[15]) or _now(), updated_at=_parse(row[16]) or _now(),
        sent_version=row[17],
    )


def _rowid(cursor: sqlite3.Cursor) -> int:
    assert cursor.lastrowid is not None
    return int(cursor.lastrowid)


__all__ = [
    "ENDED_STATES",
    "UNFINISHED_STATES",
    "BatchRecord",
    "JobRecord",
    "JobState",
    "NewJob",
    "QueueStore",
    "QueueStoreError",
    "SpendEntry",
    "decode_input",
    "encode_input",
]


def _spend_entry(row: Sequence[Any]) -> SpendEntry:
    return SpendEntry(row[0], row[1], row[2], row[3], int(row[4]), row[5], row[6], _parse(row[7]) or _now())
