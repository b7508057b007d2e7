"""A batch survives quitting as it was checked: its jobs are sent after a restart with the schemas they were
checked against (a model without a prompt, files in their input), and a job that sent a file is found again when
its create's answer was lost — Replicate echoes the file as a URL of its own — instead of being created twice."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from desktop_app.replicate import SentCreate, find_lost_prediction
from desktop_app.session.jobs import BatchSpec, expand
from desktop_app.session.lost_creates import FILE_SENT
from tests.fake_replicate import FakeReplicate, Script
from tests.fake_replicate.fault_kinds import Reset, Stall

from .helpers import until
from .queue_helpers import idle, queue_over

UPSCALE = "nightmareai/real-esrgan"
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGP4DwABAQEAWk1v8QAAAABJRU5ErkJggg==")


def upscaler(fake: FakeReplicate) -> None:
    fake.set_script(UPSCALE, Script(kind="image", task="upscale", output_kind="single", official=True))


def photos(folder: Path, count: int, *, size: int | None = None) -> tuple[Path, ...]:
    folder.mkdir(exist_ok=True)
    paths = []
    for index in range(count):
        path = folder / f"photo-{index}.png"
        path.write_bytes(PIXEL if size is None else PIXEL + bytes([index]) * size)
        paths.append(path)
    return tuple(paths)


def creates(fake: FakeReplicate) -> int:
    return len(fake.requests_to("POST", f"/v1/models/{UPSCALE}/predictions"))


async def test_a_promptless_batch_added_before_quitting_runs_after_a_restart(
        fake_replicate: FakeReplicate, http: aiohttp.ClientSession, tmp_path: Path) -> None:
    upscaler(fake_replicate)
    path = tmp_path / "q.sqlite3"
    files = photos(tmp_path / "in", 2)
    async with queue_over(fake_replicate, http, path, start=False) as queued:
        await queued.queue.add_checked(expand(BatchSpec(UPSCALE, {"scale": 2}, file_key="image", files=files)))
    assert fake_replicate.predictions == {}  # quit before anything ran
    async with queue_over(fake_replicate, http, path) as queued:  # a new process: nothing in memory
        await idle(queued.queue)
        jobs = queued.queue.board.jobs()
        assert [job.state for job in jobs] == ["succeeded", "succeeded"], [job.error for job in jobs]
    sent = [request.json["input"] for request in fake_replicate.requests_to("POST", f"/v1/models/{UPSCALE}/")
            if request.json]
    assert len(sent) == 2
    assert all(set(item) == {"image", "scale"} and item["scale"] == 2 for item in sent)  # no prompt: none sent
    assert all(str(item["image"]).startswith("data:image/png;base64,") for item in sent)


async def test_a_lost_create_of_a_job_that_sent_a_file_is_found_not_sent_twice(
        fake_replicate: FakeReplicate, http: aiohttp.ClientSession, tmp_path: Path) -> None:
    upscaler(fake_replicate)
    fake_replicate.inputs_as_files = True  # the echo shows Replicate's copy of the file, not the data: URI sent
    fake_replicate.faults.add("create", Reset(after_bytes=10))
    async with queue_over(fake_replicate, http, tmp_path / "q.sqlite3") as queued:
        await queued.queue.add_checked(expand(BatchSpec(UPSCALE, file_key="image", files=photos(tmp_path, 1))))
        await idle(queued.queue)
        (job,) = queued.queue.board.jobs()
    assert len(fake_replicate.faults.applied) == 1
    assert job.state == "succeeded", job.error
    assert creates(fake_replicate) == 1 and list(fake_replicate.predictions) == [job.prediction_id]
    echoed = fake_replicate.predictions[job.prediction_id or ""].input["image"]
    assert echoed.startswith(fake_replicate.root_url + "/files/")


async def test_a_lost_create_of_a_job_that_uploaded_its_file_is_found_not_sent_twice(
        fake_replicate: FakeReplicate, http: aiohttp.ClientSession, tmp_path: Path) -> None:
    upscaler(fake_replicate)
    fake_replicate.inputs_as_files = True
    fake_replicate.faults.add("create", Reset(after_bytes=10))
    big = photos(tmp_path, 1, size=300 * 1024)  # over the 256 KB of a data: URI: uploaded with the Files API
    async with queue_over(fake_replicate, http, tmp_path / "q.sqlite3") as queued:
        await queued.queue.add_checked(expand(BatchSpec(UPSCALE, file_key="image", files=big)))
        await idle(queued.queue)
        (job,) = queued.queue.board.jobs()
    assert job.state == "succeeded", job.error
    assert len(fake_replicate.requests_to("POST", "/v1/files")) == 1
    (request,) = fake_replicate.requests_to("POST", f"/v1/models/{UPSCALE}/predictions")
    assert request.json is not None and "/v1/files/" in request.json["input"]["image"]
    assert list(fake_replicate.predictions) == [job.prediction_id]


async def test_a_file_jobs_create_left_unanswered_when_the_app_stopped_is_found_after_a_restart(
        fake_replicate: FakeReplicate, http: aiohttp.ClientSession, tmp_path: Path) -> None:
    upscaler(fake_replicate)
    fake_replicate.inputs_as_files = True
    fake_replicate.faults.add("create", Stall(30))  # made on the server; its answer never comes back in time
    path = tmp_path / "q.sqlite3"
    async with queue_over(fake_replicate, http, path) as queued:
        await queued.queue.add_checked(expand(BatchSpec(UPSCALE, file_key="image", files=photos(tmp_path, 1))))
        await until(lambda: len(fake_replicate.predictions) == 1, message="the create made on the server")
        (stopped,) = queued.store.jobs()
        assert stopped.state == "creating" and stopped.prediction_id is None and stopped.sent_input is not None
    # the app stopped while the create was unanswered; the next start looks for it before sending anything
    async with queue_over(fake_replicate, http, path) as queued:
        await idle(queued.queue)
        (job,) = queued.queue.board.jobs()
    assert job.state == "succeeded", job.error
    assert creates(fake_replicate) == 1
    assert list(fake_replicate.predictions) == [job.prediction_id]


async def test_a_jobs_prediction_is_never_taken_by_another_lost_create_of_the_process(
        fake_replicate: FakeReplicate, http: aiohttp.ClientSession, tmp_path: Path) -> None:
    upscaler(fake_replicate)
    fake_replicate.inputs_as_files = True
    since = datetime.now(UTC) - timedelta(minutes=1)
    async with queue_over(fake_replicate, http, tmp_path / "q.sqlite3") as queued:
        await queued.queue.add_checked(expand(BatchSpec(UPSCALE, file_key="image", files=photos(tmp_path, 1))))
        await idle(queued.queue)
        (job,) = queued.queue.board.jobs()
        assert job.state == "succeeded" and job.prediction_id in fake_replicate.predictions
        # a chat run sending the same input whose answer was lost must not mistake the job's prediction for its own
        same = SentCreate(UPSCALE, None, {"image": FILE_SENT}, since)
        assert await find_lost_prediction(queued.client, same) is None
