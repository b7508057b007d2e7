"""Following a prediction by polling, through the app's poll budget."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable

from .client import ReplicateClient
from .errors import PredictionTimeout
from .events import PredictionEvent
from .follow_state import FollowState, emit_new
from .policy import TERMINAL, FollowPolicy
from .poll_budget import PollBudget
from .progress import parse_progress


async def follow_polling(
    client: ReplicateClient, state: FollowState, policy: FollowPolicy, budget: PollBudget, clock: Callable[[], float]
) -> AsyncGenerator[PredictionEvent, None]:
    """Polls until a terminal status. Gives up with :class:`PredictionTimeout` once ``max_attempts`` ×
    ``delay`` seconds of polling have passed; ``attempt`` counts the ``delay``-long periods begun since the
    first poll (polls come faster than ``delay`` when the budget allows, so several share one attempt)."""
    began = clock()
    first: float | None = None
    limit = policy.max_attempts * policy.delay
    with budget.following(client, state.prediction) as watch:
        while True:
            interval = _next_interval(state, policy, budget.spacing)
            state.prediction = await budget.refresh(watch, not_before=watch.fresh_at + interval)
            now = clock()
            first = now if first is None else first
            state.attempt = min(policy.max_attempts, int((now - first) / policy.delay) + 1)
            async for event in emit_new(state, "poll", policy, clock):
                yield event
            if state.status in TERMINAL:
                return
            if now - began >= limit:
                raise PredictionTimeout(policy.max_attempts, policy.delay, prediction_id=state.id)


def _next_interval(state: FollowState, policy: FollowPolicy, spacing: float) -> float:
    """How long after the last look to look again. With nothing known, as often as the budget allows
    (``spacing``). When the logs' tqdm rate tells the end: ``delay`` while it is far, then from one step
    before the predicted end (the last log line is up to one step old) every ``min_interval``."""
    progress = parse_progress(state.prediction.get("logs"))
    left = progress.seconds_left() if progress else None
    if left is None or state.status != "processing":
        return max(policy.min_interval, spacing)
    if left > policy.delay + 2 * policy.min_interval:
        return max(policy.delay, spacing)
    step = 1.0 / progress.steps_per_second if progress and progress.steps_per_second else 0.0
    return max(policy.min_interval, left - step)
