"""The core against the fake Replicate server: every way a prediction is created and followed, in order."""

from __future__ import annotations

import asyncio
import io
from typing import Any, Literal

import aiohttp
import pytest
from PIL import Image, UnidentifiedImageError

from desktop_app import __version__
from desktop_app.replicate import (
    APP_POLICY,
    Completed,
    FollowPolicy,
    ImageResponse,
    LogsAppended,
    PredictionAborted,
    PredictionCanceled,
    PredictionEvent,
    PredictionFailed,
    Progress,
    ReplicateClient,
    TextDelta,
    download_output,
    generate,
)
from tests.fake_replicate import FakeReplicate, Script

from .helpers import (
    FLUX,
    LLAMA,
    SDXL,
    collect,
    collect_until_error,
    completed,
    image,
    make_client,
    only,
    request_lines,
    skeleton,
    started,
    texts,
)

FAST_POLLING = FollowPolicy(max_attempts=400, delay=0.05, min_interval=0.02)


def progress_ticks(events: list[PredictionEvent], mode: str | None = None) -> list[Progress]:
    return [event for event in only(events, Progress) if mode is None or event.mode == mode]


def assert_common_shape(events: list[PredictionEvent]) -> None:
    """Every successful run opens with a 'starting' tick and ends with the succeeded tick, then Completed."""
    first = events[0]
    assert isinstance(first, Progress)
    assert (first.status, first.mode, first.attempt) == ("starting", "wait", 0)
    assert isinstance(events[-1], Completed)
    last_tick = progress_ticks(events)[-1]
    assert last_tick.status == "succeeded"
    elapsed = [tick.elapsed for tick in progress_ticks(events)]
    assert elapsed == sorted(elapsed)


async def test_text_model_streams_over_sse(fake_replicate: FakeReplicate, session: aiohttp.ClientSession) -> None:
    chunks = ["Hel", "lo", ", two\nlines", " and ünïcødé", "!"]
    fake_replicate.set_script(LLAMA, Script(kind="text", official=True, chunks=chunks, token_interval=0.01))
    client = make_client(session, fake_replicate)

    events = await collect(generate(client, "llama-3-70b", [], prompt="Say hello", policy=APP_POLICY))

    assert skeleton(events) == ["Started", *["TextDelta"] * len(chunks), "Completed"]
    assert_common_shape(events)
    assert texts(events) == chunks
    begun = started(events)
    assert (begun.model, begun.kind, begun.status) == (LLAMA, "text", "starting")
    assert begun.web_url == f"https://replicate.com/p/{begun.prediction_id}"
    done = completed(events)
    server_side = fake_replicate.predictions[begun.prediction_id]
    assert done.prediction_id == begun.prediction_id
    assert done.output == chunks
    assert done.predict_time is not None
    assert done.predict_time > 0
    assert done.predict_time == server_side.to_json()["metrics"]["predict_time"]
    assert {tick.mode for tick in progress_ticks(events)} == {"wait", "stream"}
    logs = "".join(event.text for event in only(events, LogsAppended))
    assert logs == server_side.logs
    assert request_lines(fake_replicate, begun.prediction_id) == [
        ("POST", f"/v1/models/{LLAMA}/predictions"),
        ("GET", "/stream/{id}"),
        ("GET", "/v1/predictions/{id}"),
    ]
    create = fake_replicate.requests[0]
    assert create.json == {"input": {"prompt": "Say hello"}}
    assert create.header("Prefer") is None  # text streams, it is not held


async def test_fast_image_model_is_one_round_trip(fake_replicate: FakeReplicate,
                                                  session: aiohttp.ClientSession) -> None:
    client = make_client(session, fake_replicate)

    events = await collect(generate(client, "flux-schnell", [], prompt="a lighthouse [at] dusk",
                                    extra_input={"seed": 7}, policy=APP_POLICY))

    assert skeleton(events) == ["Started", "ImageResponse", "Completed"]
    assert_common_shape(events)
    begun = started(events)
    assert (begun.kind, begun.status) == ("image", "succeeded")
    assert {tick.mode for tick in progress_ticks(events)} == {"wait"}
    assert progress_ticks(events)[-1].percent == 100.0
    url = f"{fake_replicate.root_url}/files/{begun.prediction_id}/out-0.png"
    picture = image(events)
    assert picture.images == (url,)
    assert picture.alt == "a lighthouse [at] dusk"
    assert str(picture) == f"[![a lighthouse (at) dusk]({url})]({url})"
    assert completed(events).output == [url]
    assert len(fake_replicate.requests) == 1
    (create,) = fake_replicate.requests_to("POST", "/v1/")
    assert create.path == f"/v1/models/{FLUX}/predictions"
    assert create.header("Prefer") == "wait=60"
    assert create.json == {"input": {"prompt": "a lighthouse [at] dusk", "seed": 7}}
    assert fake_replicate.requests_to("GET", "/") == []


