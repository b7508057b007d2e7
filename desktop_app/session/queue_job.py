"""One job from its turn to its end: its create paced and never sent twice, its prediction followed (again by its
id after a restart), its outputs kept, its cost in the ledger."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from ..replicate import (
    AuthenticationError,
    BillingRequiredError,
    CreateCall,
    FollowPolicy,
    InputSchema,
    MalformedPrediction,
    MissingTokenError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    ReplicateClient,
    ReplicateError,
    SentCreate,
    ServerError,
    UnexpectedResponse,
    claim_prediction,
    parse_prediction,
)
from ..storage.queue_store import JobRecord, QueueStore, QueueStoreError
from .costs import usage_of
from .events import OutputFailed, ProgressChanged, RunCanceled, RunEnd, RunFailed, RunFinished, SessionEvent
from .lost_creates import find_sent, new_send, sent_create
from .pacing import CreatePacer, Send
from .queue_events import JobOutput, JobProgress, JobThrottled, QueueEvent
from .queue_schemas import BatchSchemas, request_of
from .run import Run
from .runs import RunService
from .spend import Spending

log = logging.getLogger(__name__)

MAX_LOST_ANSWERS = 3  # creates of one job sent with no answer and not found afterwards: then give up
LIST_TRIES = (1.0, 2.0, 4.0)  # pauses between tries to read the predictions list after a lost answer


class JobOutputs(Protocol):
    """Where a finished job's outputs go (the history's library, or the folder of a command-line batch);
    returns the files kept, in order."""

    async def keep(self, job: JobRecord, run: Run, finished: RunFinished) -> list[Path]: ...


class LostAnswerError(ReplicateError):
    """A create's answer was lost and it could not be told whether the prediction exists."""


@dataclass
class JobContext:
    """What every job of a queue shares."""

    store: QueueStore
    runs: RunService
    pacer: CreatePacer
    client: Callable[[], ReplicateClient]
    emit: Callable[[QueueEvent], None]
    changed: Callable[[int], None]  # the job's stored state changed: tell the panel
    detaching: Callable[[], bool]
    policy: FollowPolicy
    outputs: JobOutputs | None = None
    spending: Spending | None = None
    sleep: Callable[[float], Any] = asyncio.sleep
    account_problem: Callable[[str], None] = lambda _message: None  # every job would fail so: stop starting them
    schemas: BatchSchemas | None = None  # the schemas each batch was checked against, kept with it

    def schema_of(self, job: JobRecord) -> InputSchema | None:
        return self.schemas.of(job) if self.schemas is not None else None


