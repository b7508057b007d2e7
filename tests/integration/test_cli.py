"""``replicate-desktop generate`` against the fake server (served from a background thread)."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from desktop_app.cli import run_generate
from tests.fake_replicate import FakeReplicate, Script
from tests.fake_replicate.images import make_png

from .helpers import FLUX, LLAMA, ThreadedFake

PLAYGROUND = "playgroundai/playground-v2.5-1024px-aesthetic"
SENTENCE = "The quick brown fox jumps over the lazy dog."


class Run:
    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.code, self.stdout, self.stderr = code, stdout, stderr


def cli(*argv: str) -> Run:
    out, err = io.StringIO(), io.StringIO()
    code = run_generate(list(argv), stdout=out, stderr=err)
    return Run(code, out.getvalue(), err.getvalue())


@pytest.fixture
def fake(threaded_fake: ThreadedFake, monkeypatch: pytest.MonkeyPatch) -> FakeReplicate:
    """The threaded fake, with the CLI's environment pointing at it."""
    monkeypatch.setenv("REPLICATE_API_TOKEN", threaded_fake.fake.token)
    monkeypatch.setenv("REPLICATE_API_BASE_URL", threaded_fake.fake.base_url)
    return threaded_fake.fake


def set_script(threaded_fake: ThreadedFake, model: str, script: Script) -> None:
    threaded_fake.call(lambda: threaded_fake.fake.set_script(model, script))


def test_text_streams_to_stdout(fake: FakeReplicate) -> None:
    run = cli("llama-3-70b", "Say something")

    assert run.code == 0, run.stderr
    assert run.stdout == SENTENCE + "\n"
    (prediction_id,) = fake.predictions
    lines = run.stderr.splitlines()
    assert lines[0] == "starting…"
    assert lines[1] == f"Started {LLAMA} ({prediction_id})"
    assert lines[-1].startswith("Done in ")
    assert lines[-1].endswith(" s of model time.")
    assert fake.requests_to("GET", "/stream/")


@pytest.mark.parametrize(("model", "full_name", "extension", "pil_format"),
                         [("flux-schnell", FLUX, "png", "PNG"), ("playground-v2.5", PLAYGROUND, "webp", "WEBP")])
def test_image_is_saved_with_the_served_type(fake: FakeReplicate, tmp_path: Path, model: str, full_name: str,
                                             extension: str, pil_format: str) -> None:
    out = tmp_path / "pictures"
    run = cli(model, "A red fox, at dusk!", "--out", str(out))

    assert run.code == 0, run.stderr
    (saved,) = out.iterdir()
    assert run.stdout == f"{saved}\n"
    assert saved.suffix == f".{extension}"
    assert "a-red-fox-at-dusk" in saved.name
    (prediction,) = fake.predictions.values()
    assert prediction.model.full_name == full_name
    content_type, data = prediction.files[f"out-0.{extension}"]
    assert content_type == f"image/{extension}"
    assert saved.read_bytes() == data
    with Image.open(saved) as image:
        assert image.format == pil_format


def test_inputs_are_typed_from_json(fake: FakeReplicate, tmp_path: Path) -> None:
    run = cli("flux-schnell", "typed", "-i", "steps=4", "-i", "flag=true", "-i", "name=hello",
              "-i", "ratio=1.5", "-i", "seed=12", "--out", str(tmp_path))

    assert run.code == 0, run.stderr
    (create,) = fake.requests_to("POST", "/v1/models/")
    assert create.json == {"input": {"prompt": "typed", "steps": 4, "flag": True, "name": "hello", "ratio": 1.5,
                                     "seed": 12}}
    assert create.body.count(b'"steps": 4') == 1  # a number on the wire, not the text "4"


def test_json_lines(fake: FakeReplicate, tmp_path: Path) -> None:
    text_run = cli("llama-3-70b", "hi", "--json")
    image_run = cli("flux-schnell", "hi", "--json", "--out", str(tmp_path))

    assert text_run.code == image_run.code == 0
    text_events = [json.loads(line) for line in text_run.stdout.splitlines()]
    names = [event["event"] for event in text_events]
    assert names[0] == "progress"
    assert names[1] == "started"
    assert names[-1] == "completed"
    assert {"logsappended", "textdelta"} <= set(names)
    assert "".join(event["text"] for event in text_events if event["event"] == "textdelta") == SENTENCE
    assert text_events[1]["model"] == LLAMA
    assert text_events[-1]["metrics"]["predict_time"] > 0

    image_events = [json.loads(line) for line in image_run.stdout.splitlines()]
    names = [event["event"] for event in image_events]
    assert names[-2:] == ["image_saved", "completed"]
    saved = image_events[-2]
    assert Path(saved["path"]).is_file()
    assert saved["bytes"] == Path(saved["path"]).stat().st_size
    assert saved["url"].startswith(f"{fake.root_url}/files/")


