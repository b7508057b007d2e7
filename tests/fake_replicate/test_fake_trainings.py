"""The fake's models-you-own and trainings routes, at the raw HTTP level: shapes as replicate-python's cassettes
recorded them (trainings-create.yaml, trainings-get.yaml, trainings-create__invalid-destination.yaml,
models-create.yaml, hardware-list.yaml), the errors, and a training's life up to its runnable new version."""

from __future__ import annotations

import asyncio
import io
import zipfile
from typing import Any

import aiohttp
import pytest

from tests.fake_replicate import FakeReplicate
from tests.fake_replicate.training_run import TrainingScript
from tests.fake_replicate.trainings import FLUX_TRAINER


def auth(fake: FakeReplicate) -> dict[str, str]:
    return {"Authorization": f"Bearer {fake.token}"}


async def call(session: aiohttp.ClientSession, fake: FakeReplicate, method: str, path: str,
               body: Any = None) -> tuple[int, Any]:
    async with session.request(method, fake.base_url + path, json=body, headers=auth(fake)) as response:
        return response.status, await response.json(content_type=None)


def zip_of(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, b"x")
    return buffer.getvalue()


async def upload(session: aiohttp.ClientSession, fake: FakeReplicate, data: bytes) -> str:
    form = aiohttp.FormData()
    form.add_field("content", data, filename="data.zip", content_type="application/zip")
    async with session.post(fake.base_url + "/files", data=form, headers=auth(fake)) as response:
        assert response.status == 201
        return str((await response.json())["urls"]["get"])


async def finished(session: aiohttp.ClientSession, fake: FakeReplicate, training_id: str) -> dict[str, Any]:
    for _ in range(500):
        _, body = await call(session, fake, "GET", f"/trainings/{training_id}")
        if body["status"] in ("succeeded", "failed", "canceled", "aborted"):
            return dict(body)
        await asyncio.sleep(0.01)
    raise AssertionError("the training never finished")


async def test_create_model_answers_201_with_an_empty_model(fake_replicate: FakeReplicate,
                                                             session: aiohttp.ClientSession) -> None:
    status, model = await call(session, fake_replicate, "POST", "/models", {
        "owner": "fake-user", "name": "my-lora", "visibility": "private", "hardware": "gpu-t4",
        "description": "An example model"})

    assert status == 201
    assert (model["owner"], model["name"], model["visibility"]) == ("fake-user", "my-lora", "private")
    assert model["description"] == "An example model"
    assert model["latest_version"] is None and model["run_count"] == 0
    _, got = await call(session, fake_replicate, "GET", "/models/fake-user/my-lora")
    assert got["latest_version"] is None
    versions_status, versions = await call(session, fake_replicate, "GET", "/models/fake-user/my-lora/versions")
    assert (versions_status, versions["results"]) == (200, [])


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"owner": "fake-user", "name": "x"}, 422, ""),
    ({"owner": "fake-user", "name": "x", "visibility": "secret", "hardware": "cpu"}, 422, "visibility"),
    ({"owner": "fake-user", "name": "x", "visibility": "private", "hardware": "quantum"}, 422, "hardware"),
    ({"owner": "someone-else", "name": "x", "visibility": "private", "hardware": "cpu"}, 403, None),
])
async def test_create_model_refusals(fake_replicate: FakeReplicate, session: aiohttp.ClientSession,
                                     body: dict[str, Any], status: int, field: str | None) -> None:
    got_status, problem = await call(session, fake_replicate, "POST", "/models", body)

    assert got_status == status
    if field is not None:
        assert field in [item["field"] for item in problem["invalid_fields"]]
    assert "someone-else/x" not in fake_replicate.models and "fake-user/x" not in fake_replicate.models


async def test_a_taken_model_name_answers_409(fake_replicate: FakeReplicate, session: aiohttp.ClientSession) -> None:
    body = {"owner": "fake-user", "name": "dup", "visibility": "private", "hardware": "cpu"}
    first, _ = await call(session, fake_replicate, "POST", "/models", body)
    second, problem = await call(session, fake_replicate, "POST", "/models", body)

    assert (first, second) == (201, 409)
    assert problem["status"] == 409 and "already exists" in problem["detail"]


