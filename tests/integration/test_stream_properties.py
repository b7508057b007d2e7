"""Property tests (hypothesis): whatever a stream does — cut at any byte, replayed from the start or the middle,
events doubled, ids missing, gone silent — the reply shown ends equal to the joined final output.

Two drivers: an in-test stream source with byte-exact faults (many examples, fast), and the fake Replicate
server with its scripted faults (fewer examples, the real HTTP path)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_app.replicate import FollowPolicy, PredictionEvent, ReplicateClient, generate
from desktop_app.replicate.predictions import resume_prediction
from desktop_app.replicate.stream_follow import STREAM_RECONNECTS
from tests.fake_replicate import Script
from tests.fake_replicate.sse import format_comment, format_event

from .helpers import LLAMA, ThreadedFake, collect, completed
from .test_stream_faults import HANG_GUARD, shown_text

WORDS = ["a", " a", "la", " la", "Once", " upon", "ü", "\n", " time", ",", ""]
POLICY = FollowPolicy(max_attempts=2000, delay=0.001, min_interval=0.001, max_rate=100_000, stream_idle=0.005)


def assert_reply_is_exact(events: list[PredictionEvent], chunks: list[str], *, clean: bool) -> None:
    final = "".join(chunks)
    assert "".join(completed(events).output) == final
    text, states = shown_text(events)
    assert text == final
    if clean:  # ids, or no doubled events: nothing was ever shown that is not part of the reply
        assert all(final.startswith(state) for state in states), states
        assert not any(type(event).__name__ == "TextReplaced" for event in events)


# ------------------------------------------------------------------ an in-test stream source with byte faults


@dataclass(frozen=True)
class Connection:
    """What the stream host does on one connection."""

    replay_back: int  # events before the resume point it starts from again (0: resumes where asked)
    ignore_last_id: bool  # starts from the very beginning whatever was asked
    cut_at: int | None  # byte of the body after which it stops (None: it sends everything, `done` included)
    silent: bool  # after the cut it keeps the connection open and sends nothing
    chunking: tuple[int, ...]  # where the body is split into reads


class _Content:
    def __init__(self, chunks: list[bytes], silent: bool) -> None:
        self._chunks, self._silent = chunks, silent

    def read_nowait(self, n: int = -1) -> bytes:
        return b""  # nothing is ever buffered ahead: every read goes through readany

    def at_eof(self) -> bool:
        return not self._chunks and not self._silent

    async def readany(self) -> bytes:
        if self._chunks:
            await asyncio.sleep(0)
            return self._chunks.pop(0)
        if self._silent:
            await asyncio.Event().wait()  # never set: only the follower's silence watch ends this wait
        return b""


class _Response:
    def __init__(self, content: _Content) -> None:
        self.content = content


class ScriptedStreamClient:
    """Just enough of ReplicateClient for ``resume_prediction``: GETs walk through ``progress`` (chunk counts
    of a processing prediction) and then answer the finished one; streams follow ``connections``."""

    def __init__(self, chunks: list[str], ids: bool, doubled: list[bool], progress: list[int],
                 connections: list[Connection]) -> None:
        self.chunks, self.progress, self.connections = chunks, progress, connections
        self.events = [("logs", "Loading model…"), *(("output", chunk) for chunk in chunks), ("done", "{}")]
        self.ids = [f"1717000000:{index}" if ids else None for index in range(len(self.events))]
        self.doubled = [False, *doubled, False]
        self.gets = 0
        self.opened = 0

    def __repr__(self) -> str:  # what hypothesis prints for a failing example
        return (f"ScriptedStreamClient(chunks={self.chunks!r}, ids={self.ids[0] is not None}, "
                f"doubled={self.doubled[1:-1]!r}, progress={self.progress!r}, connections={self.connections!r})")

    account_key = "scripted"  # one account: the poll budget groups by it

    def require_token(self) -> None:
        pass

    def scrub(self, text: str) -> str:
        return text  # no token to keep out

    async def get_json(self, path_or_url: str, *, read_timeout: float = 30.0) -> dict[str, Any]:
        await asyncio.sleep(0)
        step, self.gets = self.gets, self.gets + 1
        done = step >= len(self.progress)
        output = self.chunks if done else self.chunks[: self.progress[step]]
        return {"id": "p1", "status": "succeeded" if done else "processing", "output": output or None,
                "logs": "Loading model…\n", "urls": {"get": "https://api.replicate.com/v1/predictions/p1",
                                                     "stream": "https://stream.replicate.com/v1/files/p1"}}

    @asynccontextmanager
    async def open_stream(self, url: str, last_event_id: str | None = None) -> AsyncIterator[_Response]:
        plan = self.connections[min(self.opened, len(self.connections) - 1)]
        self.opened += 1
        resume = self.ids.index(last_event_id) + 1 if last_event_id else 0
        start = 0 if plan.ignore_last_id else max(0, resume - plan.replay_back)
        body = bytearray(format_comment("hi"))
        for index in range(start, len(self.events)):
            name, data = self.events[index]
            wire = format_event(name, data, self.ids[index])
            body += wire * (2 if self.doubled[index] else 1)
        if plan.cut_at is not None:
            del body[plan.cut_at:]
        points = sorted({cut for cut in plan.chunking if 0 < cut < len(body)})
        chunks = [bytes(body[a:b]) for a, b in zip([0, *points], [*points, len(body)], strict=True)]
        yield _Response(_Content(chunks, plan.silent and plan.cut_at is not None))


connections = st.builds(
    Connection,
    replay_back=st.integers(0, 6),
    ignore_last_id=st.booleans(),
    cut_at=st.none() | st.integers(0, 400),
    silent=st.booleans(),
    chunking=st.lists(st.integers(1, 400), max_size=6).map(tuple),
)


@st.composite
def stream_scenarios(draw: st.DrawFn) -> ScriptedStreamClient:
    chunks = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=10))
    doubled = draw(st.lists(st.booleans(), min_size=len(chunks), max_size=len(chunks)))
    progress = sorted(draw(st.lists(st.integers(0, len(chunks)), max_size=4)))
    plans = draw(st.lists(connections, min_size=1, max_size=STREAM_RECONNECTS + 1))
    return ScriptedStreamClient(chunks, draw(st.booleans()), doubled, progress, plans)


@settings(max_examples=250, deadline=None)
@given(stream_scenarios())
def test_any_stream_fault_ends_in_the_exact_reply(client: ScriptedStreamClient) -> None:
    async def follow() -> list[PredictionEvent]:
        async with asyncio.timeout(HANG_GUARD):
            return await collect(resume_prediction(client, "p1", kind="text", policy=POLICY,  # type: ignore[arg-type]
                                                   sleep=lambda _seconds: asyncio.sleep(0)))

    events = asyncio.run(follow())
    clean = client.ids[0] is not None or not any(client.doubled)
    assert_reply_is_exact(events, client.chunks, clean=clean)
    assert client.opened <= STREAM_RECONNECTS + 1


# ------------------------------------------------------------------ the fake Replicate server's scripted faults


scripts = st.builds(
    Script,
    kind=st.just("text"),
    official=st.just(True),
    chunks=st.lists(st.sampled_from(WORDS), min_size=1, max_size=8),
    token_interval=st.just(0.002),
    queue_time=st.just(0.0),
    stream_cuts=st.lists(st.integers(0, 8), max_size=3),
    cut_mid_event=st.booleans(),
    stream_replay=st.sampled_from(["resume", "start", "middle"]),
    stream_ids=st.booleans(),
    stream_duplicates=st.booleans(),
    stream_silent_after=st.none() | st.integers(0, 8),
    stream_malformed=st.booleans(),
    stream_line_ending=st.sampled_from(["\n", "\r\n", "\r"]),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script=scripts)
def test_fake_server_stream_faults_end_in_the_exact_reply(threaded_fake: ThreadedFake, script: Script) -> None:
    fake = threaded_fake.fake
    threaded_fake.call(lambda: fake.set_script(LLAMA, script))
    policy = FollowPolicy(max_attempts=2000, delay=0.01, min_interval=0.005, stream_idle=0.02)

    async def run() -> list[PredictionEvent]:
        async with aiohttp.ClientSession() as session, asyncio.timeout(HANG_GUARD):
            client = ReplicateClient(session, token=fake.token, base_url=fake.base_url)
            return await collect(generate(client, LLAMA, [], prompt="go", policy=policy))

    events = asyncio.run(run())
    prediction = fake.predictions[completed(events).prediction_id]
    assert json.dumps(prediction.output) == json.dumps(script.chunks)
    assert_reply_is_exact(events, script.chunks, clean=script.stream_ids or not script.stream_duplicates)
