"""Create, follow and cancel a prediction, as an async iterator of typed events."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from collections.abc import AsyncGenerator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .client import JSON, ReplicateClient, Sleep
from .errors import (
    APIError,
    NetworkError,
    NotFoundError,
    PredictionAborted,
    PredictionCanceled,
    PredictionFailed,
    PredictionTimeout,
    ReplicateError,
    UnexpectedResponse,
)
from .events import Completed, FollowMode, ImageResponse, LogsAppended, PredictionEvent, Progress, Started, TextDelta
from .files import check_output_url, is_file_output, looks_like_location
from .models import ModelKind, ModelRef
from .progress import last_log_line, parse_progress
from .sse import SSEDecoder, iter_sse

log = logging.getLogger(__name__)

TERMINAL = frozenset({"succeeded", "failed", "canceled", "aborted"})
STREAM_RECONNECTS = 2


@dataclass(frozen=True)
class FollowPolicy:
    """How a prediction is followed once created.

    ``max_attempts`` × ``delay`` bound polling (the seed's knobs). ``wait_seconds`` is the
    ``Prefer: wait`` hold on create for image models; text models stream instead. When the
    logs tell how fast a run goes, polls move up to the predicted end and then come every
    ``min_interval``, never more than ``max_rate`` requests in any one second.
    """

    max_attempts: int = 30
    delay: float = 5.0
    wait_seconds: int | None = 60
    use_stream: bool = True
    min_interval: float = 0.05
    max_rate: int = 10
    cancel_timeout: float = 5.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.delay <= 0:
            raise ValueError("delay must be positive")


# The app's own defaults: results arrive by held request or stream, polling is the fallback.
APP_POLICY = FollowPolicy(max_attempts=300, delay=1.0)


@dataclass
class _State:
    """What has been passed on to the caller so far."""

    prediction: JSON
    kind: ModelKind | None
    sent: list[str] = field(default_factory=list)  # text passed on so far, in pieces (joining per token is quadratic)
    sent_len: int = 0
    stream_len: int = 0  # characters received over the stream, which a GET may have shown already
    stream_logs: str = ""  # likewise for the logs (a stream opened late replays them from the start)
    logs_sent: str = ""
    started_at: float = 0.0
    attempt: int = 0
    stream_urls: list[str] = field(default_factory=list)
    poll_times: deque[float] = field(default_factory=deque)

    @property
    def id(self) -> str:
        return str(self.prediction.get("id", ""))

    @property
    def status(self) -> str:
        return str(self.prediction.get("status", "starting"))


async def create_prediction(
    client: ReplicateClient, ref: ModelRef, model_input: Mapping[str, Any], *, wait_seconds: int | None
) -> JSON:
    """Creates a prediction: by version when pinned, else the official-model route, falling
    back to the model's latest version when that route does not exist for it."""
    headers = {"Prefer": f"wait={wait_seconds}"} if wait_seconds else None
    read_timeout = (wait_seconds or 0) + 15.0
    body: JSON = {"input": dict(model_input)}
    if ref.version:
        _, created = await client.post_json(
            "predictions", {"version": ref.version, **body}, headers=headers, read_timeout=read_timeout
        )
        return created
    try:
        _, created = await client.post_json(
            f"models/{ref.owner}/{ref.name}/predictions", body, headers=headers, read_timeout=read_timeout
        )
        return created
    except NotFoundError:
        log.info("%s has no official-model route; looking up its latest version", ref.full_name)
    version = await latest_version(client, ref)
    _, created = await client.post_json(
        "predictions", {"version": version, **body}, headers=headers, read_timeout=read_timeout
    )
    return created


async def latest_version(client: ReplicateClient, ref: ModelRef) -> str:
    try:
        model = await client.get_json(f"models/{ref.owner}/{ref.name}")
    except NotFoundError as error:
        raise NotFoundError(
            404, f"the model {ref.full_name} does not exist or is private to another account", body=error.body
        ) from None
    latest = model.get("latest_version")
    version = latest.get("id") if isinstance(latest, dict) else None
    if not isinstance(version, str) or not version:
        raise NotFoundError(404, f"the model {ref.full_name} has no published version to run")
    return version


async def cancel_prediction(client: ReplicateClient, prediction: JSON) -> None:
    urls = prediction.get("urls") or {}
    target = urls.get("cancel") if isinstance(urls, dict) else None
    await client.post_json(str(target or f"predictions/{prediction['id']}/cancel"))


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
    created = await create_prediction(client, ref, model_input, wait_seconds=hold)
    state = _State(created, kind, started_at=t0)
    finished = False
    try:
        yield Started(state.id, str(created.get("model") or ref.full_name), kind or "unknown", state.status,
                      _web_url(created), _version(created))
        async for event in _follow(client, state, policy, sleep, clock):
            yield event
        finished = True
        async for event in _finish(state, alt):
            yield event
    finally:
        if not finished and state.status not in TERMINAL:
            await _cancel_quietly(client, state.prediction, policy.cancel_timeout)


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
    state = _State(await client.get_json(f"predictions/{prediction_id}"), kind, started_at=clock())
    yield Started(state.id, str(state.prediction.get("model") or ""), kind or "unknown", state.status,
                  _web_url(state.prediction), _version(state.prediction))
    async for event in _follow(client, state, policy, sleep, clock):
        yield event
    async for event in _finish(state, alt):
        yield event


async def _follow(
    client: ReplicateClient, state: _State, policy: FollowPolicy, sleep: Sleep, clock: Callable[[], float]
) -> AsyncGenerator[PredictionEvent, None]:
    async for event in _emit_new(state, "wait", policy, clock):
        yield event
    if state.status in TERMINAL:
        return
    stream_url = _stream_url(state.prediction)
    if stream_url and policy.use_stream:
        async for event in _follow_stream(client, state, stream_url, policy, clock):
            yield event
        if state.status in TERMINAL:
            return
    async for event in _follow_polling(client, state, policy, sleep, clock):
        yield event


async def _follow_stream(
    client: ReplicateClient, state: _State, url: str, policy: FollowPolicy, clock: Callable[[], float]
) -> AsyncGenerator[PredictionEvent, None]:
    """Follows the SSE stream; a stream that ends without ``done`` is confirmed by a GET and
    resumed with ``Last-Event-ID``; if it cannot be, polling takes over."""
    decoder = SSEDecoder()
    for connection in range(STREAM_RECONNECTS + 1):
        saw_done = False
        try:
            async with client.open_stream(url, decoder.last_event_id) as response:
                async for sse in iter_sse(response.content.iter_any(), decoder):
                    if sse.event == "output":
                        async for event in _on_stream_output(state, sse.data, policy, clock):
                            yield event
                    elif sse.event == "logs":
                        state.stream_logs += sse.data + "\n"
                        if len(state.stream_logs) <= len(str(state.prediction.get("logs") or "")):
                            continue  # replayed lines that the create or a GET has already shown
                        state.prediction["logs"] = state.stream_logs
                        async for event in _emit_new(state, "stream", policy, clock):
                            yield event
                    elif sse.event == "error":
                        state.prediction["error"] = _error_detail(sse.data)
                    elif sse.event == "done":
                        saw_done = True
                        break
        except (NetworkError, UnexpectedResponse, APIError) as error:
            log.warning("Stream for %s failed (%s); confirming with a GET", state.id, error)
        await _refresh(client, state)
        async for event in _emit_new(state, "stream", policy, clock):
            yield event
        if state.status in TERMINAL:
            return
        if saw_done:
            log.warning("Stream for %s said done but status is %s; polling", state.id, state.status)
            return
        log.info("Stream for %s ended early (connection %d); resuming", state.id, connection + 1)


async def _on_stream_output(
    state: _State, data: str, policy: FollowPolicy, clock: Callable[[], float]
) -> AsyncGenerator[PredictionEvent, None]:
    if state.kind == "image" or (state.kind is None and is_file_output(data)):
        state.kind = state.kind or "image"
        state.stream_urls.append(data)
        return
    state.kind = state.kind or "text"
    start = state.stream_len
    state.stream_len += len(data)
    if state.stream_len <= state.sent_len:
        return  # a resumed stream replays what a confirming GET has already shown
    tail = data[max(0, state.sent_len - start):]
    _record_sent(state, tail)
    yield TextDelta(tail)


def _record_sent(state: _State, text: str) -> None:
    state.sent.append(text)
    state.sent_len += len(text)


async def _follow_polling(
    client: ReplicateClient, state: _State, policy: FollowPolicy, sleep: Sleep, clock: Callable[[], float]
) -> AsyncGenerator[PredictionEvent, None]:
    while state.attempt < policy.max_attempts:
        await sleep(_rate_limited(_next_interval(state, policy), state.poll_times, policy, clock()))
        state.attempt += 1
        state.poll_times.append(clock())
        await _refresh(client, state)
        async for event in _emit_new(state, "poll", policy, clock):
            yield event
        if state.status in TERMINAL:
            return
    raise PredictionTimeout(policy.max_attempts, policy.delay, prediction_id=state.id)


def _next_interval(state: _State, policy: FollowPolicy) -> float:
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


async def _refresh(client: ReplicateClient, state: _State) -> None:
    urls = state.prediction.get("urls") or {}
    target = urls.get("get") if isinstance(urls, dict) else None
    fresh = await client.get_json(str(target or f"predictions/{state.id}"))
    if fresh.get("error") is None and state.prediction.get("error"):
        fresh["error"] = state.prediction["error"]
    state.prediction = fresh


async def _emit_new(
    state: _State, mode: FollowMode, policy: FollowPolicy, clock: Callable[[], float]
) -> AsyncGenerator[PredictionEvent, None]:
    """Yields what the latest prediction object adds: new text, new logs, a progress tick."""
    prediction = state.prediction
    output = prediction.get("output")
    if state.kind is None and output is not None:
        state.kind = _classify(output)
    if state.kind == "text" and output is not None and state.status not in {"failed", "canceled", "aborted"}:
        full = _join_text(output)
        if len(full) > state.sent_len:
            if full.startswith("".join(state.sent)):
                tail = full[state.sent_len:]
                _record_sent(state, tail)
                yield TextDelta(tail)
            else:
                log.warning("Output of %s no longer extends what was shown; keeping the shown text", state.id)
    logs = str(prediction.get("logs") or "")
    if logs.startswith(state.logs_sent) and len(logs) > len(state.logs_sent):
        yield LogsAppended(logs[len(state.logs_sent):])
    elif not logs.startswith(state.logs_sent):
        yield LogsAppended(logs)
    state.logs_sent = logs
    progress = parse_progress(logs)
    yield Progress(
        state.status,
        mode,
        state.attempt,
        policy.max_attempts,
        clock() - state.started_at,
        percent=progress.percentage * 100 if progress else None,
        log_line=last_log_line(logs),
    )


async def _finish(state: _State, alt: str) -> AsyncGenerator[PredictionEvent, None]:
    prediction = state.prediction
    status = state.status
    if status == "failed":
        raise PredictionFailed(
            _error_text(prediction.get("error")), prediction_id=state.id, logs=str(prediction.get("logs") or "")
        )
    if status == "canceled":
        raise PredictionCanceled(prediction_id=state.id)
    if status == "aborted":
        raise PredictionAborted(prediction_id=state.id)
    output = prediction.get("output")
    if state.kind == "image" or (state.kind is None and _classify(output) == "image"):
        urls = _file_urls(output) or list(state.stream_urls)
        if not urls:
            raise UnexpectedResponse("The image model finished without any output image.")
        yield ImageResponse([check_output_url(url) for url in urls], alt)
    metrics = prediction.get("metrics")
    yield Completed(state.id, status, output, metrics if isinstance(metrics, dict) else {})


async def _cancel_quietly(client: ReplicateClient, prediction: JSON, limit: float) -> None:
    """Best-effort cancel on the way out; never masks the reason we are leaving."""
    try:
        await asyncio.wait_for(asyncio.shield(cancel_prediction(client, prediction)), limit)
        log.info("Canceled prediction %s on the server", prediction.get("id"))
    except (ReplicateError, TimeoutError, asyncio.CancelledError) as error:
        log.warning("Could not cancel prediction %s: %s", prediction.get("id"), error)


def _classify(output: Any) -> ModelKind:
    if is_file_output(output):
        return "image"
    if isinstance(output, list) and output and all(is_file_output(item) for item in output):
        return "image"
    return "text"


def _file_urls(output: Any) -> list[str]:
    if isinstance(output, str):
        return [output] if looks_like_location(output) else []
    if isinstance(output, list):
        return [item for item in output if looks_like_location(item)]
    if isinstance(output, dict):
        return [value for value in output.values() if looks_like_location(value)]
    return []


def _join_text(output: Any) -> str:
    if isinstance(output, list):
        return "".join(item if isinstance(item, str) else json.dumps(item) for item in output)
    if isinstance(output, str):
        return output
    return json.dumps(output)


def _stream_url(prediction: JSON) -> str | None:
    urls = prediction.get("urls")
    value = urls.get("stream") if isinstance(urls, dict) else None
    return value if isinstance(value, str) and value else None


def _version(prediction: JSON) -> str | None:
    value = prediction.get("version")
    return value if isinstance(value, str) and value and value != "hidden" else None


def _web_url(prediction: JSON) -> str | None:
    urls = prediction.get("urls")
    value = urls.get("web") if isinstance(urls, dict) else None
    return value if isinstance(value, str) else None


def _error_detail(data: str) -> str:
    try:
        parsed = json.loads(data)
    except ValueError:
        return data
    if isinstance(parsed, dict) and parsed.get("detail"):
        return str(parsed["detail"])
    return data


def _error_text(error: Any) -> str:
    if isinstance(error, dict):
        return str(error.get("detail") or error.get("message") or json.dumps(error))
    return str(error) if error else "no error message was given"
