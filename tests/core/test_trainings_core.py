"""Trainings in the core: exact request shapes (aioresponses), names and edge checks, and following a training
with a clock only the injected sleep moves."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from yarl import URL

from desktop_app.replicate import (
    DestinationMissing,
    MalformedTraining,
    ModelNameTaken,
    NotATrainer,
    NotFoundError,
    PollBudget,
    ReplicateClient,
    TrainingCanceled,
    TrainingCompleted,
    TrainingFailed,
    TrainingFollow,
    TrainingLogs,
    TrainingProgress,
    TrainingStarted,
    TrainingTimeout,
    UnknownModelError,
    cancel_training,
    create_model,
    create_training,
    follow_training,
    get_trainer,
    get_training,
    list_trainings,
    parse_destination,
    parse_trainer,
    parse_training,
    run_training,
    trained_destinations,
    training_result,
)
from desktop_app.replicate.progress import parse_progress

BASE = "https://api.replicate.com/v1"
TOKEN = "r8_unit_test_token_abcdefghijklmnop"
VERSION = "a00d0b7dcbb9c3fbb34ba87d2d5b46c56969c84a628bf778a7fdaec30b1b99c5"
NEW = "b" * 64
TRAINER = parse_trainer(f"stability-ai/sdxl:{VERSION}")
TRAINING_INPUT = {"type": "object", "title": "TrainingInput", "required": ["input_images"], "properties": {
    "input_images": {"type": "string", "format": "uri", "title": "Input Images", "x-order": 0},
    "steps": {"type": "integer", "title": "Steps", "default": 1000, "minimum": 3, "x-order": 1},
}}


def training(status: str, *, logs: str | None = "", output: Any = None, error: Any = None,
             id_: str = "wj4is6lbdqqkdepnwpr6v2kuva") -> dict[str, Any]:
    return {"id": id_, "model": "stability-ai/sdxl", "version": VERSION, "input": {}, "logs": logs, "error": error,
            "status": status, "output": output, "created_at": "2023-08-16T19:33:26.678378653Z",
            "urls": {"get": f"{BASE}/trainings/{id_}", "cancel": f"{BASE}/trainings/{id_}/cancel"},
            "metrics": {"predict_time": 502.7} if status == "succeeded" else {}}


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:
        yield http


class FakeClock:
    """A clock that only the injected sleep moves."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def make_client(session: aiohttp.ClientSession, clock: FakeClock | None = None) -> ReplicateClient:
    return ReplicateClient(session, token=TOKEN, base_url=BASE, sleep=(clock or FakeClock()).sleep)


def follow_with(clock: FakeClock, **kwargs: Any) -> TrainingFollow:
    budget = PollBudget(clock=clock, sleep=clock.sleep)
    return TrainingFollow(budget=budget, clock=clock, sleep=clock.sleep, wall=lambda: 1692214406.0, **kwargs)


def calls(m: aioresponses, method: str, url: str) -> list[Any]:
    return m.requests.get((method, URL(url)), [])


# ---- names -------------------------------------------------------------------------------------------


def test_trainer_needs_its_exact_version() -> None:
    assert (TRAINER.owner, TRAINER.name, TRAINER.version) == ("stability-ai", "sdxl", VERSION)
    with pytest.raises(UnknownModelError, match="needs its version"):
        parse_trainer("stability-ai/sdxl")
    with pytest.raises(UnknownModelError, match="64 hexadecimal"):
        parse_trainer("stability-ai/sdxl:abc")
    with pytest.raises(UnknownModelError, match="not a trainer"):
        parse_trainer("sdxl")


def test_destination_names() -> None:
    assert str(parse_destination(" alice/My.Model ")) == "alice/My.Model"
    assert str(parse_destination("alice/my-lora_2.0", new=True)) == "alice/my-lora_2.0"
    with pytest.raises(UnknownModelError, match="lowercase"):
        parse_destination("alice/My-Lora", new=True)
    with pytest.raises(UnknownModelError, match="not a version"):
        parse_destination(f"alice/lora:{NEW}")
    with pytest.raises(UnknownModelError, match="owner/name"):
        parse_destination("just-a-name")


