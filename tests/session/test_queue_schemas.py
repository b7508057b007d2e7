"""A matrix over models is checked against every model's own schema, read from Replicate, before anything is
created: an input a model does not take, or one it requires, is refused in a sentence naming the model and the
field; the parameter form's untouched defaults do not follow the jobs of other models; schemas kept as JSON."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from desktop_app.replicate import parse_input_schema
from desktop_app.session.jobs import MODEL_KEY, Axis, BatchCheckError, BatchSpec, JobSpec, expand
from desktop_app.session.queue_schemas import SchemaReadError, schema_from_json, schema_json
from desktop_app.storage.queue_store import QueueStore
from tests.fake_replicate import FakeReplicate, Script
from tests.fake_replicate.schemas import openapi_schema

from .helpers import FLUX, LLAMA
from .queue_helpers import idle, queue_over

SDXL = "bytedance/sdxl-lightning-4step"
INPAINT = "stability-ai/stable-diffusion-inpainting"


def over_models(*models: str, **parameters: object) -> list[JobSpec]:
    return expand(BatchSpec(models[0], parameters, rows=({"prompt": "a lighthouse"},),
                            matrix=(Axis(MODEL_KEY, models),)))


def schema_reads(fake: FakeReplicate) -> list[str]:
    return [request.path for request in fake.requests if request.method == "GET" and "/v1/models/" in request.path]


async def refused(fake: FakeReplicate, http: aiohttp.ClientSession, path: Path, specs: list[JobSpec],
                  **options: object) -> str:
    async with queue_over(fake, http, path) as queued:
        with pytest.raises(BatchCheckError) as caught:
            await queued.queue.add_checked(specs, **options)  # type: ignore[arg-type]
        assert queued.store.jobs() == [] and queued.store.batches() == []
    assert fake.predictions == {} and fake.requests_to("POST", "/v1/") == []  # nothing created, nothing paid
    return str(caught.value)


async def test_an_input_another_model_does_not_take_is_refused_naming_it(
        fake_replicate: FakeReplicate, http: aiohttp.ClientSession, tmp_path: Path) -> None:
    message = await refused(fake_replicate, http, tmp_path / "q.sqlite3",
                            over_models(FLUX, LLAMA, num_inference_steps=2))
    assert message.startswith("Job 2 (model=meta/")
    assert message.endswith(f"): {LLAMA} has no input called num_inference_steps.")
    assert sorted(schema_reads(fake_replicate)) == sorted([f"/v1/models/{FLUX}", f"/v1/models/{LLAMA}"])


async def test_an_input_another_model_requires_is_refused_naming_it(
        fake_replicate: FakeReplicate, http: aiohttp.ClientSession, tmp_path: Path) -> None:
    fake_replicate.set_script(INPAINT, Script(kind="image", task="inpaint", official=True))
    message = await refused(fake_replicate, http, tmp_path / "q.sqlite3", over_models(FLUX, INPAINT))
    assert message.startswith("Job 2 (model=stability-ai/")
    assert message.endswith(f"): {INPAINT} — image: Image is required. mask: Mask is required.")


async def test_a_model_that_cannot_be_read_stops_the_batch_in_a_sentence(
        fake_replicate: FakeReplicate, http: aiohttp.ClientSession, tmp_path: Path) -> None:
    async with queue_over(fake_replicate, http, tmp_path / "q.sqlite3") as queued:
        with pytest.raises(SchemaReadError) as caught:
            await queued.queue.add_checked(over_models(FLUX, "acme/no-such-model"))
        assert queued.store.jobs() == []
        with pytest.raises(BatchCheckError, match=r"^Job 2 \(model=not a model\): "):
            await queued.queue.add_checked(over_models(FLUX, "not a model"))  # said before any request
    assert "acme/no-such-model" in str(caught.value) and "does not exist" in str(caught.value)
    assert caught.value.exit_code == 3  # as generate's for a model Replicate does not know
    assert fake_replicate.requests_to("POST", "/v1/") == []


async def test_every_model_of_a_matrix_runs_with_its_own_schema_and_the_batch_keeps_them(
        fake_replicate: FakeReplicate, http: aiohttp.ClientSession, tmp_path: Path) -> None:
    fake_replicate.set_script(SDXL, Script(kind="image", official=True))
    path = tmp_path / "q.sqlite3"
    async with queue_over(fake_replicate, http, path) as queued:
        batch = await queued.queue.add_checked(over_models(FLUX, SDXL, num_inference_steps=3))
        await idle(queued.queue)
        assert [job.state for job in queued.queue.board.jobs()] == ["succeeded", "succeeded"]
    sent = {prediction.model.full_name: prediction.input for prediction in fake_replicate.predictions.values()}
    assert sent == {FLUX: {"prompt": "a lighthouse", "num_inference_steps": 3},
                    SDXL: {"prompt": "a lighthouse", "num_inference_steps": 3}}
    with QueueStore.open(path) as store:
        assert set(store.batch(batch.id).schemas) == {FLUX, SDXL}  # type: ignore[union-attr]


async def test_the_forms_untouched_defaults_do_not_follow_the_jobs_of_other_models(
        fake_replicate: FakeReplicate, http: aiohttp.ClientSession, tmp_path: Path) -> None:
    flux = parse_input_schema(openapi_schema(fake_replicate.models[FLUX].script))
    untouched = {"aspect_ratio": "1:1", "output_format": "png", "disable_safety_checker": False}  # flux's defaults
    path = tmp_path / "q.sqlite3"
    message = await refused(fake_replicate, http, path, over_models(FLUX, LLAMA, **{**untouched, "num_outputs": 2}),
                            schemas={FLUX: flux}, form_model=FLUX)
    assert message.endswith(f"): {LLAMA} has no input called num_outputs.")  # chosen in the form: it stays
    async with queue_over(fake_replicate, http, path) as queued:
        await queued.queue.add_checked(over_models(FLUX, LLAMA, **untouched), schemas={FLUX: flux}, form_model=FLUX)
        await idle(queued.queue)
    sent = {prediction.model.full_name: prediction.input for prediction in fake_replicate.predictions.values()}
    assert sent[FLUX] == {"prompt": "a lighthouse", **untouched}
    assert sent[LLAMA] == {"prompt": "a lighthouse"}
    assert f"/v1/models/{FLUX}" not in schema_reads(fake_replicate)  # the form's schema was not read again


def test_a_schema_kept_as_json_reads_back_the_same() -> None:
    for script in (Script(kind="image"), Script(kind="text"), Script(kind="image", task="inpaint")):
        schema = parse_input_schema(openapi_schema(script))
        assert schema_from_json(schema_json(schema)) == schema
    assert schema_from_json({"fields": [{"name": "x"}]}) is None  # unreadable: the job goes unchecked
    newer = schema_json(parse_input_schema(openapi_schema(Script(kind="text"))))
    newer["fields"][0]["from_a_newer_app"] = True
    assert schema_from_json(newer) is not None
