"""What the app asks of its history when it starts again: predictions to follow, interrupted runs, orphan files."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from datetime import datetime

from .history_library import OutputLibrary
from .history_records import Generation, load_generations, to_timestamp

Transaction = Callable[..., contextlib.AbstractContextManager[sqlite3.Connection]]

INTERRUPTED_MESSAGE = "The app closed before the prediction was created."


class HistoryRestart:
    """The start-up side of a history store (``store.restart``), over the store's own transactions and lock."""

    def __init__(self, *, reading: Transaction, writing: Transaction, library: OutputLibrary,
                 lock: contextlib.AbstractContextManager[object], now: Callable[[], str]) -> None:
        self._reading, self._writing, self._library, self._lock, self._now = reading, writing, library, lock, now

    def unfinished_generations(self) -> list[Generation]:
        """Generations still ``starting`` or ``processing`` that have a prediction id: follow them again."""
        with self._reading() as db:
            condition = "status IN ('starting', 'processing') AND prediction_id IS NOT NULL ORDER BY id"
            return load_generations(db, self._library.path, condition, ())

    def interrupted_without_prediction(self, since: datetime) -> list[Generation]:
        """Generations ``interrupted`` before their prediction id was known (the app died while the create
        request was held), created after ``since``: the caller may find their prediction on the server."""
        with self._reading() as db:
            condition = "status = 'interrupted' AND prediction_id IS NULL AND created_at >= ? ORDER BY id"
            return load_generations(db, self._library.path, condition, (to_timestamp(since),))

    def mark_interrupted_on_start(self, *, turn_state: str | None = None) -> int:
        """Marks generations that never got a prediction id as ``interrupted`` (call it once at startup,
        before new predictions start); ``turn_state`` also sets their turns' state. Returns how many."""
        condition = "status IN ('starting', 'processing') AND prediction_id IS NULL"
        now = self._now()
        with self._writing("mark interrupted generations") as db:
            if turn_state is not None:
                db.execute(f"UPDATE turns SET state = ?, updated_at = ? WHERE id IN "
                           f"(SELECT turn_id FROM generations WHERE {condition})", (turn_state, now))
            return db.execute(
                f"UPDATE generations SET status = 'interrupted', error = coalesce(error, ?), "
                f"completed_at = coalesce(completed_at, ?) WHERE {condition}", (INTERRUPTED_MESSAGE, now)).rowcount

    def cleanup_orphans(self, *, older_than: float = 60.0) -> int:
        """Removes temporary files (``*.tmp*``) older than ``older_than`` seconds that an interrupted write
        left in the library; returns how many. Complete files are never touched, referenced or not."""
        with self._lock:
            return self._library.cleanup_temporary(older_than)

