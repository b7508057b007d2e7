"""Helpers for the queue tests: a queue over the fake server and a store in a temporary folder, with what it said."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import aiohttp

from desktop_app.replicate import PollBudget, ReplicateClient
from desktop_app.session import Backends
from desktop_app.session.jobs import BatchSpec, JobSpec, expand, prompts_from_text
from desktop_app.session.pacing import CreatePacer
from desktop_app.session.queue import JobQueue
from desktop_app.session.queue_events import QueueEvent
from desktop_app.session.queue_job import JobOutputs
from desktop_app.session.spend import Spending
from desktop_app.storage.queue_store import QueueStore
from tests.fake_replicate import FakeReplicate
from tests.integration.helpers import Sleeps

T = TypeVar("T")


@dataclass
class Queued:
    """A queue, its store and every event it emitted."""

    queue: JobQueue
    store: QueueStore
    client: ReplicateClient
    events: list[QueueEvent] = field(default_factory=list)

    def of(self, kind: type[T]) -> list[T]:
        return [event for event in self.events if isinstance(event, kind)]


@asynccontextmanager
async def queue_over(fake: FakeReplicate, http: aiohttp.ClientSession, path: Path, *, concurrency: int = 4,
                     outputs: JobOutputs | None = None, token: str | None = None, start: bool = True,
                     pacer: CreatePacer | None = None) -> AsyncIterator[Queued]:
    client = ReplicateClient(http, token=token or fake.token, base_url=fake.base_url, sleep=Sleeps())
    store = QueueStore.open(path)
    backends = Backends(lambda: client, prediction_options={"budget": PollBudget()})
    queue = JobQueue(store, backends, outputs=outputs, spending=Spending(store), concurrency=concurrency,
                     pacer=pacer)
    queued = Queued(queue, store, client)
    queue.subscribe(queued.events.append)
    if start:
        queue.start()
    try:
        yield queued
    finally:
        await queue.aclose()
        store.close()


def prompt_jobs(model: str, count: int, prefix: str = "prompt") -> list[JobSpec]:
    return expand(BatchSpec(model, rows=tuple(prompts_from_text("\n".join(f"{prefix} {i}" for i in range(count))))))


def created_per_prompt(fake: FakeReplicate) -> dict[str, int]:
    counts: dict[str, int] = {}
    for prediction in fake.predictions.values():
        prompt = str(prediction.input.get("prompt"))
        counts[prompt] = counts.get(prompt, 0) + 1
    return counts


async def idle(queue: JobQueue, limit: float = 20.0) -> None:
    await asyncio.wait_for(queue.wait_idle(), limit)
