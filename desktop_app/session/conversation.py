"""The conversation as data: its turns, how runs fill them, and the messages a prompt is built from."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..replicate import Message
from ..storage.history_records import Conversation as StoredConversation
from .events import (
    OutputReady,
    RunCanceled,
    RunFailed,
    RunFinished,
    RunId,
    RunProblem,
    SessionEvent,
    TextAppended,
    TextReplaced,
)

Role = Literal["user", "assistant"]
TurnState = Literal["streaming", "done", "stopped", "failed"]


@dataclass(eq=False)
class Turn:
    """One message: what the user sent, or a reply (filled by run ``run_id`` while it streams).

    ``error`` is the English reason a reply failed (``problem`` has the typed one for a live run);
    ``outputs`` are the files the reply's run kept, in order.
    """

    id: int
    role: Role
    model: str
    state: TurnState = "done"
    run_id: RunId | None = None
    error: str | None = None
    problem: RunProblem | None = None
    predict_time: float | None = None
    prediction_id: str | None = None  # the prediction that made a reply kept in the history
    outputs: list[Path] = field(default_factory=list)
    _parts: list[str] = field(default_factory=list, repr=False)

    @property
    def text(self) -> str:
        if len(self._parts) > 1:
            self._parts[:] = ["".join(self._parts)]
        return self._parts[0] if self._parts else ""

    def append(self, text: str) -> None:
        self._parts.append(text)

    def replace(self, text: str) -> None:
        self._parts[:] = [text]


class Conversation:
    """The turns of one chat, in order. ``history_id`` is its conversation in the history (``None`` until its
    first write creates it; set by the history recorder's worker)."""

    def __init__(self, *, history_id: int | None = None, title: str = "") -> None:
        self.history_id = history_id
        self.title = title
        self._turns: list[Turn] = []
        self._ids = itertools.count(1)

    def __iter__(self) -> Iterator[Turn]:
        return iter(list(self._turns))

    def __len__(self) -> int:
        return len(self._turns)

    @property
    def turns(self) -> list[Turn]:
        return list(self._turns)

    def get(self, turn_id: int) -> Turn | None:
        return next((turn for turn in self._turns if turn.id == turn_id), None)

    def reply_for(self, run_id: RunId) -> Turn | None:
        """The reply that run ``run_id`` fills (or filled)."""
        return next((turn for turn in reversed(self._turns) if turn.run_id == run_id), None)

    def last_reply(self) -> Turn | None:
        return self._turns[-1] if self._turns and self._turns[-1].role == "assistant" else None

    def add_user(self, text: str, model: str) -> Turn:
        turn = Turn(next(self._ids), "user", model)
        turn.replace(text)
        return self._add(turn)

    def begin_reply(self, run_id: RunId, model: str) -> Turn:
        """Opens the reply that run ``run_id`` streams into (see :meth:`apply`)."""
        return self._add(Turn(next(self._ids), "assistant", model, "streaming", run_id))

    def remove(self, turn_id: int) -> bool:
        turn = self.get(turn_id)
        if turn is None:
            return False
        self._turns.remove(turn)
        return True

    def messages(self, extra: str | None = None) -> tuple[Message, ...]:
        """The messages a prompt is built from: user turns and replies with text (failed and still-streaming
        replies left out; a stopped reply keeps what it said), then ``extra`` as a new user message."""
        found = [Message(turn.role, turn.text) for turn in self._turns
                 if turn.state in ("done", "stopped") and turn.text.strip()]
        if extra is not None:
            found.append(Message("user", extra))
        return tuple(found)

    def apply(self, event: SessionEvent) -> None:
        """Updates the reply of the event's run: a run's listener, so the turns are current before anyone
        reading the run's events sees them."""
        turn = self.reply_for(event.run_id)
        if turn is None:
            return
        if isinstance(event, TextAppended):
            turn.append(event.text)
        elif isinstance(event, TextReplaced):
            turn.replace(event.text)
        elif isinstance(event, OutputReady) and event.path is not None:
            turn.outputs.append(event.path)
        elif isinstance(event, RunFinished):
            turn.replace(event.text)
            turn.state, turn.predict_time = "done", event.predict_time
        elif isinstance(event, RunFailed):
            turn.state, turn.error, turn.problem = "failed", event.problem.message, event.problem
        elif isinstance(event, RunCanceled):
            turn.state = "stopped"

    @classmethod
    def from_history(cls, stored: StoredConversation) -> Conversation:
        """The conversation as the history kept it; new messages continue it. A reply that never finished
        (the app closed, or its prediction was interrupted) comes back as failed."""
        conversation = cls(history_id=stored.id, title=stored.title)
        by_turn = {generation.turn_id: generation for generation in stored.generations
                   if generation.turn_id is not None}
        for record in stored.turns:
            if record.role == "user":
                conversation.add_user(record.text, record.model)
                continue
            generation = by_turn.get(record.id)
            turn = conversation._add(Turn(next(conversation._ids), "assistant", record.model, "done"))
            turn.replace(record.text)
            if generation is not None:
                turn.predict_time = generation.predict_time
                turn.prediction_id = generation.prediction_id
                turn.outputs = [output.path for output in generation.outputs]
            interrupted = generation is not None and generation.status == "interrupted"
            if record.state == "stopped":
                turn.state = "stopped"
            elif record.state in ("failed", "streaming") or interrupted:
                turn.state = "failed"
                turn.error = generation.error if generation is not None else None
        return conversation

    def _add(self, turn: Turn) -> Turn:
        self._turns.append(turn)
        return turn

