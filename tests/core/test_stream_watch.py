"""SilenceWatch: a wait for stream bytes ends once the stream has been quiet, and only then."""

from __future__ import annotations

import asyncio

import pytest

from desktop_app.replicate.stream_watch import SilenceWatch


class Source:
    """A byte source fed by the test: bytes put in arrive at the next read."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[bytes] = asyncio.Queue()
        self.ended = False

    def read_nowait(self, n: int = -1) -> bytes:
        return b"" if self.queue.empty() else self.queue.get_nowait()

    def at_eof(self) -> bool:
        return self.ended and self.queue.empty()

    async def readany(self) -> bytes:
        return await self.queue.get()


async def test_a_quiet_stream_ends_the_wait_and_bytes_still_arrive_afterwards() -> None:
    source, watch = Source(), SilenceWatch(0.02)
    try:
        assert await watch.read(source) is None  # nothing came within the quiet period
        watch.heard()  # e.g. a GET checked on the prediction
        source.queue.put_nowait(b"data: x\n\n")
        assert await watch.read(source) == b"data: x\n\n"
        assert await watch.read(source) is None
        source.ended = True
        assert await watch.read(source) == b""
    finally:
        watch.close()


async def test_bytes_that_keep_coming_are_never_interrupted() -> None:
    source, watch = Source(), SilenceWatch(0.05)

    async def trickle() -> None:
        for _ in range(10):
            await asyncio.sleep(0.01)
            source.queue.put_nowait(b": ping\n")

    feeder = asyncio.ensure_future(trickle())
    try:
        for _ in range(10):
            assert await watch.read(source) == b": ping\n"
            watch.heard()
    finally:
        watch.close()
        await feeder


async def test_a_real_cancellation_during_the_wait_is_never_swallowed() -> None:
    source, watch = Source(), SilenceWatch(10.0)
    reader = asyncio.ensure_future(watch.read(source))
    await asyncio.sleep(0.01)
    reader.cancel()  # the user pressed Stop
    with pytest.raises(asyncio.CancelledError):
        await reader
    watch.close()


async def test_a_cancellation_arriving_together_with_the_quiet_timer_still_cancels() -> None:
    source, watch = Source(), SilenceWatch(10.0)
    reader = asyncio.ensure_future(watch.read(source))
    await asyncio.sleep(0)  # the read now waits
    reader.cancel()  # the user pressed Stop …
    watch._quiet_at = 0.0
    watch._check()  # … in the same moment as the stream turned out quiet
    with pytest.raises(asyncio.CancelledError):
        await reader
    watch.close()
