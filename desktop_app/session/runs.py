"""The run service: many runs at once, each with its own id, each cancellable on its own."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable, Mapping
from typing import Any

from ..replicate import ReplicateError, kind_of
from ..storage.folders import folder_problem
from ..storage.history_records import Generation
from .backends import Backends
from .driver import RunDriver
from .errors import OutputsCannotBeKept, problem_of
from .events import RunBegun, RunFailed, RunFinished, RunId, SessionEvent
from .outputs import OutputKeeper
from .recorder import HistoryRecorder, HistoryTarget, NewConversation
from .requests import RunPlan, RunRequest, plan_run
from .run import Listener, Run

log = logging.getLogger(__name__)


class RunService:
    """Starts runs and keeps them until they end.

    :meth:`start` checks a request locally (nothing is sent if it fails), then runs it in a task of its own:
    it records the generation, creates and follows the prediction, keeps its outputs in the library and
    records how it ended. Runs started in the same ``slot`` replace each other (the newest wins); all others
    run side by side until they end or are cancelled.
    """

    def __init__(self, backends: Backends, *, recorder: HistoryRecorder | None = None, first_id: int = 1,
                 on_finished: Callable[[Run, RunFinished], object] | None = None) -> None:
        """``first_id`` starts this service's run ids (a second service keeps its ids apart); ``on_finished``
        hears every run that succeeds (the spend ledger's hook)."""
        self.backends = backends
        self.recorder = recorder
        self.on_finished = on_finished
        self._keeper = OutputKeeper(backends.client, recorder, backends.download)
        self._ids = itertools.count(first_id)
        self._active: dict[RunId, Run] = {}
        self._slots: dict[str, Run] = {}
        self._tasks: dict[RunId, asyncio.Task[None]] = {}

    @property
    def active(self) -> list[Run]:
        """The runs that have not ended, oldest first."""
        return list(self._active.values())

    def get(self, run_id: RunId) -> Run | None:
        """An active run by its id."""
        return self._active.get(run_id)

    def prepare(self, request: RunRequest) -> RunPlan:
        """Checks ``request`` locally and returns its plan; raises the core's errors (no request is made),
        or :class:`OutputsCannotBeKept` when the library folder could not take the outputs it would pay for."""
        plan = plan_run(request, require_token=lambda: self.backends.client().require_token(),
                        has_local=self.backends.local is not None)
        store = self.recorder.store if self.recorder is not None else None
        if store is not None and plan.kind != "text":
            problem = folder_problem(store.library_dir)
            if problem is not None:
                raise OutputsCannotBeKept(problem)
        return plan

    def start(self, request: RunRequest, *, target: HistoryTarget | None = None, slot: str | None = None,
              listener: Listener | None = None) -> Run:
        """Checks and starts ``request``; a request refused locally gives a run that has already failed."""
        try:
            plan = self.prepare(request)
        except ReplicateError as error:
            return self.refused(request, error, listener=listener)
        return self.launch(plan, target=target, slot=slot, listener=listener)

    def launch(self, plan: RunPlan, *, target: HistoryTarget | None = None, slot: str | None = None,
               listener: Listener | None = None, options: Mapping[str, Any] | None = None) -> Run:
        """Starts a checked plan. Its history goes to ``target`` (a conversation), else to a new conversation;
        ``listener`` hears every event from the first; ``options`` go to the core for this run only."""
        run = Run(next(self._ids), plan.request, model=plan.model)
        history = target if target is not None else NewConversation()

        def record_begin() -> None:
            if self.recorder is not None:
                self.recorder.begin_generation(run.id, history, plan.model, plan.recorded_input,
                                               source_output_id=plan.request.source_output_id)

        driver = RunDriver(run, self.backends.create(plan, options),
                           RunBegun(run.id, plan.model, plan.kind, plan.prompt),
                           recorder=self.recorder, keeper=self._keeper, record_begin=record_begin)
        return self._begin(run, driver, slot, listener)

    def refused(self, request: RunRequest, error: BaseException, *, listener: Listener | None = None) -> Run:
        """A run that failed its local checks: its only event is :class:`RunFailed`, nothing was sent."""
        run = Run(next(self._ids), request, model=request.model)
        if listener is not None:
            run.add_listener(listener)
        run.emit(RunFailed(run.id, problem_of(error, checked_locally=True)))
        return run

    def resume(self, generation: Generation, *, listener: Listener | None = None) -> Run:
        """Follows a recorded generation whose prediction was still running when the app last closed, keeps its
        outputs and records its end. Cancelling it leaves the prediction running and the generation unfinished."""
        if generation.prediction_id is None:
            raise ValueError(f"Generation {generation.id} has no prediction to resume.")
        kind = kind_of(generation.model)
        prompt = str(generation.input.get("prompt", ""))
        run = Run(next(self._ids), None, model=generation.model)
        if self.recorder is not None:
            self.recorder.adopt(run.id, generation.conversation_id, generation.turn_id, generation.id)
        source = self.backends.resume(generation.prediction_id, kind, prompt)
        begun = RunBegun(run.id, generation.model, kind, prompt, resumed=True)
        driver = RunDriver(run, source, begun, recorder=self.recorder, keeper=self._keeper, record_begin=None)
        return self._begin(run, driver, None, listener)

    def follow(self, prediction_id: str, *, model: str, prompt: str = "", listener: Listener | None = None) -> Run:
        """Follows a prediction created earlier (by a job before the app restarted) without any history of its
        own; cancelling the run leaves the prediction running."""
        kind = kind_of(model)
        run = Run(next(self._ids), None, model=model)
        begun = RunBegun(run.id, model, kind, prompt, resumed=True)
        driver = RunDriver(run, self.backends.resume(prediction_id, kind, prompt), begun, recorder=None,
                           keeper=self._keeper, record_begin=None)
        return self._begin(run, driver, None, listener)

    def cancel(self, run_id: RunId) -> bool:
        """Stops one run (its prediction is canceled on the server); False when no such run is active."""
        run = self._active.get(run_id)
        return run.cancel() if run is not None else False

    def cancel_all(self) -> None:
        for run in self.active:
            run.cancel()

    async def wait_all(self) -> None:
        """Waits until every active run has ended (its clean-up included)."""
        while self._tasks:
            await asyncio.wait(list(self._tasks.values()))

    async def aclose(self) -> None:
        """Cancels every run and waits for them: the shutdown path."""
        self.cancel_all()
        await self.wait_all()

    def _begin(self, run: Run, driver: RunDriver, slot: str | None, listener: Listener | None) -> Run:
        if listener is not None:
            run.add_listener(listener)
        if self.on_finished is not None:
            run.add_listener(self._finished_hook(run))
        if slot is not None:
            previous = self._slots.get(slot)
            if previous is not None:
                previous.cancel()  # the newest request for a slot wins
            self._slots[slot] = run
        self._active[run.id] = run
        task = asyncio.get_running_loop().create_task(driver.drive(), name=f"run {run.id}")
        run.attach(task)
        self._tasks[run.id] = task
        task.add_done_callback(lambda _task: self._forget(run, slot))
        return run

    def _finished_hook(self, run: Run) -> Listener:
        def heard(event: SessionEvent) -> None:
            if isinstance(event, RunFinished) and self.on_finished is not None:
                self.on_finished(run, event)

        return heard

    def _forget(self, run: Run, slot: str | None) -> None:
        self._active.pop(run.id, None)
        self._tasks.pop(run.id, None)
        if slot is not None and self._slots.get(slot) is run:
            del self._slots[slot]

