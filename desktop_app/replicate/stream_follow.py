"""Following a prediction over its server-sent-events stream: replays placed exactly, drops resumed, silence
confirmed by a GET."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from typing import Literal

import aiohttp

from .client import ReplicateClient
from .errors import APIError, NetworkError, UnexpectedResponse
from .events import PredictionEvent
from .files import is_file_output
from .follow_state import FollowState, emit_new, error_detail, refresh
from .policy import TERMINAL, FollowPolicy
from .sse import SSEDecoder, SSEEvent
from .stream_watch import SilenceWatch

log = logging.getLogger(__name__)
STREAM_RECONNECTS = 2
OPEN_TIMEOUT = 5.0  # seconds (or five quiet periods, if longer) for the stream host to send its headers


@dataclass
class _Outcome:
    """How one stream connection ended."""

    how: Literal["cut", "done", "confirmed", "abandoned"] = "cut"


async def follow_stream(
    client: ReplicateClient, state: FollowState, url: str, policy: FollowPolicy, clock: Callable[[], float]
) -> AsyncGenerator[PredictionEvent, None]:
    """Follows the SSE stream until the prediction ends, or hands over to polling.

    A stream that ends without ``done`` is confirmed by a GET and resumed with ``Last-Event-ID``; what a
    resumed stream replays (from the start, from the middle, twice) is placed by event id and position (see
    :class:`ReplyText`). A stream silent for ``policy.stream_idle`` is confirmed by a GET, again at most that
    often while it stays silent. An oversized event ends the stream: polling takes over.
    """
    logs = _LogLines()
    last_id: str | None = None
    for connection in range(STREAM_RECONNECTS + 1):
        decoder = SSEDecoder(policy.stream_event_limit)
        state.reply.begin_connection(resumed=last_id is not None)
        logs.begin_connection(resumed=last_id is not None)
        outcome = _Outcome()
        try:
            async with contextlib.AsyncExitStack() as stack:
                async with asyncio.timeout(max(OPEN_TIMEOUT, 5 * policy.stream_idle)):
                    response = await stack.enter_async_context(client.open_stream(url, last_id))
                async for event in _read(client, state, response, decoder, logs, policy, clock, outcome):
                    yield event
        except (NetworkError, UnexpectedResponse, APIError, TimeoutError) as error:
            reason = str(error) or "no headers in time"
            log.warning("Stream for %s failed (%s); confirming with a GET", state.id, reason)
        last_id = decoder.last_event_id or last_id
        if outcome.how == "confirmed":
            return  # a GET during a silence found the prediction finished, and its final object is in
        await refresh(client, state)
        async for event in emit_new(state, "stream", policy, clock):
            yield event
        if state.status in TERMINAL or outcome.how == "abandoned":
            return
        if outcome.how == "done":
            log.warning("Stream for %s said done but status is %s; polling", state.id, state.status)
            return
        log.info("Stream for %s ended early (connection %d); resuming", state.id, connection + 1)


async def _read(
    client: ReplicateClient,
    state: FollowState,
    response: aiohttp.ClientResponse,
    decoder: SSEDecoder,
    logs: _LogLines,
    policy: FollowPolicy,
    clock: Callable[[], float],
    outcome: _Outcome,
) -> AsyncGenerator[PredictionEvent, None]:
    """Reads one connection to its end; while it is silent, GETs check on the prediction."""
    watch = SilenceWatch(max(policy.stream_idle, 1.0 / policy.max_rate))  # confirms within the polling rate cap
    try:
        while True:
            chunk = await watch.read(response.content)
            if chunk is None:
                log.info("Stream for %s silent for %g s; confirming with a GET", state.id, policy.stream_idle)
                await refresh(client, state)
                async for event in emit_new(state, "stream", policy, clock):
                    yield event
                if state.status in TERMINAL:
                    outcome.how = "confirmed"
                    return
                watch.heard()
                continue
            if not chunk:
                return
            events = decoder.feed(chunk)
            for sse in events:
                if sse.event == "done":
                    outcome.how = "done"
                    return
                async for event in _on_event(client, state, sse, logs, policy, clock):
                    yield event
            if decoder.error is not None:
                log.warning("Stream for %s abandoned: %s", state.id, decoder.error)
                outcome.how = "abandoned"
                return
            if events:
                watch.heard()
    finally:
        watch.close()


async def _on_event(
    client: ReplicateClient, state: FollowState, sse: SSEEvent, logs: _LogLines, policy: FollowPolicy,
    clock: Callable[[], float],
) -> AsyncGenerator[PredictionEvent, None]:
    """Passes one event on; its data is scrubbed of credentials first, as every API answer is."""
    if sse.event not in ("output", "logs", "error"):
        return
    data = client.scrub(sse.data)
    if sse.event == "output":
        if state.kind == "image" or (state.kind is None and is_file_output(data)):
            state.kind = state.kind or "image"
            if data not in state.stream_urls:  # a replayed file output
                state.stream_urls.append(data)
            return
        state.kind = state.kind or "text"
        for delta in state.reply.on_stream_output(data, sse.id):
            yield delta
    elif sse.event == "logs":
        new = logs.new_text(state.logs_sent, data + "\n", sse.id)
        if new:
            state.prediction["logs"] = state.logs_sent + new
            async for event in emit_new(state, "stream", policy, clock):
                yield event
    else:
        state.prediction["error"] = error_detail(data)


class _LogLines:
    """Where the stream's ``logs`` events land in the logs shown so far (a stream opened late, or resumed
    by a server that ignores ``Last-Event-ID``, replays them from the start)."""

    def __init__(self) -> None:
        self._ends: dict[str, int] = {}  # event id -> offset just after its line
        self._cursor = 0
        self._end = 0

    def begin_connection(self, *, resumed: bool) -> None:
        self._cursor = self._end if resumed else 0

    def new_text(self, shown: str, line: str, event_id: str | None) -> str:
        """The part of ``line`` the shown logs lack: "" for a replay, all of it for a new line."""
        if event_id is not None and event_id in self._ends:
            self._cursor = self._end = self._ends[event_id]
            return ""
        start = self._cursor
        overlap = min(len(line), len(shown) - start)
        if start > len(shown) or shown[start : start + overlap] != line[:overlap]:
            start = len(shown)
        end = start + len(line)
        if event_id is not None:
            self._ends[event_id] = end
        self._cursor = self._end = end
        return line[len(shown) - start :] if end > len(shown) else ""
