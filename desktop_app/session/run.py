"""One run: its id, what it was asked, what it has said so far, and a way to stop it.

A :class:`Run` is an async iterator of session events. It keeps every event it has emitted, so any
number of readers may follow it, each from the first event, however late they start; a reader that
stops reading does not stop the run — :meth:`Run.cancel` does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Literal

from .errors import problem_of
from .events import (
    END_EVENTS,
    OutputReady,
    RunCanceled,
    RunEnd,
    RunFailed,
    RunFinished,
    RunId,
    RunStarted,
    SessionEvent,
    TextAppended,
    TextReplaced,
)
from .requests import RunRequest

log = logging.getLogger(__name__)

RunStatus = Literal["running", "finished", "failed", "canceled"]
Listener = Callable[[SessionEvent], None]


class Run:
    """A run's state and its events; created by :class:`~desktop_app.session.runs.RunService`."""

    def __init__(self, run_id: RunId, request: RunRequest | None, *, model: str) -> None:
        self.id = run_id
        self.request = request
        self.model = model
        self.prediction_id: str | None = None
        self._events: list[SessionEvent] = []
        self._parts: list[str] = []
        self._outputs: list[OutputReady] = []
        self._listeners: list[Listener] = []
        self._wakeup: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._end: RunEnd | None = None

    def __repr__(self) -> str:
        return f"Run({self.id}, {self.model!r}, {self.status})"

    def __aiter__(self) -> AsyncIterator[SessionEvent]:
        return _Reader(self)

    @property
    def status(self) -> RunStatus:
        if isinstance(self._end, RunFinished):
            return "finished"
        if isinstance(self._end, RunFailed):
            return "failed"
        if isinstance(self._end, RunCanceled):
            return "canceled"
        return "running"

    @property
    def done(self) -> bool:
        return self._end is not None

    @property
    def end(self) -> RunEnd | None:
        """The last event once the run is over, else ``None``."""
        return self._end

    @property
    def text(self) -> str:
        """The reply so far (streamed pieces joined, or the exact text that replaced them)."""
        if len(self._parts) > 1:
            self._parts[:] = ["".join(self._parts)]
        return self._parts[0] if self._parts else ""

    @property
    def outputs(self) -> list[OutputReady]:
        """The outputs kept so far, in the order they landed."""
        return list(self._outputs)

    @property
    def events(self) -> list[SessionEvent]:
        """Every event emitted so far."""
        return list(self._events)

    def add_listener(self, listener: Listener) -> None:
        """Calls ``listener`` with each later event, synchronously and before any reader sees it."""
        self._listeners.append(listener)

    def cancel(self) -> bool:
        """Stops the run; its prediction is canceled on the server. False when it was already over."""
        if self._task is None or self._task.done():
            return False
        self._task.cancel()
        return True

    async def wait(self) -> RunEnd:
        """Waits for the run's end and returns its last event."""
        while self._end is None:
            await self._changed()
        return self._end

    # ------------------------------------------------------------------ for the service and the driver

    def attach(self, task: asyncio.Task[None]) -> None:
        """Binds the task that drives the run; whatever way it ends, the run ends with it."""
        self._task = task
        task.add_done_callback(self._on_task_done)

    def emit(self, event: SessionEvent) -> None:
        """Adds ``event`` (ignored once the run has ended), tells the listeners, wakes the readers."""
        if self._end is not None:
            log.debug("Event after the end of run %s ignored: %r", self.id, event)
            return
        if isinstance(event, TextAppended):
            self._parts.append(event.text)
        elif isinstance(event, TextReplaced):
            self._parts[:] = [event.text]
        elif isinstance(event, OutputReady):
            self._outputs.append(event)
        elif isinstance(event, RunStarted):
            self.prediction_id = event.prediction_id
        elif isinstance(event, END_EVENTS):
            self._end = event
        self._events.append(event)
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a broken listener must not stop the run or the other listeners
                log.exception("A listener of run %s failed on %s", self.id, type(event).__name__)
        if self._wakeup is not None and not self._wakeup.done():
            self._wakeup.set_result(None)
        self._wakeup = None

    def output_path(self, source_url: str) -> Path | None:
        """Where the output fetched from ``source_url`` is kept, if it is."""
        return next((output.path for output in self._outputs if output.source_url == source_url), None)

    async def _changed(self) -> None:
        if self._wakeup is None:
            self._wakeup = asyncio.get_running_loop().create_future()
        await asyncio.shield(self._wakeup)

    def _event_at(self, index: int) -> SessionEvent | None:
        return self._events[index] if index < len(self._events) else None

    def _on_task_done(self, task: asyncio.Task[None]) -> None:
        error = None if task.cancelled() else task.exception()
        if error is not None:
            log.error("Run %s raised", self.id, exc_info=error)
        if self._end is None:  # cancelled before it began, or a bug: readers must not wait forever
            self.emit(RunFailed(self.id, problem_of(error), self.text) if error else RunCanceled(self.id, self.text))


class _Reader:
    """One reader's position in a run's events."""

    def __init__(self, run: Run) -> None:
        self._run = run
        self._index = 0

    def __aiter__(self) -> _Reader:
        return self

    async def __anext__(self) -> SessionEvent:
        while True:
            event = self._run._event_at(self._index)
            if event is not None:
                self._index += 1
                return event
            if self._run.done:
                raise StopAsyncIteration
            await self._run._changed()
