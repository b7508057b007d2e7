"""Fixtures for the integration tests: a forwarding proxy (the session and fake servers are in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from .helpers import ForwardingProxy


@pytest_asyncio.fixture
async def proxy() -> AsyncIterator[ForwardingProxy]:
    forwarder = ForwardingProxy()
    await forwarder.start()
    try:
        yield forwarder
    finally:
        await forwarder.close()
