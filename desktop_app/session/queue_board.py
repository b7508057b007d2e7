"""The job queue as a list to show: batches, jobs (with the progress of those in flight) and batch summaries."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ..storage.queue_store import ENDED_STATES, BatchRecord, JobRecord, QueueStore
from .queue_events import BatchSummary, JobView

if TYPE_CHECKING:
    from .queue_job import JobWork


class QueueBoard:
    """The queue as a list to show: its batches and jobs (with the progress of those in flight) and summaries."""

    def __init__(self, store: QueueStore, work: Mapping[int, JobWork]) -> None:
        self._store = store
        self._work = work

    def jobs(self, batch_id: int | None = None) -> list[JobView]:
        return [job_view(job, self._work.get(job.id)) for job in self._store.jobs(batch_id=batch_id)]

    def job(self, job_id: int) -> JobView | None:
        job = self._store.job(job_id)
        return None if job is None else job_view(job, self._work.get(job.id))

    def batches(self) -> list[BatchRecord]:
        return self._store.batches()

    def summary(self, batch_id: int) -> BatchSummary:
        batch = self._store.batch(batch_id)
        jobs = self._store.jobs(batch_id=batch_id)
        counts = {state: sum(job.state == state for job in jobs) for state in ENDED_STATES}
        priced = [job.cost for job in jobs if job.cost is not None]
        return BatchSummary(batch_id, batch.title if batch else "", len(jobs), counts["succeeded"], counts["failed"],
                            counts["canceled"], sum(job.predict_time or 0.0 for job in jobs), sum(priced),
                            len(priced))


def job_view(job: JobRecord, work: JobWork | None) -> JobView:
    """What the queue panel shows of one job."""
    run = work.run if work is not None else None
    prompt = job.input.get("prompt")
    return JobView(job.id, job.batch_id, job.position, job.model, job.label,
                   prompt if isinstance(prompt, str) else None, job.state, job.prediction_id, job.attempts,
                   work.percent if work is not None else (100.0 if job.state == "succeeded" else None),
                   job.error, job.predict_time, job.cost, tuple(Path(path) for path in job.outputs),
                   run.id if run is not None else None)
