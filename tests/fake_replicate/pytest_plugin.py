"""Pytest plugin with the `fake_replicate` and `fake_cog` fixtures: a started fake server per test, closed afterwards.

Enable it with `pytest_plugins = ["tests.fake_replicate.pytest_plugin"]` in a conftest.py. The fixture runs
on the test's own event loop, so it works on plain asyncio and on a qasync loop alike.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from .cog import FakeCog
from .server import FakeReplicate


@pytest_asyncio.fixture
async def fake_replicate() -> AsyncIterator[FakeReplicate]:
    """A started FakeReplicate on 127.0.0.1 with the real 60 s `Prefer: wait` window."""
    fake = FakeReplicate()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


@pytest_asyncio.fixture
async def fake_cog() -> AsyncIterator[FakeCog]:
    """A started FakeCog on 127.0.0.1: a READY text model that streams (change its attributes per test)."""
    cog = FakeCog()
    await cog.start()
    try:
        yield cog
    finally:
        await cog.close()
