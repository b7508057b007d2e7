"""The real core's journeys the fault matrix drives: stream a text reply, poll and download an image, upload a
file, cancel a run. Each returns what the user would get, for the matrix to compare with the right answer."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

import aiohttp

from desktop_app.replicate import (
    FollowPolicy,
    ImageResponse,
    ReplicateClient,
    TextDelta,
    TextReplaced,
    download_output,
    parse_model,
    run_prediction,
)
from desktop_app.replicate.uploads import upload_file
from tests.fake_replicate import FakeReplicate, Script

Flow = Literal["text", "image", "upload", "cancel",
               "batch", "batch restart", "batch cancel", "cli batch", "compare"]  # the last: queue_flows.py

TEXT_MODEL = "meta/meta-llama-3-70b-instruct"
IMAGE_MODEL = "acme/matrix-image"
GATED_MODEL = "acme/matrix-gated"
SENTENCE = "The quick brown fox jumps over the lazy dog."
UPLOAD = bytes(range(256)) * 1200  # 300 KB: above the inline limit, so it is uploaded

# Small numbers so every row ends quickly: polls every 20 ms, retries after 10–50 ms; a stream event over 1 MiB
# ends the stream, and an output file over 4 MiB is refused (the app's limits are larger; the rule is the same).
POLICY = FollowPolicy(max_attempts=300, delay=0.02, wait_seconds=None, min_interval=0.01, cancel_timeout=2.0,
                      stream_event_limit=1024 * 1024)
FILE_CAP = 4 * 1024 * 1024


@dataclass(frozen=True)
class Result:
    """What a journey gave back, and whether it is exactly what the fake server holds."""

    correct: bool
    detail: str


async def quick_sleep(seconds: float) -> None:
    """Backoff without the wait: only whether a retry happens matters here, not how long it waits."""
    await asyncio.sleep(min(seconds, 0.01))


def make_client(session: aiohttp.ClientSession, fake: FakeReplicate) -> ReplicateClient:
    return ReplicateClient(session, token=fake.token, base_url=fake.base_url, max_retries=3, backoff_base=0.01,
                           backoff_cap=0.05)


def prepare(fake: FakeReplicate) -> None:
    """The models the journeys use: an image model without stream (so it is polled), a gated text model."""
    fake.set_script(IMAGE_MODEL, Script(kind="image", official=True, stream=False, steps=2, step_time=0.01))
    fake.set_script(GATED_MODEL, Script(kind="text", official=True, gate=asyncio.Event(), gate_after=1))


async def text(client: ReplicateClient, fake: FakeReplicate) -> Result:
    events = run_prediction(client, parse_model(TEXT_MODEL), {"prompt": "hi"}, kind="text", policy=POLICY)
    reply = ""
    async with contextlib.aclosing(events):
        async for event in events:
            if isinstance(event, TextDelta):
                reply += event.text
            elif isinstance(event, TextReplaced):  # the reply as shown is replaced, as the window does
                reply = event.text
    return Result(reply == SENTENCE, f"text {reply!r}")


async def image(client: ReplicateClient, fake: FakeReplicate) -> Result:
    events = run_prediction(client, parse_model(IMAGE_MODEL), {"prompt": "a boat"}, kind="image", policy=POLICY)
    urls: list[str] = []
    async with contextlib.aclosing(events):
        async for event in events:
            if isinstance(event, ImageResponse):
                urls = list(event.images)
    files = [await download_output(client, url, sleep=quick_sleep, max_bytes=FILE_CAP) for url in urls]
    served = [data for prediction in fake.predictions.values() for _type, data in prediction.files.values()]
    return Result([file.data for file in files] == served and bool(served), f"{len(files)} image(s)")


async def upload(client: ReplicateClient, fake: FakeReplicate) -> Result:
    uploaded = await upload_file(client, UPLOAD, content_type="application/octet-stream", filename="clip.bin")
    stored = [file for file in fake.catalogue.files.values() if uploaded.url == f"{fake.base_url}/files/{file.id}"]
    return Result([file.data for file in stored] == [UPLOAD], "the file's URL")  # the URL is what a model gets


async def cancel(client: ReplicateClient, fake: FakeReplicate) -> Result:
    """Leaves a running prediction early; right means it ends canceled on the server."""
    events = run_prediction(client, parse_model(GATED_MODEL), {"prompt": "hi"}, kind="text", policy=POLICY)
    async with contextlib.aclosing(events):
        async for event in events:
            if isinstance(event, TextDelta):
                break  # the user stops it
    (prediction,) = fake.predictions.values()
    return Result(prediction.status == "canceled", f"left {prediction.status} on the server")


FLOWS: dict[Flow, Callable[[ReplicateClient, FakeReplicate], Awaitable[Result]]] = {
    "text": text, "image": image, "upload": upload, "cancel": cancel,
}
