"""The gallery's background calls: the window's :class:`Tasks`, plus slots where only the latest call counts (a new
filter cancels the reading of the last one, another item cancels the decoding of the last picture)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from ..common.tasks import Tasks

T = TypeVar("T")


class Background(Tasks):
    """Tasks held until they end, their results handed to callbacks; a call in a ``slot`` cancels the one before."""

    def __init__(self) -> None:
        super().__init__()
        self._slots: dict[str, asyncio.Task[Any]] = {}

    def call(self, call: Callable[[], Awaitable[T]], on_result: Callable[[T], None],
             on_error: Callable[[Exception], None], *, name: str, slot: str | None = None) -> asyncio.Task[Any]:
        if slot is not None and (previous := self._slots.get(slot)) is not None:
            previous.cancel()
        task = super().call(call, on_result, on_error, name=f"gallery {name}")
        if slot is not None:
            self._slots[slot] = task
            task.add_done_callback(lambda done: self._free(slot, done))
        return task

    def _free(self, slot: str, task: asyncio.Task[Any]) -> None:
        if self._slots.get(slot) is task:
            del self._slots[slot]
