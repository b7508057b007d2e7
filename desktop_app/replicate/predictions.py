"""Create, follow and cancel a prediction, as an async iterator of typed events."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Callable, Mapping
from typing import Any

from .client import ReplicateClient, Sleep
from .create import cancel_prediction, cancel_quietly, create_prediction, latest_version
from .errors import (
    MalformedPrediction,
    PredictionAborted,
    PredictionCanceled,
    PredictionFailed,
    UnexpectedResponse,
)
from .events import Completed, ImageResponse, PredictionEvent, Progress, Started
from .files import check_output_url
from .follow_state import FollowState, classify, emit_new, error_text, file_urls, stream_url, version_of, web_url
from .models import ModelKind, ModelRef
from .parse import parse_prediction
from .policy import APP_POLICY, TERMINAL, FollowPolicy
from .polling import follow_polling
from .stream_follow import follow_stream

__all__ = [
    "APP_POLICY",
    "TERMINAL",
    "FollowPolicy",
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
) -> AsyncGenerator[PredictionEvent, None]:
    """Runs one prediction and yields its events until a terminal status.

    Closing the iterator (or cancelling its task) before the end cancels the prediction on
    the server, so nobody pays for work that was abandoned.
    """
    client.require_token()
    t0 = clock()
    hold = policy.wait_seconds if kind == "image" else None
    yield Progress("starting", "wait", 0, policy.max_attempts, 0.0)
    try:
        created = await create_prediction(client, ref, model_input, wait_seconds=hold)
    except MalformedPrediction as error:
        if error.prediction_id:  # it runs on Replicate but cannot be followed: do not let it run unwatched
            await cancel_quietly(client, {"id": error.prediction_id}, policy.cancel_timeout)
        raise
    state = FollowState(created, kind, started_at=t0)
    finished = False
    try:
        yield Started(state.id, str(created.get("model") or ref.full_name), kind or "unknown", state.status,
                      web_url(created), version_of(created))
        async for event in _follow(client, state, policy, sleep, clock):
            yield event
        finished = True
        async for event in _finish(state, alt):
            yield event
    finally:
        if not finished and state.status not in TERMINAL:
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
) -> AsyncGenerator[PredictionEvent, None]:
    """Picks up a prediction created earlier (e.g. before the app was closed) and follows it to its end.

    Unlike :func:`run_prediction`, leaving early does not cancel it: the user did not ask for that.
    """
    client.require_token()
    found = parse_prediction(await client.get_json(f"predictions/{prediction_id}"))
    state = FollowState(found, kind, started_at=clock())
    yield Started(state.id, str(state.prediction.get("model") or ""), kind or "unknown", state.status,
                  web_url(state.prediction), version_of(state.prediction))
    async for event in _follow(client, state, policy, sleep, clock):
        yield event
    async for event in _finish(state, alt):
        yield event


async def _follow(
    client: ReplicateClient, state: FollowState, policy: FollowPolicy, sleep: Sleep, clock: Callable[[], float]
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
    async for event in follow_polling(client, state, policy, sleep, clock):
        yield event


async def _finish(state: FollowState, alt: str) -> AsyncGenerator[PredictionEvent, None]:
    prediction = state.prediction
    status = state.status
    if status == "failed":
        raise PredictionFailed(
            error_text(prediction.get("error")), prediction_id=state.id, logs=str(prediction.get("logs") or "")
        )
    if status == "canceled":
        raise PredictionCanceled(prediction_id=state.id)
    if status == "aborted":
        raise PredictionAborted(prediction_id=state.id)
    output = prediction.get("output")
    if state.kind == "image" or (state.kind is None and classify(output) == "image"):
        urls = file_urls(output) or list(state.stream_urls)
        if not urls:
            raise UnexpectedResponse("The image model finished without any output image.")
        yield ImageResponse([check_output_url(url) for url in urls], alt)
    metrics = prediction.get("metrics")
    yield Completed(state.id, status, output, metrics if isinstance(metrics, dict) else {})
