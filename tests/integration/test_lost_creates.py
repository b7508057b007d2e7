"""No prediction is left running unseen: a create stopped during its hold, or whose answer is lost or names no
usable id, is found among the account's recent predictions and canceled (stopped) or followed (lost)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import aiohttp
import pytest
from aiohttp import web

from desktop_app.replicate import (
    FollowPolicy,
    ImageResponse,
    MalformedPrediction,
    NetworkError,
    ServerError,
    TextDelta,
    parse_model,
    run_prediction,
)
from desktop_app.replicate.files import download_output
from tests.fake_replicate import FakeReplicate, Script
from tests.fake_replicate.fault_kinds import Captured
from tests.fake_replicate.faults import FaultKind, Reset, Stall, Status, Truncate
from tests.fake_replicate.faults import MalformedPrediction as Malformed

from .helpers import LLAMA, collect, collect_until_error, make_client, texts

IMAGE = "acme/held-image"
HELD = FollowPolicy(max_attempts=200, delay=0.05, min_interval=0.02, wait_seconds=60, cancel_timeout=5.0)
NOT_HELD = dataclasses.replace(HELD, wait_seconds=None)


@dataclass(frozen=True)
class Unanswered(FaultKind):
    """A create the server sits on without acting (nothing is created) until the client gives up."""

    replaces: ClassVar[bool] = True

    def describe(self) -> str:
        return "no answer, nothing created"

    async def answer(self, request: web.Request, real: Captured | None) -> web.StreamResponse:
        await asyncio.sleep(30)
        return web.Response(status=503)


def gated_image(fake: FakeReplicate) -> asyncio.Event:
    """An image model whose run waits half-way for the returned gate: a held create stays held meanwhile."""
    gate = asyncio.Event()
    fake.set_script(IMAGE, Script(kind="image", official=True, stream=False, steps=4, step_time=0.01, gate=gate,
                                  gate_after=2))
    return gate


def creates(fake: FakeReplicate) -> list[str]:
    return [r.path for r in fake.requests if r.method == "POST" and r.path.endswith("/predictions")]


def cancels(fake: FakeReplicate) -> list[str]:
    return [r.path for r in fake.requests if r.method == "POST" and r.path.endswith("/cancel")]


def lists(fake: FakeReplicate) -> int:
    return len([r for r in fake.requests if r.method == "GET" and r.path == "/v1/predictions"])


async def until(condition: Callable[[], object], seconds: float = 10.0) -> None:
    for _ in range(int(seconds * 100)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the server never got there")


async def test_stopping_a_run_during_its_held_create_cancels_the_prediction(
    fake_replicate: FakeReplicate, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    gate = gated_image(fake_replicate)
    events = run_prediction(make_client(session, fake_replicate), parse_model(IMAGE), {"prompt": "a boat"},
                            kind="image", policy=HELD)
    task = asyncio.create_task(collect(events))
    await until(lambda: fake_replicate.predictions)  # created on the server; the create's answer is held
    (prediction,) = fake_replicate.predictions.values()
    await until(lambda: prediction.status == "processing")

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert prediction.status == "canceled"
    assert cancels(fake_replicate) == [f"/v1/predictions/{prediction.id}/cancel"]
    assert lists(fake_replicate) == 1
    assert f"Canceled prediction {prediction.id}, made by a create that was stopped" in caplog.text
    gate.set()


async def test_a_stop_before_the_server_made_anything_cancels_nothing(
    fake_replicate: FakeReplicate, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    gated_image(fake_replicate)
    fake_replicate.faults.add("create", Unanswered(), times=1)
    events = run_prediction(make_client(session, fake_replicate), parse_model(IMAGE), {"prompt": "a boat"},
                            kind="image", policy=HELD)
    task = asyncio.create_task(collect(events))
    await until(lambda: creates(fake_replicate))

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert fake_replicate.predictions == {} and cancels(fake_replicate) == []
    assert lists(fake_replicate) == 2  # looked twice: the server may still have been taking the request in
    assert "A stopped create of acme/held-image left no prediction behind" in caplog.text


@pytest.mark.parametrize("lost", [Reset(0), Reset(40), Truncate(40)], ids=["reset", "reset-mid-body", "truncated"])
async def test_a_held_create_whose_answer_is_lost_is_followed_not_sent_again(
    fake_replicate: FakeReplicate, session: aiohttp.ClientSession, lost: FaultKind,
    caplog: pytest.LogCaptureFixture,
) -> None:
    gate = gated_image(fake_replicate)
    gate.set()  # the run goes straight through; the held answer is cut off on its way back
    fake_replicate.faults.add("create", lost, times=1)
    client = make_client(session, fake_replicate)

    events = await collect(run_prediction(client, parse_model(IMAGE), {"prompt": "a boat"}, kind="image",
                                          policy=HELD))

    (prediction,) = fake_replicate.predictions.values()
    assert len(creates(fake_replicate)) == 1  # never sent again: that would start (and bill) a second run
    # the list names it, and it is read again by id (a list may leave out what a full object holds)
    assert [(r.method, r.path) for r in fake_replicate.requests][:3] == [
        ("POST", f"/v1/models/{IMAGE}/predictions"), ("GET", "/v1/predictions"),
        ("GET", f"/v1/predictions/{prediction.id}")]
    (images,) = [event for event in events if isinstance(event, ImageResponse)]
    served = [data for _type, data in prediction.files.values()]
    assert [(await download_output(client, url)).data for url in images.images] == served
    assert f"following prediction {prediction.id} found among recent ones" in caplog.text


async def test_stopping_a_run_while_its_lost_create_is_looked_for_cancels_the_prediction(
    fake_replicate: FakeReplicate, session: aiohttp.ClientSession
) -> None:
    gate = gated_image(fake_replicate)
    fake_replicate.faults.add("create", Reset(0), times=1)
    fake_replicate.faults.add("poll", Stall(30), times=1, method="GET", path="/v1/predictions")  # a slow list
    events = run_prediction(make_client(session, fake_replicate), parse_model(IMAGE), {"prompt": "a boat"},
                            kind="image", policy=NOT_HELD)
    task = asyncio.create_task(collect(events))
    await until(lambda: lists(fake_replicate) == 1)

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    (prediction,) = fake_replicate.predictions.values()
    assert prediction.status == "canceled"
    assert cancels(fake_replicate) == [f"/v1/predictions/{prediction.id}/cancel"]
    gate.set()


async def test_a_lost_text_create_is_followed_to_the_exact_reply(fake_replicate: FakeReplicate,
                                                                  session: aiohttp.ClientSession) -> None:
    fake_replicate.faults.add("create", Reset(10), times=1)
    events = await collect(run_prediction(make_client(session, fake_replicate), parse_model(LLAMA),
                                          {"prompt": "hi"}, kind="text", policy=HELD))
    assert "".join(texts(events)) == "The quick brown fox jumps over the lazy dog."
    assert len(creates(fake_replicate)) == 1


async def test_a_create_that_made_nothing_is_an_error_after_one_look(fake_replicate: FakeReplicate,
                                                                     session: aiohttp.ClientSession) -> None:
    gated_image(fake_replicate)
    fake_replicate.faults.add("create", Status(502), times=1)  # a gateway answered; nothing was created

    _events, error = await collect_until_error(run_prediction(
        make_client(session, fake_replicate), parse_model(IMAGE), {"prompt": "a boat"}, kind="image", policy=HELD))

    assert isinstance(error, ServerError)
    assert fake_replicate.predictions == {} and lists(fake_replicate) == 1 and cancels(fake_replicate) == []


async def test_a_prediction_this_process_follows_is_never_taken_for_a_lost_one(
    fake_replicate: FakeReplicate, session: aiohttp.ClientSession
) -> None:
    """Two runs with the same input: the second one's answer is lost before anything was created; the first
    one (finished, same model, same input, seconds earlier) is this process's own and is not taken."""
    client = make_client(session, fake_replicate)
    first = await collect(run_prediction(client, parse_model(LLAMA), {"prompt": "same"}, kind="text", policy=HELD))
    assert texts(first)
    fake_replicate.faults.add("create", Status(504), times=1)

    _events, error = await collect_until_error(run_prediction(client, parse_model(LLAMA), {"prompt": "same"},
                                                              kind="text", policy=HELD))

    assert isinstance(error, ServerError) and lists(fake_replicate) == 1


