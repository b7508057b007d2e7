"""The fake server's scriptable stream faults, read with plain aiohttp and a small reference SSE parser."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from tests.fake_replicate import FakeReplicate, Script
from tests.fake_replicate.helpers import LLAMA, create, wait_terminal
from tests.fake_replicate.sse import SSEEvent

CHUNKS = ["Once", " upon", " a", " time", ",", " the", " end."]


def reference_events(raw: bytes) -> list[dict[str, Any]]:
    """WHATWG parsing of complete events: CR, LF or CRLF line ends, comments and unknown fields ignored,
    `id` with a NUL ignored; only events ended by a blank line count. Keys: event, data, id (None if absent)."""
    events: list[dict[str, Any]] = []
    event: dict[str, Any] = {"event": "", "data": [], "id": None}
    lines = raw.splitlines(keepends=True)
    for line in lines:
        if not line.endswith((b"\n", b"\r")):
            break  # an unfinished last line
        text = line.rstrip(b"\r\n").decode("utf-8", errors="replace")
        if not text:
            if event["data"]:
                events.append({"event": event["event"] or "message", "data": "\n".join(event["data"]),
                               "id": event["id"]})
            event = {"event": "", "data": [], "id": None}
            continue
        if text.startswith(":"):
            continue
        name, _, value = text.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            event["event"] = value
        elif name == "data":
            event["data"].append(value)
        elif name == "id" and "\0" not in value:
            event["id"] = value
    return events


async def read_raw(session: aiohttp.ClientSession, url: str, *, last_id: str | None = None,
                   give_up_after: float | None = None) -> tuple[bytes, bool]:
    """The body of one stream connection, and whether it ended (False: still open after `give_up_after` s)."""
    headers = {"Accept": "text/event-stream", **({"Last-Event-ID": last_id} if last_id else {})}
    body = bytearray()
    async with session.get(url, headers=headers) as response:
        assert response.headers["Content-Type"] == "text/event-stream"
        try:
            async with asyncio.timeout(give_up_after):
                async for chunk in response.content.iter_any():
                    body += chunk
        except TimeoutError:
            return bytes(body), False
    return bytes(body), True


def outputs(events: list[dict[str, Any]]) -> list[str]:
    return [event["data"] for event in events if event["event"] == "output"]


async def finished_stream(session: aiohttp.ClientSession, fake: FakeReplicate,
                          script: Script) -> tuple[dict[str, Any], list[SSEEvent]]:
    """Runs a prediction to its end; returns it and the events of a full, fault-free read of its stream."""
    fake.set_script(LLAMA, script)
    _, prediction = await create(session, fake, LLAMA)
    prediction = await wait_terminal(session, fake, prediction)
    return prediction, list(fake.predictions[prediction["id"]].events)


@pytest.mark.parametrize(("replay", "expected_start"), [("resume", 4), ("start", 0), ("middle", 2)])
async def test_reconnect_replays_as_scripted(fake_replicate: FakeReplicate, session: aiohttp.ClientSession,
                                             replay: Any, expected_start: int) -> None:
    prediction, server_events = await finished_stream(
        session, fake_replicate, Script(kind="text", official=True, chunks=CHUNKS, stream_replay=replay))
    raw, _ = await read_raw(session, prediction["urls"]["stream"], last_id=server_events[3].id)
    ids = [event["id"] for event in reference_events(raw)]
    assert ids == [event.id for event in server_events[expected_start:]]
    fresh, _ = await read_raw(session, prediction["urls"]["stream"])  # no Last-Event-ID: always from the start
    assert [event["id"] for event in reference_events(fresh)] == [event.id for event in server_events]


async def test_ids_off_duplicates_and_malformed_lines(fake_replicate: FakeReplicate,
                                                      session: aiohttp.ClientSession) -> None:
    script = Script(kind="text", official=True, chunks=CHUNKS, stream_ids=False, stream_duplicates=True,
                    stream_malformed=True, stream_line_ending="\r")
    prediction, _ = await finished_stream(session, fake_replicate, script)
    raw, ended = await read_raw(session, prediction["urls"]["stream"])
    assert ended
    assert b"\n" not in raw  # every line ends in a lone CR
    assert b"no colon at all\r" in raw
    events = reference_events(raw)
    assert all(event["id"] is None for event in events)
    assert outputs(events) == [chunk for chunk in CHUNKS for _ in range(2)]
    assert events[-1]["event"] == "done"
    assert prediction["output"] == CHUNKS  # the API's output is untouched by what the stream does


async def test_duplicates_keep_their_ids(fake_replicate: FakeReplicate, session: aiohttp.ClientSession) -> None:
    prediction, server_events = await finished_stream(
        session, fake_replicate, Script(kind="text", official=True, chunks=CHUNKS, stream_duplicates=True))
    events = [event for event in reference_events((await read_raw(session, prediction["urls"]["stream"]))[0])
              if event["event"] == "output"]
    output_ids = [event.id for event in server_events if event.event == "output"]
    assert [event["id"] for event in events] == [event_id for event_id in output_ids for _ in range(2)]


async def test_cuts_per_connection_and_half_an_event(fake_replicate: FakeReplicate,
                                                     session: aiohttp.ClientSession) -> None:
    script = Script(kind="text", official=True, chunks=CHUNKS, stream_cuts=[2, 0], cut_stream_after=5,
                    cut_mid_event=True)
    prediction, _ = await finished_stream(session, fake_replicate, script)
    url = prediction["urls"]["stream"]
    first, ended = await read_raw(session, url)
    assert ended
    assert outputs(reference_events(first)) == CHUNKS[:2]
    assert not first.endswith(b"\n\n")  # half of the next event is on the wire
    second, _ = await read_raw(session, url)
    assert outputs(reference_events(second)) == []
    third, _ = await read_raw(session, url)  # past the list: every connection is cut after 5
    assert outputs(reference_events(third)) == CHUNKS[:5]
    assert fake_replicate.predictions[prediction["id"]].stream_connections == 3


async def test_silent_stream_stays_open_while_the_prediction_finishes(fake_replicate: FakeReplicate,
                                                                      session: aiohttp.ClientSession) -> None:
    fake_replicate.set_script(LLAMA, Script(kind="text", official=True, chunks=CHUNKS, stream_silent_after=2))
    _, prediction = await create(session, fake_replicate, LLAMA)
    raw, ended = await read_raw(session, prediction["urls"]["stream"], give_up_after=0.6)
    assert not ended
    assert outputs(reference_events(raw)) == CHUNKS[:2]
    assert (await wait_terminal(session, fake_replicate, prediction))["status"] == "succeeded"


async def test_oversize_log_line_is_in_the_stream_and_the_logs(fake_replicate: FakeReplicate,
                                                              session: aiohttp.ClientSession) -> None:
    prediction, _ = await finished_stream(
        session, fake_replicate, Script(kind="text", official=True, chunks=CHUNKS, oversize_log_line=100_000))
    assert "x" * 100_000 + "\n" in prediction["logs"]
    events = reference_events((await read_raw(session, prediction["urls"]["stream"]))[0])
    assert any(event["event"] == "logs" and event["data"] == "x" * 100_000 for event in events)


def test_bad_stream_scripts_are_refused() -> None:
    with pytest.raises(ValueError, match="stream_replay"):
        Script(stream_replay="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="stream_line_ending"):
        Script(stream_line_ending="\n\n")
    with pytest.raises(ValueError, match="negative"):
        Script(stream_cuts=[-1])
