"""Noticing that an open stream has gone quiet, with one timer per quiet period rather than one per read."""

from __future__ import annotations

import asyncio
from typing import Protocol


class ByteSource(Protocol):
    """What is read of an aiohttp response body (``response.content``)."""

    async def readany(self) -> bytes: ...

    def read_nowait(self, n: int = -1) -> bytes: ...

    def at_eof(self) -> bool: ...


class SilenceWatch:
    """Interrupts a wait for stream bytes once nothing was :meth:`heard` for ``idle`` seconds.

    A timeout around every read would cost more than the read itself on a fast stream; instead one timer
    runs per quiet period and, when it finds the stream quiet while a read waits, cancels that wait (and
    takes the cancellation back, as ``asyncio.timeout`` does). Only waits inside :meth:`read` are ever
    interrupted, never the caller's own work between reads.
    """

    def __init__(self, idle: float) -> None:
        self._loop = asyncio.get_running_loop()
        self._idle = idle
        self._quiet_at = self._loop.time() + idle
        self._waiting: asyncio.Task[object] | None = None
        self._interrupted = False
        self._timer: asyncio.TimerHandle | None = self._loop.call_at(self._quiet_at, self._check)

    def heard(self) -> None:
        """Something was heard (an event, or a GET that checked on the prediction): the quiet period restarts."""
        self._quiet_at = self._loop.time() + self._idle

    async def read(self, content: ByteSource) -> bytes | None:
        """The next bytes (``b""`` at the end of the stream), or ``None`` once the stream has been quiet."""
        chunk = content.read_nowait()
        if chunk or content.at_eof():
            return chunk
        if self._loop.time() >= self._quiet_at:
            return None
        task = asyncio.current_task()
        assert task is not None
        self._waiting = task
        try:
            return await content.readany()
        except asyncio.CancelledError:
            if self._interrupted and task.uncancel() == 0:
                return None
            raise
        finally:
            self._waiting = None
            self._interrupted = False

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _check(self) -> None:
        now = self._loop.time()
        if now < self._quiet_at:
            self._timer = self._loop.call_at(self._quiet_at, self._check)
            return
        if self._waiting is not None and not self._interrupted:
            self._interrupted = True
            self._waiting.cancel()
        self._timer = self._loop.call_at(now + self._idle, self._check)
