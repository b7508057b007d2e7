"""Fixtures for the application layer: the session services wired as the app wires them, on a plain asyncio loop
(no Qt anywhere), against the fake Replicate server and a history in a temporary folder."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from desktop_app.replicate import ReplicateClient
from desktop_app.replicate.policy import FollowPolicy
from desktop_app.session import Backends, ChatSession, HistoryRecorder, Library, RunService
from desktop_app.storage.history import HistoryStore
from tests.fake_replicate import FakeReplicate
from tests.integration.helpers import Sleeps

FAST = FollowPolicy(max_attempts=200, delay=0.05, wait_seconds=60)


@dataclass
class Layer:
    """The application layer over one fake server and one history, with what its listeners heard."""

    fake: FakeReplicate
    http: aiohttp.ClientSession
    store: HistoryStore
    client: ReplicateClient
    recorder: HistoryRecorder
    runs: RunService
    library: Library
    changed: list[int] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)

    def chat(self) -> ChatSession:
        return ChatSession(self.runs, recorder=self.recorder, library=self.library)


def open_store(tmp_path: Path) -> HistoryStore:
    return HistoryStore.open(tmp_path / "data" / "history.sqlite3", library_dir=tmp_path / "data" / "library")


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    opened = open_store(tmp_path)
    try:
        yield opened
    finally:
        opened.close()


async def make_layer(fake: FakeReplicate, http: aiohttp.ClientSession, store: HistoryStore, *,
                     token: str | None = None) -> Layer:
    client = ReplicateClient(http, token=token if token is not None else fake.token, base_url=fake.base_url,
                             sleep=Sleeps())
    changed: list[int] = []
    failures: list[Exception] = []
    recorder = HistoryRecorder(store, on_changed=changed.append, on_failed=failures.append)
    runs = RunService(Backends(lambda: client, policy=lambda: FAST), recorder=recorder)
    return Layer(fake, http, store, client, recorder, runs, Library(recorder), changed, failures)


@pytest_asyncio.fixture
async def layer(fake_replicate: FakeReplicate, http: aiohttp.ClientSession,
                store: HistoryStore) -> AsyncIterator[Layer]:
    built = await make_layer(fake_replicate, http, store)
    try:
        yield built
    finally:
        await built.runs.aclose()
        await built.recorder.close()
