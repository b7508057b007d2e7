"""Fixtures for the integration tests: an aiohttp session, a fake server on its own thread, a proxy."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest
import pytest_asyncio

from .helpers import ForwardingProxy, ThreadedFake


@pytest_asyncio.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:
        yield http


@pytest.fixture
def threaded_fake() -> Iterator[ThreadedFake]:
    """A started FakeReplicate on a background thread (its own loop); ``.fake`` is the server."""
    server = ThreadedFake()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest_asyncio.fixture
async def proxy() -> AsyncIterator[ForwardingProxy]:
    forwarder = ForwardingProxy()
    await forwarder.start()
    try:
        yield forwarder
    finally:
        await forwarder.close()