@pytest.mark.parametrize("argv", [
    ("not a model", "hi"),
    ("flux-schnell", "   "),
    ("flux-schnell", "hi", "-i", "novalue"),
    ("flux-schnell", "hi", "-i", "=3"),
    ("flux-schnell",),
    ("flux-schnell", "hi", "--max-attempts", "0"),
])
def test_usage_errors_exit_2_before_any_request(fake: FakeReplicate, argv: tuple[str, ...]) -> None:
    run = cli(*argv)

    assert run.code == 2, run.stderr
    assert run.stderr.strip()
    assert fake.requests == []


BAD_VERSION = "acme/slow-image:abc123"


def _free_check_cases(tmp: Path) -> list[tuple[list[str], str]]:
    """(argv, what stderr must say) for mistakes the CLI can see without asking anyone."""
    a_file = tmp / "a-file.png"
    a_file.write_bytes(b"not a folder")
    return [
        (["flux-schnell", "hi", "--out", str(a_file)], f"The output folder {a_file} is a file, not a folder."),
        (["flux-schnell", "hi", "--out", str(a_file / "sub")],
         f"The output folder {a_file / 'sub'} cannot be created: {a_file} is a file, not a folder."),
        (["acme/slow-image", "hi", "--out", "/sys/replicate-desktop-test/out"],
         "cannot be created in /sys: permission denied."),
        (["flux-schnell", "hi", "--delay", "inf"], "--delay must be a number of seconds above 0 and at most 3600"),
        (["flux-schnell", "hi", "--delay", "nan"], "got nan."),
        (["flux-schnell", "hi", "--delay", "0"], "got 0."),
        (["flux-schnell", "hi", "--delay", "-1"], "got -1."),
        (["flux-schnell", "hi", "--max-attempts", "-3"], "--max-attempts must be at least 1, got -3."),
        (["flux-schnell", "hi", "-i", "guidance=NaN"], "-i guidance=NaN: numbers must be finite"),
        (["flux-schnell", "hi", "-i", "sizes=[1, Infinity]"], "-i sizes=[1, Infinity]: numbers must be finite"),
        (["flux-schnell", "hi", "-i", "scale=1e999"], "-i scale=1e999: numbers must be finite"),
        (["flux-schnell", "hi", "-i", "seed=1", "-i", "seed=2"], "-i seed is given twice"),
        ([BAD_VERSION, "hi"], "a version is 64 hexadecimal characters (0-9, a-f), but 'abc123' is 6 characters long."),
        (["flux-schnell", "hi", "-i", f"image=@{tmp / 'missing.png'}"],
         f"-i image=@{tmp / 'missing.png'}: there is no file at {tmp / 'missing.png'}."),
        (["flux-schnell", "hi", "-i", f"image=@{tmp}"], f"-i image=@{tmp}: {tmp} is a folder, not a file."),
        (["flux-schnell", "hi", "-i", "image=@"], "-i image=@ needs a file name after the @."),
    ]


def test_free_checks_fail_before_any_request(fake: FakeReplicate, tmp_path: Path) -> None:
    for argv, said in _free_check_cases(tmp_path):
        run = cli(*argv)

        assert (run.code, run.stdout) == (2, ""), (argv, run.stderr)
        assert fake.requests == [], argv  # nothing created, nothing uploaded: not a cent spent
        (line,) = run.stderr.splitlines()
        assert line.startswith("replicate-desktop generate: "), line
        assert said in line, (said, line)
        assert "Traceback" not in run.stderr
        assert line.endswith("."), line


def test_folder_checks_leave_nothing_behind(fake: FakeReplicate, tmp_path: Path) -> None:
    out = tmp_path / "new" / "folder"

    run = cli("flux-schnell", "hi", "--out", str(out))

    assert run.code == 0, run.stderr
    (saved,) = out.iterdir()  # created only when the image was saved; no probe file is left behind
    assert saved.suffix == ".png"
    assert [path.name for path in tmp_path.iterdir()] == ["new"]


def test_out_is_not_checked_for_a_text_model(fake: FakeReplicate, tmp_path: Path) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("text models save nothing")

    run = cli("llama-3-70b", "hi", "--out", str(a_file))

    assert run.code == 0, run.stderr
    assert run.stdout == SENTENCE + "\n"


def test_a_small_file_input_goes_inline(fake: FakeReplicate, tmp_path: Path) -> None:
    photo = tmp_path / "photo.png"
    photo.write_bytes(make_png(8, 8))

    run = cli("flux-schnell", "edit this", "-i", f"image=@{photo}", "--out", str(tmp_path / "out"))

    assert run.code == 0, run.stderr
    (create,) = fake.requests_to("POST", "/v1/models/")
    assert create.json is not None
    assert create.json["input"]["image"] == "data:image/png;base64," + base64.b64encode(photo.read_bytes()).decode()
    assert fake.requests_to("POST", "/v1/files") == []


