"""Create and follow a training, or pick one up again by its id, as an async iterator of typed events."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .client import JSON, ReplicateClient, Sleep
from .errors import ReplicateError
from .follow_state import error_text
from .policy import TERMINAL
from .poll_budget import PollBudget
from .progress import last_log_line, parse_progress
from .timestamps import epoch_seconds
from .training_events import TrainingCompleted, TrainingEvent, TrainingLogs, TrainingProgress, TrainingStarted
from .training_objects import (
    DestinationRef,
    TrainerRef,
    TrainingCanceled,
    TrainingFailed,
    TrainingTimeout,
    parse_training,
    training_result,
)
from .trainings import cancel_training, create_training, get_training

log = logging.getLogger(__name__)

POLL_INTERVAL = 2.0  # seconds between looks at a training; they run for minutes, and the logs say how far


@dataclass(frozen=True)
class TrainingFollow:
    """How a training is followed: ``interval`` seconds between polls (through the app's ``budget`` when given),
    at most ``max_wait`` seconds in all (``None``: until it ends), ``cancel_timeout`` for the cancel on the way
    out; ``clock`` measures the wait, ``wall`` (epoch seconds) the elapsed time against Replicate's timestamps."""

    interval: float = POLL_INTERVAL
    max_wait: float | None = None
    cancel_timeout: float = 5.0
    budget: PollBudget | None = None
    clock: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time
    sleep: Sleep = asyncio.sleep

    def __post_init__(self) -> None:
        if self.interval <= 0:
            raise ValueError("interval must be positive")
        if self.max_wait is not None and self.max_wait <= 0:
            raise ValueError("max_wait must be positive")


class _State:
    """One followed training: the last object seen, and what was passed on."""

    def __init__(self, training: JSON, destination: str | None, began: float) -> None:
        self.training = training
        self.destination = destination
        self.began = began
        self.logs_sent = ""
        self.polls = 0

    @property
    def id(self) -> str:
        return str(self.training.get("id", ""))

    @property
    def status(self) -> str:
        return str(self.training.get("status", "starting"))


async def run_training(
    client: ReplicateClient,
    trainer: TrainerRef,
    destination: DestinationRef | str,
    model_input: Mapping[str, Any],
    *,
    follow: TrainingFollow | None = None,
    webhook: str | None = None,
) -> AsyncGenerator[TrainingEvent, None]:
    """Starts a training of ``trainer`` into ``destination`` and yields its events until it ends with
    :class:`TrainingCompleted` (or raises :class:`TrainingFailed`, :class:`TrainingCanceled`,
    :class:`TrainingTimeout`).

    Leaving early — closing the iterator, cancelling its task, or running past ``max_wait`` — cancels the training
    on Replicate, so nobody pays for a training nobody follows.
    """
    client.require_token()
    follow = follow or TrainingFollow()
    creating = asyncio.ensure_future(create_training(client, trainer, destination, model_input, webhook=webhook))
    try:
        created = await asyncio.shield(creating)
    except asyncio.CancelledError:  # left while Replicate was creating it: cancel it once its id is known
        with contextlib.suppress(ReplicateError):
            late = await creating
            await _cancel_quietly(client, str(late["id"]), follow.cancel_timeout)
        raise
    state = _State(created, str(destination), follow.clock())
    finished = False
    try:
        yield _started(state, resumed=False)
        try:
            async for event in _follow(client, state, follow):
                yield event
        except TrainingTimeout as timeout:
            canceled = await _cancel_quietly(client, state.id, follow.cancel_timeout)
            finished = True
            raise TrainingTimeout(timeout.seconds, training_id=state.id, canceled=canceled) from None
        finished = True
        yield _finish(state)
    finally:
        if not finished and state.status not in TERMINAL:
            await _cancel_quietly(client, state.id, follow.cancel_timeout)


async def follow_training(
    client: ReplicateClient,
    training_id: str,
    *,
    destination: str | None = None,
    follow: TrainingFollow | None = None,
    known: JSON | None = None,
) -> AsyncGenerator[TrainingEvent, None]:
    """Picks up a training started earlier (before the app was closed, or by another program) by its id and
    follows it to its end. Leaving early does not cancel it: nobody asked for that. ``destination`` (the training
    object does not carry it) completes a result given as a bare version id. ``known``: the training object just
    created, so that following starts from it instead of a first GET (then the first event is not ``resumed``)."""
    client.require_token()
    follow = follow or TrainingFollow()
    training = parse_training(known) if known is not None else await get_training(client, training_id)
    state = _State(training, destination, follow.clock())
    yield _started(state, resumed=known is None)
    async for event in _follow(client, state, follow):
        yield event
    yield _finish(state)


async def _follow(
    client: ReplicateClient, state: _State, follow: TrainingFollow
) -> AsyncGenerator[TrainingEvent, None]:
    for event in _news(state, follow):
        yield event
    if state.status in TERMINAL:
        return
    budget = follow.budget or PollBudget(clock=follow.clock, sleep=follow.sleep)
    with budget.following(client, state.training, path=f"trainings/{state.id}", parse=parse_training) as watch:
        while True:
            interval = max(follow.interval, budget.spacing)
            state.training = await budget.refresh(watch, not_before=watch.fresh_at + interval)
            state.polls += 1
            for event in _news(state, follow):
                yield event
            if state.status in TERMINAL:
                return
            if follow.max_wait is not None and follow.clock() - state.began >= follow.max_wait:
                raise TrainingTimeout(follow.max_wait, training_id=state.id, canceled=False)


def _news(state: _State, follow: TrainingFollow) -> list[TrainingEvent]:
    """What the latest training object adds: new logs, then a progress tick."""
    events: list[TrainingEvent] = []
    logs = str(state.training.get("logs") or "")
    if logs.startswith(state.logs_sent):
        if len(logs) > len(state.logs_sent):
            events.append(TrainingLogs(logs[len(state.logs_sent):]))
    elif logs:  # rewritten from the start (or cut): pass on what is there now
        events.append(TrainingLogs(logs))
    state.logs_sent = logs if logs else state.logs_sent
    progress = parse_progress(logs, anywhere=True)
    events.append(TrainingProgress(state.status, _elapsed(state, follow),
                                   progress.percentage * 100 if progress else None, last_log_line(logs), state.polls))
    return events


def _elapsed(state: _State, follow: TrainingFollow) -> float:
    """Seconds since Replicate created the training (until it completed), else since we began following."""
    created = epoch_seconds(state.training.get("created_at"))
    if created is None:
        return max(0.0, follow.clock() - state.began)
    end = epoch_seconds(state.training.get("completed_at")) if state.status in TERMINAL else None
    return max(0.0, (end if end is not None else follow.wall()) - created)


def _started(state: _State, *, resumed: bool) -> TrainingStarted:
    training = state.training
    model, version = training.get("model"), training.get("version")
    trainer = f"{model}:{version}" if isinstance(model, str) and isinstance(version, str) else str(model or "")
    urls = training.get("urls")
    web = urls.get("web") if isinstance(urls, dict) else None
    return TrainingStarted(state.id, trainer, state.destination, state.status,
                           web if isinstance(web, str) else None, resumed)


def _finish(state: _State) -> TrainingCompleted:
    training = state.training
    if state.status == "failed":
        raise TrainingFailed(error_text(training.get("error")), training_id=state.id,
                             logs=str(training.get("logs") or ""))
    if state.status in ("canceled", "aborted"):
        raise TrainingCanceled(training_id=state.id, before_start=state.status == "aborted")
    metrics = training.get("metrics")
    return TrainingCompleted(state.id, training_result(training, state.destination),
                             metrics if isinstance(metrics, dict) else {})


async def _cancel_quietly(client: ReplicateClient, training_id: str, limit: float) -> bool:
    """Best-effort cancel on the way out; never masks the reason we are leaving. True when Replicate took it."""
    try:
        await asyncio.wait_for(asyncio.shield(cancel_training(client, training_id)), limit)
    except (ReplicateError, TimeoutError, asyncio.CancelledError) as error:
        log.warning("Could not cancel training %s: %s", training_id, error)
        return False
    log.info("Canceled training %s on Replicate", training_id)
    return True