class JobWork:
    """The task body of one job; :attr:`run` is its run once it has one."""

    def __init__(self, context: JobContext, job: JobRecord) -> None:
        self.context = context
        self.job = job
        self.run: Run | None = None
        self.following = False  # the run follows a prediction made before (no server cancel on stop)
        self.refetch = False  # it follows a prediction that succeeded before, to download its outputs again
        self._percent: float | None = None
        self._status = ""

    async def work(self) -> RunEnd | None:
        """Runs the job; returns how its run ended (``None`` when it could not start)."""
        context = self.context
        if self.job.prediction_id is not None and self.job.state == "queued" and not await self._take_up_retried():
            return None
        job = self.job
        if job.prediction_id is not None and job.state in ("creating", "running"):
            # running when the app last stopped, or retried while its prediction runs or holds its outputs: followed
            # again by its id, never run again
            claim_prediction(job.prediction_id)
            self.following = True
            self.run = context.runs.follow(job.prediction_id, model=job.model, prompt=str(job.input.get("prompt", "")),
                                           listener=self._heard)
        else:
            try:
                plan = context.runs.prepare(request_of(job.model, job.input, context.schema_of(job)))
            except ReplicateError as error:
                self._set(state="failed", error=str(error))
                if isinstance(error, MissingTokenError):
                    context.account_problem(str(error))
                return None
            self._set(state="creating", attempts=job.attempts + (0 if job.sent_at is not None else 1))
            options: Mapping[str, Any] = {"create": self._create, "leave_running": context.detaching,
                                          "policy": context.policy}
            self.run = context.runs.launch(plan, listener=self._heard, options=options)
        context.changed(job.id)
        end = await self.run.wait()
        if context.detaching():
            return end
        await self._ended(end)
        return end

    async def _take_up_retried(self) -> bool:
        """A retried job that had a prediction goes on as that prediction's state says, so that a retry never pays
        twice for one run: one still running, or succeeded with its outputs held (they could not be downloaded, or
        following it failed), is followed again; one that failed, was canceled or whose outputs are gone makes way
        for a new run. False when Replicate could not tell (the job fails again, keeping its prediction)."""
        prediction_id = str(self.job.prediction_id)
        try:
            found = parse_prediction(await self.context.client().get_json(f"predictions/{prediction_id}"))
        except NotFoundError:
            found = {"status": "gone"}
        except ReplicateError as error:
            self._set(state="failed", error=f"{str(error).rstrip('. ')}; retry the job to try again.")
            return False
        status = found.get("status")
        if status in ("starting", "processing") or (status == "succeeded" and found.get("data_removed") is not True):
            self.refetch = status == "succeeded"
            self._set(state="running", error=None)
        else:
            self._set(prediction_id=None, sent_at=None, sent_input=None, sent_version=None)
        return True

    # ---- the create -------------------------------------------------------------------------------

    async def _create(self, call: CreateCall) -> dict[str, Any]:
        job = self.job
        earlier = sent_create(job, call)
        if earlier is not None:  # sent before the app stopped, or before a retry: looked for first
            found = await self._look_for(call, earlier)
            if found is not None:
                return self._claim(found)
        first, lost = False, 0
        pacer = self.context.pacer
        while True:
            send = await pacer.turn(first=first)
            sent = new_send(call, job.input, datetime.now(UTC))
            # committed before the request leaves
            self._set(sent_at=sent.sent_at, sent_input=dict(sent.model_input), sent_version=sent.version)
            try:
                created = await call.send(retry_throttled=False, on_answer=functools.partial(_hints, pacer, send))
            except RateLimitedError as error:
                held = pacer.throttled(send, retry_after=error.retry_after, detail=error.detail)
                self._set(sent_at=None, sent_input=None, sent_version=None)  # refused: nothing was made
                self.context.emit(JobThrottled(job.id, held, pacer.snapshot()))
                first = True
                continue
            except (NetworkError, ServerError, UnexpectedResponse) as error:
                if isinstance(error, MalformedPrediction) and error.prediction_id:
                    raise  # it exists but cannot be followed: the core cancels it
                # an answer lost, unreadable or naming no usable id: the prediction it may have made is looked for
                log.info("Job %s: the answer to its create was lost (%s); looking for it", job.id, error)
                found = await self._look_for(call, sent)
                if found is not None:
                    pacer.accepted(send)
                    return self._claim(found)
                lost += 1
                if lost >= MAX_LOST_ANSWERS:
                    raise
                first = True
                continue
            pacer.accepted(send)
            return self._claim(created)

    async def _look_for(self, call: CreateCall, sent: SentCreate) -> dict[str, Any] | None:
        for pause in (*LIST_TRIES, None):
            try:
                return await find_sent(call.client, sent, self.context.store)
            except ReplicateError as error:
                if pause is None:
                    raise LostAnswerError(
                        "The answer to this job's create was lost, and Replicate's list of predictions could not be "
                        f"read to check whether it ran ({error}); retry the job to check again.") from error
                await self.context.sleep(pause)
        return None  # pragma: no cover - the loop returns or raises

    def _claim(self, prediction: dict[str, Any]) -> dict[str, Any]:
        claim_prediction(str(prediction["id"]))  # no lost create of this process (a chat run's) takes it
        try:
            self._set(state="running", prediction_id=str(prediction["id"]))
        except QueueStoreError:
            log.exception("Job %s could not record its prediction %s", self.job.id, prediction.get("id"))
            raise
        return prediction

    # ---- following --------------------------------------------------------------------------------

    def _heard(self, event: SessionEvent) -> None:
        changed = isinstance(event, ProgressChanged) and (event.percent, event.status) != (self._percent, self._status)
        if changed and isinstance(event, ProgressChanged):
            self._percent, self._status = event.percent, event.status
            self.context.emit(JobProgress(self.job.id, event.status, event.percent))

    @property
    def percent(self) -> float | None:
        return self._percent

    async def _ended(self, end: RunEnd) -> None:
        context = self.context
        run = self.run
        assert run is not None
        if isinstance(end, RunFinished):
            cost = None
            if context.spending is not None and run.prediction_id is not None:  # paid, whatever is kept of it
                usage = usage_of(self.job.model, end.predict_time, end.metrics, len(run.outputs), end.text,
                                 self.job.input)
                cost = context.spending.record(run.prediction_id, usage, batch_id=self.job.batch_id).amount
            # All or nothing: a job whose outputs could not all be downloaded fails (a retry follows its prediction
            # again instead of paying for another run).
            failed = [event for event in run.events if isinstance(event, OutputFailed)]
            if failed:
                self._set(state="failed", error=outputs_lost(failed, len(run.outputs)), predict_time=end.predict_time,
                          cost=cost)
                return
            if self.refetch and not run.outputs and not end.text:  # Replicate removed them: only a new run helps
                self._set(state="failed", error=OUTPUTS_GONE, predict_time=None, cost=cost)
                return
            paths: list[Path] = []
            if context.outputs is not None:
                paths = await context.outputs.keep(self.job, run, end)
            for index, path in enumerate(paths):
                context.emit(JobOutput(self.job.id, index, path, None))
            self._set(state="succeeded", error=None, predict_time=end.predict_time, cost=cost, outputs=paths)
        elif isinstance(end, RunFailed):
            self._set(state="failed", error=end.problem.message)
            if isinstance(end.problem.error, AuthenticationError | BillingRequiredError | MissingTokenError):
                context.account_problem(end.problem.message)
        elif isinstance(end, RunCanceled):
            self._set(state="canceled")

    def _set(self, **changes: Any) -> None:
        self.job = self.context.store.update_job(self.job.id, **changes)
        if "state" in changes:
            self.context.changed(self.job.id)


OUTPUTS_GONE = ("Replicate no longer holds this job's outputs (they are removed about an hour after a run); retry "
                "the job to run it again.")


def outputs_lost(failed: Sequence[OutputFailed], kept: int) -> str:
    """One sentence for a run that succeeded on Replicate but whose outputs could not all be downloaded."""
    total = len(failed) + kept
    what = "its output" if total == 1 else f"{len(failed)} of its {total} outputs"
    reason = failed[0].problem.message.rstrip(". ")
    return (f"The run succeeded but {what} could not be downloaded ({reason}); retry the job to download "
            f"{'it' if total == 1 else 'them'} again without running it again.")


def _hints(pacer: CreatePacer, send: Send, _status: int, headers: Mapping[str, str]) -> None:
    pacer.answered(send, headers)
