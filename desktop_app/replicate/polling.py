"""Following a prediction by polling ``GET /v1/predictions/{id}`` within a rate cap."""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncGenerator, Callable

from .client import ReplicateClient, Sleep
from .errors import PredictionTimeout
from .events import PredictionEvent
from .follow_state import FollowState, emit_new, refresh
from .policy import TERMINAL, FollowPolicy
from .progress import parse_progress


async def follow_polling(
    client: ReplicateClient, state: FollowState, policy: FollowPolicy, sleep: Sleep, clock: Callable[[], float]
) -> AsyncGenerator[PredictionEvent, None]:
    while state.attempt < policy.max_attempts:
        await sleep(_rate_limited(_next_interval(state, policy), state.poll_times, policy, clock()))
        state.attempt += 1
        state.poll_times.append(clock())
        await refresh(client, state)
        async for event in emit_new(state, "poll", policy, clock):
            yield event
        if state.status in TERMINAL:
            return
    raise PredictionTimeout(policy.max_attempts, policy.delay, prediction_id=state.id)


def _next_interval(state: FollowState, policy: FollowPolicy) -> float:
    """``delay``, or sooner when the logs' tqdm rate predicts the end before (or just after) the next
    regular poll. The last log line is up to one step old, so polls start one step before the predicted
    end and then come every ``min_interval`` until the result is there."""
    progress = parse_progress(state.prediction.get("logs"))
    left = progress.seconds_left() if progress else None
    if left is None or state.status != "processing" or left > policy.delay + 2 * policy.min_interval:
        return policy.delay
    step = 1.0 / progress.steps_per_second if progress and progress.steps_per_second else 0.0
    return max(policy.min_interval, left - step)


def _rate_limited(interval: float, poll_times: deque[float], policy: FollowPolicy, now: float) -> float:
    """Stretches ``interval`` so that no one-second window holds more than ``max_rate`` polls."""
    while poll_times and poll_times[0] <= now + interval - 1.0:
        poll_times.popleft()
    if len(poll_times) < policy.max_rate:
        return interval
    return max(interval, poll_times[-policy.max_rate] + 1.0 - now)