# ---- edge checks -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "sentence"), [
    ([], "a list instead of a training object"),
    ({"status": "starting"}, "has no id"),
    ({"id": "a/b", "status": "starting"}, "the id"),
    ({"id": "t1"}, "status field is null instead of a status name"),
    ({"id": "t1", "status": "processing", "logs": 3}, "logs field is the number 3 instead of text"),
    ({"id": "t1", "status": "succeeded", "output": "x"}, "output field is the text 'x' instead of an object"),
])
def test_malformed_trainings_get_one_sentence(value: Any, sentence: str) -> None:
    with pytest.raises(MalformedTraining) as caught:
        parse_training(value)
    assert sentence in str(caught.value)
    assert "\n" not in str(caught.value)


def test_training_result_reads_the_new_version() -> None:
    done = training("succeeded", output={"version": f"alice/faces:{NEW}", "weights": "https://r.test/w.tar"})
    result = training_result(done)
    assert (result.model, result.version_id, result.weights) == ("alice/faces", NEW, "https://r.test/w.tar")
    assert str(result.ref) == f"alice/faces:{NEW}"
    bare = training("succeeded", output={"version": NEW})
    assert training_result(bare, "alice/faces").version == f"alice/faces:{NEW}"
    with pytest.raises(MalformedTraining, match="names no new version"):
        training_result(training("succeeded", output={"weights": "https://r.test/w.tar"}))


def test_progress_reads_bars_after_a_label_only_when_asked() -> None:
    line = "# PTI :step: 4, epoch: 4:   1%|          | 6/1000 [00:01<05:45,  2.87it/s]"
    assert parse_progress(line) is None  # the official clients' rule: the bar starts the line
    found = parse_progress(line, anywhere=True)
    assert found is not None and (found.current, found.total) == (6, 1000)
    assert parse_progress("epoch1100%|x| 1/2", anywhere=True) is None  # a number glued to a word


# ---- request shapes ----------------------------------------------------------------------------------


async def test_create_training_posts_destination_and_input_to_the_exact_version(
        session: aiohttp.ClientSession) -> None:
    url = f"{BASE}/models/stability-ai/sdxl/versions/{VERSION}/trainings"
    with aioresponses() as m:
        m.post(url, status=201, payload=training("starting"))
        created = await create_training(make_client(session), TRAINER, "alice/faces",
                                        {"input_images": "https://r.test/data.zip"}, webhook="https://hook.test/t")
    (call,) = calls(m, "POST", url)
    assert json.loads(call.kwargs["data"]) == {"destination": "alice/faces",
                                               "input": {"input_images": "https://r.test/data.zip"},
                                               "webhook": "https://hook.test/t"}
    assert call.kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert created["status"] == "starting"


async def test_a_missing_destination_is_named(session: aiohttp.ClientSession) -> None:
    url = f"{BASE}/models/stability-ai/sdxl/versions/{VERSION}/trainings"
    with aioresponses() as m:
        m.post(url, status=404, body=b'{"detail":"The specified training destination does not exist","status":404}',
               content_type="application/problem+json")
        with pytest.raises(DestinationMissing) as caught:
            await create_training(make_client(session), TRAINER, "alice/nowhere", {})
    assert "destination model does not exist" in str(caught.value)
    assert len(calls(m, "POST", url)) == 1  # a POST is never repeated


async def test_get_list_and_cancel_use_the_trainings_routes(session: aiohttp.ClientSession) -> None:
    with aioresponses() as m:
        m.get(f"{BASE}/trainings/t1", payload=training("processing", id_="t1"))
        m.post(f"{BASE}/trainings/t1/cancel", payload=training("canceled", id_="t1", logs=None))
        m.get(f"{BASE}/trainings", payload={"next": f"{BASE}/trainings?cursor=abc", "previous": None, "results": [
            training("succeeded", id_="t2", output={"version": f"alice/faces:{NEW}"}),
            {"id": "broken"},
            training("succeeded", id_="t3", output={"version": f"alice/faces:{'c' * 64}"}),
            training("failed", id_="t4", output=None),
            training("succeeded", id_="t5", output={"version": f"alice/pets:{NEW}"}),
        ]}, repeat=True)
        client = make_client(session)
        got = await get_training(client, "t1")
        canceled = await cancel_training(client, "t1")
        page = await list_trainings(client)
        names = await trained_destinations(client)
    assert got["status"] == "processing" and canceled["status"] == "canceled"
    assert [item["id"] for item in page.items] == ["t2", "t3", "t4", "t5"]
    assert page.next_cursor == f"{BASE}/trainings?cursor=abc"
    assert names == ["alice/faces", "alice/pets"]


