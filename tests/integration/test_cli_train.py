"""``replicate-desktop train`` end to end against the fake server (on its own thread): exit codes as ``generate``,
free checks before anything is sent, Ctrl+C cancels on Replicate, and a killed run is picked up again by its id."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from desktop_app.cli_train import run_train
from desktop_app.storage import AppPaths, TrainingsStore
from tests.fake_replicate import FakeReplicate
from tests.fake_replicate.training_run import TrainingScript
from tests.fake_replicate.trainings import FLUX_TRAINER

from .helpers import ThreadedFake


class Result:
    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.code, self.stdout, self.stderr = code, stdout, stderr


def cli(*argv: str) -> Result:
    out, err = io.StringIO(), io.StringIO()
    code = run_train(list(argv), stdout=out, stderr=err)
    return Result(code, out.getvalue(), err.getvalue())


def photos(folder: Path, count: int = 3) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        buffer = io.BytesIO()
        Image.new("RGB", (40, 40), (200, index * 60, 10)).save(buffer, "PNG")
        (folder / f"shoe-{index}.png").write_bytes(buffer.getvalue())
    return folder


@pytest.fixture
def fake(threaded_fake: ThreadedFake, monkeypatch: pytest.MonkeyPatch) -> FakeReplicate:
    monkeypatch.setenv("REPLICATE_API_TOKEN", threaded_fake.fake.token)
    monkeypatch.setenv("REPLICATE_API_BASE_URL", threaded_fake.fake.base_url)
    threaded_fake.call(lambda: threaded_fake.fake.trainings.add_trainer())
    return threaded_fake.fake


def trainer(fake: FakeReplicate) -> str:
    return f"{FLUX_TRAINER}:{fake.models[FLUX_TRAINER].version}"


def posts(fake: FakeReplicate) -> list[str]:
    return [r.path for r in fake.requests if r.method == "POST"]


def release_after_a_poll_while_processing(server: ThreadedFake, held: asyncio.Event) -> threading.Thread:
    """Opens ``held`` once the CLI has looked at a training that was already processing (so that a busy machine
    cannot let the whole training pass between two polls)."""
    fake = server.fake

    def watch() -> None:
        deadline = time.monotonic() + 60
        seen: int | None = None
        while time.monotonic() < deadline:
            running = [t for t in list(fake.trainings.trainings.values()) if t.status == "processing"]
            if running:
                polls = len(fake.requests_to("GET", f"/v1/trainings/{running[0].id}"))
                if seen is None:
                    seen = polls
                elif polls > seen:
                    break
            time.sleep(0.01)
        server.call(held.set)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_train_from_photos_prints_the_new_version(fake: FakeReplicate, threaded_fake: ThreadedFake,
                                                  tmp_path: Path) -> None:
    held = threaded_fake.call(asyncio.Event)
    fake.trainings.scripts[FLUX_TRAINER] = TrainingScript(gate=held, gate_after=2)
    watcher = release_after_a_poll_while_processing(threaded_fake, held)
    run = cli(trainer(fake), str(photos(tmp_path / "shoes")), "--destination", "fake-user/shoes",
              "--create-destination", "-i", "trigger_word=SHOE", "-i", "steps=200", "--poll-interval", "0.05")

    watcher.join(60)
    assert run.code == 0, run.stderr
    version = fake.models["fake-user/shoes"].version
    assert run.stdout == f"fake-user/shoes:{version}\n"
    lines = run.stderr.splitlines()
    assert lines[0] == "Pack 3 photos (0 with captions, 0.0 MB) into a zip and upload it to Replicate."
    assert lines[1] == "Create the private model fake-user/shoes on gpu-h100."
    assert lines[3].startswith("Cost: about $0.37 (estimate: Nvidia H100")
    assert "Created the model fake-user/shoes." in lines
    assert any(line.startswith("Started training ") for line in lines)
    assert any(line.startswith("processing:") and " %" in line for line in lines)
    assert lines[-1] == f'Try it: replicate-desktop generate fake-user/shoes:{version} "a photo of SHOE"'
    (training,) = fake.trainings.trainings.values()
    assert training.input["trigger_word"] == "SHOE" and training.input["steps"] == 200


def test_json_lines(fake: FakeReplicate, tmp_path: Path) -> None:
    threaded = fake.trainings
    threaded.add_model("fake-user/shoes")
    run = cli(trainer(fake), "https://example.test/shoes.zip", "-d", "fake-user/shoes", "--json",
              "--poll-interval", "0.05")

    assert run.code == 0, run.stderr
    events = [json.loads(line) for line in run.stdout.splitlines()]
    assert events[0]["event"] == "plan" and events[0]["estimate_is_an_estimate"] is True
    kinds = [event["event"] for event in events]
    assert kinds[1] == "data_ready" and kinds[2] == "training_begun" and kinds[-1] == "training_succeeded"
    assert "training_status" in kinds
    assert events[-1]["version"].startswith("fake-user/shoes:")


@pytest.mark.parametrize(("argv", "sentence"), [
    (["TRAINER", "{empty}", "-d", "fake-user/x", "--create-destination"], "is empty"),
    (["TRAINER", "{notes}", "-d", "fake-user/x", "--create-destination"], "There are no JPEG, PNG or WebP photos"),
    (["TRAINER", "{photos}", "-d", "fake-user/nowhere"], "does not exist: create it"),
    (["TRAINER", "{photos}", "-d", "stability-ai/sdxl"], "belongs to stability-ai"),
    ([f"black-forest-labs/flux-schnell:{'f2ab8a5bfe79f02f0789a146cf5e73d2a4ff2684a98c2b303d1e1ff3814271db'}",
      "{photos}", "-d", "fake-user/x", "--create-destination"], "does not train"),
    (["TRAINER", "{photos}", "-d", "fake-user/taken", "--create-destination"], "taken already"),
    (["ostris/flux-dev-lora-trainer", "{photos}", "-d", "fake-user/x"], "needs its version"),
    (["TRAINER", "{photos}"], "--destination owner/name is required"),
    (["TRAINER", "{photos}", "-d", "fake-user/x", "-i", "steps=2"], "Steps must be at least 3"),
    (["TRAINER", "{photos}", "-d", "fake-user/x", "--timeout", "1s"], "--timeout"),
    (["TRAINER", "{photos}", "-d", "fake-user/x", "-i", "input_images=@/etc/hostname"], "take no local files"),
    (["TRAINER", "{photos}", "-d", "fake-user/x", "--hardware", "gpu-t4"], "add --create-destination"),
])
def test_bad_input_exits_2_before_anything_is_sent(fake: FakeReplicate, tmp_path: Path, argv: list[str],
                                                   sentence: str) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "readme.md").write_text("hello")
    fake.trainings.add_model("fake-user/taken")
    places = {"{empty}": str(tmp_path / "empty"), "{notes}": str(tmp_path / "notes"),
              "{photos}": str(photos(tmp_path / "photos")), "TRAINER": trainer(fake)}

    run = cli(*[places.get(item, item) for item in argv])

    assert run.code == 2, run.stderr
    assert sentence in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert posts(fake) == []
    assert fake.token not in run.stderr + run.stdout


def test_a_failed_training_exits_4(fake: FakeReplicate, tmp_path: Path) -> None:
    fake.trainings.scripts[FLUX_TRAINER] = TrainingScript(end="failed", error="NaN loss at step 3")
    run = cli(trainer(fake), str(photos(tmp_path / "p")), "-d", "fake-user/x", "--create-destination",
              "--poll-interval", "0.05")

    assert run.code == 4
    assert "Error: The training failed: NaN loss at step 3" in run.stderr
    assert run.stdout == ""


def test_a_timeout_exits_5_and_cancels(fake: FakeReplicate, threaded_fake: ThreadedFake, tmp_path: Path) -> None:
    held = threaded_fake.call(asyncio.Event)
    fake.trainings.scripts[FLUX_TRAINER] = TrainingScript(gate=held)
    run = cli(trainer(fake), str(photos(tmp_path / "p")), "-d", "fake-user/x", "--create-destination",
              "--poll-interval", "0.05", "--timeout", "5s")
    threaded_fake.call(held.set)

    assert run.code == 5, run.stderr
    assert "did not finish within 5 s" in run.stderr and "It was canceled on Replicate." in run.stderr
    (training,) = fake.trainings.trainings.values()
    assert training.status == "canceled"


def _start_cli(fake: FakeReplicate, tmp_path: Path, *extra: str) -> subprocess.Popen[str]:
    env: dict[str, Any] = {**os.environ, "REPLICATE_API_TOKEN": fake.token, "REPLICATE_API_BASE_URL": fake.base_url}
    return subprocess.Popen([sys.executable, "-m", "desktop_app", "train", trainer(fake),
                             str(photos(tmp_path / "p")), "-d", "fake-user/x", "--create-destination",
                             "--poll-interval", "0.05", *extra],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_training(fake: FakeReplicate, process: subprocess.Popen[str]) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        running = [t for t in list(fake.trainings.trainings.values()) if t.status == "processing"]
        polled = running and fake.requests_to("GET", f"/v1/trainings/{running[0].id}")
        if polled:
            return running[0].id
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    raise AssertionError("the CLI never started following a training")


def test_ctrl_c_cancels_the_training_on_replicate_and_exits_130(fake: FakeReplicate, threaded_fake: ThreadedFake,
                                                                 tmp_path: Path) -> None:
    held = threaded_fake.call(asyncio.Event)
    fake.trainings.scripts[FLUX_TRAINER] = TrainingScript(gate=held)
    process = _start_cli(fake, tmp_path)
    training_id = _wait_for_training(fake, process)

    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    threaded_fake.call(held.set)

    assert process.returncode == 130, stderr
    assert "Interrupted; the training was canceled on Replicate." in stderr
    assert fake.trainings.trainings[training_id].status == "canceled"
    assert stdout == ""


def test_a_killed_cli_run_is_picked_up_again_by_its_id(fake: FakeReplicate, threaded_fake: ThreadedFake,
                                                       tmp_path: Path) -> None:
    held = threaded_fake.call(asyncio.Event)
    fake.trainings.scripts[FLUX_TRAINER] = TrainingScript(gate=held)
    process = _start_cli(fake, tmp_path)
    training_id = _wait_for_training(fake, process)
    process.kill()  # no clean-up at all: a crash
    process.communicate(timeout=60)
    assert fake.trainings.trainings[training_id].status == "processing"
    store = TrainingsStore(AppPaths.default().data_dir / "trainings.db")
    try:
        (record,) = store.unfinished()
    finally:
        store.close()
    assert record.training_id == training_id and record.destination == "fake-user/x"
    threaded_fake.call(held.set)

    run = cli("--resume", training_id, "--poll-interval", "0.05")

    assert run.code == 0, run.stderr
    assert run.stdout == f"fake-user/x:{fake.models['fake-user/x'].version}\n"
    assert f"Following training {training_id}" in run.stderr
    assert fake.requests_to("POST", f"/v1/trainings/{training_id}/cancel") == []
