"""Adapters that run core event iterators in tasks and re-emit each event as a Qt signal."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Signal

from ...replicate import (
    AbortedBeforeStart,
    APIError,
    AuthenticationError,
    BillingRequiredError,
    CanceledAtDeadline,
    Completed,
    EmptyPromptError,
    ImageResponse,
    LogsAppended,
    MissingTokenError,
    NotFoundError,
    PredictionAborted,
    PredictionCanceled,
    PredictionEvent,
    PredictionFailed,
    PredictionTimeout,
    Progress,
    RateLimitedError,
    ReplicateError,
    ServerError,
    Started,
    TextDelta,
    TextReplaced,
    ValidationError,
)

log = logging.getLogger(__name__)

TOKEN_URL = "https://replicate.com/account/api-tokens"
EventSource = Callable[[], AsyncGenerator[PredictionEvent, None]]


def invalid_fields(error: ValidationError) -> dict[str, str]:
    """``{field: description}`` from a 422's ``invalid_fields`` (fields like ``input.steps``)."""
    found: dict[str, str] = {}
    for item in error.body.get("invalid_fields") or []:
        if isinstance(item, dict) and item.get("field"):
            found[str(item["field"])] = str(item.get("description") or error.detail)
    return found


def error_kind(error: BaseException) -> str:
    """``auth`` for token problems (the UI points to settings), else ``error``."""
    if isinstance(error, AuthenticationError | MissingTokenError):
        return "auth"
    return "error"


def describe_error(error: BaseException) -> str:
    """One human sentence in the user's language; unexpected exceptions never show their traceback to the user."""
    translate = QCoreApplication.translate
    if isinstance(error, ReplicateError):
        return _describe_core_error(error)
    if isinstance(error, OSError):
        return translate("Errors", "A system error stopped the request: {0}.").format(error.strerror or error)
    return translate("Errors", "Something unexpected went wrong ({0}). The details are in the log.").format(
        type(error).__name__)


def _describe_core_error(error: ReplicateError) -> str:
    """The core's messages (English, Qt-free) again in the user's language, from the error's own fields; errors
    whose details are only prose (network, unexpected answers) keep the core's sentence."""
    translate = QCoreApplication.translate
    if isinstance(error, MissingTokenError):
        return translate("Errors", "No Replicate API token is set. Create one at {0} and set REPLICATE_API_TOKEN "
                                   "(or paste it in Settings).").format(TOKEN_URL)
    if isinstance(error, EmptyPromptError):
        return translate("Errors", "The prompt is empty: type something for the model to work on.")
    if isinstance(error, AuthenticationError):
        return translate("Errors", "Your Replicate API token was refused ({0}). Check the token in Settings.").format(
            error.detail)
    if isinstance(error, BillingRequiredError):
        return translate("Errors", "Replicate needs billing set up before it runs this model: {0}").format(
            error.detail)
    if isinstance(error, NotFoundError):
        return translate("Errors", "Not found on Replicate: {0}").format(error.detail)
    if isinstance(error, ValidationError):
        fields = ", ".join(name for name in error.invalid_fields if name)
        suffix = translate("Errors", " (fields: {0})").format(fields) if fields else ""
        return translate("Errors", "Replicate rejected the input: {0}").format(error.detail) + suffix
    if isinstance(error, RateLimitedError):
        return translate("Errors", "Replicate is throttling requests: {0}").format(error.detail)
    if isinstance(error, ServerError):
        return translate("Errors", "Replicate had a server error ({0}): {1}").format(error.status, error.detail)
    if type(error) is APIError:
        return translate("Errors", "Replicate answered {0}: {1}").format(error.status, error.detail)
    if isinstance(error, PredictionFailed):
        return translate("Errors", "The model failed: {0}").format(error.model_error)
    if isinstance(error, CanceledAtDeadline | AbortedBeforeStart):
        return _describe_deadline_end(error)
    if isinstance(error, PredictionCanceled):
        return translate("Errors", "The prediction was canceled.")
    if isinstance(error, PredictionAborted):
        return translate("Errors", "The prediction was aborted before it started (its deadline passed).")
    if isinstance(error, PredictionTimeout):
        total = error.attempts * error.delay
        return translate("Errors", "No result after {0} attempts × {1} s = {2} s; the prediction may still finish "
                                   "on Replicate.").format(error.attempts, f"{error.delay:g}", f"{total:g}")
    return str(error)


def _describe_deadline_end(error: CanceledAtDeadline | AbortedBeforeStart) -> str:
    translate = QCoreApplication.translate
    if isinstance(error, AbortedBeforeStart):
        if error.deadline:
            return translate("Errors", "The prediction was stopped before it started: its deadline ({0}) passed while "
                                       "it waited for the model. Aborted runs are not charged.").format(error.deadline)
        return translate("Errors", "The prediction was stopped before it started: its deadline passed while it "
                                   "waited for the model. Aborted runs are not charged.")
    if error.deadline:
        return translate("Errors", "The prediction was canceled because its deadline ({0}) passed while it was "
                                   "running. Replicate charges for the time it ran.").format(error.deadline)
    return translate("Errors", "The prediction was canceled because its deadline passed while it was running. "
                               "Replicate charges for the time it ran.")


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
        text_replaced(str text) — the whole reply so far, replacing what was received (the stream was wrong)
        images_received(list urls, str alt)
        completed(str status, object predict_time)
        stopped()  — the user stopped it; the prediction was canceled on the server
        input_rejected(dict fields) — a 422 named these inputs (field → the server's description)
        failed(str message, str kind) — kind is "auth" or "error"
        finished() — always last, whatever happened
    """

    started = Signal(str, str, str, str)
    progressed = Signal(str, str, int, int, float, object, object)
    logs_appended = Signal(str)
    text_received = Signal(str)
    text_replaced = Signal(str)
    images_received = Signal(list, str)
    completed = Signal(str, object)
    stopped = Signal()
    input_rejected = Signal(dict)
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
                self.failed.emit(describe_error(error), "error")
        except Exception as error:  # the adapter boundary: everything becomes a message
            log.warning("Prediction failed: %s", error, exc_info=not isinstance(error, ReplicateError))
            if isinstance(error, ValidationError):
                self.input_rejected.emit(invalid_fields(error))
            self.failed.emit(describe_error(error), error_kind(error))
        finally:
            self.finished.emit()

    def _emit(self, event: PredictionEvent) -> None:
        if isinstance(event, TextDelta):
            self.text_received.emit(event.text)
        elif isinstance(event, TextReplaced):
            log.info("The streamed reply differed from the model's output; showing the output instead")
            self.text_replaced.emit(event.text)
        elif isinstance(event, Progress):
            self.progressed.emit(event.status, event.mode, event.attempt, event.max_attempts, event.elapsed,
                                 event.percent, event.log_line)
        elif isinstance(event, LogsAppended):
            self.logs_appended.emit(event.text)
        elif isinstance(event, ImageResponse):
            self.images_received.emit(list(event.images), event.alt)
        elif isinstance(event, Started):
            log.info("Prediction %s started for %s (%s)", event.prediction_id, event.model, event.status)
            self.started.emit(event.prediction_id, event.model, event.web_url or "", event.version or "")
        elif isinstance(event, Completed):
            log.info("Prediction %s %s (model time %s s)", event.prediction_id, event.status, event.predict_time)
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