async def test_hardware_list_is_a_bare_array(fake_replicate: FakeReplicate, session: aiohttp.ClientSession) -> None:
    status, body = await call(session, fake_replicate, "GET", "/hardware")

    assert status == 200
    assert {"sku": "gpu-t4", "name": "Nvidia T4 GPU"} in body


async def test_a_training_runs_to_a_runnable_new_version(fake_replicate: FakeReplicate,
                                                         session: aiohttp.ClientSession) -> None:
    trainer = fake_replicate.trainings.add_trainer()
    fake_replicate.trainings.add_model("fake-user/faces")
    url = await upload(session, fake_replicate, zip_of(["a.jpg", "a.txt", "b.png"]))
    status, created = await call(session, fake_replicate, "POST",
                                 f"/models/{FLUX_TRAINER}/versions/{trainer.version}/trainings",
                                 {"destination": "fake-user/faces", "input": {"input_images": url}})

    assert status == 201
    assert created["status"] == "starting" and created["logs"] == "" and created["error"] is None
    assert created["model"] == FLUX_TRAINER and created["version"] == trainer.version
    assert created["urls"]["get"].endswith(f"/v1/predictions/{created['id']}")  # as recorded on create
    assert "output" not in created
    done = await finished(session, fake_replicate, created["id"])
    assert done["status"] == "succeeded"
    assert done["urls"]["get"].endswith(f"/v1/trainings/{created['id']}")
    assert "Extracted 2 images, 1 with captions" in done["logs"]
    assert "flux_train_replicate: 100%|" in done["logs"]
    assert set(done["metrics"]) == {"predict_time", "total_time"}
    model, version = done["output"]["version"].split(":")
    assert model == "fake-user/faces" and len(version) == 64
    async with session.get(done["output"]["weights"]) as weights:  # no auth, like replicate.delivery
        assert weights.status == 200
    _, destination = await call(session, fake_replicate, "GET", "/models/fake-user/faces")
    assert destination["latest_version"]["id"] == version
    assert "Input" in destination["latest_version"]["openapi_schema"]["components"]["schemas"]
    run_status, prediction = await call(session, fake_replicate, "POST", "/predictions",
                                        {"version": f"fake-user/faces:{version}", "input": {"prompt": "TOK"}})
    assert run_status == 201 and prediction["version"] == version


async def test_trainer_versions_publish_training_input(fake_replicate: FakeReplicate,
                                                       session: aiohttp.ClientSession) -> None:
    trainer = fake_replicate.trainings.add_trainer()
    _, version = await call(session, fake_replicate, "GET", f"/models/{FLUX_TRAINER}/versions/{trainer.version}")

    schemas = version["openapi_schema"]["components"]["schemas"]
    assert schemas["TrainingInput"]["required"] == ["input_images"]
    assert "TrainingOutput" in schemas
    _, plain = await call(session, fake_replicate, "GET",
                          f"/models/black-forest-labs/flux-schnell/versions/{fake_replicate.models['black-forest-labs/flux-schnell'].version}")
    assert "TrainingInput" not in plain["openapi_schema"]["components"]["schemas"]


@pytest.mark.parametrize("destination", ["fake-user/nowhere", "<invalid>", "black-forest-labs/flux-schnell"])
async def test_an_invalid_destination_answers_the_recorded_404(fake_replicate: FakeReplicate,
                                                               session: aiohttp.ClientSession,
                                                               destination: str) -> None:
    trainer = fake_replicate.trainings.add_trainer()
    status, problem = await call(session, fake_replicate, "POST",
                                 f"/models/{FLUX_TRAINER}/versions/{trainer.version}/trainings",
                                 {"destination": destination, "input": {"input_images": "https://x.test/a.zip"}})

    assert (status, problem) == (404, {"detail": "The specified training destination does not exist", "status": 404})
    assert fake_replicate.trainings.trainings == {}


