"""The seed's own usage example, run as written against the fake server, and the un-awaited form."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.replicate import ImageResponse, Message, ReplicateHome
from tests.fake_replicate import FakeReplicate

from .helpers import SD3, ThreadedFake

SEED_EXAMPLE = '''\
import asyncio
from desktop_app.replicate import ReplicateHome, Message, ImageResponse

async def main():
    generator = await ReplicateHome.create_async_generator(model="sd-3", messages=[Message(role="user", content="A cat")])
    async for item in generator:
        print(item)

asyncio.run(main())
'''  # noqa: E501


def test_seed_example_runs_as_written(threaded_fake: ThreadedFake, tmp_path: Path) -> None:
    fake = threaded_fake.fake
    script = tmp_path / "seed_example.py"
    script.write_text(SEED_EXAMPLE, encoding="utf-8")
    env = {**os.environ, "REPLICATE_API_TOKEN": fake.token, "REPLICATE_API_BASE_URL": fake.base_url}

    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60, check=False)

    assert done.returncode == 0, done.stderr
    (prediction_id,) = fake.predictions
    url = f"{fake.root_url}/files/{prediction_id}/out-0.png"
    assert done.stdout == f"[![A cat]({url})]({url})\n"
    assert [(request.method, request.path) for request in fake.requests] == [
        ("POST", f"/v1/models/{SD3}/predictions"),
        ("GET", f"/v1/models/{SD3}"),
        ("POST", "/v1/predictions"),
    ]
    assert fake.requests[-1].json == {"version": fake.models[SD3].version, "input": {"prompt": "A cat"}}


async def test_plain_async_for_without_await(fake_replicate: FakeReplicate, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPLICATE_API_TOKEN", fake_replicate.token)
    monkeypatch.setenv("REPLICATE_API_BASE_URL", fake_replicate.base_url)

    items = [item async for item in ReplicateHome.create_async_generator(
        model="llama-3-70b", messages=[Message(role="user", content="Hello")])]

    assert items == ["The", " quick", " brown", " fox", " jumps", " over", " the", " lazy dog."]
    assert all(isinstance(item, str) for item in items)
    (prediction,) = fake_replicate.predictions.values()
    assert prediction.input == {"prompt": "User: Hello\nAssistant:"}  # text models get the transcript


async def test_awaited_form_in_process_with_history(fake_replicate: FakeReplicate,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPLICATE_API_TOKEN", fake_replicate.token)
    monkeypatch.setenv("REPLICATE_API_BASE_URL", fake_replicate.base_url)
    history = [Message("user", "Hi"), Message("assistant", "Hello!"), Message("user", "Draw a cat")]

    generator = await ReplicateHome.create_async_generator(model="flux-schnell", messages=history[-1:])
    items = [item async for item in generator]
    chat = [item async for item in ReplicateHome.create_async_generator(model="llama-3-70b", messages=history)]

    (picture,) = items
    assert isinstance(picture, ImageResponse)
    assert picture.alt == "Draw a cat"
    assert "".join(str(item) for item in chat) == "The quick brown fox jumps over the lazy dog."
    prompts = [prediction.input["prompt"] for prediction in fake_replicate.predictions.values()]
    assert prompts == ["Draw a cat", "User: Hi\nAssistant: Hello!\nUser: Draw a cat\nAssistant:"]
