"""What the headless consumers do with a corrected stream (``TextReplaced``): the CLI in text and JSON mode,
and the seed facade ``ReplicateHome.create_async_generator``."""

from __future__ import annotations

import json

import pytest

from desktop_app.replicate import Message, ReplicateHome, TextReplaced
from tests.fake_replicate import FakeReplicate, Script

from .helpers import LLAMA, ThreadedFake
from .test_cli import cli, set_script

CHUNKS = ["Once", " upon", " a", " time", "."]
EXACT = "".join(CHUNKS)
# a stream host that sends every event twice and no ids: nothing can tell the copies from real repeats
DOUBLING = Script(kind="text", official=True, chunks=CHUNKS, token_interval=0.005, stream_ids=False,
                  stream_duplicates=True)
GARBLED = "".join(chunk for chunk in CHUNKS for _ in range(2))


@pytest.fixture
def fake(threaded_fake: ThreadedFake, monkeypatch: pytest.MonkeyPatch) -> FakeReplicate:
    monkeypatch.setenv("REPLICATE_API_TOKEN", threaded_fake.fake.token)
    monkeypatch.setenv("REPLICATE_API_BASE_URL", threaded_fake.fake.base_url)
    set_script(threaded_fake, LLAMA, DOUBLING)
    return threaded_fake.fake


def test_cli_text_mode_says_so_and_prints_the_exact_reply_on_its_own_line(fake: FakeReplicate) -> None:
    run = cli("llama-3-70b", "tell a story")
    assert run.code == 0, run.stderr
    assert run.stdout == f"{GARBLED}\n{EXACT}\n"  # what was printed stays; the exact reply is the last line
    assert "the exact reply from Replicate follows" in run.stderr


def test_cli_json_mode_emits_a_textreplaced_event(fake: FakeReplicate) -> None:
    run = cli("llama-3-70b", "tell a story", "--json")
    assert run.code == 0, run.stderr
    events = [json.loads(line) for line in run.stdout.splitlines()]
    names = [event["event"] for event in events]
    replaced = [event for event in events if event["event"] == "textreplaced"]
    assert replaced == [{"event": "textreplaced", "text": EXACT}]
    assert names.index("textreplaced") < names.index("completed")
    assert "".join(event["text"] for event in events if event["event"] == "textdelta") == GARBLED


async def test_seed_facade_yields_the_correction_as_its_own_item(fake_replicate: FakeReplicate,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPLICATE_API_TOKEN", fake_replicate.token)
    monkeypatch.setenv("REPLICATE_API_BASE_URL", fake_replicate.base_url)
    fake_replicate.set_script(LLAMA, DOUBLING)
    items = [item async for item in ReplicateHome.create_async_generator(
        model="llama-3-70b", messages=[Message(role="user", content="a story")])]
    *chunks, correction = items
    assert all(isinstance(chunk, str) for chunk in chunks)
    assert "".join(str(chunk) for chunk in chunks) == GARBLED
    assert correction == TextReplaced(EXACT)
    assert str(correction) == EXACT  # code that prints each item ends with the exact reply
