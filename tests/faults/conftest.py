"""Fixtures for the fault matrix: a client session, and the report `make faults` writes to docs/reliability.md."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from .matrix import ROWS
from .report import Report

_REPORT = pytest.StashKey[Report]()


@pytest_asyncio.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:
        yield http


@pytest.fixture
def fault_report(request: pytest.FixtureRequest) -> Report:
    """Collects each row's observed outcome for the whole session."""
    stash = request.config.stash
    if _REPORT not in stash:
        stash[_REPORT] = Report()
    return stash[_REPORT]


def pytest_sessionfinish(session: pytest.Session) -> None:
    """With FAULT_REPORT=<path> set (make faults, make test), writes the table once every row has run."""
    target = os.environ.get("FAULT_REPORT")
    report = session.config.stash.get(_REPORT, None)
    if target and report is not None and report.complete(ROWS):
        Path(target).write_text(report.markdown(ROWS), encoding="utf-8")
