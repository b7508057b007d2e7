"""Serving one prediction's event stream, with the faults a `Script` asks for (cuts, replays, silence …)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiohttp import web

from .prediction import FakePrediction
from .scripts import Replay
from .sse import SSEEvent, format_comment, format_event

# Lines a conforming client ignores: an unknown field, a line without a colon, a `retry:` that is no number,
# an id with a NUL (ignored whole), a comment with bytes that are no UTF-8, and blank lines that end nothing.
MALFORMED = b"bogus: field\nno colon at all\nretry: soon\nid: bad\x00id\n: \xff\xfe not utf-8\n\n\n"
SILENCE_CHECK = 0.02  # how often a silent connection looks whether its client or the server went away


async def serve_stream(request: web.Request, prediction: FakePrediction,
                       closing: Callable[[], bool]) -> web.StreamResponse:
    """Replays the prediction's events from where the client asks (`Last-Event-ID`), then follows it."""
    script = prediction.script
    connection = prediction.stream_connections
    prediction.stream_connections += 1
    cuts = script.stream_cuts
    cut = cuts[connection] if connection < len(cuts) else script.cut_stream_after
    events = prediction.events
    index = first_index(events, request.headers.get("Last-Event-ID"), script.stream_replay)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)

    def wire(data: bytes) -> bytes:
        return data if script.stream_line_ending == "\n" else data.replace(b"\n", script.stream_line_ending.encode())

    outputs_sent = 0
    try:
        await response.write(wire(format_comment("hi")))
        while True:
            if cut is not None and outputs_sent >= cut:
                if script.cut_mid_event and index < len(events):
                    encoded = wire(_encode(events[index], script.stream_ids))
                    await response.write(encoded[: len(encoded) // 2])
                break
            if script.stream_silent_after is not None and outputs_sent >= script.stream_silent_after:
                await _stay_silent(request, closing)
                return response
            if index < len(events):
                event = events[index]
                index += 1
                encoded = wire(_encode(event, script.stream_ids))
                await response.write(encoded)
                if script.stream_duplicates and event.event == "output":
                    await response.write(encoded)
                if script.stream_malformed:
                    await response.write(wire(MALFORMED))
                outputs_sent += event.event == "output"
                if event.event == "done":
                    break
            elif closing():
                return response
            else:
                await prediction.changed()
        await response.write_eof()
    except ConnectionResetError:
        pass  # the client went away
    return response


def first_index(events: list[SSEEvent], last_id: str | None, replay: Replay) -> int:
    """Where a connection starts: after `Last-Event-ID` ("resume"), at the start, or halfway to it."""
    if not last_id or replay == "start":
        return 0
    seen = next((i + 1 for i, event in enumerate(events) if event.id == last_id), 0)
    return seen if replay == "resume" else seen // 2


def _encode(event: SSEEvent, with_id: bool) -> bytes:
    return event.encode() if with_id else format_event(event.event, event.data)


async def _stay_silent(request: web.Request, closing: Callable[[], bool]) -> None:
    """Keeps the connection open without sending anything until the client leaves or the server closes."""
    while not closing():
        transport = request.transport
        if transport is None or transport.is_closing():
            return
        await asyncio.sleep(SILENCE_CHECK)
