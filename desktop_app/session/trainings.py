"""The training service: everything the "Train a model" wizard and ``replicate-desktop train`` do, without Qt —
check for free, pack and upload the photos, create the destination, start the training, follow it, keep it across
restarts, and hand over the new version."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..replicate import (
    PollBudget,
    ReplicateClient,
    ReplicateError,
    Trainer,
    TrainingCompleted,
    TrainingFollow,
    TrainingLogs,
    TrainingProgress,
    TrainingStarted,
    UploadedFile,
    cancel_training,
    create_model,
    create_training,
    follow_training,
    trained_destinations,
    upload_file_once,
)
from ..replicate import (
    TrainingCanceled as CoreCanceled,
)
from ..storage.trainings_store import StoredUpload, TrainingRecord, TrainingsStore, TrainingsStoreError
from .errors import problem_of
from .training_checks import TrainingPlan, TrainingRequest, check_training, load_trainer
from .training_costs import CURATED_TRAINERS, CostEstimate, KnownTrainer, estimate_training_cost
from .training_data import TrainingData, pack_training_data, scan
from .training_events import (
    DataReady,
    DestinationCreated,
    PackingProgressed,
    TrainingBegun,
    TrainingCanceled,
    TrainingDetached,
    TrainingEnd,
    TrainingFailed,
    TrainingLogsAppended,
    TrainingStatus,
    TrainingSucceeded,
    UploadProgressed,
)
from .training_run import Listener, TrainingRun

log = logging.getLogger(__name__)

TRIGGER_INPUTS = ("trigger_word", "token_string", "trigger", "instance_prompt", "token")
SAVE_EVERY = 5.0  # seconds between saves of a running training's logs tail (status changes are saved at once)


class TrainingService:
    """Trainings many at once, each a :class:`TrainingRun` of typed events; made once by the composition root.

    ``client`` gives the client for the token in use; ``store`` keeps every training (so it survives quitting and
    crashes), the uploads by content hash and the destinations made; ``work_dir`` holds the zips while they upload.
    Closing the app (:meth:`aclose`) stops following but leaves trainings running on Replicate; cancelling a run
    cancels its training there.
    """

    def __init__(self, client: Callable[[], ReplicateClient], store: TrainingsStore, *, work_dir: Path,
                 budget: PollBudget | None = None, follow: TrainingFollow | None = None) -> None:
        self.client = client
        self.store = store
        self.work_dir = work_dir
        self.follow = follow or TrainingFollow(budget=budget)
        self._ids = itertools.count(1)
        self._runs: dict[int, TrainingRun] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    # ---- for the wizard, before anything is paid -----------------------------------------------------

    @property
    def curated_trainers(self) -> tuple[KnownTrainer, ...]:
        return CURATED_TRAINERS

    async def scan(self, sources: Sequence[Path]) -> TrainingData:
        """The photos in a folder or among chosen files: what is used, what is left out and why."""
        return await scan(sources)

    async def trainer(self, reference: str) -> Trainer:
        """A trainer's version and its training form (for the wizard's form page); ``TrainingRefused`` when the
        reference is malformed, unknown, or names a version that does not train."""
        return await load_trainer(self.client(), reference)

    def estimate(self, trainer: str, inputs: Mapping[str, Any] | None = None) -> CostEstimate | None:
        """The cost estimate of a training of ``trainer`` with these inputs (``steps`` scales it), or ``None``."""
        return estimate_training_cost(trainer, inputs)

    async def check(self, request: TrainingRequest, data: TrainingData | None = None) -> TrainingPlan:
        """Every check, free ones first: raises ``TrainingRefused`` (one sentence, ``field``) or the core's error."""
        return await check_training(self.client(), request, data)

    async def destinations(self) -> list[str]:
        """Models to offer as destinations: those the app made or trained into, then those the account trained
        into lately (Replicate lists no "my models"; a failure to ask is not an error here)."""
        names = await asyncio.to_thread(self.store.destinations)
        try:
            found = await trained_destinations(self.client())
        except ReplicateError as error:
            log.info("Could not list recent trainings: %s", error)
            found = []
        return names + [name for name in found if name not in names]

    async def history(self) -> list[TrainingRecord]:
        """Every training the app started, newest first, with its inputs, logs tail and result."""
        return await asyncio.to_thread(self.store.all)

    # ---- running ---------------------------------------------------------------------------------------

    @property
    def active(self) -> list[TrainingRun]:
        return [run for run in self._runs.values() if not run.done]

    def get(self, run_id: int) -> TrainingRun | None:
        return self._runs.get(run_id)

    def start(self, plan: TrainingPlan, *, listener: Listener | None = None) -> TrainingRun:
        """Packs and uploads the photos, creates the destination if asked, starts the training and follows it."""
        run = TrainingRun(next(self._ids), 0, trainer=str(plan.trainer.ref), destination=str(plan.destination))
        return self._launch(run, self._drive_new(run, plan), listener)

    async def resume_unfinished(self, *, listener: Listener | None = None) -> list[TrainingRun]:
        """On start: follows again every training that had not ended when the app stopped; those that never
        reached Replicate (the app stopped while packing or uploading) are marked ``interrupted``."""
        runs = []
        for record in await asyncio.to_thread(self.store.unfinished):
            if record.training_id is None:
                await asyncio.to_thread(self.store.update, record.local_id, status="interrupted",
                                        error="The app stopped before the training was created; nothing was paid.")
                continue
            if any(run.training_id == record.training_id for run in self.active):
                continue
            runs.append(self.resume(record, listener=listener))
        return runs

    def resume(self, record: TrainingRecord, *, listener: Listener | None = None) -> TrainingRun:
        """Follows a stored training again by its id."""
        if record.training_id is None:
            raise ValueError(f"Training record {record.local_id} never reached Replicate.")
        run = TrainingRun(next(self._ids), record.local_id, trainer=record.trainer, destination=record.destination,
                          training_id=record.training_id)
        return self._launch(run, self._drive_resumed(run, record), listener)

    def cancel(self, run_id: int) -> bool:
        """Cancels one run (its training on Replicate too); False when no such run is active."""
        run = self._runs.get(run_id)
        return run.cancel() if run is not None else False

    async def aclose(self) -> None:
        """Stops following every run (the trainings go on on Replicate) and waits for the tasks to end."""
        for run in self.active:
            run.detach()
        while self._tasks:
            await asyncio.wait(list(self._tasks))

    # ---- the task bodies -------------------------------------------------------------------------------

    def _launch(self, run: TrainingRun, body: Any, listener: Listener | None) -> TrainingRun:
        if listener is not None:
            run.add_listener(listener)
        self._runs[run.id] = run
        task = asyncio.get_running_loop().create_task(body, name=f"training run {run.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

        def orphan(error: BaseException | None) -> TrainingEnd:
            if error is not None:
                return TrainingFailed(run.id, problem_of(error), run.training_id)
            return TrainingCanceled(run.id, run.training_id, False) if run.cancel_requested \
                else TrainingDetached(run.id, run.training_id)

        run.attach(task, orphan)
        return run

    async def _drive_new(self, run: TrainingRun, plan: TrainingPlan) -> None:
        record = TrainingRecord(str(plan.trainer.ref), str(plan.destination), dict(plan.inputs),
                                data_source=_data_source(plan))
        try:
            run.local_id = (await asyncio.to_thread(self.store.add, record)).local_id
        except TrainingsStoreError as error:  # the training can go on; it cannot be resumed after a restart
            log.error("%s", error)
        client = self.client()
        try:
            url = await self._prepare_data(run, plan, client)
            if plan.hardware is not None:
                await create_model(client, plan.destination, hardware=plan.hardware,
                                   visibility=plan.request.visibility, description=plan.request.description)
                await asyncio.to_thread(self.store.add_destination, str(plan.destination), hardware=plan.hardware,
                                        visibility=plan.request.visibility)
                run.emit(DestinationCreated(run.id, str(plan.destination)))
            inputs = {**plan.inputs, plan.data_input: url}
            creating = asyncio.ensure_future(create_training(client, plan.trainer.ref, plan.destination, inputs))
            try:
                created = await asyncio.shield(creating)
            except asyncio.CancelledError:
                # Stopped while Replicate was creating it: wait for the answer, so that the training is known (to
                # cancel it, or to follow it after a restart) instead of running unseen and billed.
                with contextlib.suppress(ReplicateError):
                    late = await creating
                    await self._save(run, training_id=str(late["id"]), status=str(late["status"]), input=inputs)
                raise
            await self._save(run, training_id=str(created["id"]), status=str(created["status"]), input=inputs)
        except asyncio.CancelledError:
            await self._stopped(run, client)
            raise
        except (ReplicateError, OSError) as error:
            await self._failed(run, error)
            return
        await self._follow(run, client, created, plan.trigger_word)

    async def _drive_resumed(self, run: TrainingRun, record: TrainingRecord) -> None:
        await self._follow(run, self.client(), None, trigger_word(record.input))

    async def _prepare_data(self, run: TrainingRun, plan: TrainingPlan, client: ReplicateClient) -> str:
        """The zip's URL: packed and uploaded now, or reused when Replicate holds the same bytes already."""
        if plan.data is None:
            url = str(plan.request.data_url)
            run.emit(DataReady(run.id, url, None, reused=False))
            return url
        zip_path = self.work_dir / f"training-data-{os.getpid()}-{run.id}.zip"
        try:
            packed = await pack_training_data(plan.data, zip_path,
                                              progress=lambda done, total: run.emit(
                                                  PackingProgressed(run.id, done, total)))
            stored = await asyncio.to_thread(self.store.upload, packed.sha256)
            sent = [0]

            def progress(done: int, total: int) -> None:
                sent[0] = done
                run.emit(UploadProgressed(run.id, done, total))

            uploaded = await upload_file_once(client, packed.path, sha256=packed.sha256, size=packed.size,
                                              remembered=_uploaded(stored), content_type="application/zip",
                                              filename="training-data.zip", progress=progress)
        finally:
            zip_path.unlink(missing_ok=True)
        await asyncio.to_thread(self.store.remember_upload, StoredUpload(
            packed.sha256, packed.size, uploaded.id, uploaded.url, uploaded.content_type, uploaded.expires_at))
        run.emit(DataReady(run.id, uploaded.url, packed.size, reused=sent[0] == 0))
        return uploaded.url

    async def _follow(self, run: TrainingRun, client: ReplicateClient, created: dict[str, Any] | None,
                      trigger: str | None) -> None:
        assert run.training_id is not None or created is not None
        training_id = str(created["id"]) if created is not None else str(run.training_id)
        logs: list[str] = []
        status, saved_at = "", 0.0
        events = follow_training(client, training_id, destination=run.destination, follow=self.follow, known=created)
        try:
            async with contextlib.aclosing(events):
                async for event in events:
                    if isinstance(event, TrainingStarted):
                        if not run.trainer:  # resumed by id alone: Replicate says which trainer it runs
                            run.trainer = event.trainer
                            await self._save(run, trainer=event.trainer)
                        run.emit(TrainingBegun(run.id, event.training_id, run.trainer, run.destination,
                                               event.web_url, resumed=event.resumed))
                    elif isinstance(event, TrainingLogs):
                        logs.append(event.text)
                        run.emit(TrainingLogsAppended(run.id, event.text))
                    elif isinstance(event, TrainingProgress):
                        now = self.follow.clock()
                        if event.status != status or now - saved_at >= SAVE_EVERY:
                            status, saved_at = event.status, now
                            await self._save(run, status=event.status, logs_tail="".join(logs[-2000:]),
                                             keep_logs=not logs)
                        run.emit(TrainingStatus(run.id, event.status, event.elapsed, event.percent, event.log_line))
                    elif isinstance(event, TrainingCompleted):
                        await self._succeeded(run, event, trigger, "".join(logs))
        except asyncio.CancelledError:
            await self._stopped(run, client)
            raise
        except CoreCanceled as error:  # canceled elsewhere (the website), or aborted before it started
            await self._save(run, status="aborted" if error.before_start else "canceled", error=str(error))
            run.emit(TrainingCanceled(run.id, run.training_id, on_server=True))
        except ReplicateError as error:
            await self._failed(run, error, logs="".join(logs))

    async def _succeeded(self, run: TrainingRun, event: TrainingCompleted, trigger: str | None,
                         logs: str) -> None:
        result = event.result
        await self._save(run, status="succeeded", version=result.version, weights=result.weights, logs_tail=logs,
                         keep_logs=not logs)
        run.emit(TrainingSucceeded(run.id, event.training_id, result.version, result.weights, trigger,
                                   f"a photo of {trigger}" if trigger else None, event.predict_time))

    async def _stopped(self, run: TrainingRun, client: ReplicateClient) -> None:
        """The run's task was cancelled: by the user (cancel on Replicate too) or by the app closing (detach)."""
        if not run.cancel_requested:
            if run.training_id is None:
                await self._save(run, status="interrupted", error="The app stopped before the training was created.")
            run.emit(TrainingDetached(run.id, run.training_id))
            return
        on_server, status = False, "canceled"
        if run.training_id is not None:
            try:
                answer = await asyncio.shield(cancel_training(client, run.training_id))
            except (ReplicateError, asyncio.CancelledError) as error:
                log.warning("Could not cancel training %s: %s", run.training_id, error)
            else:  # a training that ended just before stays as it ended
                status = str(answer["status"]) if answer["status"] in ("succeeded", "failed") else "canceled"
                on_server = status == "canceled"
        await self._save(run, status=status, error="Canceled by the user." if status == "canceled" else None)
        run.emit(TrainingCanceled(run.id, run.training_id, on_server))

    async def _failed(self, run: TrainingRun, error: BaseException, *, logs: str = "") -> None:
        problem = problem_of(error)
        training_error = getattr(error, "logs", "") or logs
        await self._save(run, status="failed", error=problem.message, logs_tail=training_error,
                         keep_logs=not training_error)
        run.emit(TrainingFailed(run.id, problem, run.training_id))

    async def _save(self, run: TrainingRun, *, keep_logs: bool = False, **changes: Any) -> None:
        """Writes changes to the run's record off the loop thread; a failing store is logged, never fatal."""
        if keep_logs:
            changes.pop("logs_tail", None)
        if "training_id" in changes:
            run.training_id = changes["training_id"]
        try:
            await asyncio.shield(asyncio.to_thread(self.store.update, run.local_id, **changes))
        except Exception as error:  # the training goes on even when its record cannot be saved
            log.error("Could not save training run %s: %s", run.id, error)


def trigger_word(inputs: Mapping[str, Any]) -> str | None:
    """The trigger word among a training's inputs (``trigger_word``, ``token_string`` …), if one was given."""
    for name in TRIGGER_INPUTS:
        value = inputs.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _data_source(plan: TrainingPlan) -> str:
    if plan.data is None:
        return str(plan.request.data_url)
    return ", ".join(str(path) for path in plan.data.sources)


def _uploaded(stored: StoredUpload | None) -> UploadedFile | None:
    if stored is None:
        return None
    return UploadedFile(stored.file_id, stored.url, stored.content_type, stored.size, stored.expires_at,
                        stored.sha256)
