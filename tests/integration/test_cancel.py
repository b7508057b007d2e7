"""Leaving a prediction early — closing the generator or cancelling its task — cancels it on the server."""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp
import pytest

from desktop_app.replicate import APP_POLICY, ReplicateHome, TextDelta, generate
from desktop_app.replicate.events import PredictionEvent, Started
from tests.fake_replicate import FakeReplicate, Script

from .helpers import LLAMA, make_client, skeleton


def gated_llama(fake: FakeReplicate) -> asyncio.Event:
    """Llama that stops half-way (after 3 chunks) until the returned gate is set."""
    gate = asyncio.Event()
    fake.set_script(LLAMA, Script(kind="text", official=True, gate=gate, gate_after=3))
    return gate


def cancel_paths(fake: FakeReplicate) -> list[str]:
    return [request.path for request in fake.requests_to("POST", "/v1/predictions/")]


async def test_aclose_after_the_first_delta_cancels(fake_replicate: FakeReplicate,
                                                    session: aiohttp.ClientSession) -> None:
    gate = gated_llama(fake_replicate)
    client = make_client(session, fake_replicate)
    events = generate(client, "llama-3-70b", [], prompt="go", policy=APP_POLICY)
    seen: list[PredictionEvent] = []
    async for event in events:
        seen.append(event)
        if isinstance(event, TextDelta):
            break
    await events.aclose()

    assert skeleton(seen) == ["Started", "TextDelta"]
    prediction_id = next(event.prediction_id for event in seen if isinstance(event, Started))
    assert cancel_paths(fake_replicate) == [f"/v1/predictions/{prediction_id}/cancel"]
    cancel = fake_replicate.requests_to("POST", "/v1/predictions/")[0]
    assert cancel.header("Authorization") == f"Bearer {fake_replicate.token}"
    assert fake_replicate.predictions[prediction_id].status == "canceled"
    gate.set()


async def test_cancelling_the_consuming_task_cancels(fake_replicate: FakeReplicate,
                                                     session: aiohttp.ClientSession) -> None:
    gate = gated_llama(fake_replicate)
    client = make_client(session, fake_replicate)
    at_the_gate = asyncio.Event()
    seen: list[PredictionEvent] = []

    async def consume() -> None:
        async for event in generate(client, "llama-3-70b", [], prompt="go", policy=APP_POLICY):
            seen.append(event)
            if "".join(event.text for event in seen if isinstance(event, TextDelta)) == "The quick brown":
                at_the_gate.set()  # the server holds the run here until the gate opens

    task = asyncio.create_task(consume())
    await asyncio.wait_for(at_the_gate.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert "".join(event.text for event in seen if isinstance(event, TextDelta)) == "The quick brown"
    prediction_id = next(event.prediction_id for event in seen if isinstance(event, Started))
    assert cancel_paths(fake_replicate) == [f"/v1/predictions/{prediction_id}/cancel"]
    assert fake_replicate.predictions[prediction_id].status == "canceled"
    gate.set()


async def test_closing_the_seed_facade_cancels(fake_replicate: FakeReplicate) -> None:
    gate = gated_llama(fake_replicate)
    result = ReplicateHome.create_async_generator(
        model="llama-3-70b", messages=[{"role": "user", "content": "go"}],
        api_key=fake_replicate.token, base_url=fake_replicate.base_url,
    )
    first = await result.__anext__()
    await result.aclose()

    assert first == "The"
    (prediction_id,) = fake_replicate.predictions
    assert cancel_paths(fake_replicate) == [f"/v1/predictions/{prediction_id}/cancel"]
    gate.set()


async def test_a_finished_prediction_is_not_canceled(fake_replicate: FakeReplicate,
                                                     session: aiohttp.ClientSession) -> None:
    client = make_client(session, fake_replicate)
    events = generate(client, "flux-schnell", [], prompt="go", policy=APP_POLICY)
    async with contextlib.aclosing(events):
        async for event in events:
            if type(event).__name__ == "ImageResponse":
                break  # stop after the image but before Completed: the run is over on the server
    assert cancel_paths(fake_replicate) == []
