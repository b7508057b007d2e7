"""Queue promises the matrix's rows do not reach on their own: Ctrl+C on the command line while a create has no
answer yet (the prediction it made is found and canceled before the command exits), and a retry of a job whose
outputs Replicate no longer holds (a new run, since following the old one would keep nothing)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

import desktop_app
from desktop_app.session.jobs import JobSpec
from desktop_app.storage.queue_store import QueueStore
from tests.fake_replicate import FakeReplicate, Script
from tests.fake_replicate.faults import MalformedPrediction, Stall, Status
from tests.integration.helpers import ThreadedFake

from .queue_flows import IMAGE, QueueEnv, open_queue, prepare
from .queue_judge import JobEnd, made_for, served

ROOT = Path(desktop_app.__file__).resolve().parent.parent


def test_ctrl_c_while_a_create_is_unanswered_cancels_what_it_made(threaded_fake: ThreadedFake,
                                                                   tmp_path: Path) -> None:
    fake = threaded_fake.fake
    threaded_fake.call(lambda: prepare(fake))
    gate = threaded_fake.call(asyncio.Event)  # never set: whatever runs would run on
    threaded_fake.call(lambda: fake.set_script(IMAGE, Script(kind="image", official=True, stream=False, gate=gate,
                                                             gate_after=1)))
    threaded_fake.call(lambda: fake.faults.add("create", Stall(20)))  # made on the server, its answer held
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("held one\nnever sent\n", encoding="utf-8")
    env = {**os.environ, "REPLICATE_API_TOKEN": fake.token, "REPLICATE_API_BASE_URL": fake.base_url}
    argv = [sys.executable, "-m", "desktop_app", "batch", IMAGE, "--prompts", str(prompts), "--out", str(tmp_path),
            "--concurrency", "1"]
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not fake.predictions:
        time.sleep(0.02)
    assert fake.predictions, "the create never reached the server"
    process.send_signal(signal.SIGINT)
    _stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert [p.status for p in list(fake.predictions.values())] == ["canceled"]  # found and canceled before the exit
    assert "2 canceled" in stderr and "Traceback" not in stderr


async def test_a_retry_runs_again_when_replicate_no_longer_holds_the_outputs(
        fake_replicate: FakeReplicate, session: aiohttp.ClientSession, tmp_path: Path) -> None:
    env = QueueEnv(fake_replicate, session, tmp_path, Status(404), 1)
    prepare(fake_replicate)
    fake_replicate.faults.add("download", Status(404))
    key = (IMAGE, "a lighthouse")
    with QueueStore.open(tmp_path / "queue.sqlite3") as store:
        async with open_queue(env, store) as queue:
            record = await queue.add_checked([JobSpec(IMAGE, {"prompt": key[1]})])
            queue.start()
            await queue.wait_idle()
            (failed,) = store.jobs(batch_id=record.id)
            assert failed.state == "failed" and "could not be downloaded" in (failed.error or "")
            assert failed.outputs == [] and failed.prediction_id in fake_replicate.predictions  # nothing kept, paid
            # an hour later: Replicate has removed the run's outputs, so only a new run can give them
            fake_replicate.faults.add("poll", MalformedPrediction(set={"data_removed": True, "output": None}))
            queue.retry_failed(record.id)
            await queue.wait_idle()
            (again,) = store.jobs(batch_id=record.id)
            made = made_for(fake_replicate, key)
            assert again.state == "succeeded" and len(made) == 2
            assert again.prediction_id == made[1].id != failed.prediction_id
            assert JobEnd.of(again).kept == served(made[1])
