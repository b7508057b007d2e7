"""``replicate-desktop batch`` against the fake server: every output saved, JSON lines per job event, a summary,
free checks before any request, exit codes as for ``generate`` — and a batch killed mid-way (SIGKILL, a create
left without its answer) taken up again by the same command, every job run exactly once."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import desktop_app
from desktop_app.cli_batch import STORE_NAME, run_batch
from desktop_app.cli_batch_parts import lock_folder
from tests.fake_replicate import FakeReplicate, Script
from tests.fake_replicate.fault_kinds import Stall

from .helpers import FLUX, ThreadedFake

ROOT = Path(desktop_app.__file__).resolve().parent.parent


class Result:
    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.code, self.stdout, self.stderr = code, stdout, stderr

    def json_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stdout.splitlines()]


def batch(*argv: str) -> Result:
    out, err = io.StringIO(), io.StringIO()
    code = run_batch(list(argv), stdout=out, stderr=err)
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture
def fake(threaded_fake: ThreadedFake, monkeypatch: pytest.MonkeyPatch) -> FakeReplicate:
    monkeypatch.setenv("REPLICATE_API_TOKEN", threaded_fake.fake.token)
    monkeypatch.setenv("REPLICATE_API_BASE_URL", threaded_fake.fake.base_url)
    return threaded_fake.fake


def prompts_file(tmp_path: Path, count: int) -> Path:
    path = tmp_path / "prompts.txt"
    path.write_text("".join(f"prompt number {i}\n" for i in range(count)), encoding="utf-8")
    return path


def per_prompt(fake: FakeReplicate) -> dict[str, int]:
    counts: dict[str, int] = {}
    for prediction in list(fake.predictions.values()):
        prompt = str(prediction.input["prompt"])
        counts[prompt] = counts.get(prompt, 0) + 1
    return counts


def test_a_batch_saves_every_output_and_reports_each_job_as_json(fake: FakeReplicate, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    run = batch("flux-schnell", "--prompts", str(prompts_file(tmp_path, 3)), "-n", "2", "--out", str(out), "--json")
    assert run.code == 0, run.stderr
    lines = run.json_lines()
    assert lines[0]["event"] == "estimate" and lines[0]["runs"] == 6 and lines[0]["estimate"] is True
    assert lines[0]["text"] == "~6 runs, ~$0.02 (estimate)"
    ended = [line["job"] for line in lines if line["event"] == "job" and line["job"]["state"] == "succeeded"]
    assert len(ended) == 6
    saved = [Path(line["path"]) for line in lines if line["event"] == "output"]
    assert sorted(saved) == sorted(path for path in out.iterdir() if path.suffix == ".png")
    assert len(saved) == 6
    summary = lines[-1]
    assert summary["event"] == "summary"
    assert (summary["total"], summary["succeeded"], summary["failed"]) == (6, 6, 0)
    assert summary["cost"] == pytest.approx(0.018) and summary["estimate"] is True
    assert per_prompt(fake) == {f"prompt number {i}": 2 for i in range(3)}
    seeds = {prediction.input["seed"] for prediction in fake.predictions.values()}
    assert len(seeds) == 6  # -n varies the seed of each copy


def test_text_replies_are_saved_as_text_and_a_matrix_multiplies(fake: FakeReplicate, tmp_path: Path) -> None:
    run = batch("acme/echo", "one two", "--matrix", "temperature=0.2,0.8", "--matrix", "top_p=1,0.5",
                "--out", str(tmp_path))
    assert run.code == 0, run.stderr
    texts = sorted(path.read_text(encoding="utf-8") for path in tmp_path.glob("*.txt"))
    assert texts == ["one two"] * 4
    combos = sorted((p.input["temperature"], p.input["top_p"]) for p in fake.predictions.values())
    assert combos == [(0.2, 0.5), (0.2, 1), (0.8, 0.5), (0.8, 1)]
    assert "4 runs: 4 succeeded, 0 failed, 0 canceled" in run.stderr
    assert run.stdout.count(".txt\n") == 4


def test_an_out_folder_that_does_not_exist_yet_is_made(fake: FakeReplicate, tmp_path: Path) -> None:
    out = tmp_path / "new" / "batch"
    run = batch("flux-schnell", "a red fox", "-n", "2", "--out", str(out))
    assert run.code == 0, run.stderr
    assert len(list(out.glob("*.png"))) == 2


def test_a_failed_job_makes_exit_4_with_a_summary(threaded_fake: ThreadedFake, fake: FakeReplicate,
                                                   tmp_path: Path) -> None:
    threaded_fake.call(lambda: fake.set_script(FLUX, Script(kind="image", official=True, end="failed",
                                                            error="NSFW content detected")))
    run = batch("flux-schnell", "a cat", "--out", str(tmp_path))
    assert run.code == 4
    assert "failed: a cat: The model failed: NSFW content detected" in run.stderr
    assert "1 runs: 0 succeeded, 1 failed" in run.stderr


@pytest.mark.parametrize(("argv", "message"), [
    (["flux-schnell"], "Give a PROMPT"),
    (["flux-schnell", "x", "--prompts", "p.txt"], "not both"),
    (["flux-schnell", "--prompts", "missing.txt"], "cannot be read"),
    (["flux-schnell", "x", "-n", "0"], "-n must be at least 1"),
    (["flux-schnell", "x", "--concurrency", "0"], "--concurrency must be between 1 and 50"),
    (["flux-schnell", "x", "--matrix", "steps"], "KEY=V1"),
    (["flux-schnell", "x", "--matrix", "model=flux-schnell,not a model"], "not a model"),
    (["flux-schnell", "x", "-i", "steps=4", "--matrix", "steps=1,2"], "give it once"),
    (["not/a/model", "x"], "not/a/model"),
    (["flux-schnell", "  "], "prompt is empty"),
    (["flux-schnell", "x", "--out", "file.txt"], "--out"),
    (["flux-schnell", "x", "-i", "image=@nothing.png"], "no file"),
])
def test_usage_errors_exit_2_with_one_sentence_and_send_nothing(fake: FakeReplicate, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch, argv: list[str],
                                                               message: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.txt").write_text("a\n", encoding="utf-8")
    (tmp_path / "file.txt").write_text("not a folder", encoding="utf-8")
    run = batch(*argv)
    assert run.code == 2
    assert message in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert "Traceback" not in run.stderr
    assert fake.requests == []


def test_a_matrix_over_models_checks_every_models_schema_before_creating_anything(fake: FakeReplicate,
                                                                                 tmp_path: Path) -> None:
    llama = "meta/meta-llama-3-70b-instruct"
    run = batch("flux-schnell", "a kite", "--matrix", f"model=flux-schnell,{llama}", "-i", "num_inference_steps=2",
                "--out", str(tmp_path))
    assert run.code == 2
    assert f"{llama} has no input called num_inference_steps." in run.stderr
    assert "Traceback" not in run.stderr
    assert sorted(r.path for r in fake.requests) == sorted([f"/v1/models/{FLUX}", f"/v1/models/{llama}"])
    missing = batch("flux-schnell", "a kite", "--matrix", "model=flux-schnell,acme/no-such-model", "--out",
                    str(tmp_path))
    assert missing.code == 3  # as generate's for a model Replicate does not know
    assert "acme/no-such-model" in missing.stderr and "does not exist" in missing.stderr
    assert [r for r in fake.requests if r.method == "POST"] == []  # nothing created
    both = batch("flux-schnell", "a kite", "--matrix", "model=flux-schnell,stability-ai/stable-diffusion-3", "-i",
                 "num_inference_steps=2", "--out", str(tmp_path))
    assert both.code == 0, both.stderr
    sent = sorted((p.model.full_name, p.input["num_inference_steps"]) for p in fake.predictions.values())
    assert sent == [(FLUX, 2), ("stability-ai/stable-diffusion-3", 2)]


def test_no_token_exits_3_before_any_request(fake: FakeReplicate, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REPLICATE_API_TOKEN")
    run = batch("flux-schnell", "x", "--out", str(tmp_path))
    assert run.code == 3
    assert "No Replicate API token" in run.stderr
    assert fake.requests == []


def test_a_refused_token_stops_the_batch_with_exit_3(fake: FakeReplicate, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPLICATE_API_TOKEN", "r8_wrong000000000000000000000000")
    run = batch("flux-schnell", "--prompts", str(prompts_file(tmp_path, 5)), "--concurrency", "1",
                "--out", str(tmp_path))
    assert run.code == 3
    assert "token was refused" in run.stderr
    assert [r.method for r in fake.requests] == ["GET"]  # refused reading the schema: nothing was ever sent


def test_one_folder_one_batch_at_a_time(fake: FakeReplicate, tmp_path: Path) -> None:
    with lock_folder(tmp_path / (STORE_NAME + ".lock")):
        run = batch("flux-schnell", "x", "--out", str(tmp_path))
    assert run.code == 2
    assert "Another batch is running" in run.stderr
    assert fake.requests == []


def test_another_commands_unfinished_batch_is_not_overrun(fake: FakeReplicate, tmp_path: Path) -> None:
    from desktop_app.storage.queue_store import NewJob, QueueStore

    with QueueStore.open(tmp_path / STORE_NAME) as store:
        store.add_batch("older", [NewJob(FLUX, {"prompt": "left over"})], key="another")
    run = batch("flux-schnell", "x", "--out", str(tmp_path))
    assert run.code == 2
    assert "unfinished batch of another command (1 of 1 jobs left)" in run.stderr
    assert fake.requests == []


def test_killed_mid_batch_and_run_again_every_job_runs_exactly_once(threaded_fake: ThreadedFake,
                                                                    tmp_path: Path) -> None:
    fake = threaded_fake.fake
    count = 24
    threaded_fake.call(lambda: fake.set_script(FLUX, Script(kind="image", official=True, steps=5, step_time=0.05)))
    # The 9th create is made on the server but its answer is held back: the kill lands while it is unanswered.
    threaded_fake.call(lambda: fake.faults.add("create", Stall(3), nth=9))
    out = tmp_path / "out"
    out.mkdir()
    prompts = prompts_file(tmp_path, count)
    env = {**os.environ, "REPLICATE_API_TOKEN": fake.token, "REPLICATE_API_BASE_URL": fake.base_url}
    argv = [sys.executable, "-m", "desktop_app", "batch", "flux-schnell", "--prompts", str(prompts), "--out",
            str(out), "--concurrency", "4", "--json"]
    with (tmp_path / "first.log").open("w") as log:
        first = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done = sum(p.status == "succeeded" for p in list(fake.predictions.values()))
            if fake.faults.applied and done >= 6 and first.poll() is None:
                break
            time.sleep(0.05)
        assert fake.faults.applied, (tmp_path / "first.log").read_text()
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    created_before = len(fake.predictions)
    assert created_before < count  # killed mid-batch
    second = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False)
    assert second.returncode == 0, second.stdout + second.stderr
    assert per_prompt(fake) == {f"prompt number {i}": 1 for i in range(count)}
    lines = [json.loads(line) for line in second.stdout.splitlines()]
    assert lines[0]["event"] == "note" and "Taking up the unfinished batch" in lines[0]["message"]
    assert lines[-1]["event"] == "summary" and lines[-1]["succeeded"] == count
    numbers = {path.name[:4] for path in out.glob("*.png")}
    assert numbers == {f"{i:04d}" for i in range(1, count + 1)}  # an output for every job


def test_ctrl_c_cancels_what_is_running_on_the_server(threaded_fake: ThreadedFake, tmp_path: Path) -> None:
    import asyncio

    fake = threaded_fake.fake
    gate = threaded_fake.call(asyncio.Event)
    threaded_fake.call(lambda: fake.set_script(FLUX, Script(kind="image", official=True, gate=gate, gate_after=1)))
    env = {**os.environ, "REPLICATE_API_TOKEN": fake.token, "REPLICATE_API_BASE_URL": fake.base_url}
    argv = [sys.executable, "-m", "desktop_app", "batch", "flux-schnell", "--prompts", str(prompts_file(tmp_path, 6)),
            "--out", str(tmp_path), "--concurrency", "2"]
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and sum(p.status == "processing" for p in list(fake.predictions.values())) < 2:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _stdout, stderr = process.communicate(timeout=30)
    threaded_fake.call(gate.set)
    assert process.returncode == 130, stderr
    assert "canceling the batch's predictions on Replicate" in stderr
    assert [p.status for p in fake.predictions.values()] == ["canceled", "canceled"]
    assert "0 succeeded" in stderr and "6 canceled" in stderr
