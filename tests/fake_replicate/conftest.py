"""Fixtures for the fake server's own tests: `fake_replicate` (from the plugin) and a client `session`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest_asyncio

from .pytest_plugin import fake_replicate  # noqa: F401


@pytest_asyncio.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp client session, closed after the test."""
    async with aiohttp.ClientSession() as client:
        yield client
