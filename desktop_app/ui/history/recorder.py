"""Keeps the conversation in the history store as it happens: off the GUI thread, one write after another."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, Signal

from ...storage.history import HistoryStore
from ...storage.history_records import OutputRecord

log = logging.getLogger(__name__)

T = TypeVar("T")
TITLE_LENGTH = 60


def conversation_title(prompt: str) -> str:
    """The first line of the first prompt, shortened: what the sidebar shows until the user renames it."""
    line = " ".join(prompt.strip().split("\n", 1)[0].split())
    return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1].rstrip() + "…"


class HistoryRecorder(QObject):
    """Records turns, generations and outputs of the open conversation in the history store.

    Every write runs in a worker thread, in the order it was asked for, so the window never waits on
    SQLite or the disk. Writes are keyed by the run that asked for them (``key``), so that the row ids
    the store hands out stay inside the recorder.

    Signals:
        changed(int conversation_id) — a write the history list should show has landed
        failed(str message) — a write failed (a full disk, a broken database); nothing else is lost
    """

    changed = Signal(int)
    failed = Signal(str)

    def __init__(self, store: HistoryStore | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.conversation_id: int | None = None
        self._runs: dict[int, tuple[int, int]] = {}
        self._queue: asyncio.Queue[tuple[Callable[[HistoryStore], Any], asyncio.Future[Any]]] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def enabled(self) -> bool:
        return self.store is not None

    def new_conversation(self) -> None:
        self.conversation_id = None

    def open_conversation(self, conversation_id: int) -> None:
        self.conversation_id = conversation_id

    def record_user_turn(self, text: str, model: str) -> None:
        def write(store: HistoryStore) -> int:
            if self.conversation_id is None:
                self.conversation_id = store.create_conversation(conversation_title(text), model)
            store.add_turn(self.conversation_id, "user", text, model, "done")
            return self.conversation_id

        self._submit(write, notify=True)

    def begin_generation(self, key: int, model: str, model_input: Mapping[str, Any]) -> None:
        def write(store: HistoryStore) -> int:
            if self.conversation_id is None:
                prompt = str(model_input.get("prompt", "")) or model
                self.conversation_id = store.create_conversation(conversation_title(prompt), model)
            turn_id = store.add_turn(self.conversation_id, "assistant", "", model, "streaming")
            generation_id = store.start_generation(self.conversation_id, turn_id, model, None, dict(model_input))
            self._runs[key] = (turn_id, generation_id)
            return self.conversation_id

        self._submit(write, notify=True)

    def adopt(self, key: int, turn_id: int | None, generation_id: int) -> None:
        """Takes over a generation recorded earlier (one resumed after a restart) under ``key``."""
        self._runs[key] = (turn_id if turn_id is not None else -1, generation_id)

    def prediction_started(self, key: int, prediction_id: str, version: str | None) -> None:
        def write(store: HistoryStore) -> None:
            if key in self._runs:
                store.update_generation(self._runs[key][1], prediction_id=prediction_id, status="processing",
                                        version=version)

        self._submit(write)

    async def store_output(
        self, key: int, data: bytes, content_type: str | None, source_url: str, metadata: Mapping[str, Any]
    ) -> OutputRecord | None:
        """Saves one output in the library (with its metadata embedded) and returns its record; ``None``
        when there is no history or the write failed (``failed`` says why)."""

        def write(store: HistoryStore) -> OutputRecord | None:
            if key not in self._runs:
                return None
            return store.add_output(self._runs[key][1], data, content_type, source_url, dict(metadata))

        future = self._submit(write, notify=True)
        if future is None:
            return None
        try:
            return await asyncio.shield(future)
        except Exception:
            return None  # already reported through ``failed``

    def finish(self, key: int, *, text: str, turn_state: str, status: str, error: str | None = None,
               predict_time: float | None = None) -> None:
        def write(store: HistoryStore) -> None:
            if key not in self._runs:
                return
            turn_id, generation_id = self._runs[key]  # kept: outputs may still be downloading
            if turn_id >= 0:
                store.update_turn(turn_id, text=text, state=turn_state)
            store.update_generation(generation_id, status=status, error=error, predict_time=predict_time)

        self._submit(write, notify=True)

    async def call(self, action: Callable[[HistoryStore], T]) -> T:
        """Runs any store call in turn with the recorded writes (loads, renames, deletes, exports)."""
        future = self._submit(action)
        if future is None:
            raise RuntimeError("There is no history to use.")
        return await future

    async def flush(self) -> None:
        """Waits until every write asked for so far has landed."""
        if self._queue is not None:
            await self._queue.join()

    async def close(self) -> None:
        await self.flush()
        self._closed = True
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker

    def _submit(self, action: Callable[[HistoryStore], Any], *, notify: bool = False) -> asyncio.Future[Any] | None:
        if self.store is None or self._closed:
            return None
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # a late Qt signal after the loop stopped: nothing can be awaited any more
            log.warning("History write asked for after shutdown; skipped")
            return None
        if self._queue is None:
            self._queue = asyncio.Queue()
        if self._worker is None or self._worker.done():
            self._worker = asyncio.ensure_future(self._work())
        future: asyncio.Future[Any] = loop.create_future()
        self._queue.put_nowait((self._notifying(action) if notify else action, future))
        return future

    def _notifying(self, action: Callable[[HistoryStore], T]) -> Callable[[HistoryStore], T]:
        def run(store: HistoryStore) -> T:
            return action(store)

        run.notify = True  # type: ignore[attr-defined]
        return run

    async def _work(self) -> None:
        assert self._queue is not None
        assert self.store is not None
        while True:
            action, future = await self._queue.get()
            try:
                result = await asyncio.to_thread(action, self.store)
            except Exception as error:
                log.warning("History write failed: %s", error)
                self.failed.emit(_describe(error))
                if not future.done():
                    future.set_exception(error)
                    future.exception()  # retrieved here: callers may not await every write
            else:
                if not future.done():
                    future.set_result(result)
                if getattr(action, "notify", False) and self.conversation_id is not None:
                    self.changed.emit(self.conversation_id)
            finally:
                self._queue.task_done()


def _describe(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return QCoreApplication.translate("HistoryRecorder", "The history could not be saved: {0}").format(text)
