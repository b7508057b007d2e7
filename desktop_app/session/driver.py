"""Carries one run from its first request to its last event: follows the core, keeps the outputs, records it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from .. import replicate as core  # the core's events, told apart from the session's own
from ..replicate import ReplicateError, UnexpectedResponse, is_cog_reference
from .backends import EventSource
from .errors import ended_status, problem_of
from .events import (
    LogsAppended,
    OutputsAnnounced,
    ProgressChanged,
    RunBegun,
    RunCanceled,
    RunFailed,
    RunFinished,
    RunStarted,
    SessionEvent,
    TextAppended,
    TextReplaced,
)
from .outputs import OutputKeeper
from .recorder import HistoryRecorder
from .run import Run

log = logging.getLogger(__name__)


def session_event(run_id: int, event: object) -> SessionEvent | None:
    """The session event for one core event (``None`` for those the session reports otherwise)."""
    if isinstance(event, core.TextDelta):
        return TextAppended(run_id, event.text)
    if isinstance(event, core.Progress):
        return ProgressChanged(run_id, event.status, event.mode, event.attempt, event.max_attempts, event.elapsed,
                               event.percent, event.log_line)
    if isinstance(event, core.LogsAppended):
        return LogsAppended(run_id, event.text)
    if isinstance(event, core.Started):
        return RunStarted(run_id, event.prediction_id, event.model, event.version, event.web_url)
    if isinstance(event, core.ImageResponse):
        return OutputsAnnounced(run_id, tuple(event.images), event.alt)
    if isinstance(event, core.TextReplaced):
        return TextReplaced(run_id, event.text)
    if not isinstance(event, core.Completed):
        log.debug("Core event %s has no session event", type(event).__name__)
    return None


class RunDriver:
    """The task body of one run. ``record_begin`` records a new run before its first request (a resumed run
    is already recorded); a resumed run that is stopped is left unfinished, to be resumed on the next start."""

    def __init__(
        self,
        run: Run,
        source: EventSource,
        begun: RunBegun,
        *,
        recorder: HistoryRecorder | None,
        keeper: OutputKeeper,
        record_begin: Callable[[], None] | None,
    ) -> None:
        self.run = run
        self.source = source
        self.begun = begun
        self.recorder = recorder if recorder is not None and recorder.enabled else None
        self.keeper = keeper
        self.record_begin = record_begin

    async def drive(self) -> None:
        run = self.run
        run.emit(self.begun)
        if self.record_begin is not None:
            self.record_begin()
        try:
            completed, urls = await self._follow()
        except asyncio.CancelledError:
            self._end_canceled()
            raise
        except Exception as error:
            self._end_failed(error)
            return
        try:
            await self.keeper.keep(run.id, urls, run.emit)
        except asyncio.CancelledError:
            self._record_end("done", completed.status, None, completed.predict_time)
            run.emit(RunCanceled(run.id, run.text))  # the prediction is paid and recorded; only fetching stopped
            self._release()
            raise
        # Recorded done once its outputs are kept: an app that dies while fetching them resumes it next time.
        self._record_end("done", completed.status, None, completed.predict_time)
        run.emit(RunFinished(run.id, completed.status, run.text, completed.predict_time, dict(completed.metrics)))
        self._release()

    async def _follow(self) -> tuple[core.Completed, list[str]]:
        run = self.run
        completed: core.Completed | None = None
        urls: list[str] = []
        events = self.source()
        async with contextlib.aclosing(events):
            async for event in events:
                translated = session_event(run.id, event)
                if translated is not None:
                    run.emit(translated)
                if isinstance(event, core.Started):
                    log.info("Prediction %s started for %s (%s)", event.prediction_id, event.model, event.status)
                    self._record_started(event)
                elif isinstance(event, core.ImageResponse):
                    urls = list(event.images)
                elif isinstance(event, core.Completed):
                    log.info("Prediction %s %s (model time %s s)", event.prediction_id, event.status,
                             event.predict_time)
                    completed = event
        if completed is None:
            raise UnexpectedResponse("The prediction ended without a result.")
        return completed, urls

    def _record_started(self, event: core.Started) -> None:
        local = is_cog_reference(self.begun.model)  # a local Cog prediction cannot be resumed later
        if self.recorder is not None and event.prediction_id and not self.begun.resumed and not local:
            self.recorder.prediction_started(self.run.id, event.prediction_id, event.version)

    def _end_failed(self, error: Exception) -> None:
        run = self.run
        problem = problem_of(error)
        log.warning("Run %s failed: %s", run.id, error, exc_info=not isinstance(error, ReplicateError))
        self._record_end("failed", ended_status(error, resumed=self.begun.resumed), problem.message)
        self._release()
        run.emit(RunFailed(run.id, problem, run.text))

    def _end_canceled(self) -> None:
        if not self.begun.resumed:  # a resumed run stays unfinished: the next start follows it again
            self._record_end("stopped", "canceled", None)
        self._release()
        self.run.emit(RunCanceled(self.run.id, self.run.text))

    def _record_end(self, turn_state: str, status: str, error: str | None, predict_time: float | None = None) -> None:
        if self.recorder is not None:
            self.recorder.finish(self.run.id, text=self.run.text, turn_state=turn_state, status=status, error=error,
                                 predict_time=predict_time)

    def _release(self) -> None:
        if self.recorder is not None:
            self.recorder.release(self.run.id)