@pytest.mark.parametrize("model", ["sdxl", "acme/slow-image"])
async def test_slow_image_is_polled_with_rising_progress(session: aiohttp.ClientSession, model: str) -> None:
    async with FakeReplicate(wait_window=0.2) as fake:
        full_name = SDXL if model == "sdxl" else model
        fake.set_script(full_name, Script(kind="image", steps=12, step_time=0.05, stream=False))
        client = make_client(session, fake)

        events = await collect(generate(client, model, [], prompt="a slow cat", policy=FAST_POLLING))

        assert skeleton(events) == ["Started", "ImageResponse", "Completed"]
        assert_common_shape(events)
        begun = started(events)
        # built in (sdxl) or known by its schema (uri output): an image, so the create is held
        assert begun.kind == "image"
        assert begun.status == "processing"  # held for the whole (short) window, it came back unfinished
        polls = progress_ticks(events, "poll")
        attempts = [tick.attempt for tick in polls]
        assert attempts == sorted(attempts)  # delay-long periods begun: they only go up …
        assert attempts[0] >= 1 and attempts[-1] <= FAST_POLLING.max_attempts  # … within the budget
        percents = [tick.percent for tick in polls if tick.percent is not None]
        assert percents == sorted(percents)
        assert percents[-1] == 100.0
        assert len(set(percents)) >= 2
        assert polls[-1].log_line is not None
        assert polls[-1].log_line.startswith("100%|")
        assert image(events).images == (f"{fake.root_url}/files/{begun.prediction_id}/out-0.png",)
        lines = request_lines(fake, begun.prediction_id)
        creates = [request for request in fake.requests_to("POST", "/v1/") if request.json is not None]
        assert creates[-1].header("Prefer") == "wait=60"
        gets = lines[lines.index(("POST", "/v1/predictions")) + 1:]
        assert gets == [("GET", "/v1/predictions/{id}")] * len(polls)


async def test_image_outlasting_the_window_follows_its_stream(session: aiohttp.ClientSession) -> None:
    async with FakeReplicate(wait_window=0.2) as fake:
        fake.set_script(FLUX, Script(kind="image", official=True, steps=12, step_time=0.05, stream=True))
        client = make_client(session, fake)

        events = await collect(generate(client, "flux-schnell", [], prompt="a streamed cat", policy=APP_POLICY))

        assert skeleton(events) == ["Started", "ImageResponse", "Completed"]
        assert_common_shape(events)
        begun = started(events)
        assert begun.status == "processing"
        server_side = fake.predictions[begun.prediction_id]
        # the stream replays the run from its start: lines the held create already showed are not repeated
        assert "".join(event.text for event in only(events, LogsAppended)) == server_side.logs
        percents = [tick.percent for tick in progress_ticks(events) if tick.percent is not None]
        assert percents == sorted(percents)
        assert percents[-1] == 100.0
        assert {tick.mode for tick in progress_ticks(events)} == {"wait", "stream"}
        assert image(events).images == (f"{fake.root_url}/files/{begun.prediction_id}/out-0.png",)
        assert request_lines(fake, begun.prediction_id) == [
            ("POST", f"/v1/models/{FLUX}/predictions"),
            ("GET", "/stream/{id}"),
            ("GET", "/v1/predictions/{id}"),
        ]
        assert fake.requests[0].header("Prefer") == "wait=60"