async def test_trainer_check_reads_training_input(session: aiohttp.ClientSession) -> None:
    url = f"{BASE}/models/stability-ai/sdxl/versions/{VERSION}"
    schema = {"components": {"schemas": {"Input": {"type": "object", "properties": {}},
                                         "TrainingInput": TRAINING_INPUT}}}
    with aioresponses() as m:
        m.get(url, payload={"id": VERSION, "openapi_schema": schema})
        trainer = await get_trainer(make_client(session), TRAINER)
        m.get(url, payload={"id": VERSION, "openapi_schema": {"components": {"schemas": {"Input": {}}}}})
        with pytest.raises(NotATrainer, match="does not train"):
            await get_trainer(make_client(session), TRAINER)
        m.get(url, status=404, payload={"detail": "Not found.", "status": 404})
        with pytest.raises(NotFoundError, match="has no version a00d0b7dcbb9"):
            await get_trainer(make_client(session), TRAINER)
    assert [spec.name for spec in trainer.input_schema.fields] == ["input_images", "steps"]
    assert trainer.input_schema.required == {"input_images"}
    assert trainer.input_schema.get("input_images").kind == "file"  # type: ignore[union-attr]


async def test_create_model_body_and_409(session: aiohttp.ClientSession) -> None:
    url = f"{BASE}/models"
    created = {"url": "https://replicate.com/alice/faces", "owner": "alice", "name": "faces",
               "description": "My face", "visibility": "private", "github_url": None, "paper_url": None,
               "license_url": None, "run_count": 0, "cover_image_url": None, "default_example": None,
               "latest_version": None}
    with aioresponses() as m:
        m.post(url, status=201, payload=created)
        m.post(url, status=409, payload={"title": "Conflict", "detail": "This model already exists.", "status": 409})
        card = await create_model(make_client(session), parse_destination("alice/faces"), hardware="gpu-t4",
                                  description="My face")
        with pytest.raises(ModelNameTaken, match="choose another name"):
            await create_model(make_client(session), parse_destination("alice/faces"), hardware="gpu-t4")
    first = calls(m, "POST", url)[0]
    assert json.loads(first.kwargs["data"]) == {"owner": "alice", "name": "faces", "visibility": "private",
                                                "hardware": "gpu-t4", "description": "My face"}
    assert card.full_name == "alice/faces" and card.latest_version is None


# ---- following ---------------------------------------------------------------------------------------


async def test_following_polls_the_training_and_ends_with_its_new_version(session: aiohttp.ClientSession) -> None:
    clock = FakeClock()
    done = training("succeeded", logs="x:  50%|█| 1/2\nx: 100%|██| 2/2\n",
                    output={"version": f"alice/faces:{NEW}", "weights": "https://r.test/w.tar"})
    done["completed_at"] = "2023-08-16T19:41:46.678378Z"
    with aioresponses() as m:
        m.get(f"{BASE}/trainings/t1", payload=training("processing", logs="x:  50%|█| 1/2\n", id_="t1"))
        m.get(f"{BASE}/trainings/t1", payload={**done, "id": "t1"})
        events = [event async for event in follow_training(make_client(session, clock), "t1",
                                                           destination="alice/faces",
                                                           follow=follow_with(clock, interval=10.0))]
    assert isinstance(events[0], TrainingStarted) and events[0].resumed
    assert events[0].trainer == f"stability-ai/sdxl:{VERSION}"
    progress = [event for event in events if isinstance(event, TrainingProgress)]
    assert [event.percent for event in progress] == [50.0, 100.0]
    assert progress[-1].elapsed == pytest.approx(500.0)  # created → completed, by Replicate's clock
    logs = "".join(event.text for event in events if isinstance(event, TrainingLogs))
    assert logs == "x:  50%|█| 1/2\nx: 100%|██| 2/2\n"
    completed = events[-1]
    assert isinstance(completed, TrainingCompleted)
    assert completed.result.version == f"alice/faces:{NEW}" and completed.predict_time == 502.7
    assert clock.now == pytest.approx(10.0)  # one poll, an interval after the first look


