"""An ordered log of events that listeners hear as they come and any number of readers replay from the first."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Generic, TypeGuard, TypeVar

log = logging.getLogger(__name__)

E = TypeVar("E")
End = TypeVar("End")


class EventLog(Generic[E, End]):
    """The events of one run, in order, until one that ``is_end`` recognises; nothing is added after it.

    Listeners are called synchronously with each event before any reader sees it; a broken listener is logged and
    never stops the run or the others. Each ``async for`` over the log starts at the first event, however late.
    """

    def __init__(self, name: str, is_end: Callable[[E], TypeGuard[End]]) -> None:
        self._name = name
        self._is_end = is_end
        self._events: list[E] = []
        self._listeners: list[Callable[[E], None]] = []
        self._wakeup: asyncio.Future[None] | None = None
        self._end: End | None = None

    def __aiter__(self) -> AsyncIterator[E]:
        return _Reader(self)

    @property
    def end(self) -> End | None:
        """The last event once the log is closed, else ``None``."""
        return self._end

    @property
    def events(self) -> list[E]:
        return list(self._events)

    def add_listener(self, listener: Callable[[E], None]) -> None:
        self._listeners.append(listener)

    def append(self, event: E) -> None:
        """Adds ``event`` (ignored once the log has ended), tells the listeners, wakes the readers."""
        if self._end is not None:
            log.debug("Event after the end of %s ignored: %r", self._name, event)
            return
        if self._is_end(event):
            self._end = event
        self._events.append(event)
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a broken listener must not stop the run or the other listeners
                log.exception("A listener of %s failed on %s", self._name, type(event).__name__)
        if self._wakeup is not None and not self._wakeup.done():
            self._wakeup.set_result(None)
        self._wakeup = None

    async def wait(self) -> End:
        """Waits for the end and returns it."""
        while self._end is None:
            await self.changed()
        return self._end

    async def changed(self) -> None:
        """Returns after the next event (cancelling one waiter never disturbs the others)."""
        if self._wakeup is None:
            self._wakeup = asyncio.get_running_loop().create_future()
        await asyncio.shield(self._wakeup)

    def event_at(self, index: int) -> E | None:
        return self._events[index] if index < len(self._events) else None


class _Reader(Generic[E, End]):
    """One reader's position in a log (a plain iterator: nothing to close when a reader stops early)."""

    def __init__(self, events: EventLog[E, End]) -> None:
        self._log = events
        self._index = 0

    def __aiter__(self) -> _Reader[E, End]:
        return self

    async def __anext__(self) -> E:
        while True:
            event = self._log.event_at(self._index)
            if event is not None:
                self._index += 1
                return event
            if self._log.end is not None:
                raise StopAsyncIteration
            await self._log.changed()
