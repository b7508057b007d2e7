"""Community models followed the fastest way they allow, under one poll budget, with deadlines — against the fake
server, whose recorded requests (with their times) show what was sent."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from desktop_app.replicate import (
    APP_POLICY,
    DeadlineError,
    FollowPolicy,
    ModelSchemas,
    PollBudget,
    PredictionAborted,
    PredictionCanceled,
    PredictionEvent,
    Progress,
    generate,
)
from desktop_app.replicate.deadline import AbortedBeforeStart, CanceledAtDeadline
from desktop_app.storage.schema_cache import SchemaCache
from tests.fake_replicate import FakeReplicate, Script
from tests.fake_replicate.recording import RecordedRequest

from .helpers import LLAMA, collect, collect_until_error, image, make_client, only, request_lines, started, texts


def polls(fake: FakeReplicate) -> list[RecordedRequest]:
    """Every poll the fake received: GETs of one prediction, and of the list."""
    return [request for request in fake.requests_to("GET", "/v1/predictions")
            if not request.path.endswith("/stream")]


def most_in_one_second(times: list[float]) -> int:
    return max((len([t for t in times if start <= t < start + 1.0]) for start in times), default=0)


async def test_streaming_community_model_is_not_held_and_follows_its_stream(
    fake_replicate: FakeReplicate, session: aiohttp.ClientSession
) -> None:
    fake_replicate.set_script("acme/talker", Script(kind="text", chunks=["Hi", " there"]))
    version = fake_replicate.models["acme/talker"].version

    events = await collect(generate(make_client(session, fake_replicate), "acme/talker", [], prompt="hello"))

    assert texts(events) == ["Hi", " there"]
    begun = started(events)
    assert begun.kind == "text"
    assert request_lines(fake_replicate, begun.prediction_id) == [
        ("GET", "/v1/models/acme/talker"),  # its schema first: an iterator of strings, so it streams
        ("POST", "/v1/predictions"),  # community: by its latest version, without the official route's 404
        ("GET", "/stream/{id}"),
        ("GET", "/v1/predictions/{id}"),
    ]
    (create,) = fake_replicate.requests_to("POST", "/v1/predictions")
    assert create.header("Prefer") is None
    assert create.json == {"version": version, "input": {"prompt": "hello"}}


async def test_file_output_community_model_is_held_and_done_in_one_create(
    fake_replicate: FakeReplicate, session: aiohttp.ClientSession
) -> None:
    fake_replicate.set_script("acme/painter", Script(kind="image", steps=3, step_time=0.02))

    events = await collect(generate(make_client(session, fake_replicate), "acme/painter", [], prompt="a cat"))

    begun = started(events)
    assert (begun.kind, begun.status) == ("image", "succeeded")
    assert image(events).images == (f"{fake_replicate.root_url}/files/{begun.prediction_id}/out-0.png",)
    assert request_lines(fake_replicate, begun.prediction_id) == [
        ("GET", "/v1/models/acme/painter"),
        ("POST", "/v1/predictions"),
    ]
    assert fake_replicate.requests_to("POST", "/v1/predictions")[0].header("Prefer") == "wait=60"


async def test_schemas_come_from_the_disk_cache_on_the_next_start(session: aiohttp.ClientSession,
                                                                  tmp_path: Path) -> None:
    async with FakeReplicate() as fake:
        fake.set_script("acme/official-painter", Script(kind="image", official=True, steps=2, step_time=0.01))
        version = fake.models["acme/echo"].version
        for _start in range(2):  # two app starts sharing one cache folder
            schemas = ModelSchemas(SchemaCache(tmp_path / "schemas"))
            client = make_client(session, fake)
            await collect(generate(client, "acme/official-painter", [], prompt="x", schemas=schemas))
            await collect(generate(client, f"acme/echo:{version}", [], prompt="y z", schemas=schemas,
                                   policy=FollowPolicy(max_attempts=100, delay=0.1)))
        reads = [request.path for request in fake.requests_to("GET", "/v1/models/")]
    assert reads == ["/v1/models/acme/official-painter", f"/v1/models/acme/echo/versions/{version}"]


async def test_a_run_outlasting_the_window_without_stream_or_logs_is_polled_under_the_budget(
    session: aiohttp.ClientSession,
) -> None:
    async with FakeReplicate(wait_window=0.1) as fake:
        # file output (held), no stream, and no progress in its logs: it waits in the queue, then ends at once
        fake.set_script("acme/plain", Script(kind="image", steps=0, queue_time=0.7, stream=False))
        budget = PollBudget()

        events = await collect(generate(make_client(session, fake), "acme/plain", [], prompt="think",
                                        budget=budget))

        begun = started(events)
        assert begun.status == "starting"  # the held create came back after the window, unfinished
        assert image(events).images
        (create,) = fake.requests_to("POST", "/v1/predictions")
        assert create.header("Prefer") == "wait=60"
        times = [request.time for request in polls(fake)]
        assert len(times) >= 4  # nothing better known: as often as the budget allows, about one every 0.1 s
        assert most_in_one_second(times) <= 10
        assert budget.polls == len(times) and budget.list_polls == 0  # alone: its own GETs


async def test_a_streaming_schema_without_a_stream_url_is_polled(session: aiohttp.ClientSession) -> None:
    async with FakeReplicate(wait_window=0.1) as fake:
        fake.set_script("acme/thinker", Script(kind="text", stream=False, chunks=["done"], token_interval=0.4))

        events = await collect(generate(make_client(session, fake), "acme/thinker", [], prompt="think"))

        assert texts(events) == ["done"]
        (create,) = fake.requests_to("POST", "/v1/predictions")
        assert create.header("Prefer") is None  # the schema says it streams, so the create is not held …
        assert len(polls(fake)) >= 2  # … and with no stream URL in the answer, it is polled
        assert fake.requests_to("GET", "/stream/") == []


async def test_twenty_in_flight_stay_within_ten_polls_a_second_and_share_list_requests(
    session: aiohttp.ClientSession,
) -> None:
    async with FakeReplicate(wait_window=0.1) as fake:
        fake.set_script("acme/slow-image", Script(kind="image", steps=6, step_time=0.1, stream=False))
        fake.set_script("acme/plain", Script(kind="image", steps=0, queue_time=0.7, stream=False))
        budget, schemas = PollBudget(), ModelSchemas()
        client = make_client(session, fake)

        async def one(index: int) -> list[PredictionEvent]:
            model = "acme/slow-image" if index % 2 else "acme/plain"  # with tqdm logs, and without
            return await collect(generate(client, model, [], prompt=f"run {index}", budget=budget,
                                          schemas=schemas, policy=APP_POLICY))

        runs = await asyncio.gather(*(one(index) for index in range(20)))

        assert all(image(events).images for events in runs)
        assert {fake.predictions[started(events).prediction_id].status for events in runs} == {"succeeded"}
        times = [request.time for request in polls(fake)]
        assert most_in_one_second(times) <= 10  # the whole app, as the server counts them
        lists = [request for request in polls(fake) if request.path == "/v1/predictions"]
        assert lists  # one request refreshed many
        assert budget.list_polls == len(lists)
        assert len(times) < 20 * 5  # far fewer than each prediction polling on its own
        assert len(fake.requests_to("GET", "/v1/models/")) == 2  # one schema look-up per model


@pytest.mark.parametrize("model", ["flux-schnell", "acme/painter"])
async def test_the_deadline_is_sent_as_cancel_after_on_both_create_routes(
    fake_replicate: FakeReplicate, session: aiohttp.ClientSession, model: str
) -> None:
    fake_replicate.set_script("acme/painter", Script(kind="image", steps=1, step_time=0.01))

    await collect(generate(make_client(session, fake_replicate), model, [], prompt="x", deadline="1h30m"))

    (create,) = [request for request in fake_replicate.requests_to("POST", "/v1/") if request.json is not None]
    assert create.path == ("/v1/models/black-forest-labs/flux-schnell/predictions" if model == "flux-schnell"
                           else "/v1/predictions")
    assert create.header("Cancel-After") == "1h30m"
    (prediction,) = fake_replicate.predictions.values()
    assert prediction.deadline == pytest.approx(prediction.created_at + 5400)


async def test_a_bad_deadline_sends_nothing(fake_replicate: FakeReplicate, session: aiohttp.ClientSession) -> None:
    client = make_client(session, fake_replicate)
    for deadline in ("3s", "tomorrow"):
        _, error = await collect_until_error(generate(client, "acme/echo", [], prompt="x", deadline=deadline))
        assert isinstance(error, DeadlineError)
    assert fake_replicate.requests == []


async def test_deadline_endings_say_whether_the_run_is_charged(session: aiohttp.ClientSession) -> None:
    """Takes 5 s: Replicate's (and the fake's) shortest deadline."""
    async with FakeReplicate(wait_window=1.0) as fake:
        fake.set_script("acme/queued", Script(kind="image", queue_time=30.0))  # never starts in time
        fake.set_script(LLAMA, Script(kind="text", official=True, chunks=["slow"] * 100, token_interval=0.2))
        client = make_client(session, fake)

        (queued, queued_error), (running, running_error) = await asyncio.gather(
            collect_until_error(generate(client, "acme/queued", [], prompt="a", deadline="5s")),
            collect_until_error(generate(client, "llama-3-70b", [], prompt="b", deadline=5)),
        )

    assert isinstance(queued_error, AbortedBeforeStart)
    assert isinstance(queued_error, PredictionAborted)
    assert str(queued_error) == ("The prediction was stopped before it started: its deadline (5s) passed while it "
                                 "waited for the model. Aborted runs are not charged.")
    assert only(queued, Progress)[-1].status == "aborted"
    assert isinstance(running_error, CanceledAtDeadline)
    assert isinstance(running_error, PredictionCanceled)
    assert "canceled because its deadline (5s) passed while it was running" in str(running_error)
    assert "charges for the time it ran" in str(running_error)
    assert texts(running)  # what it wrote before the deadline was shown
    assert fake.requests_to("POST", "/v1/predictions/") == []  # the server stopped them: nothing to cancel
