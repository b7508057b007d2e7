"""Background tasks of the window: held by strong references until they end, and what they raise is logged."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class TaskSlot:
    """Holds at most one running task: starting a new one cancels the previous (latest wins).

    Keeps a strong reference until the task ends and logs whatever it raised.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self, coroutine: Awaitable[None]) -> asyncio.Task[None]:
        self.cancel()
        task: asyncio.Task[None] = asyncio.ensure_future(coroutine)
        task.add_done_callback(self._on_task_done)
        self._task = task
        return task

    def cancel(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()

    async def wait(self) -> None:
        """Awaits the current task to its end (after cancel, its clean-up included)."""
        task = self._task
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait({task})

    def _on_task_done(self, task: asyncio.Task[None]) -> None:
        if task is self._task:
            self._task = None
        if not task.cancelled() and task.exception() is not None:
            log.error("Task %s raised", self.name, exc_info=task.exception())


class Tasks:
    """Holds any number of tasks until they end; logs what they raise; cancels and awaits them all on the way out.

    :meth:`call` runs a one-off coroutine and hands its result (or its error) to a typed callback: results are
    never dispatched by name.
    """

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coroutine: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coroutine)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._on_done)
        return task

    def call(self, call: Callable[[], Awaitable[T]], on_result: Callable[[T], None],
             on_error: Callable[[Exception], None], *, name: str) -> asyncio.Task[Any]:
        """Awaits ``call()`` in a task of its own, then calls ``on_result`` or ``on_error`` (cancelled: neither).
        ``call`` is called inside the task, so a task cancelled before it starts leaves nothing un-awaited."""

        async def run() -> None:
            try:
                result = await call()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("%s failed: %s", name, error)
                on_error(error)
                return
            on_result(result)

        return self.spawn(run(), name=name)

    def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    async def wait_all(self) -> None:
        """Awaits every task (and those started meanwhile) to its end, clean-up included."""
        while self._tasks:
            await asyncio.wait(list(self._tasks))

    def _on_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("Task %s raised", task.get_name(), exc_info=task.exception())
