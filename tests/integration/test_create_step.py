"""The core's hooks for a queue: a create without the client's own 429 retries and with every answer's headers
heard, a create step that decides when and how to send, and leaving a prediction running on the way out."""

from __future__ import annotations

import contextlib
from typing import Any

import aiohttp
import pytest

from desktop_app.replicate import CreateCall, RateLimitedError, run_prediction
from desktop_app.replicate.models import parse_model
from desktop_app.replicate.policy import FollowPolicy
from tests.fake_replicate import FakeReplicate, Script
from tests.fake_replicate.rate_limits import CreateLimit

from .helpers import FLUX, LLAMA, make_client

POLICY = FollowPolicy(max_attempts=200, delay=0.05, wait_seconds=None)


async def test_a_throttled_post_is_left_to_the_caller_and_headers_are_heard(
        fake_replicate: FakeReplicate, session: aiohttp.ClientSession) -> None:
    fake_replicate.rate_limits.create = CreateLimit(per_minute=6, burst=1)
    client = make_client(session, fake_replicate)
    heard: list[tuple[int, str | None]] = []

    def answer(status: int, headers: Any) -> None:
        heard.append((status, headers.get("ratelimit-remaining")))

    body = {"input": {"prompt": "x"}}
    await client.post_json(f"models/{FLUX}/predictions", body, retry_throttled=False, on_answer=answer)
    with pytest.raises(RateLimitedError) as raised:
        await client.post_json(f"models/{FLUX}/predictions", body, retry_throttled=False, on_answer=answer)
    assert raised.value.retry_after is not None and raised.value.retry_after >= 1
    assert heard == [(201, "0"), (429, "0")]
    assert fake_replicate.rate_limits.throttled["create"] == 1  # sent once, not retried


async def test_by_default_the_client_still_retries_a_throttled_post(
        fake_replicate: FakeReplicate, session: aiohttp.ClientSession) -> None:
    fake_replicate.fail_next("POST", f"/v1/models/{FLUX}/predictions", 429,
                             body={"detail": "Request was throttled.", "status": 429, "retry_after": 0})
    client = make_client(session, fake_replicate)
    status, _ = await client.post_json(f"models/{FLUX}/predictions", {"input": {"prompt": "x"}})
    assert status == 201
    assert len(fake_replicate.requests_to("POST", "/v1/models/")) == 2


async def test_run_prediction_sends_through_the_create_step(
        fake_replicate: FakeReplicate, session: aiohttp.ClientSession) -> None:
    client = make_client(session, fake_replicate)
    calls: list[CreateCall] = []

    async def step(call: CreateCall) -> dict[str, Any]:
        calls.append(call)
        return await call.send(retry_throttled=False)

    events = run_prediction(client, parse_model(LLAMA), {"prompt": "hi"}, kind="text", policy=POLICY, create=step)
    async with contextlib.aclosing(events):
        async for _event in events:
            pass
    (call,) = calls
    assert (call.ref.full_name, dict(call.model_input), call.version) == (LLAMA, {"prompt": "hi"}, None)
    assert len(fake_replicate.predictions) == 1


@pytest.mark.parametrize(("leave", "expected"), [(True, "processing"), (False, "canceled")])
async def test_leaving_early_cancels_unless_told_to_leave_it_running(
        fake_replicate: FakeReplicate, session: aiohttp.ClientSession, leave: bool, expected: str) -> None:
    import asyncio

    gate = asyncio.Event()
    fake_replicate.set_script(LLAMA, Script(kind="text", official=True, gate=gate, gate_after=1))
    client = make_client(session, fake_replicate)
    events = run_prediction(client, parse_model(LLAMA), {"prompt": "hi"}, kind="text", policy=POLICY,
                            leave_running=lambda: leave)
    async with contextlib.aclosing(events):
        async for event in events:
            if type(event).__name__ == "TextDelta":
                break
    (prediction,) = fake_replicate.predictions.values()
    assert prediction.status == expected
    gate.set()
