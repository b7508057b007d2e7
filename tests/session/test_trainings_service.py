"""The training service without Qt, against the fake server: free checks before anything is uploaded or paid,
pack → upload once → create destination → train → follow, cancel on Replicate, and trainings that outlive the app."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from PIL import Image

from desktop_app.replicate import PollBudget, ReplicateClient, TrainingFollow
from desktop_app.session import (
    DataReady,
    TrainingBegun,
    TrainingCanceled,
    TrainingDetached,
    TrainingFailed,
    TrainingRefused,
    TrainingRequest,
    TrainingRunEvent,
    TrainingService,
    TrainingStatus,
    TrainingSucceeded,
    UploadProgressed,
)
from desktop_app.storage import TrainingsStore
from tests.fake_replicate import FakeReplicate
from tests.fake_replicate.fault_kinds import Reset, Stall, Status
from tests.fake_replicate.training_run import TrainingScript
from tests.fake_replicate.trainings import FLUX_TRAINER

from .helpers import until

FAST = TrainingFollow(interval=0.02)
FLUX_VERSION = "f2ab8a5bfe79f02f0789a146cf5e73d2a4ff2684a98c2b303d1e1ff3814271db"


def photos(folder: Path, count: int = 3) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        buffer = io.BytesIO()
        Image.new("RGB", (48, 32), (index * 50, 120, 30)).save(buffer, "JPEG")
        (folder / f"me-{index}.jpg").write_bytes(buffer.getvalue())
    (folder / "me-0.txt").write_text("TOK at the seaside")
    return folder


class Rig:
    """A service over the fake server, its store in ``tmp_path``; ``new_service()`` is the app started again."""

    def __init__(self, fake: FakeReplicate, http: aiohttp.ClientSession, tmp_path: Path) -> None:
        self.fake, self.http, self.tmp_path = fake, http, tmp_path
        self.trainer = fake.trainings.add_trainer()
        self.client = ReplicateClient(http, token=fake.token, base_url=fake.base_url)
        self.stores: list[TrainingsStore] = []
        self.services: list[TrainingService] = []
        self.service = self.new_service()

    def new_service(self) -> TrainingService:
        store = TrainingsStore(self.tmp_path / "data" / "trainings.db")
        service = TrainingService(lambda: self.client, store, work_dir=self.tmp_path / "cache",
                                  follow=replace(FAST, budget=PollBudget()))
        self.stores.append(store)
        self.services.append(service)
        return service

    @property
    def trainer_ref(self) -> str:
        return f"{FLUX_TRAINER}:{self.trainer.version}"

    def request(self, **changes: Any) -> TrainingRequest:
        base = TrainingRequest(trainer=self.trainer_ref, destination="fake-user/faces",
                               data=(photos(self.tmp_path / "photos"),), create_destination=True,
                               inputs={"trigger_word": "TOK", "steps": 500})
        return replace(base, **changes)

    def paid_requests(self) -> list[tuple[str, str]]:
        """Requests that store, create or start something (everything but the free GETs)."""
        return [(r.method, r.path) for r in self.fake.requests if r.method != "GET"]

    async def close(self) -> None:
        for service in self.services:
            await service.aclose()
        for store in self.stores:
            store.close()


@pytest_asyncio.fixture
async def rig(fake_replicate: FakeReplicate, tmp_path: Path) -> AsyncIterator[Rig]:
    async with aiohttp.ClientSession() as http:
        made = Rig(fake_replicate, http, tmp_path)
        try:
            yield made
        finally:
            await made.close()


async def events_of(run: Any) -> list[TrainingRunEvent]:
    return [event async for event in run]


def names(events: list[TrainingRunEvent]) -> list[str]:
    chatty = ("PackingProgressed", "UploadProgressed", "TrainingStatus", "TrainingLogsAppended")
    return [type(event).__name__ for event in events if type(event).__name__ not in chatty]


async def test_a_training_from_photos_to_a_runnable_version(rig: Rig) -> None:
    plan = await rig.service.check(rig.request())
    assert rig.paid_requests() == []  # the checks cost nothing
    assert plan.steps()[0] == "Pack 3 photos (1 with captions, 0.0 MB) into a zip and upload it to Replicate."
    assert plan.estimate is not None and plan.estimate.hardware == "gpu-h100"
    assert plan.estimate.seconds == pytest.approx(600.0)  # 20 min at 1000 steps; 500 asked

    run = rig.service.start(plan)
    events = await events_of(run)

    assert names(events) == ["DataReady", "DestinationCreated", "TrainingBegun", "TrainingSucceeded"]
    assert [(m, p.split("/versions/")[0]) for m, p in rig.paid_requests()] == [
        ("POST", "/v1/files"), ("POST", "/v1/models"), ("POST", f"/v1/models/{FLUX_TRAINER}")]
    statuses = [event for event in events if isinstance(event, TrainingStatus)]
    assert statuses[-1].status == "succeeded"
    assert statuses[-1].percent == 100.0  # read from 'flux_train_replicate: 100%|…', a bar after a label
    uploads = [event for event in events if isinstance(event, UploadProgressed)]
    assert uploads[-1].sent == uploads[-1].total
    succeeded = events[-1]
    assert isinstance(succeeded, TrainingSucceeded)
    assert succeeded.version == f"fake-user/faces:{rig.fake.models['fake-user/faces'].version}"
    assert succeeded.suggested_prompt == "a photo of TOK" and succeeded.weights
    (training,) = rig.fake.trainings.trainings.values()
    assert training.input["input_images"].startswith(f"{rig.fake.base_url}/files/")
    assert training.input["steps"] == 500 and "Extracted 3 images, 1 with captions" in training.logs
    (record,) = await rig.service.history()
    assert (record.status, record.version, record.training_id) == ("succeeded", succeeded.version, training.id)
    assert record.input["input_images"] == training.input["input_images"]
    assert "flux_train_replicate: 100%" in record.logs_tail
    assert await rig.service.destinations() == ["fake-user/faces"]
    assert not list((rig.tmp_path / "cache").glob("*.zip"))


async def test_the_same_photos_are_not_uploaded_twice(rig: Rig) -> None:
    first = await events_of(rig.service.start(await rig.service.check(rig.request())))
    second_plan = await rig.service.check(rig.request(create_destination=False))
    second = await events_of(rig.service.start(second_plan))

    ready = [event for events in (first, second) for event in events if isinstance(event, DataReady)]
    assert [event.reused for event in ready] == [False, True]
    assert ready[0].url == ready[1].url
    assert len(rig.fake.requests_to("POST", "/v1/files")) == 1
    assert isinstance(second[-1], TrainingSucceeded)


async def test_a_lost_upload_answer_is_found_not_sent_again(rig: Rig) -> None:
    rig.fake.faults.add("upload", Reset(after_bytes=10))  # stored, but the answer is cut off
    rig.client.sleep = _no_sleep

    events = await events_of(rig.service.start(await rig.service.check(rig.request())))

    assert isinstance(events[-1], TrainingSucceeded)
    assert len(rig.fake.requests_to("POST", "/v1/files")) == 1
    assert len(rig.fake.catalogue.files) == 1


async def test_a_failed_upload_is_retried(rig: Rig) -> None:
    rig.fake.faults.add("upload", Status(503), times=2)
    rig.client.sleep = _no_sleep

    events = await events_of(rig.service.start(await rig.service.check(rig.request())))

    assert isinstance(events[-1], TrainingSucceeded)
    assert len(rig.fake.requests_to("POST", "/v1/files")) == 3
    assert len(rig.fake.catalogue.files) == 1


@pytest.mark.parametrize(("changes", "field", "sentence"), [
    ({"trainer": "ostris/flux-dev-lora-trainer"}, "trainer", "needs its version"),
    ({"destination": "fake-user/Faces"}, "destination", "cannot name a new model"),
    ({"data": ()}, "data", "Choose the photos to train on"),
    ({"hardware": "a big gpu"}, "hardware", "is not a hardware name"),
    ({"destination": "someone-else/faces"}, "destination", "belongs to someone-else, and this token is fake-user's"),
    ({"trainer": f"black-forest-labs/flux-schnell:{FLUX_VERSION}"}, "trainer", "does not train"),
    ({"trainer": f"{FLUX_TRAINER}:{'0' * 64}"}, "trainer", "The trainer cannot be found"),
    ({"inputs": {"steps": 1}}, "input", "Steps must be at least 3"),
    ({"create_destination": False}, "destination", "does not exist: create it"),
])
async def test_bad_requests_get_a_sentence_before_anything_is_sent(rig: Rig, changes: dict[str, Any], field: str,
                                                                    sentence: str) -> None:
    with pytest.raises(TrainingRefused) as caught:
        await rig.service.check(rig.request(**changes))

    assert caught.value.field == field
    assert sentence in str(caught.value)
    assert caught.value.exit_code == 2
    assert rig.paid_requests() == []


async def test_empty_folders_no_photos_and_taken_names(rig: Rig) -> None:
    empty = rig.tmp_path / "empty"
    empty.mkdir()
    rig.fake.trainings.add_model("fake-user/taken")
    with pytest.raises(TrainingRefused, match=f"The folder {empty} is empty"):
        await rig.service.check(rig.request(data=(empty,)))
    (empty / "notes.txt").write_text("no photos here")
    with pytest.raises(TrainingRefused, match="There are no JPEG, PNG or WebP photos"):
        await rig.service.check(rig.request(data=(empty,)))
    with pytest.raises(TrainingRefused, match="The name fake-user/taken is taken already"):
        await rig.service.check(rig.request(destination="fake-user/taken"))
    assert rig.paid_requests() == []
    assert rig.fake.requests_to("GET", "/v1/account") != []  # the network checks ran for the last one only
    assert len(rig.fake.requests) == 3


async def test_a_name_taken_after_the_check_fails_before_the_training(rig: Rig) -> None:
    plan = await rig.service.check(rig.request())
    rig.fake.trainings.add_model("fake-user/faces")  # someone was quicker

    events = await events_of(rig.service.start(plan))

    failed = events[-1]
    assert isinstance(failed, TrainingFailed) and "exists already" in failed.problem.message
    assert rig.fake.trainings.trainings == {}
    (record,) = await rig.service.history()
    assert record.status == "failed" and record.training_id is None


async def test_a_zip_url_is_used_as_it_is(rig: Rig) -> None:
    rig.fake.trainings.add_model("fake-user/faces")
    plan = await rig.service.check(rig.request(data=(), data_url="https://example.test/faces.zip",
                                               create_destination=False))
    events = await events_of(rig.service.start(plan))

    assert names(events) == ["DataReady", "TrainingBegun", "TrainingSucceeded"]
    assert rig.fake.requests_to("POST", "/v1/files") == []
    (training,) = rig.fake.trainings.trainings.values()
    assert training.input["input_images"] == "https://example.test/faces.zip"


async def test_cancel_stops_the_training_on_replicate(rig: Rig) -> None:
    held = asyncio.Event()
    rig.fake.trainings.scripts[FLUX_TRAINER] = TrainingScript(gate=held, gate_after=2)
    run = rig.service.start(await rig.service.check(rig.request()))
    await until(lambda: any(isinstance(e, TrainingStatus) and e.status == "processing" for e in run.events),
                message="the training to run")

    assert rig.service.cancel(run.id)
    end = await run.wait()

    assert end == TrainingCanceled(run.id, run.training_id, on_server=True)
    (training,) = rig.fake.trainings.trainings.values()
    assert training.status == "canceled"
    assert rig.fake.requests_to("POST", f"/v1/trainings/{training.id}/cancel")
    (record,) = await rig.service.history()
    assert record.status == "canceled"


async def test_cancel_while_packing_sends_nothing(rig: Rig) -> None:
    plan = await rig.service.check(rig.request())
    run = rig.service.start(plan)
    run.cancel()

    end = await run.wait()

    assert isinstance(end, TrainingCanceled) and not end.on_server and end.training_id is None
    assert rig.paid_requests() == []


async def test_a_failed_training_keeps_its_logs(rig: Rig) -> None:
    rig.fake.trainings.scripts[FLUX_TRAINER] = TrainingScript(end="failed", error="CUDA out of memory (step 5)")

    events = await events_of(rig.service.start(await rig.service.check(rig.request())))

    failed = events[-1]
    assert isinstance(failed, TrainingFailed)
    assert failed.problem.message == "The training failed: CUDA out of memory (step 5)"
    assert not failed.problem.checked_locally
    (record,) = await rig.service.history()
    assert record.status == "failed" and "Traceback" in record.logs_tail


async def test_a_training_canceled_on_the_website_ends_the_run(rig: Rig) -> None:
    held = asyncio.Event()
    rig.fake.trainings.scripts[FLUX_TRAINER] = TrainingScript(gate=held, gate_after=1)
    run = rig.service.start(await rig.service.check(rig.request()))
    await until(lambda: run.training_id is not None, message="the training to exist")
    rig.fake.trainings.trainings[str(run.training_id)].cancel()

    end = await run.wait()

    assert end == TrainingCanceled(run.id, run.training_id, on_server=True)


async def test_a_training_survives_the_app_closing_and_is_picked_up_by_its_id(rig: Rig) -> None:
    held = asyncio.Event()
    rig.fake.trainings.scripts[FLUX_TRAINER] = TrainingScript(gate=held, gate_after=2)
    run = rig.service.start(await rig.service.check(rig.request()))
    await until(lambda: any(isinstance(e, TrainingStatus) and e.status == "processing" for e in run.events),
                message="the training to run")

    await rig.service.aclose()  # the app quits
    assert run.end == TrainingDetached(run.id, run.training_id)
    training = rig.fake.trainings.trainings[str(run.training_id)]
    assert training.status == "processing" and not rig.fake.requests_to("POST", "/v1/trainings/")
    held.set()

    again = rig.new_service()  # the app starts again
    (resumed,) = await again.resume_unfinished()
    events = await events_of(resumed)

    begun = [event for event in events if isinstance(event, TrainingBegun)]
    assert begun[0].resumed and begun[0].training_id == training.id
    assert isinstance(events[-1], TrainingSucceeded)
    assert [record.status for record in await again.history()] == ["succeeded"]
    assert await again.resume_unfinished() == []


async def test_a_crash_before_the_training_existed_is_marked_interrupted(rig: Rig) -> None:
    from desktop_app.storage import TrainingRecord

    rig.stores[0].add(TrainingRecord(rig.trainer_ref, "fake-user/faces", {"steps": 10}, status="preparing"))

    assert await rig.service.resume_unfinished() == []
    (record,) = await rig.service.history()
    assert record.status == "interrupted" and "nothing was paid" in str(record.error)


async def test_destinations_include_the_accounts_recent_trainings(rig: Rig) -> None:
    rig.fake.trainings.add_model("fake-user/pets")
    await events_of(rig.service.start(await rig.service.check(rig.request())))
    other = rig.new_service()
    other_plan = await other.check(rig.request(destination="fake-user/pets", create_destination=False))
    await events_of(other.start(other_plan))
    (rig.tmp_path / "data" / "trainings.db").unlink()  # a fresh install: only Replicate remembers
    fresh = rig.new_service()

    assert await fresh.destinations() == ["fake-user/pets", "fake-user/faces"]


async def _no_sleep(_seconds: float) -> None:
    await asyncio.sleep(0)


async def test_cancel_while_replicate_creates_the_training_still_cancels_it(rig: Rig) -> None:
    rig.fake.trainings.scripts[FLUX_TRAINER] = TrainingScript(gate=asyncio.Event())
    rig.fake.faults.add(None, Stall(1.0), method="POST", path=r"/v1/models/[^/]+/[^/]+/versions/[^/]+/trainings")
    run = rig.service.start(await rig.service.check(rig.request()))
    await until(lambda: bool(rig.fake.trainings.trainings), message="Replicate to create the training")

    run.cancel()  # the answer is still on its way
    end = await run.wait()

    (training,) = rig.fake.trainings.trainings.values()
    assert end == TrainingCanceled(run.id, training.id, on_server=True)
    assert training.status == "canceled"
    (record,) = await rig.service.history()
    assert (record.training_id, record.status) == (training.id, "canceled")


async def test_closing_while_replicate_creates_the_training_keeps_it_for_the_next_start(rig: Rig) -> None:
    rig.fake.faults.add(None, Stall(1.0), method="POST", path=r"/v1/models/[^/]+/[^/]+/versions/[^/]+/trainings")
    rig.service.start(await rig.service.check(rig.request()))
    await until(lambda: bool(rig.fake.trainings.trainings), message="Replicate to create the training")

    await rig.service.aclose()

    (training,) = rig.fake.trainings.trainings.values()
    (record,) = await rig.service.history()
    assert record.training_id == training.id and not record.finished
    (resumed,) = await rig.new_service().resume_unfinished()
    assert isinstance(await resumed.wait(), TrainingSucceeded)


async def test_the_wizard_reads_the_trainers_form_and_the_estimate(rig: Rig) -> None:
    trainer = await rig.service.trainer(rig.trainer_ref)

    assert [spec.name for spec in trainer.input_schema.fields][:3] == ["input_images", "trigger_word", "autocaption"]
    assert trainer.input_schema.get("steps").default == 1000  # type: ignore[union-attr]
    with pytest.raises(TrainingRefused, match="does not train") as caught:
        await rig.service.trainer(f"black-forest-labs/flux-schnell:{FLUX_VERSION}")
    assert caught.value.field == "trainer"
    estimate = rig.service.estimate(rig.trainer_ref, {"steps": 2000})
    assert estimate is not None and estimate.seconds == pytest.approx(2400.0)
    assert estimate.label.startswith("about $3.66 (estimate: Nvidia H100 at $0.001525/s × a typical 40 min")
    assert rig.service.estimate(f"someone/unknown-trainer:{'1' * 64}") is None
    assert rig.service.curated_trainers[0].model == "ostris/flux-dev-lora-trainer"
    assert rig.paid_requests() == []
