"""What a queue job keeps of the create it sent, so that a create whose answer was lost (a reset, a timeout, a
garbled body, the app killed) is found among the account's recent predictions by the core's own lookup
(:func:`~desktop_app.replicate.find_lost_prediction`) before anything is sent again — after a restart too."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from ..replicate import CreateCall, ReplicateClient, SentCreate, find_lost_prediction, parse_model
from ..storage.queue_store import JobRecord, QueueStore

FILE_SENT = "data:,"  # stands in for a local file's value: the core's lookup takes any file URL echoed for it


def kept_input(sent: Mapping[str, Any], job_input: Mapping[str, Any]) -> dict[str, Any]:
    """The input a create sent, as the job keeps it to look for that create later. A local file's value (a
    ``data:`` URI, or the URL of its upload) may come back from Replicate as the URL of the file it stored, so it
    is kept as a bare ``data:`` URI, which the core's lookup matches with any file URL; any other ``data:`` URI
    keeps only its header (the lookup never compares the bytes). Everything else is kept as sent."""
    kept: dict[str, Any] = {}
    for key, value in sent.items():
        local = job_input.get(key)
        if isinstance(local, Path):
            kept[key] = FILE_SENT
        elif isinstance(value, list) and isinstance(local, list | tuple):
            kept[key] = [FILE_SENT if index < len(local) and isinstance(local[index], Path) else _short(item)
                         for index, item in enumerate(value)]
        else:
            kept[key] = _short(value)
    return kept


def sent_create(job: JobRecord, call: CreateCall | None = None) -> SentCreate | None:
    """The create ``job`` last sent, as the core's lookup takes it; ``None`` when it sent none. A job sent by an
    older version of the app kept no input: then it is the input ``call`` would send again (a restored job's
    plan is made the same way, from the same schema)."""
    if job.sent_at is None:
        return None
    if job.sent_input is not None:
        model_input: Mapping[str, Any] = job.sent_input
    elif call is not None:
        model_input = kept_input(call.model_input, job.input)
    else:
        return None
    version = job.sent_version or (call.version if call is not None else None)
    return SentCreate(parse_model(job.model).full_name, version, dict(model_input), job.sent_at)


def new_send(call: CreateCall, job_input: Mapping[str, Any], sent_at: datetime) -> SentCreate:
    """The create ``call`` is about to send, as the job keeps it."""
    return SentCreate(call.ref.full_name, call.version, kept_input(call.model_input, job_input), sent_at)


async def find_sent(client: ReplicateClient, sent: SentCreate, store: QueueStore) -> dict[str, Any] | None:
    """The prediction ``sent`` made, if the account's recent predictions list one no job owns (the core's
    lookup); its errors pass through, for when the list cannot be read nobody can tell."""
    return await find_lost_prediction(client, sent, exclude=store.claimed_predictions())


def _short(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("data:"):
        return value.split(",", 1)[0] + ","
    return value
