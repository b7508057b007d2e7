"""Tests of the fake server's streams, prediction ends, deadlines and output files, through plain aiohttp."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import re
from typing import Any

import aiohttp
import pytest
from PIL import Image, UnidentifiedImageError

from tests.fake_replicate import FakeReplicate, Script
from tests.fake_replicate.helpers import (
    FLUX,
    LLAMA,
    TQDM,
    auth,
    create,
    get,
    parse_sse,
    read_stream,
    wait_terminal,
)


async def test_stream_replays_then_follows_with_ids_and_done(fake_replicate: FakeReplicate,
                                                             session: aiohttp.ClientSession) -> None:
    chunks = ["Hel", "lo", " two\nlines", "!"]
    fake_replicate.set_script(LLAMA, Script(kind="text", official=True, chunks=chunks, token_interval=0.02))
    _, prediction = await create(session, fake_replicate, LLAMA)
    content_type, text = await read_stream(session, prediction["urls"]["stream"])
    assert content_type == "text/event-stream"
    assert text.startswith(": hi\n\n")
    assert "data:  two\ndata: lines\n" in text
    events = parse_sse(text)[1:]
    assert all(re.fullmatch(r"\d+:\d+", event["id"]) for event in events)
    assert [int(event["id"].split(":")[1]) for event in events] == list(range(len(events)))
    assert [e["data"] for e in events if e["event"] == "output"] == chunks
    assert events[0] == {"event": "logs", "id": events[0]["id"], "data": "Loading model…"}
    assert (events[-1]["event"], events[-1]["data"]) == ("done", "{}")

    _, replay = await read_stream(session, prediction["urls"]["stream"], **{"Last-Event-ID": events[2]["id"]})
    assert parse_sse(replay)[1:] == events[3:]


async def test_stream_of_an_image_model_carries_the_file_url(fake_replicate: FakeReplicate,
                                                             session: aiohttp.ClientSession) -> None:
    _, prediction = await create(session, fake_replicate, FLUX)
    events = parse_sse((await read_stream(session, prediction["urls"]["stream"]))[1])[1:]
    outputs = [event["data"] for event in events if event["event"] == "output"]
    assert outputs == [f"{fake_replicate.root_url}/files/{prediction['id']}/out-0.png"]
    assert any(TQDM.match(event["data"]) for event in events if event["event"] == "logs")
    async with session.get(f"{fake_replicate.root_url}/stream/{'a' * 26}") as response:
        assert response.status == 404


async def test_cut_stream_ends_without_done_but_the_prediction_finishes(
    fake_replicate: FakeReplicate, session: aiohttp.ClientSession
) -> None:
    fake_replicate.set_script(LLAMA, Script(kind="text", official=True, cut_stream_after=3))
    _, prediction = await create(session, fake_replicate, LLAMA)
    events = parse_sse((await read_stream(session, prediction["urls"]["stream"]))[1])[1:]
    assert [event["event"] for event in events if event["event"] != "logs"] == ["output"] * 3
    finished = await wait_terminal(session, fake_replicate, prediction)
    assert finished["status"] == "succeeded"
    assert len(finished["output"]) == 8


async def test_gate_holds_half_way_then_releases(fake_replicate: FakeReplicate,
                                                 session: aiohttp.ClientSession) -> None:
    gate = asyncio.Event()
    fake_replicate.set_script(LLAMA, Script(kind="text", official=True, gate=gate, gate_after=3))
    _, prediction = await create(session, fake_replicate, LLAMA)
    await asyncio.sleep(0.2)
    held = await get(session, fake_replicate, prediction["urls"]["get"])
    assert held["status"] == "processing"
    assert held["output"] == ["The", " quick", " brown"]
    assert fake_replicate.predictions[prediction["id"]].status == "processing"
    gate.set()
    assert (await wait_terminal(session, fake_replicate, prediction))["status"] == "succeeded"


async def test_cancel_stops_the_run(fake_replicate: FakeReplicate, session: aiohttp.ClientSession) -> None:
    gate = asyncio.Event()
    fake_replicate.set_script(LLAMA, Script(kind="text", official=True, gate=gate, gate_after=2))
    _, prediction = await create(session, fake_replicate, LLAMA)
    await asyncio.sleep(0.15)
    async with session.post(prediction["urls"]["cancel"], headers=auth(fake_replicate)) as response:
        assert response.status == 200
        canceled = await response.json()
    assert canceled["status"] == "canceled"
    assert canceled["output"] == ["The", " quick"]
    assert "predict_time" in canceled["metrics"]
    gate.set()
    await asyncio.sleep(0.1)
    assert (await get(session, fake_replicate, prediction["urls"]["get"]))["output"] == ["The", " quick"]
    events = parse_sse((await read_stream(session, prediction["urls"]["stream"]))[1])
    assert (events[-1]["event"], json.loads(events[-1]["data"])) == ("done", {"reason": "canceled"})
    async with session.post(f"{fake_replicate.base_url}/predictions/{'a' * 26}/cancel",
                            headers=auth(fake_replicate)) as response:
        assert response.status == 404


@pytest.mark.parametrize(
    ("end", "status", "error", "started"),
    [("failed", "failed", "CUDA out of memory", True), ("canceled", "canceled", None, True),
     ("aborted", "aborted", None, False)],
)
async def test_scripted_ends(fake_replicate: FakeReplicate, session: aiohttp.ClientSession,
                             end: Any, status: str, error: str | None, started: bool) -> None:
    fake_replicate.set_script(LLAMA, Script(kind="text", official=True, end=end, error="CUDA out of memory"))
    _, prediction = await create(session, fake_replicate, LLAMA, headers={"Prefer": "wait"})
    assert (prediction["status"], prediction["error"], "started_at" in prediction) == (status, error, started)
    assert "total_time" in prediction["metrics"]
    events = [e for e in parse_sse((await read_stream(session, prediction["urls"]["stream"]))[1]) if "event" in e]
    done = json.loads(events[-1]["data"])
    if end == "failed":
        assert json.loads(events[-2]["data"]) == {"detail": "CUDA out of memory"}
        assert events[-2]["event"] == "error"
        assert done == {"reason": "error"}
    else:
        assert done == {"reason": "canceled"}


async def test_cancel_after_deadline_aborts_or_cancels(session: aiohttp.ClientSession) -> None:
    async with FakeReplicate(cancel_after_minimum=0.1) as fake:
        fake.set_script("acme/queued", Script(kind="text", official=True, queue_time=5))
        gate = asyncio.Event()
        fake.set_script("acme/stuck", Script(kind="text", official=True, gate=gate, gate_after=1))
        _, queued = await create(session, fake, "acme/queued", headers={"Cancel-After": "0.2s", "Prefer": "wait=2"})
        assert queued["status"] == "aborted"
        assert "deadline" in queued
        assert "started_at" not in queued
        _, stuck = await create(session, fake, "acme/stuck", headers={"Cancel-After": "0.3", "Prefer": "wait=2"})
        assert stuck["status"] == "canceled"
        assert stuck["output"] == ["The"]
        for bad in ("0.05s", "soon", "5x"):
            status, body = await create(session, fake, "acme/stuck", headers={"Cancel-After": bad})
            assert status == 422, bad
    async with FakeReplicate() as fake:
        status, body = await create(session, fake, LLAMA, headers={"Cancel-After": "4s"})
        assert status == 422
        status, body = await create(session, fake, LLAMA, headers={"Cancel-After": "1h30m"})
        assert status == 201
        assert body["deadline"].endswith("Z")


async def test_png_and_webp_outputs_decode_to_the_right_size(fake_replicate: FakeReplicate,
                                                             session: aiohttp.ClientSession) -> None:
    fake_replicate.set_script(FLUX, Script(kind="image", official=True, images=[("png", 32, 16), ("webp", 20, 40)]))
    _, prediction = await create(session, fake_replicate, FLUX, headers={"Prefer": "wait"})
    fake_replicate.fail_next("GET", r"/files/\w+/out-0\.png", 503, content_type="text/plain")
    async with session.get(prediction["output"][0]) as response:
        assert response.status == 503
        assert await response.text() == "503: Service Unavailable"
    decoded = []
    for url in prediction["output"]:
        async with session.get(url) as response:
            data = await response.read()
            assert int(response.headers["Content-Length"]) == len(data)
            image = Image.open(io.BytesIO(data))
            decoded.append((response.headers["Content-Type"], image.format, image.size))
    assert decoded == [("image/png", "PNG", (32, 16)), ("image/webp", "WEBP", (20, 40))]


async def test_data_uri_delivery_single_output_and_broken_images(fake_replicate: FakeReplicate,
                                                                 session: aiohttp.ClientSession) -> None:
    fake_replicate.set_script(FLUX, Script(kind="image", official=True, image_delivery="data", output_kind="single"))
    _, prediction = await create(session, fake_replicate, FLUX, headers={"Prefer": "wait"})
    header, _, payload = prediction["output"].partition(",")
    assert header == "data:image/png;base64"
    assert Image.open(io.BytesIO(base64.b64decode(payload))).size == (64, 64)

    fake_replicate.set_script(FLUX, Script(kind="image", official=True, broken_images=True))
    _, prediction = await create(session, fake_replicate, FLUX, headers={"Prefer": "wait"})
    async with session.get(prediction["output"][0]) as response:
        assert response.headers["Content-Type"] == "image/png"
        data = await response.read()
    with pytest.raises(UnidentifiedImageError):
        Image.open(io.BytesIO(data)).load()
    async with session.get(f"{fake_replicate.root_url}/files/{prediction['id']}/out-9.png") as response:
        assert response.status == 404
