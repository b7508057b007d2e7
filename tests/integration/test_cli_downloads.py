"""``replicate-desktop generate`` saving images by streaming them to disk: retries, failures, no leftovers."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from desktop_app.cli import run_generate
from tests.fake_replicate import FakeReplicate

from .helpers import ThreadedFake


@pytest.fixture
def fake(threaded_fake: ThreadedFake, monkeypatch: pytest.MonkeyPatch) -> FakeReplicate:
    monkeypatch.setenv("REPLICATE_API_TOKEN", threaded_fake.fake.token)
    monkeypatch.setenv("REPLICATE_API_BASE_URL", threaded_fake.fake.base_url)
    return threaded_fake.fake


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_generate(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_an_image_behind_a_one_off_503_is_saved(threaded_fake: ThreadedFake, fake: FakeReplicate,
                                                tmp_path: Path) -> None:
    threaded_fake.call(lambda: fake.fail_next("GET", r"/files/\w+/out-0\.png", 503, content_type="text/html"))

    code, stdout, stderr = cli("flux-schnell", "a lighthouse", "--out", str(tmp_path))

    assert code == 0, stderr
    (saved,) = tmp_path.iterdir()
    assert stdout == f"{saved}\n" and saved.suffix == ".png"
    (prediction,) = fake.predictions.values()
    assert saved.read_bytes() == prediction.files["out-0.png"][1]
    assert len(fake.requests_to("GET", "/files/")) == 2


def test_a_failed_download_is_one_sentence_and_leaves_no_partial_file(threaded_fake: ThreadedFake,
                                                                       fake: FakeReplicate, tmp_path: Path) -> None:
    threaded_fake.call(lambda: fake.fail_next("GET", r"/files/.*", 403, content_type="text/html"))

    code, stdout, stderr = cli("flux-schnell", "a lighthouse", "--out", str(tmp_path))

    assert code == 3
    assert stdout == ""
    last = stderr.strip().splitlines()[-1]
    assert "failed: the server answered 403" in last and "Traceback" not in stderr
    assert list(tmp_path.iterdir()) == []
