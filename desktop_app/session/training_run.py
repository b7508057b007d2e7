"""One training run: its events so far (any number of readers, each from the first event) and a way to cancel it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

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
        self._events: list[TrainingRunEvent] = []
        self._listeners: list[Listener] = []
        self._wakeup: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._end: TrainingEnd | None = None

    def __repr__(self) -> str:
        return f"TrainingRun({self.id}, {self.trainer!r} → {self.destination!r}, training={self.training_id})"

    def __aiter__(self) -> AsyncIterator[TrainingRunEvent]:
        return _Reader(self)

    @property
    def done(self) -> bool:
        return self._end is not None

    @property
    def end(self) -> TrainingEnd | None:
        return self._end

    @property
    def events(self) -> list[TrainingRunEvent]:
        return list(self._events)

    def add_listener(self, listener: Listener) -> None:
        """Calls ``listener`` with each later event, before any reader sees it."""
        self._listeners.append(listener)

    def cancel(self) -> bool:
        """Stops the run and cancels the training on Replicate (or stops packing and uploading before it exists).
        False when the run had already ended."""
        if self._task is None or self._task.done():
            return False
        self.cancel_requested = True
        self._task.cancel()
        return True

    async def wait(self) -> TrainingEnd:
        while self._end is None:
            await self._changed()
        return self._end

    # ---- for the service -------------------------------------------------------------------------

    def attach(self, task: asyncio.Task[None], on_orphan: Callable[[BaseException | None], TrainingEnd]) -> None:
        """Binds the task that drives the run; if it ends without an end event, ``on_orphan`` makes one."""
        self._task = task

        def done(finished: asyncio.Task[None]) -> None:
            error = None if finished.cancelled() else finished.exception()
            if error is not None:
                log.error("Training run %s raised", self.id, exc_info=error)
            if self._end is None:
                self.emit(on_orphan(error))

        task.add_done_callback(done)

    def detach(self) -> bool:
        """Stops following without canceling on Replicate (the app is closing)."""
        if self._task is None or self._task.done():
            return False
        self._task.cancel()
        return True

    def emit(self, event: TrainingRunEvent) -> None:
        if self._end is not None:
            return
        if isinstance(event, TrainingBegun):
            self.training_id = event.training_id
        if isinstance(event, END_EVENTS):
            self._end = event
        self._events.append(event)
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a broken listener must not stop the run or the other listeners
                log.exception("A listener of training run %s failed on %s", self.id, type(event).__name__)
        if self._wakeup is not None and not self._wakeup.done():
            self._wakeup.set_result(None)
        self._wakeup = None

    async def _changed(self) -> None:
        if self._wakeup is None:
            self._wakeup = asyncio.get_running_loop().create_future()
        await asyncio.shield(self._wakeup)


class _Reader:
    """One reader's position in a run's events (a plain iterator: nothing to close when a reader stops early)."""

    def __init__(self, run: TrainingRun) -> None:
        self._run = run
        self._index = 0

    def __aiter__(self) -> _Reader:
        return self

    async def __anext__(self) -> TrainingRunEvent:
        while True:
            events = self._run._events
            if self._index < len(events):
                self._index += 1
                return events[self._index - 1]
            if self._run.done:
                raise StopAsyncIteration
            await self._run._changed()
