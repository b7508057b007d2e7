"""The gallery's background calls: each held by a strong reference until it ends, its result or error handed to a
callback, and calls of the same slot replaced by the latest (a new filter cancels the reading of the last one)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class Background:
    """Runs coroutines for the window; ``cancel_all`` and ``wait_all`` on the way out."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._slots: dict[str, asyncio.Task[Any]] = {}

    def call(self, call: Callable[[], Awaitable[T]], on_result: Callable[[T], None],
             on_error: Callable[[Exception], None], *, name: str, slot: str | None = None) -> asyncio.Task[Any]:
        """Awaits ``call()`` in a task, then ``on_result`` or ``on_error`` (a cancelled call: neither). With a
        ``slot``, the call still running in that slot is cancelled first."""

        async def run() -> None:
            try:
                result = await call()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("Gallery: %s failed: %s", name, error)
                on_error(error)
                return
            on_result(result)

        if slot is not None and (previous := self._slots.get(slot)) is not None:
            previous.cancel()
        task = asyncio.ensure_future(run())
        task.set_name(f"gallery {name}")
        self._tasks.add(task)
        if slot is not None:
            self._slots[slot] = task
        task.add_done_callback(self._done)
        return task

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    async def wait_all(self) -> None:
        while self._tasks:
            await asyncio.wait(list(self._tasks))

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        for slot, held in list(self._slots.items()):
            if held is task:
                del self._slots[slot]
        if not task.cancelled() and task.exception() is not None:
            log.error("%s raised", task.get_name(), exc_info=task.exception())