def test_a_large_file_input_is_uploaded_before_the_prediction(fake: FakeReplicate, tmp_path: Path) -> None:
    clip = tmp_path / "clip.wav"
    clip.write_bytes(bytes(range(256)) * 1200)  # 300 KB: above the 256 KB inline limit

    run = cli("flux-schnell", "hear this", "-i", f"audio=@{clip}", "--out", str(tmp_path / "out"))

    assert run.code == 0, run.stderr
    assert [(r.method, r.path.split("/")[2]) for r in fake.requests[:2]] == [("POST", "files"), ("POST", "models")]
    (stored,) = fake.catalogue.files.values()
    assert stored.data == clip.read_bytes()
    (create,) = fake.requests_to("POST", "/v1/models/")
    assert create.json is not None
    assert create.json["input"]["audio"] == f"{fake.base_url}/files/{stored.id}"


def test_no_token_exits_3(fake: FakeReplicate, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REPLICATE_API_TOKEN")

    run = cli("flux-schnell", "hi")

    assert run.code == 3
    assert "REPLICATE_API_TOKEN" in run.stderr
    assert fake.requests == []


def test_wrong_token_exits_3_without_showing_it(fake: FakeReplicate, monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = "r8_notTheRightOne0123456789abcdefghijklm"
    monkeypatch.setenv("REPLICATE_API_TOKEN", wrong)

    run = cli("flux-schnell", "hi", "--json")

    assert run.code == 3
    assert "token was refused" in run.stderr
    assert wrong not in run.stderr + run.stdout
    error = json.loads(run.stdout.splitlines()[-1])
    assert (error["event"], error["exit_code"]) == ("error", 3)


def test_failed_prediction_exits_4(threaded_fake: ThreadedFake, fake: FakeReplicate) -> None:
    set_script(threaded_fake, LLAMA, Script(kind="text", official=True, end="failed",
                                            error="RuntimeError: the model fell over"))

    run = cli("llama-3-70b", "hi")

    assert run.code == 4
    assert "The model failed: RuntimeError: the model fell over" in run.stderr


def test_canceled_prediction_exits_4(threaded_fake: ThreadedFake, fake: FakeReplicate) -> None:
    set_script(threaded_fake, FLUX, Script(kind="image", official=True, end="canceled"))

    run = cli("flux-schnell", "hi")

    assert run.code == 4
    assert "canceled" in run.stderr


def test_timeout_exits_5_and_cancels(threaded_fake: ThreadedFake, fake: FakeReplicate, tmp_path: Path) -> None:
    threaded_fake.call(lambda: setattr(fake, "wait_window", 0.1))  # the held create comes back unfinished

    run = cli("acme/slow-image", "slow", "--max-attempts", "2", "--delay", "0.1", "--out", str(tmp_path))

    assert run.code == 5, run.stderr
    assert "No result after 2 attempts" in run.stderr
    (prediction_id,) = fake.predictions
    polls = fake.requests_to("GET", f"/v1/predictions/{prediction_id}")
    # 2 × 0.1 s of polling, as often as the budget allows (one every 0.102 s): the last at or after 0.2 s
    assert 2 <= len(polls) <= 4
    assert fake.requests_to("GET", "/stream/") == []
    assert [request.path for request in fake.requests_to("POST", "/v1/predictions/")] == [
        f"/v1/predictions/{prediction_id}/cancel"
    ]


def test_progress_goes_to_stderr(threaded_fake: ThreadedFake, fake: FakeReplicate, tmp_path: Path) -> None:
    set_script(threaded_fake, "acme/slow-image", Script(kind="image", steps=10, step_time=0.05))
    threaded_fake.call(lambda: setattr(fake, "wait_window", 0.1))  # the held create comes back unfinished

    run = cli("acme/slow-image", "slow", "--delay", "0.05", "--out", str(tmp_path))

    assert run.code == 0, run.stderr
    percents = [int(line.split(": ")[1].rstrip(" %")) for line in run.stderr.splitlines()
                if line.startswith("processing: ") and line.endswith(" %")]
    assert percents
    assert percents == sorted(percents)
    assert "%" not in run.stdout
    (saved,) = tmp_path.iterdir()
    assert run.stdout == f"{saved}\n"


def test_python_dash_m_generate(threaded_fake: ThreadedFake, tmp_path: Path) -> None:
    fake = threaded_fake.fake
    env: dict[str, Any] = {**os.environ, "REPLICATE_API_TOKEN": fake.token, "REPLICATE_API_BASE_URL": fake.base_url}

    done = subprocess.run([sys.executable, "-m", "desktop_app", "generate", "llama-3-70b", "hello"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=60, check=False)
    failed = subprocess.run([sys.executable, "-m", "desktop_app", "generate", "nobody/nothing", "hello"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False)

    assert (done.returncode, done.stdout) == (0, SENTENCE + "\n"), done.stderr
    assert "Started" in done.stderr
    assert failed.returncode == 3
    assert "nobody/nothing" in failed.stderr
