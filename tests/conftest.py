"""Shared test configuration: offscreen Qt, an aioresponses shim for aiohttp ≥ 3.14, and the fixtures every
package's tests share: ``session`` (a client session), the fake servers (``fake_replicate`` and ``fake_cog`` from
tests/fake_replicate/pytest_plugin.py, ``threaded_fake`` here) and the isolated user folders."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import aiohttp
import aioresponses.core
import pytest
import pytest_asyncio

from tests.integration.helpers import ThreadedFake

pytest_plugins = ["tests.fake_replicate.pytest_plugin"]


def _aiohttp_version() -> tuple[int, ...]:
    return tuple(int(part) for part in aiohttp.__version__.split(".")[:2] if part.isdigit())


class _ResponseWithStreamWriter(aiohttp.ClientResponse):
    """aioresponses 0.7.9 builds responses without the ``stream_writer`` that aiohttp 3.14 requires
    (upstream aioresponses#289). Remove once a fixed aioresponses is released."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", _NoStreamWriter())
        super().__init__(*args, **kwargs)


class _NoStreamWriter:
    output_size = 0


if _aiohttp_version() >= (3, 14):
    aioresponses.core.ClientResponse = _ResponseWithStreamWriter  # type: ignore[misc]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--screenshots", metavar="DIR", default=None,
                     help="save the screenshots the GUI tests take into DIR (make screenshots: docs/screenshots); "
                          "by default they go into a temporary folder")


@pytest.fixture(scope="session")
def screenshots(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the GUI tests save their screenshots: a temporary folder, or ``--screenshots DIR`` (only
    ``make screenshots`` writes the committed docs/screenshots)."""
    chosen = request.config.getoption("--screenshots")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest_asyncio.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp client session on the test's loop, closed after the test."""
    async with aiohttp.ClientSession() as http:
        yield http


@pytest.fixture
def threaded_fake() -> Iterator[ThreadedFake]:
    """A started FakeReplicate on a background thread (its own loop), for subprocesses and code that calls
    ``asyncio.run``; ``.fake`` is the server."""
    server = ThreadedFake()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keeps every test away from the real user's config, data, keyring and token."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.delenv("REPLICATE_API_TOKEN", raising=False)
    monkeypatch.delenv("REPLICATE_API_BASE_URL", raising=False)
