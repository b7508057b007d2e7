"""The window against a stream host that doubles events without ids: the chat and the history end with the
model's exact output."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from desktop_app.app import open_history
from desktop_app.session import TextReplaced
from desktop_app.storage import AppPaths
from desktop_app.storage.history import HistoryStore
from tests.fake_replicate import FakeReplicate, Script
from tests.ui.harness import make_harness, until

LLAMA = "meta/meta-llama-3-70b-instruct"
CHUNKS = ["Once", " upon", " a", " time", "."]


async def test_a_garbled_stream_ends_exact_in_the_chat_and_the_history(fake_replicate: FakeReplicate,
                                                                       tmp_path: Path) -> None:
    harness = await make_harness(fake_replicate, tmp_path, history=True)
    try:
        await until(lambda: "fake-user" in harness.window.account_label.text(), message="the account check")
        fake_replicate.set_script(LLAMA, Script(kind="text", chunks=CHUNKS, token_interval=0.01, stream_ids=False,
                                                stream_duplicates=True))
        harness.choose("llama-3-70b")
        harness.send("tell a story")
        await harness.wait_idle()
        turn = harness.last_turn()
        assert (turn.text, turn.state) == ("".join(CHUNKS), "done")
        run = harness.services.chat.current
        assert run is not None
        assert [event.text for event in run.events if isinstance(event, TextReplaced)] == ["".join(CHUNKS)]
        await harness.flush()
        store = harness.store
        assert isinstance(store, HistoryStore)
        (entry,) = store.list_entries()
        turns = store.load_conversation(entry.conversation_id).turns
        assert [(t.role, t.text) for t in turns] == [("user", "tell a story"), ("assistant", "".join(CHUNKS))]
    finally:
        await harness.close()


async def test_a_reply_recovered_after_a_restart_is_exact_too(fake_replicate: FakeReplicate, tmp_path: Path) -> None:
    """The app died while a reply streamed; on the next start the recovery follows it over a doubling stream
    and keeps the model's exact output in the history."""
    gate = asyncio.Event()
    fake_replicate.set_script(LLAMA, Script(kind="text", chunks=CHUNKS, token_interval=0.005, stream_ids=False,
                                            stream_duplicates=True, gate=gate, gate_after=2))
    async with aiohttp.ClientSession() as http, http.post(
        f"{fake_replicate.base_url}/models/{LLAMA}/predictions", json={"input": {"prompt": "a story"}},
        headers={"Authorization": f"Bearer {fake_replicate.token}"},
    ) as response:
        created = await response.json()
    paths = AppPaths.under(tmp_path / "user")
    store, _ = open_history(paths)
    assert store is not None
    conversation = store.create_conversation("a story", "llama-3-70b")
    turn = store.add_turn(conversation, "assistant", "", "llama-3-70b", "streaming")
    generation = store.start_generation(conversation, turn, "llama-3-70b", None, {"prompt": "a story"})
    store.update_generation(generation, prediction_id=created["id"], status="processing")
    store.close()

    harness = await make_harness(fake_replicate, tmp_path, history=True)
    try:
        await until(lambda: bool(fake_replicate.requests_to("GET", "/stream/")), message="the recovery's stream")
        gate.set()
        history = harness.store
        assert isinstance(history, HistoryStore)
        await until(lambda: history.get_generation(generation).status == "succeeded", message="the recovery")
        (assistant,) = [t for t in history.load_conversation(conversation).turns if t.role == "assistant"]
        assert assistant.text == "".join(CHUNKS)
    finally:
        await harness.close()