async def test_text_model_without_stream_polls_new_tails(fake_replicate: FakeReplicate,
                                                         session: aiohttp.ClientSession) -> None:
    fake_replicate.set_script("acme/echo", Script(kind="text", stream=False, echo=True, token_interval=0.05))
    prompt = "one two three four five six seven eight"
    client = make_client(session, fake_replicate)

    events = await collect(generate(client, "acme/echo", [], prompt=prompt, policy=FAST_POLLING))

    assert_common_shape(events)
    names = skeleton(events)
    assert names[0] == "Started"
    assert names[-1] == "Completed"
    assert set(names[1:-1]) == {"TextDelta"}
    deltas = texts(events)
    assert len(deltas) >= 2  # the reply arrived in several polls, each yielding only what was new
    assert "".join(deltas) == prompt
    words = ["one", " two", " three", " four", " five", " six", " seven", " eight"]
    shown = ""
    for delta in deltas:  # every delta is a run of whole new chunks, never a repeat
        shown += delta
        assert any(shown == "".join(words[:n]) for n in range(1, 9))
    begun = started(events)
    assert begun.kind == "text"  # its schema says so (an iterator of strings)
    assert {tick.mode for tick in progress_ticks(events)} == {"wait", "poll"}
    assert fake_replicate.requests_to("GET", "/stream/") == []
    assert completed(events).output == words
    # the schema says the output streams, so the create is not held; the server gave no stream URL: polled
    (create,) = fake_replicate.requests_to("POST", "/v1/predictions")
    assert create.header("Prefer") is None


async def test_non_official_model_runs_its_latest_version(fake_replicate: FakeReplicate,
                                                          session: aiohttp.ClientSession) -> None:
    mixtral = "mistralai/mixtral-8x7b-instruct-v0.1"
    version = fake_replicate.models[mixtral].version
    client = make_client(session, fake_replicate)

    events = await collect(generate(client, "mixtral-8x7b", [], prompt="hi", policy=APP_POLICY))

    assert skeleton(events) == ["Started", *["TextDelta"] * 8, "Completed"]
    begun = started(events)
    assert request_lines(fake_replicate, begun.prediction_id) == [
        ("POST", f"/v1/models/{mixtral}/predictions"),  # 404: not an official model
        ("GET", f"/v1/models/{mixtral}"),
        ("POST", "/v1/predictions"),
        ("GET", "/stream/{id}"),
        ("GET", "/v1/predictions/{id}"),
    ]
    assert fake_replicate.requests[2].json == {"version": version, "input": {"prompt": "hi"}}
    assert fake_replicate.predictions[begun.prediction_id].version == version


async def test_pinned_version_is_created_by_version(fake_replicate: FakeReplicate,
                                                    session: aiohttp.ClientSession) -> None:
    version = fake_replicate.models["acme/echo"].version
    client = make_client(session, fake_replicate)

    events = await collect(generate(client, f"acme/echo:{version}", [], prompt="pinned words",
                                    policy=FAST_POLLING))

    assert "".join(texts(events)) == "pinned words"
    begun = started(events)
    creates = fake_replicate.requests_to("POST", "/v1/")
    assert [(request.path, request.json) for request in creates] == [
        ("/v1/predictions", {"version": version, "input": {"prompt": "pinned words"}}),
    ]
    # a pinned version reads its own version's schema (and never the model's latest)
    reads = fake_replicate.requests_to("GET", "/v1/models/")
    assert [request.path for request in reads] == [f"/v1/models/acme/echo/versions/{version}"]
    assert fake_replicate.predictions[begun.prediction_id].version == version


class SlowGetClient(ReplicateClient):
    """A client whose JSON GETs take a while, like a confirming GET over a slow network."""

    async def get_json(self, path_or_url: str, *, read_timeout: float = 30.0) -> dict[str, Any]:
        await asyncio.sleep(0.12)
        return await super().get_json(path_or_url, read_timeout=read_timeout)


@pytest.mark.parametrize("slow_get", [False, True], ids=["fast-get", "slow-get"])
async def test_cut_stream_is_confirmed_and_resumed(fake_replicate: FakeReplicate, session: aiohttp.ClientSession,
                                                   slow_get: bool) -> None:
    chunks = [f" w{i}" for i in range(10)]
    fake_replicate.set_script(LLAMA, Script(kind="text", official=True, chunks=chunks, token_interval=0.03,
                                            cut_stream_after=3))
    client_type = SlowGetClient if slow_get else ReplicateClient
    client = client_type(session, token=fake_replicate.token, base_url=fake_replicate.base_url)

    events = await collect(generate(client, LLAMA, [], prompt="count", policy=FAST_POLLING))

    assert "".join(texts(events)) == "".join(chunks)  # the whole reply, each chunk exactly once
    assert skeleton(events)[-1] == "Completed"
    begun = started(events)
    streams = fake_replicate.requests_to("GET", "/stream/")
    assert len(streams) >= 2
    assert streams[0].header("Last-Event-ID") is None
    resumed_from = [request.header("Last-Event-ID") for request in streams[1:]]
    server_events = fake_replicate.predictions[begun.prediction_id].events
    output_ids = [event.id for event in server_events if event.event == "output"]
    assert resumed_from[0] == output_ids[2]  # resumed right after the third output, where the cut was
    lines = request_lines(fake_replicate, begun.prediction_id)
    first_stream = lines.index(("GET", "/stream/{id}"))
    assert lines[first_stream + 1] == ("GET", "/v1/predictions/{id}")  # the early end was confirmed first


