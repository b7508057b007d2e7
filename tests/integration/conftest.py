"""Fixtures for the integration tests: an aiohttp session, a fake server on its own thread, a proxy."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest_asyncio

from .helpers import ForwardingProxy


@pytest_asyncio.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:
        yield http


@pytest_asyncio.fixture
async def proxy() -> AsyncIterator[ForwardingProxy]:
    forwarder = ForwardingProxy()
    await forwarder.start()
    try:
        yield forwarder
    finally:
        await forwarder.close()
