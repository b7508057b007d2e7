"""One training run: its events so far (any number of readers, each from the first event) and a way to cancel it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import TypeGuard

from .event_log import EventLog
from .training_events import END_EVENTS, TrainingBegun, TrainingEnd, TrainingRunEvent

log = logging.getLogger(__name__)

Listener = Callable[[TrainingRunEvent], None]


class TrainingRun:
    """A training as the window follows it; made by :class:`~desktop_app.session.trainings.TrainingService`.

    ``local_id`` is its record in the trainings store; ``training_id`` is Replicate's id once it exists.
    Iterating gives every event from the first; a reader that stops does not stop the run — :meth:`cancel` does.
    """

    def __init__(self, run_id: int, local_id: int, *, trainer: str, destination: str,
                 training_id: str | None = None) -> None:
        self.id = run_id
        self.local_id = local_id
        self.trainer = trainer
        self.destination = destination
        self.training_id = training_id
        self.cancel_requested = False
        self._log: EventLog[TrainingRunEvent, TrainingEnd] = EventLog(f"training run {run_id}", _is_end)
        self._task: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"TrainingRun({self.id}, {self.trainer!r} → {self.destination!r}, training={self.training_id})"

    def __aiter__(self) -> AsyncIterator[TrainingRunEvent]:
        return aiter(self._log)

    @property
    def done(self) -> bool:
        return self._log.end is not None

    @property
    def end(self) -> TrainingEnd | None:
        return self._log.end

    @property
    def events(self) -> list[TrainingRunEvent]:
        return self._log.events

    def add_listener(self, listener: Listener) -> None:
        """Calls ``listener`` with each later event, before any reader sees it."""
        self._log.add_listener(listener)

    def cancel(self) -> bool:
        """Stops the run and cancels the training on Replicate (or stops packing and uploading before it exists).
        False when the run had already ended."""
        if self._task is None or self._task.done():
            return False
        self.cancel_requested = True
        self._task.cancel()
        return True

    async def wait(self) -> TrainingEnd:
        return await self._log.wait()

    # ---- for the service -------------------------------------------------------------------------

    def attach(self, task: asyncio.Task[None], on_orphan: Callable[[BaseException | None], TrainingEnd]) -> None:
        """Binds the task that drives the run; if it ends without an end event, ``on_orphan`` makes one."""
        self._task = task

        def done(finished: asyncio.Task[None]) -> None:
            error = None if finished.cancelled() else finished.exception()
            if error is not None:
                log.error("Training run %s raised", self.id, exc_info=error)
            if not self.done:
                self.emit(on_orphan(error))

        task.add_done_callback(done)

    def detach(self) -> bool:
        """Stops following without canceling on Replicate (the app is closing)."""
        if self._task is None or self._task.done():
            return False
        self._task.cancel()
        return True

    def emit(self, event: TrainingRunEvent) -> None:
        if not self.done and isinstance(event, TrainingBegun):
            self.training_id = event.training_id
        self._log.append(event)


def _is_end(event: TrainingRunEvent) -> TypeGuard[TrainingEnd]:
    return isinstance(event, END_EVENTS)
