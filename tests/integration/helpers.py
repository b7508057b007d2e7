"""Helpers for the integration tests: event collection, a sleep recorder, a threaded fake server and a
tiny forwarding HTTP proxy — all on 127.0.0.1."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp
from aiohttp import web

from desktop_app.replicate import (
    Completed,
    ImageResponse,
    LogsAppended,
    PredictionEvent,
    Progress,
    ReplicateClient,
    Started,
    TextDelta,
)
from tests.fake_replicate import FakeReplicate

T = TypeVar("T")

LLAMA = "meta/meta-llama-3-70b-instruct"
FLUX = "black-forest-labs/flux-schnell"
SDXL = "bytedance/sdxl-lightning-4step"
SD3 = "stability-ai/stable-diffusion-3"


class Sleeps:
    """An injectable ``sleep`` that records every requested delay (and how many requests the fake server had
    seen at that moment), then only yields to the loop instead of sleeping."""

    def __init__(self, fake: FakeReplicate | None = None) -> None:
        self.calls: list[float] = []
        self.requests_before: list[int] = []
        self._fake = fake

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        if self._fake is not None:
            self.requests_before.append(len(self._fake.requests))
        await asyncio.sleep(0)


async def collect(events: AsyncIterator[T]) -> list[T]:
    return [event async for event in events]


async def collect_until_error(events: AsyncIterator[T]) -> tuple[list[T], BaseException | None]:
    """All events, and the exception that ended the iteration (None when it ended normally)."""
    seen: list[T] = []
    try:
        async for event in events:
            seen.append(event)
    except Exception as error:
        return seen, error
    return seen, None


def skeleton(events: list[PredictionEvent]) -> list[str]:
    """The event names without the Progress and LogsAppended ticks, for order assertions."""
    return [type(event).__name__ for event in events if not isinstance(event, Progress | LogsAppended)]


def texts(events: list[PredictionEvent]) -> list[str]:
    return [event.text for event in events if isinstance(event, TextDelta)]


def only(events: list[PredictionEvent], kind: type[T]) -> list[T]:
    return [event for event in events if isinstance(event, kind)]


def started(events: list[PredictionEvent]) -> Started:
    (event,) = only(events, Started)
    return event


def completed(events: list[PredictionEvent]) -> Completed:
    (event,) = only(events, Completed)
    return event


def image(events: list[PredictionEvent]) -> ImageResponse:
    (event,) = only(events, ImageResponse)
    return event


def request_lines(fake: FakeReplicate, prediction_id: str | None = None) -> list[tuple[str, str]]:
    """``(METHOD, path)`` of every recorded request, with the prediction id replaced by ``{id}``."""
    lines = []
    for request in fake.requests:
        path = request.path.replace(prediction_id, "{id}") if prediction_id else request.path
        lines.append((request.method, path))
    return lines


def make_client(session: aiohttp.ClientSession, fake: FakeReplicate, **kwargs: Any) -> ReplicateClient:
    kwargs.setdefault("sleep", Sleeps())
    return ReplicateClient(session, token=kwargs.pop("token", fake.token), base_url=fake.base_url, **kwargs)


class ThreadedFake:
    """A FakeReplicate served by its own event loop in a background thread, so that subprocesses and
    code that calls ``asyncio.run`` (the CLI) can reach it."""

    def __init__(self, wait_window: float = 60.0) -> None:
        self.loop = asyncio.new_event_loop()
        self.fake = FakeReplicate(wait_window=wait_window)
        self._thread = threading.Thread(target=self.loop.run_forever, name="fake-replicate", daemon=True)

    def start(self) -> FakeReplicate:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.fake.start(), self.loop).result(10)
        return self.fake

    def call(self, function: Callable[[], T]) -> T:
        """Runs ``function`` on the server's loop (for state changes such as ``set_script``)."""

        async def run() -> T:
            return function()

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(10)

    def stop(self) -> None:
        try:
            asyncio.run_coroutine_threadsafe(self.fake.close(), self.loop).result(10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)
            self.loop.close()


_HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te",
    "trailer", "transfer-encoding", "upgrade", "content-length", "host",
})


@dataclass
class ForwardingProxy:
    """A plain-HTTP forward proxy: accepts absolute-form requests (``GET http://host/path HTTP/1.1``),
    forwards them and streams the answer back. Remembers ``(method, absolute URL)`` of each request."""

    forwarded: list[tuple[str, str]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    _session: aiohttp.ClientSession | None = None
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(auto_decompress=False)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        target = request.raw_path
        if not target.startswith("http://"):
            self.refused.append(target)
            return web.Response(status=400, text="this proxy only forwards absolute-form http:// requests")
        assert self._session is not None
        self.forwarded.append((request.method, target))
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        body = await request.read()
        async with self._session.request(request.method, target, headers=headers, data=body or None,
                                         allow_redirects=False) as upstream:
            response = web.StreamResponse(status=upstream.status, headers={
                k: v for k, v in upstream.headers.items() if k.lower() not in _HOP_BY_HOP
            })
            await response.prepare(request)
            async for chunk in upstream.content.iter_any():
                await response.write(chunk)
            await response.write_eof()
            return response
