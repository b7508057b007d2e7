"""The job queue: batches of jobs run N at a time within what the account allows, in an order the user controls,
kept in their own database so that they survive quitting and crashes.

    queue = JobQueue(QueueStore.open(paths.queue_db), backends, outputs=HistoryOutputs(recorder), spending=spending)
    queue.start()
    batch = queue.add(expand(BatchSpec("flux-schnell", rows=…, repeat=4)))
    batch = await queue.add_checked(expand(BatchSpec("flux-schnell", matrix=(Axis("model", …),))))  # schemas read
    queue.subscribe(panel.on_queue_event)       # JobsAdded, JobChanged, JobProgress, JobOutput, JobThrottled, …
    queue.pause(); queue.move(job_id, 0); queue.resume(); queue.cancel(job_id); queue.retry_failed()
    await queue.aclose()                        # quitting: running predictions are left to be followed next time

Jobs never run twice: a create whose answer was lost is looked for among the account's recent predictions before
anything is sent again (also after a restart), every prediction a job had stays its own, and a retried job whose
prediction still runs or succeeded (its outputs could not be downloaded) takes it up again instead of paying twice.
Every job is checked against its own model's input schema before anything is added; a batch keeps those schemas,
so its jobs are sent the same way after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from typing import Any

from ..replicate import APP_POLICY, FollowPolicy, InputSchema, is_cog_reference
from ..storage.queue_store import BatchRecord, JobRecord, NewJob, QueueStore
from .backends import Backends
from .costs import BatchEstimate, Prices
from .jobs import JobSpec, batch_title
from .pacing import CreatePacer, Pacing
from .queue_board import QueueBoard, job_view
from .queue_cancel import cancel_on_server, cancel_unanswered
from .queue_events import (
    BatchFinished,
    BudgetWarning,
    JobChanged,
    JobsAdded,
    JobView,
    QueueChanged,
    QueueEvent,
)
from .queue_job import JobContext, JobOutputs, JobWork
from .queue_schemas import BatchSchemas, InputSchemaReader, check_jobs, check_names, fit_form_values, schema_json
from .run import Run
from .runs import RunService
from .spend import Spending

log = logging.getLogger(__name__)

QUEUE_POLICY = FollowPolicy(max_attempts=APP_POLICY.max_attempts * 10, delay=APP_POLICY.delay, wait_seconds=None)
QUEUE_RUN_IDS = 1_000_001  # the queue's runs are numbered apart from the chat's
QueueListener = Callable[[QueueEvent], None]
DEFAULT_CONCURRENCY = 4
CONCURRENCY_KEY = "concurrency"
CANCEL_GRACE = 10.0  # seconds a closing queue waits for the cancels it was asked for to reach Replicate


class JobQueue:
    """Runs batches of jobs (see the module's description). Create it inside the running loop."""

    def __init__(
        self,
        store: QueueStore,
        backends: Backends,
        *,
        outputs: JobOutputs | None = None,
        spending: Spending | None = None,
        prices: Prices | None = None,
        concurrency: int | None = None,
        pacer: CreatePacer | None = None,
        policy: FollowPolicy = QUEUE_POLICY,
        schemas: InputSchemaReader | None = None,
    ) -> None:
        """``schemas`` reads the input schemas of the models a batch runs (from Replicate by default)."""
        self.store = store
        self.backends = backends
        self.schemas = schemas or InputSchemaReader(backends.client)
        self.runs = RunService(backends, first_id=QUEUE_RUN_IDS)  # no history of its own: outputs record it
        self.spending = spending
        self.prices = prices or (spending.prices if spending is not None else Prices())
        saved = store.setting(CONCURRENCY_KEY)
        chosen = concurrency or (saved if isinstance(saved, int) and saved >= 1 else DEFAULT_CONCURRENCY)
        self.pacer = pacer or CreatePacer(chosen)
        self.pacer.on_change = self._wakeup
        self._listeners: list[QueueListener] = []
        self._work: dict[int, JobWork] = {}
        self.board = QueueBoard(store, self._work)  # the reading side: batches, jobs, summaries
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._paused = False
        self._detaching = False
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._dispatcher: asyncio.Task[None] | None = None
        self._finished_batches: set[int] = set()
        self._warned: set[tuple[str, int | None]] = set()
        self._background: set[asyncio.Task[None]] = set()
        self._inboxes: set[asyncio.Queue[QueueEvent | None]] = set()
        self.context = JobContext(store, self.runs, self.pacer, backends.client, self._emit, self._changed,
                                  lambda: self._detaching, policy, outputs, spending,
                                  account_problem=self._account_problem, schemas=BatchSchemas(store))
        self.reason: str | None = None

    # ---- events -----------------------------------------------------------------------------------

    def subscribe(self, listener: QueueListener) -> Callable[[], None]:
        """Calls ``listener`` with every later event (on the loop, synchronously); returns the unsubscriber."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    async def events(self) -> AsyncIterator[QueueEvent]:
        """The events from now on, for one reader; it ends when the queue closes."""
        inbox: asyncio.Queue[QueueEvent | None] = asyncio.Queue()
        unsubscribe = self.subscribe(inbox.put_nowait)
        self._inboxes.add(inbox)
        try:
            while (event := await inbox.get()) is not None:
                yield event
        finally:
            self._inboxes.discard(inbox)
            unsubscribe()

    # ---- composing --------------------------------------------------------------------------------

    def estimate(self, specs: Sequence[JobSpec]) -> BatchEstimate:
        """What ``specs`` are expected to cost (an estimate, labelled so)."""
        return self.prices.estimate(specs)

    def add(self, specs: Sequence[JobSpec], *, title: str | None = None, key: str | None = None,
            schemas: dict[str, InputSchema] | None = None) -> BatchRecord:
        """Checks every job of ``specs`` (:func:`~desktop_app.session.queue_schemas.check_jobs`: with
        ``schemas``, each against its own model's), then queues them as one batch at the end of the queue."""
        check_jobs(self.runs, specs, schemas)
        used = {spec.model for spec in specs}
        kept = {model: schema_json(schema) for model, schema in (schemas or {}).items() if model in used}
        first = next((spec.prompt for spec in specs if spec.prompt), None) or specs[0].model
        batch = self.store.add_batch(title or batch_title(first, len(specs)),  # sent as checked after a restart
                                     [NewJob(spec.model, dict(spec.input), spec.label) for spec in specs], key=key,
                                     schemas=kept)
        ids = tuple(job.id for job in self.store.jobs(batch_id=batch.id))
        self._emit(JobsAdded(batch.id, ids))
        if self.spending is not None:
            planned = self.estimate(specs).cost
            status = self.spending.status(planned)
            if status is not None and status.over:
                self._emit(BudgetWarning(status, planned, batch.id))
        self._wakeup()
        return batch

    async def add_checked(self, specs: Sequence[JobSpec], *, title: str | None = None, key: str | None = None,
                          schemas: dict[str, InputSchema] | None = None, form_model: str | None = None
                          ) -> BatchRecord:
        """Reads the input schema of every model the jobs run (those not in ``schemas``), then adds them as
        :meth:`add` does, each checked against its own model's schema. When the jobs' shared values came from
        ``form_model``'s parameter form, jobs of other models leave out its untouched defaults they do not take.
        Raises :class:`~desktop_app.session.queue_schemas.SchemaReadError` when a schema cannot be read, and the
        core's ``MissingTokenError`` (before any request) without a token."""
        check_names(specs)  # what needs no schema comes first: a typo is not a request
        if any(not is_cog_reference(spec.model) for spec in specs):
            self.backends.client().require_token()
        found = await self.schemas.read_all((spec.model for spec in specs), schemas)
        if form_model is not None:
            specs = fit_form_values(specs, form_model, found.get(form_model), found)
        return self.add(specs, title=title, key=key, schemas=found)

    # ---- control ----------------------------------------------------------------------------------

    def start(self) -> None:
        """Starts dispatching; jobs left creating or running by the last session are taken up first."""
        if self._dispatcher is not None:
            return
        for job in self.store.jobs(states=("creating", "running")):
            self._begin(job)
        self._dispatcher = asyncio.get_running_loop().create_task(self._dispatch(), name="job queue")

    @property
    def paused(self) -> bool:
        return self._paused

    def pause(self) -> None:
        """No new job starts; those in flight go on."""
        self._paused = True
        self._queue_changed()

    def resume(self) -> None:
        self._paused, self.reason = False, None
        self._queue_changed()
        self._wakeup()

    @property
    def concurrency(self) -> int:
        return self.pacer.concurrency

    @concurrency.setter
    def concurrency(self, value: int) -> None:
        """The setting (remembered in the queue's database): at most this many jobs in flight."""
        self.pacer.concurrency = value
        self.store.set_setting(CONCURRENCY_KEY, value)
        self._wakeup()
        self._queue_changed()

    @property
    def pacing(self) -> Pacing:
        return self.pacer.snapshot()

    def move(self, job_id: int, index: int) -> None:
        """Puts a waiting job at ``index`` among the waiting ones (0 = next)."""
        self.store.move(job_id, index)
        self._queue_changed()

    def cancel(self, job_id: int) -> bool:
        """Cancels a job: a waiting one never runs, a running one is canceled on the server too."""
        if self.store.set_states([job_id], "canceled", only_from=("queued",)):
            self._changed(job_id)
            self._wakeup()
            return True
        work = self._work.get(job_id)
        if work is None or work.run is None:
            task = self._tasks.get(job_id)
            if task is None:
                return False
            task.cancel()
            return True
        run, prediction_id = work.run, work.run.prediction_id
        client = self.backends.client()
        if work.following and prediction_id is not None:  # its run would leave the prediction running
            self._spawn(cancel_on_server(client, prediction_id), f"cancel {prediction_id}")
        sent = work.job.sent_at is not None and work.job.prediction_id is None
        run.cancel()
        if sent:  # its create may have reached Replicate without an answer yet
            self._spawn(cancel_unanswered(client, self.store, work, self._tasks.get(job_id)),
                        f"cancel job {job_id}'s create")
        return True

    def cancel_batch(self, batch_id: int | None = None) -> int:
        """Cancels every unfinished job (of one batch); returns how many."""
        jobs = self.store.jobs(batch_id=batch_id, states=("queued", "creating", "running"))
        return sum(self.cancel(job.id) for job in jobs)

    def cancel_all(self) -> int:
        return self.cancel_batch(None)

    def retry_failed(self, batch_id: int | None = None) -> list[int]:
        """Queues the failed jobs again (of one batch); returns their ids."""
        failed = self.store.jobs(batch_id=batch_id, states=("failed",))
        for job in failed:
            # A job keeps its prediction: when its turn comes, that prediction's state decides between following it
            # again and a new run (a retry never pays twice for one run); a create with no answer keeps sent_at and
            # is looked for first.
            self.store.update_job(job.id, state="queued", error=None)
            self._finished_batches.discard(job.batch_id)
            self._changed(job.id)
        self._wakeup()
        return [job.id for job in failed]

    async def wait_idle(self) -> None:
        """Waits until no job is in flight and none is waiting to start (or the queue is paused)."""
        while not self._is_idle():
            self._idle.clear()
            await self._idle.wait()

    async def aclose(self) -> None:
        """The way out when the app quits: stops dispatching and leaves running predictions running, so the
        next start follows them by their ids; waiting jobs stay queued."""
        self._detaching = True
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._dispatcher
        for task in list(self._tasks.values()):
            task.cancel()
        await self.runs.aclose()
        if self._tasks:
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)
        if self._background:  # a cancel the user asked for still reaching Replicate: let it, for a while
            _done, late = await asyncio.wait(set(self._background), timeout=CANCEL_GRACE)
            for task in late:
                log.warning("Quitting before task %s ended", task.get_name())
                task.cancel()
        for inbox in list(self._inboxes):
            inbox.put_nowait(None)

    # ---- reading (the rest is on .board) ---------------------------------------------------------

    def run_of(self, job_id: int) -> Run | None:
        """The run of a job in flight: its text, logs and outputs as they come."""
        work = self._work.get(job_id)
        return None if work is None else work.run

    # ---- dispatching ------------------------------------------------------------------------------

    async def _dispatch(self) -> None:
        while True:
            self._wake.clear()
            while not self._paused and len(self._tasks) < self.pacer.allowed:
                job = self.store.next_queued(skip=list(self._tasks))
                if job is None:
                    break
                self._begin(job)
            self._check_idle()
            await self._wake.wait()

    def _begin(self, job: JobRecord) -> None:
        work = JobWork(self.context, job)
        self._work[job.id] = work
        self._tasks[job.id] = asyncio.get_running_loop().create_task(self._run_job(work), name=f"job {job.id}")

    async def _run_job(self, work: JobWork) -> None:
        job_id = work.job.id
        try:
            await work.work()
        except asyncio.CancelledError:
            if not self._detaching:
                with contextlib.suppress(Exception):
                    work._set(state="canceled")
            raise
        except Exception as error:
            log.exception("Job %s failed unexpectedly", job_id)
            with contextlib.suppress(Exception):
                work._set(state="failed", error=f"Unexpected error ({type(error).__name__}); see the log.")
        finally:
            self._work.pop(job_id, None)
            self._tasks.pop(job_id, None)
            if not self._detaching:
                self._after(work.job)
                self._wakeup()

    def _after(self, job: JobRecord) -> None:
        summary = self.board.summary(job.batch_id)
        if summary.done and job.batch_id not in self._finished_batches:
            self._finished_batches.add(job.batch_id)
            self._emit(BatchFinished(summary))
        if self.spending is not None and job.cost:
            status = self.spending.status()
            if status is not None and status.over:
                mark = (status.budget.period, None)
                if mark not in self._warned:
                    self._warned.add(mark)
                    self._emit(BudgetWarning(status))

    def _spawn(self, coroutine: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.get_running_loop().create_task(coroutine, name=name)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # ---- plumbing ---------------------------------------------------------------------------------

    def _emit(self, event: QueueEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("A queue listener failed on %s", type(event).__name__)

    def _changed(self, job_id: int) -> None:
        job = self.store.job(job_id)
        if job is not None:
            self._emit(JobChanged(self._view(job)))

    def _queue_changed(self) -> None:
        order = tuple(job.id for job in self.store.jobs(states=("queued",)))
        self._emit(QueueChanged(self._paused, order, self.pacer.concurrency, self.reason))

    def _account_problem(self, message: str) -> None:
        if not self._paused:
            self._paused, self.reason = True, message
            self._queue_changed()

    def _view(self, job: JobRecord) -> JobView:
        return job_view(job, self._work.get(job.id))

    def _wakeup(self) -> None:
        self._wake.set()
        self._check_idle()

    def _is_idle(self) -> bool:
        return not self._tasks and (self._paused or self.store.next_queued() is None)

    def _check_idle(self) -> None:
        if self._is_idle():
            self._idle.set()