@pytest.mark.parametrize(("final", "error", "sentence"), [
    (training("failed", error="CUDA out of memory"), TrainingFailed, "The training failed: CUDA out of memory"),
    (training("canceled"), TrainingCanceled, "canceled"),
    (training("aborted"), TrainingCanceled, "stopped before it started"),
])
async def test_unsuccessful_endings_raise_one_sentence(session: aiohttp.ClientSession, final: dict[str, Any],
                                                       error: type[Exception], sentence: str) -> None:
    clock = FakeClock()
    with aioresponses() as m:
        m.get(f"{BASE}/trainings/{final['id']}", payload=final)
        with pytest.raises(error, match=sentence) as caught:
            async for _ in follow_training(make_client(session, clock), final["id"], follow=follow_with(clock)):
                pass
    assert caught.value.exit_code == 4  # type: ignore[attr-defined]


async def test_run_training_cancels_when_left_early_and_on_timeout(session: aiohttp.ClientSession) -> None:
    url = f"{BASE}/models/stability-ai/sdxl/versions/{VERSION}/trainings"
    clock = FakeClock()
    running = training("processing", id_="t1")
    with aioresponses() as m:
        m.post(url, status=201, payload=training("starting", id_="t1"))
        m.get(f"{BASE}/trainings/t1", payload=running, repeat=True)
        m.post(f"{BASE}/trainings/t1/cancel", payload=training("canceled", id_="t1"), repeat=True)
        events = run_training(make_client(session, clock), TRAINER, "alice/faces", {}, follow=follow_with(clock))
        async with contextlib.aclosing(events):
            async for event in events:
                if isinstance(event, TrainingProgress) and event.status == "processing":
                    break
        assert len(calls(m, "POST", f"{BASE}/trainings/t1/cancel")) == 1
        m.post(url, status=201, payload=training("starting", id_="t1"))
        with pytest.raises(TrainingTimeout) as caught:
            async for _ in run_training(make_client(session, clock), TRAINER, "alice/faces", {},
                                        follow=follow_with(clock, interval=60.0, max_wait=600.0)):
                pass
    assert caught.value.exit_code == 5 and caught.value.canceled
    assert "did not finish within 10 min; it was canceled on Replicate" in str(caught.value)
    assert len(calls(m, "POST", f"{BASE}/trainings/t1/cancel")) == 2


async def test_a_resumed_training_is_not_canceled_when_left(session: aiohttp.ClientSession) -> None:
    clock = FakeClock()
    with aioresponses() as m:
        m.get(f"{BASE}/trainings/t1", payload=training("processing", id_="t1"), repeat=True)
        events = follow_training(make_client(session, clock), "t1", follow=follow_with(clock))
        async with contextlib.aclosing(events):
            async for _ in events:
                break
        with pytest.raises(TrainingTimeout, match="goes on on Replicate; follow it again with its id t1"):
            async for _ in follow_training(make_client(session, clock), "t1",
                                           follow=follow_with(clock, max_wait=30.0)):
                pass
    assert calls(m, "POST", f"{BASE}/trainings/t1/cancel") == []


async def test_a_training_is_polled_by_its_own_get_never_through_the_predictions_list(
        session: aiohttp.ClientSession) -> None:
    clock = FakeClock()
    budget = PollBudget(clock=clock, sleep=clock.sleep)
    client = make_client(session, clock)
    predictions = [{"id": name, "status": "processing", "urls": {"get": f"{BASE}/predictions/{name}"}}
                   for name in ("p1", "p2")]
    with aioresponses() as m:
        m.get(f"{BASE}/predictions", payload={"results": [{**item, "status": "succeeded", "output": "x",
                                                           "metrics": {}} for item in predictions]}, repeat=True)
        m.get(f"{BASE}/trainings/t1", payload=training("processing", id_="t1"), repeat=True)
        with budget.following(client, predictions[0]) as first, budget.following(client, predictions[1]) as second, \
                budget.following(client, training("starting", id_="t1"), path="trainings/t1",
                                 parse=parse_training) as trained:
            answers = await asyncio.gather(*(budget.refresh(watch, not_before=1.0)
                                             for watch in (first, second, trained)))
    assert [answer["status"] for answer in answers] == ["succeeded", "succeeded", "processing"]
    assert len(calls(m, "GET", f"{BASE}/predictions")) == 1
    assert len(calls(m, "GET", f"{BASE}/trainings/t1")) == 1
