"""``replicate-desktop generate --deadline``: checked before anything is sent, sent as ``Cancel-After``."""

from __future__ import annotations

import io

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


@pytest.mark.parametrize(("deadline", "sentence"), [
    ("2s", "The deadline 2s is shorter than Replicate's minimum of 5 seconds (leave it empty for no deadline)."),
    ("next week", "The deadline 'next week' is not a duration such as 30s, 5m or 1h30m."),
])
def test_a_bad_deadline_exits_2_with_one_sentence_before_any_request(
    fake: FakeReplicate, deadline: str, sentence: str
) -> None:
    code, out, err = cli("flux-schnell", "hi", "--deadline", deadline)

    assert code == 2
    assert err == f"replicate-desktop generate: {sentence}\n"
    assert out == ""
    assert fake.requests == []


def test_the_deadline_is_sent_with_the_create(fake: FakeReplicate) -> None:
    code, _, err = cli("llama-3-70b", "hi", "--deadline", "90")

    assert code == 0, err
    (create,) = fake.requests_to("POST", "/v1/models/")
    assert create.header("Cancel-After") == "1m30s"