async def test_a_lost_answer_with_the_list_unreachable_reports_the_create_error(
    fake_replicate: FakeReplicate, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    fake_replicate.faults.add("create", Reset(0), times=1)
    fake_replicate.faults.add("poll", Status(500), times=99, method="GET", path="/v1/predictions")
    client = make_client(session, fake_replicate, max_retries=1)

    _events, error = await collect_until_error(run_prediction(client, parse_model(LLAMA), {"prompt": "x"},
                                                              kind="text", policy=HELD))

    assert isinstance(error, NetworkError)
    assert "Could not look for the prediction a lost create may have made" in caplog.text


@pytest.mark.parametrize("answer", [Malformed(drop=("id",)), Malformed(set={"id": "../account"})],
                         ids=["no-id", "unusable-id"])
async def test_a_create_answer_without_a_usable_id_still_cancels_its_prediction(
    fake_replicate: FakeReplicate, session: aiohttp.ClientSession, answer: Malformed
) -> None:
    gate = gated_image(fake_replicate)
    fake_replicate.faults.add("create", answer, times=1)

    _events, error = await collect_until_error(run_prediction(
        make_client(session, fake_replicate), parse_model(IMAGE), {"prompt": "a boat"}, kind="image",
        policy=NOT_HELD))

    assert isinstance(error, MalformedPrediction)
    (prediction,) = fake_replicate.predictions.values()
    assert prediction.status == "canceled"
    assert cancels(fake_replicate) == [f"/v1/predictions/{prediction.id}/cancel"]
    gate.set()


async def test_closing_the_generator_after_a_found_create_cancels_it(fake_replicate: FakeReplicate,
                                                                     session: aiohttp.ClientSession) -> None:
    """A prediction found after a lost answer is followed like any other: leaving early cancels it."""
    fake_replicate.set_script(LLAMA, Script(kind="text", official=True, gate=asyncio.Event(), gate_after=2))
    fake_replicate.faults.add("create", Reset(0), times=1)
    events = run_prediction(make_client(session, fake_replicate), parse_model(LLAMA), {"prompt": "x"},
                            kind="text", policy=HELD)
    async with contextlib.aclosing(events):
        async for event in events:
            if isinstance(event, TextDelta):
                break
    (prediction,) = fake_replicate.predictions.values()
    assert prediction.status == "canceled"
