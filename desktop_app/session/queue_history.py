"""A batch's finished jobs in the history: one conversation per batch, each job's reply, generation and outputs
written when the job finishes (never before, so the history's own recovery never follows a queue job twice)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..storage.queue_store import JobRecord, QueueStore
from .events import RunFinished, RunStarted
from .recorder import HistoryRecorder
from .run import Run


@dataclass(eq=False)
class BatchConversation:
    """The history conversation of one batch (``history_id`` is set by the recorder's first write)."""

    history_id: int | None = None


class HistoryOutputs:
    """Keeps finished jobs in the history (the queue's :class:`~desktop_app.session.queue_job.JobOutputs`)."""

    def __init__(self, recorder: HistoryRecorder, store: QueueStore) -> None:
        self.recorder = recorder
        self.store = store
        self._targets: dict[int, BatchConversation] = {}

    async def keep(self, job: JobRecord, run: Run, finished: RunFinished) -> list[Path]:
        batch = self.store.batch(job.batch_id)
        target = self._targets.get(job.batch_id)
        if target is None:
            target = self._targets[job.batch_id] = BatchConversation(batch.history_id if batch else None)
        key = -job.id  # the recorder's key for this write; the chat's run ids are positive
        recorded = {name: str(value) if isinstance(value, Path) else value for name, value in job.input.items()}
        self.recorder.begin_generation(key, target, job.model, recorded)
        started = next((event for event in run.events if isinstance(event, RunStarted)), None)
        if run.prediction_id is not None:
            self.recorder.prediction_started(key, run.prediction_id, started.version if started else None)
        paths: list[Path] = []
        for output in run.outputs:
            record = await self.recorder.store_output(key, output.data, output.content_type, output.source_url)
            if record is not None:
                paths.append(record.path)
        self.recorder.finish(key, text=finished.text, turn_state="done", status=finished.status,
                             predict_time=finished.predict_time)
        self.recorder.release(key)
        await self.recorder.flush()
        if target.history_id is not None and (batch is None or batch.history_id != target.history_id):
            self.store.set_batch_history(job.batch_id, target.history_id)
        return paths
