"""Adapters that run core event iterators in tasks and re-emit each event as a Qt signal."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from ..replicate.errors import (
    AuthenticationError,
    MissingTokenError,
    PredictionCanceled,
    ReplicateError,
)
from ..replicate.events import Completed, ImageResponse, LogsAppended, PredictionEvent, Progress, Started, TextDelta

log = logging.getLogger(__name__)

EventSource = Callable[[], AsyncGenerator[PredictionEvent, None]]


def error_kind(error: BaseException) -> str:
    """``auth`` for token problems (the UI points to settings), else ``error``."""
    if isinstance(error, AuthenticationError | MissingTokenError):
        return "auth"
    return "error"


def describe_error(error: BaseException) -> str:
    """One human sentence; unexpected exceptions never show their traceback to the user."""
    if isinstance(error, ReplicateError):
        return str(error)
    if isinstance(error, OSError):
        return f"A system error stopped the request: {error.strerror or error}."
    return f"Something unexpected went wrong ({type(error).__name__}). The details are in the log."


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


class PredictionRunner(QObject):
    """Runs one prediction at a time and re-emits its events with plain payloads.

    Signals:
        started(str prediction_id, str model, str web_url, str version)
        progressed(str status, str mode, int attempt, int max_attempts, float elapsed, object percent, object log_line)
        logs_appended(str text)
        text_received(str chunk)
        images_received(list urls, str alt)
        completed(str status, object predict_time)
        stopped()  — the user stopped it; the prediction was canceled on the server
        failed(str message, str kind) — kind is "auth" or "error"
        finished() — always last, whatever happened
    """

    started = Signal(str, str, str, str)
    progressed = Signal(str, str, int, int, float, object, object)
    logs_appended = Signal(str)
    text_received = Signal(str)
    images_received = Signal(list, str)
    completed = Signal(str, object)
    stopped = Signal()
    failed = Signal(str, str)
    finished = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._slot = TaskSlot("prediction")
        self._stopping = False

    @property
    def running(self) -> bool:
        return self._slot.running

    def start(self, source: EventSource) -> None:
        """Starts consuming ``source()``; a prediction already running is stopped first."""
        self._stopping = False
        self._slot.start(self._consume(source))

    def stop(self) -> None:
        """Stops the running prediction; closing its generator cancels it on the server."""
        if self._slot.running:
            self._stopping = True
            self._slot.cancel()

    async def wait(self) -> None:
        await self._slot.wait()

    async def _consume(self, source: EventSource) -> None:
        events = source()
        try:
            async with contextlib.aclosing(events):
                async for event in events:
                    self._emit(event)
        except asyncio.CancelledError:
            if self._stopping:
                self.stopped.emit()
            raise
        except PredictionCanceled as error:
            if self._stopping:
                self.stopped.emit()
            else:
                self.failed.emit(str(error), "error")
        except Exception as error:  # the adapter boundary: everything becomes a message
            log.warning("Prediction failed: %s", error, exc_info=not isinstance(error, ReplicateError))
            self.failed.emit(describe_error(error), error_kind(error))
        finally:
            self.finished.emit()

    def _emit(self, event: PredictionEvent) -> None:
        if isinstance(event, TextDelta):
            self.text_received.emit(event.text)
        elif isinstance(event, Progress):
            self.progressed.emit(event.status, event.mode, event.attempt, event.max_attempts, event.elapsed,
                                 event.percent, event.log_line)
        elif isinstance(event, LogsAppended):
            self.logs_appended.emit(event.text)
        elif isinstance(event, ImageResponse):
            self.images_received.emit(list(event.images), event.alt)
        elif isinstance(event, Started):
            self.started.emit(event.prediction_id, event.model, event.web_url or "", event.version or "")
        elif isinstance(event, Completed):
            self.completed.emit(event.status, event.predict_time)


# (url, progress) → (bytes, content type, where the bytes now live: a local file, or the url itself)
Download = Callable[[str, Callable[[int, int | None], None]], Awaitable[tuple[bytes, str | None, str]]]


class ImageLoader(QObject):
    """Downloads the output images of one generation, reporting progress per image.

    Signals:
        download_started(int index, str url)
        download_progressed(int index, int received, object total)
        downloaded(int index, bytes data, object content_type, str location)
        download_failed(int index, str message)
    """

    download_started = Signal(int, str)
    download_progressed = Signal(int, int, object)
    downloaded = Signal(int, bytes, object, str)
    download_failed = Signal(int, str)

    def __init__(self, download: Download, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._download = download
        self._slot = TaskSlot("image downloads")

    def load(self, urls: list[str]) -> None:
        """Loads every URL concurrently; a newer call cancels unfinished older downloads."""
        self._slot.start(self._load_all(list(urls)))

    def cancel(self) -> None:
        self._slot.cancel()

    async def wait(self) -> None:
        await self._slot.wait()

    async def _load_all(self, urls: list[str]) -> None:
        await asyncio.gather(*(self._load_one(index, url) for index, url in enumerate(urls)))

    async def _load_one(self, index: int, url: str) -> None:
        self.download_started.emit(index, url)

        def progress(received: int, total: int | None) -> None:
            self.download_progressed.emit(index, received, total)

        try:
            data, content_type, location = await self._download(url, progress)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning("Download of output %d failed: %s", index, error)
            self.download_failed.emit(index, describe_error(error))
            return
        self.downloaded.emit(index, data, content_type, location)


class CallRunner(QObject):
    """Runs one-off coroutines (token checks, look-ups) and reports their result or error.

    Signals:
        succeeded(str name, object result)
        failed(str name, str message, str kind)
    """

    succeeded = Signal(str, object)
    failed = Signal(str, str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._slots: dict[str, TaskSlot] = {}

    def run(self, name: str, call: Callable[[], Awaitable[Any]]) -> None:
        slot = self._slots.setdefault(name, TaskSlot(name))
        slot.start(self._run(name, call))

    async def wait_all(self) -> None:
        for slot in list(self._slots.values()):
            await slot.wait()

    def cancel_all(self) -> None:
        for slot in self._slots.values():
            slot.cancel()

    async def _run(self, name: str, call: Callable[[], Awaitable[Any]]) -> None:
        try:
            result = await call()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning("%s failed: %s", name, error)
            self.failed.emit(name, describe_error(error), error_kind(error))
            return
        self.succeeded.emit(name, result)
