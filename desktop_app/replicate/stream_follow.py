"""Following a prediction over its server-sent-events stream, resuming a dropped stream."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Callable

from .client import ReplicateClient
from .errors import APIError, NetworkError, UnexpectedResponse
from .events import PredictionEvent, TextDelta
from .files import is_file_output
from .follow_state import FollowState, emit_new, error_detail, record_sent, refresh
from .policy import TERMINAL, FollowPolicy
from .sse import SSEDecoder, iter_sse

log = logging.getLogger(__name__)
STREAM_RECONNECTS = 2


async def follow_stream(
    client: ReplicateClient, state: FollowState, url: str, policy: FollowPolicy, clock: Callable[[], float]
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
                        async for event in on_stream_output(state, sse.data, policy, clock):
                            yield event
                    elif sse.event == "logs":
                        state.stream_logs += sse.data + "\n"
                        if len(state.stream_logs) <= len(str(state.prediction.get("logs") or "")):
                            continue  # replayed lines that the create or a GET has already shown
                        state.prediction["logs"] = state.stream_logs
                        async for event in emit_new(state, "stream", policy, clock):
                            yield event
                    elif sse.event == "error":
                        state.prediction["error"] = error_detail(sse.data)
                    elif sse.event == "done":
                        saw_done = True
                        break
        except (NetworkError, UnexpectedResponse, APIError) as error:
            log.warning("Stream for %s failed (%s); confirming with a GET", state.id, error)
        await refresh(client, state)
        async for event in emit_new(state, "stream", policy, clock):
            yield event
        if state.status in TERMINAL:
            return
        if saw_done:
            log.warning("Stream for %s said done but status is %s; polling", state.id, state.status)
            return
        log.info("Stream for %s ended early (connection %d); resuming", state.id, connection + 1)


async def on_stream_output(
    state: FollowState, data: str, policy: FollowPolicy, clock: Callable[[], float]
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
    record_sent(state, tail)
    yield TextDelta(tail)
