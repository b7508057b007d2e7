"""Keeps conversations in the history store as they happen: off the loop thread, one write after another."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from ..storage.history import HistoryStore
from ..storage.history_records import OutputRecord
from .events import RunId

log = logging.getLogger(__name__)

T = TypeVar("T")
TITLE_LENGTH = 60


class HistoryTarget(Protocol):
    """Where a conversation's writes go: ``history_id`` is ``None`` until its first write creates it."""

    history_id: int | None


@dataclass(eq=False)
class NewConversation:
    """A history target of its own, for a run that belongs to no open conversation."""

    history_id: int | None = None


def conversation_title(prompt: str) -> str:
    """The first line of the first prompt, shortened: what the history list shows until the user renames it."""
    line = " ".join(prompt.strip().split("\n", 1)[0].split())
    return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1].rstrip() + "…"


@dataclass(frozen=True)
class _Recorded:
    """The rows one run writes to."""

    conversation_id: int
    turn_id: int | None
    generation_id: int


@dataclass(frozen=True)
class _Write:
    """One write waiting its turn."""

    action: Callable[[HistoryStore], Any]
    future: asyncio.Future[Any]
    changed: Callable[[], int | None] | None  # which conversation the history list should refresh, if any


class HistoryRecorder:
    """Records turns, generations and outputs in the history store.

    Every write runs in a worker thread, in the order it was asked for, so the loop never waits on SQLite
    or the disk. Generation writes are keyed by the run that asked for them, so the row ids the store hands
    out stay inside the recorder. ``on_changed(conversation_id)`` hears each landed write the history list
    should show; ``on_failed(error)`` each failed write (a full disk, a broken database) — nothing else is
    lost. Both are called on the loop thread.
    """

    def __init__(
        self,
        store: HistoryStore | None,
        *,
        on_changed: Callable[[int], None] | None = None,
        on_failed: Callable[[Exception], None] | None = None,
    ) -> None:
        self.store = store
        self.on_changed = on_changed
        self.on_failed = on_failed
        self._runs: dict[RunId, _Recorded] = {}  # written in the worker thread only
        self._queue: asyncio.Queue[_Write] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def enabled(self) -> bool:
        return self.store is not None

    def record_user_turn(self, target: HistoryTarget, text: str, model: str, *, title: str | None = None) -> None:
        """Appends what the user sent (creating the conversation on its first message, called ``title`` when
        given, else after the message)."""

        def write(store: HistoryStore) -> None:
            store.add_turn(_conversation_id(store, target, text, model, title), "user", text, model, "done")

        self._submit(write, lambda: target.history_id)

    def begin_generation(self, run_id: RunId, target: HistoryTarget, model: str, model_input: Mapping[str, Any],
                         *, turn: bool = True, source_output_id: int | None = None) -> None:
        """Records a run before its prediction is created: a streaming reply turn (unless ``turn`` is
        False) and a ``starting`` generation with its full input, linked to the output it was made from."""
        recorded = dict(model_input)

        def write(store: HistoryStore) -> None:
            conversation_id = _conversation_id(store, target, str(recorded.get("prompt", "")) or model, model)
            turn_id = store.add_turn(conversation_id, "assistant", "", model, "streaming") if turn else None
            generation_id = store.start_generation(conversation_id, turn_id, model, None, recorded,
                                                   source_output_id=source_output_id)
            self._runs[run_id] = _Recorded(conversation_id, turn_id, generation_id)

        self._submit(write, lambda: target.history_id)

    def adopt(self, run_id: RunId, conversation_id: int, turn_id: int | None, generation_id: int) -> None:
        """Takes over a generation recorded earlier (one resumed after a restart) under ``run_id``."""

        def write(_store: HistoryStore) -> None:
            self._runs[run_id] = _Recorded(conversation_id, turn_id, generation_id)

        self._submit(write)

    def prediction_started(self, run_id: RunId, prediction_id: str, version: str | None) -> None:
        def write(store: HistoryStore) -> None:
            if run_id in self._runs:
                store.update_generation(self._runs[run_id].generation_id, prediction_id=prediction_id,
                                        status="processing", version=version)

        self._submit(write)

    async def store_output(self, run_id: RunId, data: bytes, content_type: str | None, source_url: str,
                           metadata: Mapping[str, Any] | None = None) -> OutputRecord | None:
        """Saves one output in the library (its metadata embedded) and returns its record; ``None`` without a
        history, or when the write failed (``on_failed`` hears why)."""

        def write(store: HistoryStore) -> OutputRecord | None:
            if run_id not in self._runs:
                return None
            return store.add_output(self._runs[run_id].generation_id, data, content_type, source_url,
                                    dict(metadata or {}))

        future = self._submit(write, lambda: self._conversation_of(run_id))
        if future is None:
            return None
        try:
            result: OutputRecord | None = await asyncio.shield(future)
        except Exception:
            return None  # already reported through on_failed
        return result

    def finish(self, run_id: RunId, *, text: str, turn_state: str, status: str, error: str | None = None,
               predict_time: float | None = None) -> None:
        """Records how a run ended: its reply's text and state, its generation's status."""

        def write(store: HistoryStore) -> None:
            if run_id not in self._runs:
                return
            recorded = self._runs[run_id]  # kept: outputs may still be downloading
            if recorded.turn_id is not None:
                store.update_turn(recorded.turn_id, text=text, state=turn_state)
            store.update_generation(recorded.generation_id, status=status, error=error, predict_time=predict_time)

        self._submit(write, lambda: self._conversation_of(run_id))

    def release(self, run_id: RunId) -> None:
        """Forgets a run once nothing more will be written for it."""
        self._submit(lambda _store: self._runs.pop(run_id, None))

    async def call(self, action: Callable[[HistoryStore], T]) -> T:
        """Runs any store call in turn with the recorded writes (loads, renames, deletes, exports)."""
        future = self._submit(action)
        if future is None:
            raise RuntimeError("There is no history to use.")
        result: T = await future
        return result

    async def flush(self) -> None:
        """Waits until every write asked for so far has landed."""
        if self._queue is not None:
            await self._queue.join()

    async def close(self) -> None:
        """Lets the pending writes land, then stops the worker; later writes are skipped."""
        await self.flush()
        self._closed = True
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker

    def _conversation_of(self, run_id: RunId) -> int | None:
        recorded = self._runs.get(run_id)
        return recorded.conversation_id if recorded else None

    def _submit(self, action: Callable[[HistoryStore], Any],
                changed: Callable[[], int | None] | None = None) -> asyncio.Future[Any] | None:
        if self.store is None or self._closed:
            return None
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # asked for after the loop stopped: nothing can be awaited any more
            log.warning("History write asked for after shutdown; skipped")
            return None
        if self._queue is None:
            self._queue = asyncio.Queue()
        if self._worker is None or self._worker.done():
            self._worker = loop.create_task(self._work(), name="history writes")
        future: asyncio.Future[Any] = loop.create_future()
        self._queue.put_nowait(_Write(action, future, changed))
        return future

    async def _work(self) -> None:
        assert self._queue is not None
        assert self.store is not None
        while True:
            write = await self._queue.get()
            try:
                result = await asyncio.to_thread(write.action, self.store)
            except Exception as error:
                log.warning("History write failed: %s", error)
                if not write.future.done():
                    write.future.set_exception(error)
                    write.future.exception()  # retrieved here: callers need not await every write
                _tell(self.on_failed, error)
            else:
                if not write.future.done():
                    write.future.set_result(result)
                conversation_id = write.changed() if write.changed is not None else None
                if conversation_id is not None:
                    _tell(self.on_changed, conversation_id)
            finally:
                self._queue.task_done()


def _conversation_id(store: HistoryStore, target: HistoryTarget, prompt: str, model: str,
                     title: str | None = None) -> int:
    """The target's conversation, created on its first write (in the worker thread, so later writes see it)."""
    if target.history_id is None:
        target.history_id = store.create_conversation(title or conversation_title(prompt), model)
    return target.history_id


def _tell(listener: Callable[[T], None] | None, value: T) -> None:
    """Calls a listener; one that raises is logged and never stops the writes."""
    if listener is None:
        return
    try:
        listener(value)
    except Exception:
        log.exception("A history listener failed")
