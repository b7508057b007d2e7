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
from typing import Literal, TypeGuard

from .errors import problem_of
from .event_log import EventLog
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
        self._parts: list[str] = []
        self._outputs: list[OutputReady] = []
        self._log: EventLog[SessionEvent, RunEnd] = EventLog(f"run {run_id}", _is_end)
        self._task: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"Run({self.id}, {self.model!r}, {self.status})"

    def __aiter__(self) -> AsyncIterator[SessionEvent]:
        return aiter(self._log)

    @property
    def status(self) -> RunStatus:
        if isinstance(self._log.end, RunFinished):
            return "finished"
        if isinstance(self._log.end, RunFailed):
            return "failed"
        if isinstance(self._log.end, RunCanceled):
            return "canceled"
        return "running"

    @property
    def done(self) -> bool:
        return self._log.end is not None

    @property
    def end(self) -> RunEnd | None:
        """The last event once the run is over, else ``None``."""
        return self._log.end

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
        return self._log.events

    def add_listener(self, listener: Listener) -> None:
        """Calls ``listener`` with each later event, synchronously and before any reader sees it."""
        self._log.add_listener(listener)

    def cancel(self) -> bool:
        """Stops the run; its prediction is canceled on the server. False when it was already over."""
        if self._task is None or self._task.done():
            return False
        self._task.cancel()
        return True

    async def wait(self) -> RunEnd:
        """Waits for the run's end and returns its last event."""
        return await self._log.wait()

    # ------------------------------------------------------------------ for the service and the driver

    def attach(self, task: asyncio.Task[None]) -> None:
        """Binds the task that drives the run; whatever way it ends, the run ends with it."""
        self._task = task
        task.add_done_callback(self._on_task_done)

    def emit(self, event: SessionEvent) -> None:
        """Adds ``event`` (ignored once the run has ended), tells the listeners, wakes the readers."""
        if self.done:
            return
        if isinstance(event, TextAppended):
            self._parts.append(event.text)
        elif isinstance(event, TextReplaced):
            self._parts[:] = [event.text]
        elif isinstance(event, OutputReady):
            self._outputs.append(event)
        elif isinstance(event, RunStarted):
            self.prediction_id = event.prediction_id
        self._log.append(event)

    def output_path(self, source_url: str) -> Path | None:
        """Where the output fetched from ``source_url`` is kept, if it is."""
        return next((output.path for output in self._outputs if output.source_url == source_url), None)

    def _on_task_done(self, task: asyncio.Task[None]) -> None:
        error = None if task.cancelled() else task.exception()
        if error is not None:
            log.error("Run %s raised", self.id, exc_info=error)
        if not self.done:  # cancelled before it began, or a bug: readers must not wait forever
            self.emit(RunFailed(self.id, problem_of(error), self.text) if error else RunCanceled(self.id, self.text))


def _is_end(event: SessionEvent) -> TypeGuard[RunEnd]:
    return isinstance(event, END_EVENTS)
