"""Create, follow and cancel a prediction, as an async iterator of typed events."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Callable, Mapping
from typing import Any

from .client import ReplicateClient, Sleep
from .create import (
    CreateCall,
    CreateStep,
    cancel_prediction,
    cancel_quietly,
    create_prediction,
    latest_version,
    send_create,
)
from .deadline import cancel_after, deadline_end, parse_deadline
from .errors import MalformedPrediction, PredictionCanceled, PredictionFailed, UnexpectedResponse
from .events import Completed, ImageResponse, PredictionEvent, Progress, Started
from .files import check_output_url
from .follow_state import FollowState, classify, emit_new, error_text, file_urls, stream_url, version_of, web_url
from .lost_create import claim_prediction
from .model_schemas import ModelSchemas, ModelTarget
from .models import ModelKind, ModelRef
from .parse import parse_prediction
from .policy import APP_POLICY, TERMINAL, FollowPolicy, plan_follow
from .poll_budget import PollBudget
from .polling import follow_polling
from .stream_follow import follow_stream

__all__ = [
    "APP_POLICY",
    "TERMINAL",
    "CreateCall",
    "CreateStep",
    "FollowPolicy",
    "ModelSchemas",
    "ModelTarget",
    "PollBudget",
    "cancel_prediction",
    "create_prediction",
    "latest_version",
    "resume_prediction",
    "run_prediction",
]


async def run_prediction(
    client: ReplicateClient,
    ref: ModelRef,
    model_input: Mapping[str, Any],
    *,
    kind: ModelKind | None,
    alt: str = "",
    policy: FollowPolicy = APP_POLICY,
    sleep: Sleep = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
    budget: PollBudget | None = None,
    schemas: ModelSchemas | None = None,
    target: ModelTarget | None = None,
    deadline: str | float | None = None,
    create: CreateStep = send_create,
    leave_running: Callable[[], bool] | None = None,
) -> AsyncGenerator[PredictionEvent, None]:
    """Runs one prediction and yields its events until a terminal status.

    ``kind`` is a built-in model's; any other model is known by its schema first (``target``, else read
    through ``schemas``) and followed the fastest way it allows (:func:`plan_follow`). ``budget`` is the
    app's poll budget (a run without one gets its own, built on ``sleep`` and ``clock``). ``deadline``
    (``5m``, ``1h30m``, seconds) is sent as ``Cancel-After`` and checked before anything is sent.

    Closing the iterator (or cancelling its task) before the end cancels the prediction on
    the server, so nobody pays for work that was abandoned — unless ``leave_running()`` then says True
    (a queue that is quitting and will follow the prediction again by its id). ``create`` is the step
    that sends the create (:class:`CreateCall`): a queue paces it, and finds a create whose answer was lost.
    """
    client.require_token()
    seconds = parse_deadline(deadline)
    t0 = clock()
    budget = budget or PollBudget(max_rate=policy.max_rate, clock=clock, sleep=sleep)
    yield Progress("starting", "wait", 0, policy.max_attempts, 0.0)
    if kind is None and target is None:
        target = await (schemas or ModelSchemas()).target(client, ref)
    plan = plan_follow(kind, target.output if target is not None else None, policy)
    try:
        created = await create(CreateCall(client, ref, model_input, plan.wait_seconds,
                                          cancel_after(seconds) if seconds else None, target,
                                          policy.cancel_timeout))
    except MalformedPrediction as error:
        if error.prediction_id:  # it runs on Replicate but cannot be followed: do not let it run unwatched
            await cancel_quietly(client, {"id": error.prediction_id}, policy.cancel_timeout)
        raise
    state = FollowState(created, plan.kind, started_at=t0)
    finished = False
    try:
        yield Started(state.id, str(created.get("model") or ref.full_name), state.kind or "unknown", state.status,
                      web_url(created), version_of(created))
        async for event in _follow(client, state, policy, budget, clock):
            yield event
        finished = True
        async for event in _finish(state, alt, seconds):
            yield event
    finally:
        if not finished and state.status not in TERMINAL and not (leave_running is not None and leave_running()):
            await cancel_quietly(client, state.prediction, policy.cancel_timeout)


async def resume_prediction(
    client: ReplicateClient,
    prediction_id: str,
    *,
    kind: ModelKind | None,
    alt: str = "",
    policy: FollowPolicy = APP_POLICY,
    sleep: Sleep = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
    budget: PollBudget | None = None,
) -> AsyncGenerator[PredictionEvent, None]:
    """Picks up a prediction created earlier (e.g. before the app was closed) and follows it to its end.

    Unlike :func:`run_prediction`, leaving early does not cancel it: the user did not ask for that.
    """
    client.require_token()
    budget = budget or PollBudget(max_rate=policy.max_rate, clock=clock, sleep=sleep)
    found = parse_prediction(await client.get_json(f"predictions/{prediction_id}"))
    claim_prediction(prediction_id)
    state = FollowState(found, kind, started_at=clock())
    yield Started(state.id, str(state.prediction.get("model") or ""), kind or "unknown", state.status,
                  web_url(state.prediction), version_of(state.prediction))
    async for event in _follow(client, state, policy, budget, clock):
        yield event
    async for event in _finish(state, alt, None):
        yield event


async def _follow(
    client: ReplicateClient, state: FollowState, policy: FollowPolicy, budget: PollBudget, clock: Callable[[], float]
) -> AsyncGenerator[PredictionEvent, None]:
    async for event in emit_new(state, "wait", policy, clock):
        yield event
    if state.status in TERMINAL:
        return
    url = stream_url(state.prediction)
    if url and policy.use_stream:
        async for event in follow_stream(client, state, url, policy, clock):
            yield event
        if state.status in TERMINAL:
            return
    async for event in follow_polling(client, state, policy, budget, clock):
        yield event


async def _finish(state: FollowState, alt: str, deadline: int | None) -> AsyncGenerator[PredictionEvent, None]:
    prediction = state.prediction
    status = state.status
    if status == "failed":
        raise PredictionFailed(
            error_text(prediction.get("error")), prediction_id=state.id, logs=str(prediction.get("logs") or "")
        )
    if status in ("canceled", "aborted"):
        raise deadline_end(prediction, deadline) or PredictionCanceled(prediction_id=state.id)
    output = prediction.get("output")
    if state.kind == "image" or (state.kind is None and classify(output) == "image"):
        urls = file_urls(output) or list(state.stream_urls)
        if not urls:
            raise UnexpectedResponse("The image model finished without any output image.")
        yield ImageResponse([check_output_url(url) for url in urls], alt)
    metrics = prediction.get("metrics")
    yield Completed(state.id, status, output, metrics if isinstance(metrics, dict) else {})