@pytest.mark.parametrize(("status", "content_type"), [(502, "text/html"), (503, "application/problem+json")])
async def test_cut_stream_that_cannot_resume_falls_back_to_polling(
    fake_replicate: FakeReplicate, session: aiohttp.ClientSession, status: int, content_type: str
) -> None:
    chunks = [f" t{i}" for i in range(12)]
    fake_replicate.set_script(LLAMA, Script(kind="text", official=True, chunks=chunks, token_interval=0.03,
                                            cut_stream_after=2))
    client = make_client(session, fake_replicate)
    events: list[PredictionEvent] = []
    async for event in generate(client, LLAMA, [], prompt="count", policy=FAST_POLLING):
        if isinstance(event, TextDelta) and not texts(events):  # the first stream is open: break the rest
            fake_replicate.fail_next("GET", r"/stream/\w+", status, content_type=content_type, times=2)
        events.append(event)

    assert "".join(texts(events)) == "".join(chunks)
    assert skeleton(events)[-1] == "Completed"
    assert progress_ticks(events, "poll")
    assert fake_replicate.requests_to("POST", "/v1/predictions/") == []  # nothing was canceled
    assert len(fake_replicate.requests_to("GET", "/stream/")) == 3


@pytest.mark.parametrize("model", ["llama-3-70b", "flux-schnell"])
@pytest.mark.parametrize(
    ("end", "error_type"),
    [("failed", PredictionFailed), ("canceled", PredictionCanceled), ("aborted", PredictionAborted)],
)
async def test_unsuccessful_ends_raise(fake_replicate: FakeReplicate, session: aiohttp.ClientSession, model: str,
                                       end: Any, error_type: type[Exception]) -> None:
    full_name = LLAMA if model.startswith("llama") else FLUX
    kind: Literal["text", "image"] = "text" if full_name == LLAMA else "image"
    model_error = "CUDA out of memory. Tried to allocate 2.00 GiB"
    fake_replicate.set_script(full_name, Script(kind=kind, official=True, end=end, error=model_error,
                                                stream=kind == "text"))
    client = make_client(session, fake_replicate)

    events, error = await collect_until_error(generate(client, model, [], prompt="x", policy=APP_POLICY))

    assert isinstance(error, error_type)
    begun = started(events)
    expected_text = 8 if (kind == "text" and end != "aborted") else 0
    assert skeleton(events) == ["Started", *["TextDelta"] * expected_text]
    assert getattr(error, "prediction_id", None) == begun.prediction_id
    if isinstance(error, PredictionFailed):
        assert error.model_error == model_error
        assert model_error in str(error)
        assert "Traceback" in error.logs
    assert fake_replicate.predictions[begun.prediction_id].status == end
    assert fake_replicate.requests_to("POST", "/v1/predictions/") == []  # a finished run is not canceled


async def test_data_uri_outputs(fake_replicate: FakeReplicate, session: aiohttp.ClientSession) -> None:
    fake_replicate.set_script(FLUX, Script(kind="image", official=True, image_delivery="data",
                                           images=[("png", 24, 12), ("webp", 10, 20)]))
    client = make_client(session, fake_replicate)

    events = await collect(generate(client, "flux-schnell", [], prompt="two", policy=APP_POLICY))

    assert skeleton(events) == ["Started", "ImageResponse", "Completed"]
    urls = image(events).images
    assert [url.split(",")[0] for url in urls] == ["data:image/png;base64", "data:image/webp;base64"]
    progress: list[tuple[int, int | None]] = []
    files = [await download_output(client, url, on_progress=lambda got, total: progress.append((got, total)))
             for url in urls]
    decoded = [(file.content_type, Image.open(io.BytesIO(file.data)).size) for file in files]
    assert decoded == [("image/png", (24, 12)), ("image/webp", (10, 20))]
    assert progress == [(len(files[0].data),) * 2, (len(files[1].data),) * 2]
    assert len(fake_replicate.requests) == 1  # data: URIs are decoded locally


