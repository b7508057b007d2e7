"""History in the window: outputs kept on disk at once, reopen and continue, reuse, delete, resume, bad files."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest_asyncio
from PySide6.QtGui import QGuiApplication

from desktop_app.app import open_history
from desktop_app.storage.history import HistoryStore
from desktop_app.storage.image_metadata import read_metadata
from desktop_app.storage.paths import AppPaths
from tests.fake_replicate import FakeReplicate, Script
from tests.ui.harness import Harness, make_harness, until

LLAMA = "meta/meta-llama-3-70b-instruct"
FLUX = "black-forest-labs/flux-schnell"


@pytest_asyncio.fixture
async def harness(fake_replicate: FakeReplicate, tmp_path: Path) -> AsyncIterator[Harness]:
    h = await make_harness(fake_replicate, tmp_path, history=True)
    await until(lambda: "fake-user" in h.window.account_label.text(), message="the account check")
    yield h
    await h.close()


def _store(h: Harness) -> HistoryStore:
    assert h.store is not None
    return h.store


async def test_outputs_are_kept_on_disk_with_metadata_and_shown_from_there(harness: Harness) -> None:
    harness.fake.set_script(FLUX, Script(kind="image", images=[("png", 80, 60)], stream=True))
    harness.choose("flux-schnell")
    harness.send("a paper boat on a pond")
    await harness.wait_idle()
    await until(lambda: harness.window.viewer.current_image() is not None, message="the image")
    await harness.flush()

    store = _store(harness)
    (entry,) = store.list_entries()
    conversation = store.load_conversation(entry.conversation_id)
    (generation,) = conversation.generations
    assert generation.status == "succeeded"
    assert generation.prediction_id in harness.fake.predictions
    (output,) = generation.outputs
    assert output.path.is_file()
    assert output.path.is_relative_to(harness.paths.library_dir)
    assert output.path.suffix == ".png"
    metadata = read_metadata(output.path)
    assert metadata["prompt"] == "a paper boat on a pond"
    assert metadata["model"] == FLUX
    assert metadata["prediction_id"] == generation.prediction_id
    assert json.loads(metadata["parameters"]) == generation.input  # the full input travels with the image
    assert output.source_url and output.source_url.startswith("http://127.0.0.1")
    run = harness.services.chat.current
    assert run is not None
    assert run.output_path(output.source_url) == output.path  # the viewer got the kept file, not the URL

    saved = harness.window.viewer.save_image_to(0, harness.paths.data_dir / "boat.png")
    assert saved is not None
    assert read_metadata(saved)["prompt"] == "a paper boat on a pond"  # saving keeps the metadata
    converted = harness.window.viewer.save_image_to(0, harness.paths.data_dir / "boat.jpg")
    assert converted is not None
    harness.window.viewer.image_saved.emit(str(converted))
    await until(lambda: read_metadata(converted).get("prompt") == "a paper boat on a pond",
                message="metadata copied into the converted file")


async def test_reopening_a_conversation_continues_it(harness: Harness) -> None:
    harness.fake.set_script(LLAMA, Script(kind="text", chunks=["First", " answer."]))
    harness.choose("llama-3-70b")
    harness.send("first question")
    await harness.wait_idle()
    first_id = harness.services.chat.conversation.history_id
    harness.window.new_chat_requested.emit()
    harness.send("another topic")
    await harness.wait_idle()
    await harness.flush()
    assert harness.services.chat.conversation.history_id != first_id

    sidebar = harness.window.sidebar
    assert first_id is not None
    sidebar.conversation_opened.emit(first_id)
    await until(lambda: [t.text for t in harness.window.chat.turns()] == ["first question", "First answer."],
                message="the reopened conversation")
    harness.fake.set_script(LLAMA, Script(kind="text", chunks=["Second."]))
    harness.send("follow-up")
    await harness.wait_idle()
    creates = harness.fake.requests_to("POST", f"/v1/models/{LLAMA}/predictions")
    assert creates[-1].json is not None
    assert creates[-1].json["input"]["prompt"] == (
        "User: first question\nAssistant: First answer.\nUser: follow-up\nAssistant:"
    )
    await harness.flush()
    turns = _store(harness).load_conversation(first_id).turns
    assert [t.text for t in turns] == ["first question", "First answer.", "follow-up", "Second."]


async def test_search_reuse_copy_and_delete(harness: Harness) -> None:
    harness.fake.set_script(FLUX, Script(kind="image", images=[("webp", 32, 32)]))
    harness.choose("flux-schnell")
    harness.send("a lighthouse in fog")
    await harness.wait_idle()
    await until(lambda: harness.window.viewer.current_image() is not None, message="the image kept and shown")
    await harness.flush()
    store = _store(harness)
    assert [e.title for e in store.list_entries("lighthouse")] == ["a lighthouse in fog"]
    (entry,) = store.list_entries()
    (generation,) = store.load_conversation(entry.conversation_id).generations
    files = [o.path for o in generation.outputs]
    assert files
    assert all(path.exists() for path in files)

    harness.window.new_chat_requested.emit()
    harness.choose("llama-3-70b")
    sidebar = harness.window.sidebar
    sidebar.reuse_requested.emit(entry.conversation_id)
    await until(lambda: harness.prompt_box.toPlainText() == "a lighthouse in fog", message="the reused prompt")
    assert harness.window.model_picker.current_model() == "flux-schnell"

    sidebar.copy_parameters_requested.emit(entry.conversation_id)
    await until(lambda: "a lighthouse in fog" in QGuiApplication.clipboard().text(), message="parameters")
    parameters = json.loads(QGuiApplication.clipboard().text())
    assert parameters["model"] == FLUX
    assert parameters["input"] == {"prompt": "a lighthouse in fog"}

    sidebar.delete_requested.emit(entry.conversation_id)
    await until(lambda: store.count_entries() == 0, message="the deletion")
    assert not any(path.exists() for path in files)


async def test_finished_prediction_is_recovered_on_the_next_start(fake_replicate: FakeReplicate,
                                                                  tmp_path: Path) -> None:
    """A generation left 'processing' (the app was closed) is followed up and its image kept."""
    async with aiohttp.ClientSession() as http, http.post(f"{fake_replicate.base_url}/models/{FLUX}/predictions",
                         json={"input": {"prompt": "night sky"}},
                         headers={"Authorization": f"Bearer {fake_replicate.token}",
                                  "Prefer": "wait"}) as response:
        created = await response.json()
    assert created["status"] == "succeeded"
    paths = AppPaths.under(tmp_path / "user")
    store, _ = open_history(paths)
    assert store is not None
    conversation = store.create_conversation("night sky", "flux-schnell")
    turn = store.add_turn(conversation, "assistant", "", "flux-schnell", "streaming")
    generation = store.start_generation(conversation, turn, "flux-schnell", None, {"prompt": "night sky"})
    store.update_generation(generation, prediction_id=created["id"], status="processing")
    store.close()

    h = await make_harness(fake_replicate, tmp_path, history=True)
    try:
        await until(lambda: _store(h).get_generation(generation).status == "succeeded", message="the recovery")
        recovered = _store(h).get_generation(generation)
        assert len(recovered.outputs) == 1
        assert recovered.outputs[0].path.is_file()
        await until(lambda: "Recovered 1" in h.window.statusBar().currentMessage(), message="the notice")
    finally:
        await h.close()


async def test_prediction_held_when_the_app_died_is_found_and_kept(fake_replicate: FakeReplicate,
                                                                  tmp_path: Path) -> None:
    """The app died during a held create (``Prefer: wait``), so it never learnt the prediction id: the
    next start finds the prediction among the recent ones by model and input, and keeps its image."""
    paths = AppPaths.under(tmp_path / "user")
    store, _ = open_history(paths)
    assert store is not None
    conversation = store.create_conversation("red kite", FLUX)
    turn = store.add_turn(conversation, "assistant", "", FLUX, "streaming")
    generation = store.start_generation(conversation, turn, FLUX, None, {"prompt": "red kite"})
    store.close()
    async with aiohttp.ClientSession() as http:
        for prompt in ("something else", "red kite"):
            async with http.post(f"{fake_replicate.base_url}/models/{FLUX}/predictions",
                                 json={"input": {"prompt": prompt}},
                                 headers={"Authorization": f"Bearer {fake_replicate.token}", "Prefer": "wait"}) as r:
                created = await r.json()
    h = await make_harness(fake_replicate, tmp_path, history=True)  # marks it interrupted, then recovers it
    try:
        await until(lambda: _store(h).get_generation(generation).status == "succeeded", message="the recovery")
        recovered = _store(h).get_generation(generation)
        assert recovered.prediction_id == created["id"]
        assert len(recovered.outputs) == 1
    finally:
        await h.close()


async def test_corrupt_history_is_moved_aside_with_a_message(fake_replicate: FakeReplicate, tmp_path: Path) -> None:
    paths = AppPaths.under(tmp_path / "user")
    paths.history_db.parent.mkdir(parents=True)
    paths.history_db.write_bytes(b"this is not a database" * 100)
    store, warning = open_history(paths)
    assert store is not None
    store.close()
    assert warning is not None
    assert "moved" in warning.lower() or "corrupt" in warning.lower() or "damaged" in warning.lower()
    kept = list(paths.history_db.parent.glob("history.db.corrupt-*"))
    assert len(kept) == 1
    assert kept[0].read_bytes().startswith(b"this is not a database")


async def test_reopening_shows_the_kept_images_from_disk(harness: Harness) -> None:
    harness.fake.set_script(FLUX, Script(kind="image", images=[("png", 40, 30)]))
    harness.choose("flux-schnell")
    harness.send("a blue kite")
    await harness.wait_idle()
    await until(lambda: harness.window.viewer.current_image() is not None, message="the image")
    await harness.flush()
    conversation = harness.services.chat.conversation.history_id
    assert conversation is not None
    harness.window.new_chat_requested.emit()
    harness.window.viewer.begin_generation("", 0)
    harness.window.sidebar.conversation_opened.emit(conversation)
    await until(lambda: harness.window.viewer.current_image() is not None, message="the image from the library")
    shown = harness.window.viewer.current_image()
    assert shown is not None
    assert (shown.width(), shown.height()) == (40, 30)
    assert harness.last_turn().image_count == 1  # the thumbnail in the reopened turn
