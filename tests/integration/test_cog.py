"""A local Cog server as a backend (replicate-api.md §12), against FakeCog and a few impostors."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from PIL import Image

from desktop_app.replicate import (
    Completed,
    ImageResponse,
    LogsAppended,
    NetworkError,
    PredictionCanceled,
    PredictionEvent,
    PredictionFailed,
    Progress,
    Started,
    TextDelta,
    UnexpectedResponse,
    UnsafeOutputURLError,
    ValidationError,
)
from desktop_app.replicate.cog import CAPABILITIES, CogBackend, CogHealth, describe_capabilities
from desktop_app.replicate.cog_errors import CogBusy, CogInputError, CogNotReady, CogSetupFailed
from desktop_app.replicate.cog_run import CogRun
from desktop_app.replicate.sse import SSEEvent
from tests.fake_replicate import FakeReplicate
from tests.fake_replicate.cog import DEFAULT_CHUNKS, FakeCog

T = TypeVar("T")


class FakeTime:
    """An injectable clock and sleep: sleeping moves the clock, not the test."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def serve(handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> tuple[web.AppRunner, str]:
    """A throwaway server on 127.0.0.1 answering every path with `handler`."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def collect(events: AsyncIterator[T]) -> list[T]:
    return [event async for event in events]


def skeleton(events: list[PredictionEvent]) -> list[str]:
    return [type(e).__name__ for e in events if not isinstance(e, Progress | LogsAppended)]


def texts(events: list[PredictionEvent]) -> list[str]:
    return [e.text for e in events if isinstance(e, TextDelta)]


def one(events: list[PredictionEvent], kind: type[T]) -> T:
    (found,) = [e for e in events if isinstance(e, kind)]
    return found


# ---- readiness ---------------------------------------------------------------------------------


async def test_waits_through_starting_until_ready(http: aiohttp.ClientSession) -> None:
    async with FakeCog(setup_time=0.15) as cog:
        seen: list[CogHealth] = []
        backend = CogBackend(http, cog.base_url + "/")
        health = await backend.wait_until_ready(timeout=5, poll_interval=0.02, on_status=seen.append)
        assert [h.status for h in seen] == ["STARTING", "READY"]
        assert seen[0].setup_logs == "Loading weights from /src/weights\n"
        assert (health.status, health.setup_status, health.cog_version) == ("READY", "succeeded", "0.21.0")
        assert health.is_up
        assert "Weights loaded" in health.setup_logs
        assert len(cog.requests_to("GET", "/health-check")) > 2
        assert (await backend.discovery())["predictions_url"] == "/predictions"


async def test_setup_failure_raises_with_the_setup_logs(http: aiohttp.ClientSession, fake_cog: FakeCog) -> None:
    fake_cog.begin_setup(0.05, fails=True)
    backend = CogBackend(http, fake_cog.base_url)
    with pytest.raises(CogSetupFailed, match=r"failed to set up \(SETUP_FAILED\): .*FileNotFoundError") as caught:
        await backend.wait_until_ready(timeout=5, poll_interval=0.02)
    assert "Traceback (most recent call last):" in caught.value.logs
    assert caught.value.health.setup_status == "failed"


async def test_waiting_is_bounded_by_the_timeout(http: aiohttp.ClientSession, fake_cog: FakeCog) -> None:
    fake_cog.begin_setup(60)
    fake_time = FakeTime()
    backend = CogBackend(http, fake_cog.base_url, sleep=fake_time.sleep, clock=fake_time.clock)
    with pytest.raises(CogNotReady, match="was still STARTING after 3 s"):
        await backend.wait_until_ready(timeout=3, poll_interval=1)
    assert fake_time.sleeps == [1, 1, 1]

    fake_cog.begin_setup(0)
    fake_cog.unhealthy = "the GPU is not visible"
    with pytest.raises(CogNotReady, match=r"still UNHEALTHY \(the GPU is not visible\) after 2 s"):
        await backend.wait_until_ready(timeout=2, poll_interval=1)


async def test_busy_counts_as_up(http: aiohttp.ClientSession, fake_cog: FakeCog) -> None:
    fake_cog.gate = asyncio.Event()
    backend = CogBackend(http, fake_cog.base_url)
    running = asyncio.create_task(collect(backend.predict({"prompt": "hi"})))
    try:
        for _ in range(200):
            if fake_cog.predictions:
                break
            await asyncio.sleep(0.005)
        health = await backend.wait_until_ready(timeout=1, poll_interval=0.01)
        assert health.status == "BUSY"
        assert health.is_up
    finally:
        fake_cog.gate.set()
        await running


async def test_a_server_that_is_not_cog_is_named_as_such(http: aiohttp.ClientSession,
                                                         fake_replicate: FakeReplicate) -> None:
    with pytest.raises(UnexpectedResponse, match=r"is not a Cog server: /health-check answered 404"):
        await CogBackend(http, fake_replicate.root_url).wait_until_ready(timeout=1)

    async def html(request: web.Request) -> web.StreamResponse:
        return web.Response(text="<html><body>Router login</body></html>", content_type="text/html")

    async def other_json(request: web.Request) -> web.StreamResponse:
        return web.json_response({"ok": True, "service": "something else"})

    for handler, why in ((html, "answered an HTML page"), (other_json, "its /health-check answer has no status")):
        runner, url = await serve(handler)
        try:
            with pytest.raises(UnexpectedResponse, match=f"^{url} is not a Cog server: .*{why}"):
                await CogBackend(http, url).wait_until_ready(timeout=1)
        finally:
            await runner.cleanup()


async def test_an_unreachable_port_fails_quickly_with_one_sentence(http: aiohttp.ClientSession) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    began = time.monotonic()
    with pytest.raises(NetworkError) as caught:
        await CogBackend(http, url).wait_until_ready(timeout=30)
    assert time.monotonic() - began < 2
    assert str(caught.value) == (
        f"Nothing answers at {url} (connection refused); is the Cog server running (cog serve, or docker run -p)?"
    )

    fake_time = FakeTime()
    backend = CogBackend(http, url, sleep=fake_time.sleep, clock=fake_time.clock)
    with pytest.raises(NetworkError, match="connection refused"):
        await backend.wait_until_ready(timeout=30, poll_interval=0.5, connect_grace=2)
    assert fake_time.sleeps == [0.5, 0.5, 0.5, 0.5]  # retried through the grace period, then gave up


async def test_schema_comes_from_openapi_json(http: aiohttp.ClientSession, fake_cog: FakeCog) -> None:
    backend = CogBackend(http, fake_cog.base_url)
    assert backend.output.kind == "unknown"
    schema = await backend.schema()
    assert [f.name for f in schema.fields] == ["prompt", "max_new_tokens", "temperature", "seed"]
    assert [f.kind for f in schema.fields] == ["text", "integer", "number", "seed"]
    assert schema.required == {"prompt"}
    assert backend.output.kind == "text"
    assert backend.output.iterator


# ---- predictions -------------------------------------------------------------------------------


async def test_a_synchronous_image_prediction_yields_decodable_data_uris(
    http: aiohttp.ClientSession, fake_cog: FakeCog
) -> None:
    fake_cog.kind = "image"
    backend = CogBackend(http, fake_cog.base_url)
    schema = await backend.schema()
    output_format = schema.get("output_format")
    assert output_format is not None
    assert output_format.choices == ["png", "webp"]
    events = await collect(backend.predict({"prompt": "a red square", "num_outputs": 2}, alt="a red square"))
    assert skeleton(events) == ["Started", "ImageResponse", "Completed"]
    assert one(events, Started).kind == "image"
    image = one(events, ImageResponse)
    assert image.alt == "a red square"
    assert len(image.images) == 2
    for uri in image.images:
        assert uri.startswith("data:image/png;base64,")
        with Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))) as picture:
            assert picture.size == (32, 32)
    logs = "".join(e.text for e in events if isinstance(e, LogsAppended))
    assert "3/3" in logs
    progress = [e for e in events if isinstance(e, Progress)]
    assert progress[-1].percent == 100
    completed = one(events, Completed)
    assert completed.output == list(image.images)
    assert completed.predict_time is not None
    (request,) = fake_cog.requests_to("POST", "/predictions")
    assert request.json == {"input": {"prompt": "a red square", "num_outputs": 2}}
    assert "text/event-stream" not in (request.header("Accept") or "")
    assert request.header("Authorization") is None


async def test_streaming_text_arrives_in_order_while_the_model_runs(
    http: aiohttp.ClientSession, fake_cog: FakeCog
) -> None:
    fake_cog.gate, fake_cog.gate_after = asyncio.Event(), 2
    backend = CogBackend(http, fake_cog.base_url)
    seen: list[PredictionEvent] = []
    async for event in backend.predict({"prompt": "hello"}, stream=True):
        seen.append(event)
        if len(texts(seen)) == 2 and not fake_cog.gate.is_set():
            (prediction,) = fake_cog.predictions.values()
            assert prediction.status == "processing"  # half-way: the rest is still to come
            fake_cog.gate.set()
    assert texts(seen) == list(DEFAULT_CHUNKS)
    assert skeleton(seen) == ["Started", *["TextDelta"] * len(DEFAULT_CHUNKS), "Completed"]
    assert [e.text for e in seen if isinstance(e, LogsAppended)] == ["Generating…\n"]
    completed = one(seen, Completed)
    assert completed.output == list(DEFAULT_CHUNKS)
    assert completed.metrics["output_token_count"] == len(DEFAULT_CHUNKS)
    assert completed.prediction_id == next(iter(fake_cog.predictions))
    (request,) = fake_cog.requests_to("POST", "/predictions")
    assert request.header("Accept") == "text/event-stream"


async def test_a_model_that_cannot_stream_runs_synchronously_after_406(
    http: aiohttp.ClientSession, fake_cog: FakeCog
) -> None:
    fake_cog.streams = False
    events = await collect(CogBackend(http, fake_cog.base_url).predict({"prompt": "x"}, stream=True))
    assert texts(events) == ["".join(DEFAULT_CHUNKS)]
    assert skeleton(events) == ["Started", "TextDelta", "Completed"]
    first, second = fake_cog.requests_to("POST", "/predictions")
    assert first.header("Accept") == "text/event-stream"
    assert second.header("Accept") == "application/json"
    assert len(fake_cog.predictions) == 1  # the 406 ran nothing


async def test_an_older_cog_that_ignores_the_stream_request_answers_synchronously(
    http: aiohttp.ClientSession, fake_cog: FakeCog
) -> None:
    fake_cog.cog_version = "0.16.8"
    events = await collect(CogBackend(http, fake_cog.base_url).predict({"prompt": "x"}, stream=True))
    assert texts(events) == ["".join(DEFAULT_CHUNKS)]
    assert len(fake_cog.requests_to("POST", "/predictions")) == 1


async def test_invalid_input_names_the_fields(http: aiohttp.ClientSession, fake_cog: FakeCog) -> None:
    backend = CogBackend(http, fake_cog.base_url)
    with pytest.raises(CogInputError) as caught:
        await collect(backend.predict({"max_new_tokens": "lots"}))
    assert str(caught.value) == (
        "The Cog model rejected the input: prompt: field required; max_new_tokens: value is not a valid integer"
    )
    assert caught.value.invalid_fields == ["prompt", "max_new_tokens"]
    assert isinstance(caught.value, ValidationError)
    assert fake_cog.predictions == {}


async def test_a_second_prediction_while_busy_gets_a_clear_error(
    http: aiohttp.ClientSession, fake_cog: FakeCog
) -> None:
    fake_cog.gate = asyncio.Event()
    backend = CogBackend(http, fake_cog.base_url)
    first = backend.predict({"prompt": "one"}, stream=True)
    assert isinstance(await anext(first), Progress)
    assert isinstance(await anext(first), Started)
    assert isinstance(await anext(first), Progress)  # the start event: it runs
    with pytest.raises(CogBusy, match="is already running a prediction"):
        await collect(backend.predict({"prompt": "two"}))
    fake_cog.gate.set()
    rest = await collect(first)
    assert "".join(texts(rest)) == "".join(DEFAULT_CHUNKS)


async def test_a_failing_model_raises_with_its_error_and_logs(http: aiohttp.ClientSession, fake_cog: FakeCog) -> None:
    fake_cog.fail_with = "CUDA out of memory"
    backend = CogBackend(http, fake_cog.base_url)
    for stream in (False, True):
        with pytest.raises(PredictionFailed, match="The model failed: CUDA out of memory") as caught:
            await collect(backend.predict({"prompt": "x"}, stream=stream))
        assert "Generating…" in caught.value.logs
    assert fake_cog.requests_to("POST", "/predictions/") == []  # nothing to cancel: it ended


async def test_closing_a_run_with_an_id_cancels_it_and_without_one_only_disconnects(
    http: aiohttp.ClientSession, fake_cog: FakeCog
) -> None:
    fake_cog.gate, fake_cog.gate_after = asyncio.Event(), 1
    backend = CogBackend(http, fake_cog.base_url)
    run = backend.predict({"prompt": "x"}, stream=True, prediction_id="myid0123456789abcdefghijkl")
    async for event in run:
        if isinstance(event, TextDelta):
            break
    await run.aclose()
    (cancel,) = fake_cog.requests_to("POST", "/predictions/myid0123456789abcdefghijkl/cancel")
    assert cancel.body == b""
    (put,) = fake_cog.requests_to("PUT", "/predictions/myid0123456789abcdefghijkl")
    assert put.json == {"input": {"prompt": "x"}, "id": "myid0123456789abcdefghijkl"}
    for _ in range(100):
        if fake_cog.predictions["myid0123456789abcdefghijkl"].status == "canceled":
            break
        await asyncio.sleep(0.01)
    assert fake_cog.predictions["myid0123456789abcdefghijkl"].status == "canceled"

    anonymous = backend.predict({"prompt": "y"}, stream=True)
    async for event in anonymous:
        if isinstance(event, TextDelta):
            break
    await anonymous.aclose()
    assert len([r for r in fake_cog.requests if r.path.endswith("/cancel")]) == 1
    fake_cog.gate.set()
    assert await backend.cancel("unknown-id") is False


async def test_a_stream_that_breaks_off_is_reported_as_lost(http: aiohttp.ClientSession) -> None:
    async def broken(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        await response.write(b'event: start\ndata: {"id": "p1"}\n\n')
        await response.write(b'event: output\ndata: {"chunk": "Hi", "index": 0}\n\n')
        await response.write_eof()
        return response

    runner, url = await serve(broken)
    try:
        seen: list[PredictionEvent] = []
        error: BaseException | None = None
        try:
            async for event in CogBackend(http, url).predict({"prompt": "x"}, stream=True):
                seen.append(event)
        except NetworkError as caught:
            error = caught
        assert texts(seen) == ["Hi"]
        assert "closed the stream before the prediction completed" in str(error)
    finally:
        await runner.cleanup()


async def test_cog_has_no_prediction_lookup_and_says_so(http: aiohttp.ClientSession, fake_cog: FakeCog) -> None:
    async with http.get(f"{fake_cog.base_url}/predictions/abc") as response:
        assert response.status in (404, 405)
    assert CAPABILITIES.poll_by_id is False
    assert any("cannot poll" in note for note in describe_capabilities())


# ---- the event translation on its own (no server) ------------------------------------------------


def sse(event: str, data: object) -> SSEEvent:
    return SSEEvent(event, data if isinstance(data, str) else json.dumps(data))


def test_cog_run_skips_replayed_chunks_sums_metrics_and_reads_progress_from_logs() -> None:
    run = CogRun("http://127.0.0.1:5000", clock=lambda: 0.0, started_at=0.0, mode="stream")
    events: list[PredictionEvent] = []
    for item in (
        sse("start", {"id": "p1", "status": "processing"}),
        sse("output", {"chunk": "Hel", "index": 0}),
        sse("output", {"chunk": "lo", "index": 1}),
        sse("output", {"chunk": "Hel", "index": 0}),  # replayed after a reattach
        sse("log", {"source": "stderr", "data": " 50%|█████     | 5/10 [00:01<00:01,  5.00it/s]"}),
        sse("metric", {"name": "tokens", "value": 2, "mode": "incr"}),
        sse("metric", {"name": "tokens", "value": 3, "mode": "incr"}),
        sse("metric", {"name": "ttft", "value": 0.1, "mode": "append"}),
        sse("unknown-event", "ignored"),
    ):
        events += run.on_event(item)
    assert texts(events) == ["Hel", "lo"]
    assert run.prediction_id == "p1"
    assert [e.text for e in events if isinstance(e, LogsAppended)] == [
        " 50%|█████     | 5/10 [00:01<00:01,  5.00it/s]\n"]
    assert [e.percent for e in events if isinstance(e, Progress)] == [None, 50]
    final = run.on_event(sse("completed", {"id": "p1", "status": "succeeded", "output": ["Hel", "lo", "!"],
                                           "metrics": {"predict_time": 1.5}}))
    assert texts(final) == ["!"]  # only what the stream had not shown
    assert one(final, Completed).metrics == {"tokens": 5, "ttft": [0.1], "predict_time": 1.5}


def test_cog_run_files_from_the_stream_and_url_safety() -> None:
    run = CogRun("http://192.168.1.20:5000", clock=lambda: 0.0, started_at=0.0)
    assert run.on_event(sse("output", {"chunk": "data:image/png;base64,AAAA", "index": 0})) == []
    image = one(run.finish({"status": "succeeded", "output": None}), ImageResponse)
    assert image.images == ("data:image/png;base64,AAAA",)
    own_host = CogRun("http://192.168.1.20:5000").finish(
        {"status": "succeeded", "output": "http://192.168.1.20:5000/uploads/out.png"})
    assert one(own_host, ImageResponse).images == ("http://192.168.1.20:5000/uploads/out.png",)
    with pytest.raises(UnsafeOutputURLError):
        CogRun("http://192.168.1.20:5000").finish({"status": "succeeded", "output": "http://evil.example/x.png"})
    with pytest.raises(UnexpectedResponse, match="broke off the stream: history evicted"):
        CogRun("http://x").on_event(sse("error", {"detail": "history evicted"}))
    with pytest.raises(PredictionCanceled):
        CogRun("http://x").finish({"status": "canceled"})
    with pytest.raises(UnexpectedResponse, match="still 'processing'"):
        CogRun("http://x").finish({"status": "processing"})
    structured = CogRun("http://x").finish({"status": "succeeded", "output": {"caption": "a cat"}})
    assert texts(structured) == ['{"caption": "a cat"}']
