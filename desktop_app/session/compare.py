"""A comparison: the same prompt put to 2–4 models at once, each followed as its own run and measured — time to
first token, tokens a second, total time, compute time and cost — then one chosen to continue the chat with.

The runs are ordinary runs of the run service, recorded in one history conversation (the user's prompt, then
each model's reply, each lane a generation with its prediction, outputs and times), so a comparison is kept in
history like any other run; the conversation's title names the models compared. Text models stream side by side;
image models' outputs arrive as ``OutputReady`` events of their runs, for a grid.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..replicate import InputSchema, is_cog_reference
from .conversation import Conversation
from .costs import Cost, Prices, usage_of
from .events import RunBegun, RunCanceled, RunEnd, RunFailed, RunFinished, SessionEvent, TextAppended, TextReplaced
from .recorder import HistoryRecorder, conversation_title
from .requests import RunRequest
from .run import Run
from .runs import RunService

MIN_MODELS, MAX_MODELS = 2, 4


class CompareError(ValueError):
    """A comparison that cannot start; ``str()`` says what to change."""


@dataclass
class LaneMetrics:
    """One model's measurements, filled as its run goes (seconds on the comparison's clock)."""

    began: float | None = None
    first_token: float | None = None
    ended: float | None = None
    chunks: int = 0
    tokens: int | None = None  # as the model reports them (metrics.output_token_count), when it does
    predict_time: float | None = None
    cost: Cost | None = None

    @property
    def time_to_first_token(self) -> float | None:
        if self.began is None or self.first_token is None:
            return None
        return self.first_token - self.began

    @property
    def total_time(self) -> float | None:
        return None if self.began is None or self.ended is None else self.ended - self.began

    @property
    def tokens_per_second(self) -> float | None:
        """Tokens (reported, else streamed pieces) over the time from the first token to the end."""
        count = self.tokens if self.tokens is not None else self.chunks
        if self.first_token is None or self.ended is None or count < 2:
            return None
        span = self.ended - self.first_token
        return count / span if span > 0 else None


@dataclass
class Lane:
    """One model of a comparison: its run and its measurements."""

    model: str
    run: Run
    metrics: LaneMetrics = field(default_factory=LaneMetrics)

    @property
    def text(self) -> str:
        return self.run.text

    @property
    def done(self) -> bool:
        return self.run.done


class Comparison:
    """Runs one prompt on each of ``models`` at once (see the module's description)."""

    def __init__(self, runs: RunService, prompt: str, models: Sequence[str], *,
                 parameters: Mapping[str, Mapping[str, Any]] | None = None,
                 schemas: Mapping[str, InputSchema] | None = None, recorder: HistoryRecorder | None = None,
                 prices: Prices | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        unique = list(dict.fromkeys(model.strip() for model in models if model.strip()))
        if not MIN_MODELS <= len(unique) <= MAX_MODELS:
            raise CompareError(f"Compare {MIN_MODELS} to {MAX_MODELS} different models; {len(unique)} chosen.")
        if not prompt.strip():
            raise CompareError("Type the prompt to put to every model.")
        self.runs = runs
        self.prompt = prompt
        self.models = unique
        self.recorder = recorder if recorder is not None else runs.recorder  # the lanes' own recorder
        self.prices = prices
        self.clock = clock
        self.conversation = Conversation()
        self.lanes: list[Lane] = []
        self._parameters = parameters or {}
        self._schemas = schemas or {}

    def start(self) -> list[Lane]:
        """Checks every model's request first (nothing is sent if one fails: the core's ``ReplicateError``), then
        starts them all at once and returns their lanes, in the order the models were given."""
        plans = [self.runs.prepare(RunRequest(model, prompt=self.prompt, schema=self._schemas.get(model),
                                              parameters=dict(self._parameters.get(model, {}))))
                 for model in self.models]
        self.conversation.add_user(self.prompt, plans[0].model)
        if self.recorder is not None:
            self.recorder.record_user_turn(self.conversation, self.prompt, plans[0].model,
                                           title=comparison_title(self.prompt, [plan.model for plan in plans]))
        for plan in plans:
            metrics = LaneMetrics()
            run = self.runs.launch(plan, target=self.conversation, listener=self._listener(metrics))
            self.conversation.begin_reply(run.id, plan.model)
            run.add_listener(self.conversation.apply)
            self.lanes.append(Lane(plan.model, run, metrics))
        return self.lanes

    async def wait(self) -> list[RunEnd]:
        """Waits for every lane's end."""
        return list(await asyncio.gather(*(lane.run.wait() for lane in self.lanes)))

    def cancel(self) -> None:
        """Stops every lane still running (each canceled on the server)."""
        for lane in self.lanes:
            lane.run.cancel()

    def continue_with(self, index: int) -> Conversation:
        """A conversation to go on with: the prompt and lane ``index``'s reply, answered by its model from now on
        (give it to :meth:`ChatSession.adopt`). Its history starts with the next message sent."""
        lane = self.lanes[index]
        if not isinstance(lane.run.end, RunFinished):
            raise CompareError(f"{lane.model} has not finished a reply to continue from.")
        chosen = Conversation()
        chosen.add_user(self.prompt, lane.model)
        reply = chosen.begin_reply(lane.run.id, lane.model)
        reply.replace(lane.text)
        reply.state, reply.run_id = "done", None
        reply.outputs = [output.path for output in lane.run.outputs if output.path is not None]
        return chosen

    def _listener(self, metrics: LaneMetrics) -> Callable[[SessionEvent], None]:
        def heard(event: SessionEvent) -> None:
            now = self.clock()
            if isinstance(event, RunBegun):
                metrics.began = now
            elif isinstance(event, TextAppended | TextReplaced) and event.text:
                metrics.first_token = metrics.first_token if metrics.first_token is not None else now
                metrics.chunks += 1 if isinstance(event, TextAppended) else 0
            elif isinstance(event, RunFinished):
                metrics.ended = now
                metrics.predict_time = event.predict_time
                reported = event.metrics.get("output_token_count")
                metrics.tokens = int(reported) if isinstance(reported, int | float) else None
                metrics.cost = self._cost(event)
            elif isinstance(event, RunFailed | RunCanceled):
                metrics.ended = now

        return heard

    def _cost(self, event: RunFinished) -> Cost | None:
        lane = next((lane for lane in self.lanes if lane.run.id == event.run_id), None)
        if self.prices is None or lane is None:
            return None
        usage = usage_of(lane.model, event.predict_time, event.metrics, len(lane.run.outputs), event.text,
                         {"prompt": self.prompt})
        return self.prices.cost_of(usage)


def comparison_title(prompt: str, models: Sequence[str]) -> str:
    """A comparison's history title: its prompt, shortened, and the models it was put to (by their names)."""
    names = " vs ".join(model if is_cog_reference(model) else model.split(":", 1)[0].rsplit("/", 1)[-1]
                        for model in models)
    return f"{conversation_title(prompt)} ({names})"


__all__ = ["CompareError", "Comparison", "Lane", "LaneMetrics", "comparison_title"]
