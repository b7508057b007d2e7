"""Canceling a job's prediction on the server when the job's own run cannot: one followed after a restart (its
run leaves the prediction running), or one whose create had no answer yet when the job was canceled."""

from __future__ import annotations

import asyncio
import logging

from ..replicate import ReplicateClient, ReplicateError, cancel_prediction
from ..storage.queue_store import QueueStore
from .lost_creates import find_sent, sent_create
from .queue_job import JobWork

log = logging.getLogger(__name__)


async def cancel_on_server(client: ReplicateClient, prediction_id: str) -> None:
    """Cancels one prediction; a failure is logged (the job is canceled here either way)."""
    try:
        await cancel_prediction(client, {"id": prediction_id})
    except ReplicateError as error:
        log.warning("Could not cancel prediction %s: %s", prediction_id, error)


async def cancel_unanswered(client: ReplicateClient, store: QueueStore, work: JobWork,
                            task: asyncio.Task[None] | None) -> None:
    """After a job was canceled while its create had no answer yet: once its task has ended, finds the
    prediction that create made (if any) and cancels it."""
    if task is not None:
        await asyncio.gather(task, return_exceptions=True)
    job = store.job(work.job.id)
    if job is None:
        return
    if job.prediction_id is not None:
        if work.run is not None and work.run.prediction_id is None:  # claimed just as its run was canceled
            await cancel_on_server(client, job.prediction_id)
        return
    try:
        sent = sent_create(job)
        if sent is None:
            return
        found = await find_sent(client, sent, store)
    except ReplicateError as error:
        log.warning("Could not check whether canceled job %s had started a prediction: %s", job.id, error)
        return
    if found is not None:
        store.update_job(job.id, prediction_id=str(found["id"]))
        await cancel_on_server(client, str(found["id"]))
