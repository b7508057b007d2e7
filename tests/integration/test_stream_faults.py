"""The reply stays exactly the model's output whatever the stream does: cut, replayed, duplicated, silent,
malformed or oversized — the core against the fake server's scripted stream faults."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import pytest

from desktop_app.replicate import (
    Completed,
    FollowPolicy,
    PredictionEvent,
    Progress,
    TextDelta,
    TextReplaced,
    generate,
)
from tests.fake_replicate import FakeReplicate, Script

from .helpers import LLAMA, collect, completed, make_client, only, request_lines, started

# Streams that keep talking need no GET while they do (a slow machine could make one look quiet for 50 ms).
STREAM_POLICY = FollowPolicy(max_attempts=400, delay=0.05, min_interval=0.02, stream_idle=5.0)
SILENCE_POLICY = FollowPolicy(max_attempts=400, delay=0.05, min_interval=0.02, stream_idle=0.05)
HANG_GUARD = 60.0  # seconds: a follower stuck on a silent stream fails the test instead of hanging it
STORY = ["Once", " upon", " a", " time", ",", " a", " fox", " met", " a", " crow", "."]


def shown_text(events: list[PredictionEvent]) -> tuple[str, list[str]]:
    """The reply as a window shows it (deltas appended, replacements applied), and every state it passed."""
    text, states = "", []
    for event in events:
        if isinstance(event, TextDelta):
            text += event.text
        elif isinstance(event, TextReplaced):
            text = event.text
        else:
            continue
        states.append(text)
    return text, states


async def run(session: aiohttp.ClientSession, fake: FakeReplicate, script: Script,
              policy: FollowPolicy = STREAM_POLICY) -> list[PredictionEvent]:
    fake.set_script(LLAMA, script)
    async with asyncio.timeout(HANG_GUARD):
        return await collect(generate(make_client(session, fake), LLAMA, [], prompt="a story", policy=policy))


def assert_exact(events: list[PredictionEvent], *, clean: bool = True) -> str:
    """The shown reply equals the joined final output; with ``clean`` it only ever grew along it (never garbled,
    never replaced)."""
    final = "".join(completed(events).output)
    text, states = shown_text(events)
    assert text == final
    if clean:
        assert only(events, TextReplaced) == []
        assert all(final.startswith(state) for state in states), states
    return final


@pytest.mark.parametrize("replay", ["start", "middle", "resume"])
async def test_reconnect_replaying_from_anywhere_shows_each_word_once(
    fake_replicate: FakeReplicate, session: aiohttp.ClientSession, replay: Any
) -> None:
    script = Script(kind="text", official=True, chunks=STORY, token_interval=0.01, stream_cuts=[3, 7],
                    stream_replay=replay)
    events = await run(session, fake_replicate, script)
    assert assert_exact(events) == "".join(STORY)
    streams = fake_replicate.requests_to("GET", "/stream/")
    assert len(streams) == 3
    assert all(request.header("Last-Event-ID") for request in streams[1:])


async def test_duplicated_events_with_ids_are_dropped(fake_replicate: FakeReplicate,
                                                      session: aiohttp.ClientSession) -> None:
    script = Script(kind="text", official=True, chunks=STORY, token_interval=0.005, stream_duplicates=True,
                    stream_malformed=True, stream_line_ending="\r\n")
    assert_exact(await run(session, fake_replicate, script))


async def test_duplicates_without_ids_are_corrected_once_at_the_end(fake_replicate: FakeReplicate,
                                                                    session: aiohttp.ClientSession) -> None:
    script = Script(kind="text", official=True, chunks=STORY, token_interval=0.005, stream_duplicates=True,
                    stream_ids=False)
    events = await run(session, fake_replicate, script)
    assert_exact(events, clean=False)
    (replaced,) = only(events, TextReplaced)
    assert replaced.text == "".join(STORY)
    names = [type(event).__name__ for event in events if isinstance(event, TextDelta | TextReplaced | Completed)]
    assert names[-2:] == ["TextReplaced", "Completed"]  # the correction comes with the final object


async def test_id_less_stream_cut_mid_event_replays_from_the_start(fake_replicate: FakeReplicate,
                                                                   session: aiohttp.ClientSession) -> None:
    script = Script(kind="text", official=True, chunks=STORY, token_interval=0.01, stream_ids=False,
                    stream_cuts=[4, 6], cut_mid_event=True, stream_line_ending="\r")
    events = await run(session, fake_replicate, script)
    assert_exact(events)
    streams = fake_replicate.requests_to("GET", "/stream/")
    assert [request.header("Last-Event-ID") for request in streams] == [None, None, None]


async def test_silent_stream_is_confirmed_by_get_and_not_waited_on(fake_replicate: FakeReplicate,
                                                                   session: aiohttp.ClientSession) -> None:
    script = Script(kind="text", official=True, chunks=STORY, token_interval=0.01, stream_silent_after=2)
    events = await run(session, fake_replicate, script, SILENCE_POLICY)
    assert_exact(events)
    prediction_id = started(events).prediction_id
    lines = request_lines(fake_replicate, prediction_id)
    assert lines.count(("GET", "/stream/{id}")) == 1  # the open stream was never dropped: GETs confirmed it
    confirms = lines[lines.index(("GET", "/stream/{id}")) + 1:]
    assert confirms and set(confirms) == {("GET", "/v1/predictions/{id}")}
    server = fake_replicate.predictions[prediction_id]
    # the run ended with the first confirming GET after the prediction finished, not at a stream timeout
    finished_at = server.completed_at
    assert finished_at is not None
    gets_after_end = [request for request in fake_replicate.requests_to("GET", "/v1/predictions/")
                      if request.time >= finished_at]
    assert len(gets_after_end) == 1


async def test_oversize_stream_event_falls_back_to_polling(fake_replicate: FakeReplicate,
                                                           session: aiohttp.ClientSession,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    script = Script(kind="text", official=True, chunks=STORY, token_interval=0.01, oversize_log_line=20_000)
    policy = FollowPolicy(max_attempts=400, delay=0.05, min_interval=0.02, stream_event_limit=4096)
    with caplog.at_level(logging.WARNING, logger="desktop_app.replicate.stream_follow"):
        events = await run(session, fake_replicate, script, policy)
    assert assert_exact(events) == "".join(STORY)
    assert len(fake_replicate.requests_to("GET", "/stream/")) == 1  # not reopened: it would send the same line
    assert any("larger than 4096 bytes" in record.getMessage() for record in caplog.records)
    assert "poll" in {event.mode for event in only(events, Progress)}
