"""The app's qasync event loop, whose cancelled callbacks give their Qt timer back at once."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from typing import Any

import qasync
from PySide6.QtCore import QObject, QTimerEvent
from PySide6.QtWidgets import QApplication

__all__ = ["AppEventLoop"]


class AppEventLoop(qasync.QEventLoop):
    """qasync's loop, except that cancelling a scheduled callback kills its Qt timer at once.

    qasync (0.28) keeps a cancelled callback, and its live Qt timer, until the moment it would have run.
    aiohttp cancels and re-arms its read timeout on every chunk it receives, so a streamed reply left
    thousands of timers due minutes later; every new timer (each ``call_soon``) then went through that
    ever longer list, and streaming slowed down quadratically.

    Also, callbacks run only while the loop runs: qasync processes Qt events once more after
    ``run_until_complete`` returns, which would step tasks with no running loop (``asyncio.to_thread``
    and queues then fail); such callbacks wait for the next run instead.
    """

    def __init__(self, app: QApplication | None = None, **options: Any) -> None:
        super().__init__(app, **options)
        self._timer = _CallbackTimers(self)  # replaces qasync's own; same interface

    def run_forever(self) -> Any:
        self._timer.rearm_deferred()
        return super().run_forever()

    def call_later(
        self, delay: float, callback: Callable[..., object], *args: Any, context: contextvars.Context | None = None
    ) -> asyncio.Handle:
        if not callable(callback):
            raise TypeError(f"callback must be callable: {type(callback).__name__}")
        handle = _TimerBoundHandle(callback, args, self, context)
        self._timer.add_callback(handle, delay)
        return handle


class _TimerBoundHandle(asyncio.Handle):
    """A loop callback that knows the Qt timer it waits on, and releases it when cancelled."""

    __slots__ = ("_timer_id", "_timers")

    def __init__(self, callback: Callable[..., object], args: tuple[Any, ...], loop: asyncio.AbstractEventLoop,
                 context: contextvars.Context | None) -> None:
        super().__init__(callback, args, loop, context)
        self._timers: _CallbackTimers | None = None
        self._timer_id = 0

    def cancel(self) -> None:
        super().cancel()
        timers, self._timers = self._timers, None
        if timers is not None:
            timers.discard(self._timer_id, self)


class _CallbackTimers(QObject):
    """Runs each loop callback from its own single-shot Qt timer, like qasync's ``_SimpleTimer``."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._loop = loop
        self._handles: dict[int, _TimerBoundHandle] = {}
        self._deferred: list[_TimerBoundHandle] = []
        self._stopped = False

    def add_callback(self, handle: _TimerBoundHandle, delay: float = 0) -> _TimerBoundHandle:
        timer_id = self.startTimer(int(max(0.0, delay) * 1000))
        handle._timers, handle._timer_id = self, timer_id
        self._handles[timer_id] = handle
        return handle

    def discard(self, timer_id: int, handle: _TimerBoundHandle) -> None:
        """Forgets a cancelled callback and kills its timer (unless that timer already fired)."""
        if self._handles.get(timer_id) is handle:
            del self._handles[timer_id]
            self.killTimer(timer_id)

    def timerEvent(self, event: QTimerEvent) -> None:
        timer_id = event.timerId()
        self.killTimer(timer_id)
        handle = self._handles.pop(timer_id, None)
        if handle is None:
            return
        handle._timers = None
        if self._stopped or handle.cancelled():
            return
        if not self._loop.is_running():
            self._deferred.append(handle)  # qasync's last processEvents: run it when the loop runs again
            return
        handle._run()

    def rearm_deferred(self) -> None:
        deferred, self._deferred = self._deferred, []
        for handle in deferred:
            if not handle.cancelled():
                self.add_callback(handle, 0)

    def stop(self) -> None:
        self._stopped = True

    def set_debug(self, enabled: bool) -> None:
        """qasync calls this; slow-callback warnings are not reproduced here."""
