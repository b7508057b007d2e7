"""Fixtures for the fault matrix: a client session whose only "other host" is the fake itself over TLS (through
a resolver that records every name tried), and the report `make faults` writes to docs/reliability.md."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from tests.fake_replicate import FakeReplicate
from tests.fake_replicate.elsewhere import ELSEWHERE, LoopbackResolver, TLSMaterial

from .matrix import ROWS
from .queue_matrix import QUEUE_ROWS
from .report import Report

_REPORT = pytest.StashKey[Report]()


@pytest.fixture(scope="session")
def tls() -> TLSMaterial:
    """A test CA and a certificate for the made-up CDN host, made once per session."""
    return TLSMaterial.create([ELSEWHERE])


@pytest_asyncio.fixture
async def resolver(fake_replicate: FakeReplicate, tls: TLSMaterial) -> LoopbackResolver:
    """Sends the made-up CDN host to the fake's HTTPS port; any other name fails without a lookup."""
    return LoopbackResolver({ELSEWHERE: await fake_replicate.start_tls(tls.server_context())})


@pytest_asyncio.fixture
async def session(resolver: LoopbackResolver, tls: TLSMaterial) -> AsyncIterator[aiohttp.ClientSession]:
    connector = aiohttp.TCPConnector(resolver=resolver, ssl=tls.client_context(), use_dns_cache=False)
    async with aiohttp.ClientSession(connector=connector) as http:
        yield http


@pytest.fixture
def fault_report(request: pytest.FixtureRequest) -> Report:
    """Collects each row's observed outcome for the whole session."""
    stash = request.config.stash
    if _REPORT not in stash:
        stash[_REPORT] = Report()
    return stash[_REPORT]


def pytest_sessionfinish(session: pytest.Session) -> None:
    """With FAULT_REPORT=<path> set (make faults, make test), writes the tables once every row has run."""
    target = os.environ.get("FAULT_REPORT")
    report = session.config.stash.get(_REPORT, None)
    if target and report is not None and report.complete((*ROWS, *QUEUE_ROWS)):
        Path(target).write_text(report.markdown(ROWS, QUEUE_ROWS), encoding="utf-8")