async def test_create_training_refusals(fake_replicate: FakeReplicate, session: aiohttp.ClientSession) -> None:
    trainer = fake_replicate.trainings.add_trainer()
    fake_replicate.trainings.add_model("fake-user/faces")
    path = f"/models/{FLUX_TRAINER}/versions/{trainer.version}/trainings"
    flux = fake_replicate.models["black-forest-labs/flux-schnell"]

    missing, problem = await call(session, fake_replicate, "POST", path, {"input": {}})
    unknown, _ = await call(session, fake_replicate, "POST", f"/models/{FLUX_TRAINER}/versions/{'0' * 64}/trainings",
                            {"destination": "fake-user/faces", "input": {}})
    not_trainer, refusal = await call(session, fake_replicate, "POST",
                                      f"/models/black-forest-labs/flux-schnell/versions/{flux.version}/trainings",
                                      {"destination": "fake-user/faces", "input": {}})

    assert missing == 422 and problem["invalid_fields"][0]["description"] == "destination is required"
    assert unknown == 404
    assert not_trainer == 400 and "does not support training" in refusal["detail"]
    assert fake_replicate.trainings.trainings == {}


async def test_bad_training_input_fails_the_training_not_the_request(fake_replicate: FakeReplicate,
                                                                     session: aiohttp.ClientSession) -> None:
    trainer = fake_replicate.trainings.add_trainer()
    fake_replicate.trainings.add_model("fake-user/faces")
    status, created = await call(session, fake_replicate, "POST",
                                 f"/models/{FLUX_TRAINER}/versions/{trainer.version}/trainings",
                                 {"destination": "fake-user/faces", "input": {"steps": "many"}})

    assert status == 201
    done = await finished(session, fake_replicate, created["id"])
    assert done["status"] == "failed"
    assert done["error"].startswith("Prediction input failed validation: ")
    assert "input_images" in done["error"] and "steps" in done["error"]


async def test_cancel_and_list(fake_replicate: FakeReplicate, session: aiohttp.ClientSession) -> None:
    held = asyncio.Event()
    trainer = fake_replicate.trainings.add_trainer(script=TrainingScript(gate=held, gate_after=2))
    fake_replicate.trainings.add_model("fake-user/faces")
    path = f"/models/{FLUX_TRAINER}/versions/{trainer.version}/trainings"
    ids = []
    for _ in range(2):
        _, created = await call(session, fake_replicate, "POST", path,
                                {"destination": "fake-user/faces", "input": {"input_images": "https://x.test/a.zip"}})
        ids.append(created["id"])

    status, canceled = await call(session, fake_replicate, "POST", f"/trainings/{ids[0]}/cancel")
    _, listed = await call(session, fake_replicate, "GET", "/trainings")
    held.set()

    assert status == 200 and canceled["status"] == "canceled"
    assert [item["id"] for item in listed["results"]] == [ids[1], ids[0]]
    assert listed["next"] is None
    assert (await finished(session, fake_replicate, ids[1]))["status"] == "succeeded"
    unknown, _ = await call(session, fake_replicate, "GET", "/trainings/nope")
    assert unknown == 404


async def test_a_broken_zip_fails_the_training(fake_replicate: FakeReplicate, session: aiohttp.ClientSession) -> None:
    trainer = fake_replicate.trainings.add_trainer()
    fake_replicate.trainings.add_model("fake-user/faces")
    url = await upload(session, fake_replicate, b"not a zip at all")
    _, created = await call(session, fake_replicate, "POST",
                            f"/models/{FLUX_TRAINER}/versions/{trainer.version}/trainings",
                            {"destination": "fake-user/faces", "input": {"input_images": url}})

    done = await finished(session, fake_replicate, created["id"])
    assert done["status"] == "failed" and "not a zip" in done["error"]
    _, destination = await call(session, fake_replicate, "GET", "/models/fake-user/faces")
    assert destination["latest_version"] is None