async def test_broken_image_bytes_are_still_returned(fake_replicate: FakeReplicate,
                                                     session: aiohttp.ClientSession) -> None:
    fake_replicate.set_script(FLUX, Script(kind="image", official=True, broken_images=True))
    client = make_client(session, fake_replicate)

    events = await collect(generate(client, "flux-schnell", [], prompt="glitch", policy=APP_POLICY))
    (url,) = image(events).images
    file = await download_output(client, url)

    assert file.content_type == "image/png"
    assert file.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(file.data) == 8 + 512
    with pytest.raises(UnidentifiedImageError):  # decoding is the UI's job; the core hands over the bytes
        Image.open(io.BytesIO(file.data)).load()


async def test_download_output_reports_progress(fake_replicate: FakeReplicate,
                                                session: aiohttp.ClientSession) -> None:
    fake_replicate.set_script(FLUX, Script(kind="image", official=True, images=[("png", 300, 200), ("webp", 40, 30)]))
    client = make_client(session, fake_replicate)
    events = await collect(generate(client, "flux-schnell", [], prompt="big", policy=APP_POLICY))
    png_url, webp_url = image(events).images

    progress: list[tuple[int, int | None]] = []
    png = await download_output(client, png_url, on_progress=lambda got, total: progress.append((got, total)),
                                chunk_size=128)
    webp = await download_output(client, webp_url)

    size = len(png.data)
    assert size > 3 * 128
    assert progress[0] == (0, size)
    assert progress[-1] == (size, size)
    received = [got for got, _ in progress]
    assert received == sorted(received)
    assert {total for _, total in progress} == {size}
    assert len(progress) >= 3
    assert (png.content_type, Image.open(io.BytesIO(png.data)).size) == ("image/png", (300, 200))
    assert (webp.content_type, Image.open(io.BytesIO(webp.data)).format) == ("image/webp", "WEBP")
    downloads = fake_replicate.requests_to("GET", "/files/")
    assert [request.path.rsplit("/", 1)[1] for request in downloads] == ["out-0.png", "out-1.webp"]


async def test_request_headers_as_the_server_sees_them(fake_replicate: FakeReplicate,
                                                       session: aiohttp.ClientSession) -> None:
    client = make_client(session, fake_replicate)
    await collect(generate(client, "llama-3-70b", [], prompt="hi", policy=APP_POLICY))
    await collect(generate(client, "flux-schnell", [], prompt="hi", policy=APP_POLICY))
    create, stream, confirm, image_create = fake_replicate.requests
    user_agent = create.header("User-Agent")
    assert user_agent is not None
    assert user_agent.startswith(f"ReplicateDesktop/{__version__} (+replicate-http")
    for request in (create, confirm, image_create):
        assert request.header("Authorization") == f"Bearer {fake_replicate.token}"
        assert request.header("Accept") == "application/json"
        assert request.header("Accept-Language") == "en-US,en;q=0.9"
        assert request.header("User-Agent") == user_agent
    assert create.header("Content-Type") == "application/json"
    assert image_create.header("Content-Type") == "application/json"
    assert confirm.header("Content-Type") is None  # no body, no content type
    assert stream.header("Accept") == "text/event-stream"
    assert stream.header("Cache-Control") == "no-store"
    assert stream.header("User-Agent") == user_agent
    url = completed(await collect(generate(client, "flux-schnell", [], prompt="hi", policy=APP_POLICY))).output[0]
    await download_output(client, url)
    download = fake_replicate.requests[-1]
    assert download.path.startswith("/files/")
    assert download.header("User-Agent") == user_agent


async def test_images_in_completed_match_the_image_response(fake_replicate: FakeReplicate,
                                                            session: aiohttp.ClientSession) -> None:
    fake_replicate.set_script(FLUX, Script(kind="image", official=True, output_kind="single", stream=True))
    client = make_client(session, fake_replicate)
    events = await collect(generate(client, "flux-schnell", [], prompt="solo", policy=APP_POLICY))
    picture = image(events)
    assert isinstance(picture, ImageResponse)
    assert picture.images == (completed(events).output,)
