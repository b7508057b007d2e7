"""The history list's actions round-trip: reopen and continue, reuse, copy, export and import, rename, delete."""

from __future__ import annotations

import json
from pathlib import Path

from desktop_app.session import RunFinished
from desktop_app.storage.image_metadata import read_metadata
from tests.fake_replicate import Script

from .conftest import Layer
from .helpers import FLUX, LLAMA


async def _image_conversation(layer: Layer, prompt: str = "a lighthouse in fog") -> int:
    layer.fake.set_script(FLUX, Script(kind="image", images=[("png", 40, 30)]))
    chat = layer.chat()
    assert isinstance(await chat.send(prompt, "flux-schnell", parameters={"num_outputs": 1}).wait(), RunFinished)
    await layer.recorder.flush()
    assert chat.conversation.history_id is not None
    return chat.conversation.history_id


async def test_a_reopened_conversation_continues_where_it_was(layer: Layer) -> None:
    layer.fake.set_script(LLAMA, Script(kind="text", chunks=["First", " answer."]))
    chat = layer.chat()
    await chat.send("first question", "llama-3-70b").wait()
    await layer.recorder.flush()
    first = chat.conversation.history_id
    assert first is not None
    chat.new()
    await chat.send("another topic", "llama-3-70b").wait()
    assert chat.conversation.history_id != first

    reopened = await chat.open(first)

    assert [(t.role, t.text, t.state) for t in chat.conversation] == [
        ("user", "first question", "done"), ("assistant", "First answer.", "done")]
    assert reopened.images == []
    layer.fake.set_script(LLAMA, Script(kind="text", chunks=["Second."]))
    await chat.send("follow-up", "llama-3-70b").wait()
    create = layer.fake.requests_to("POST", f"/v1/models/{LLAMA}/predictions")[-1]
    assert create.json is not None
    assert create.json["input"]["prompt"] == (
        "User: first question\nAssistant: First answer.\nUser: follow-up\nAssistant:")
    await layer.recorder.flush()
    turns = layer.store.load_conversation(first).turns
    assert [t.text for t in turns] == ["first question", "First answer.", "follow-up", "Second."]


async def test_reopening_gives_back_the_kept_images_with_thumbnails_made_off_the_loop(layer: Layer) -> None:
    conversation_id = await _image_conversation(layer)
    made: list[Path] = []

    def thumbnail(path: Path) -> str:
        made.append(path)
        return f"thumb:{path.name}"

    reopened = await layer.library.reopen(conversation_id, thumbnail=thumbnail)

    (image,) = reopened.images
    assert image.path.is_file()
    assert image.data == image.path.read_bytes()
    assert image.thumbnail == f"thumb:{image.path.name}"
    assert made == [image.path]
    assert reopened.last_images == [image]
    assert reopened.last_prompt == "a lighthouse in fog"
    (reply,) = [turn for turn in reopened.conversation if turn.role == "assistant"]
    assert reply.outputs == [image.path]


async def test_reuse_copy_rename_and_delete(layer: Layer) -> None:
    conversation_id = await _image_conversation(layer)
    files = [output.path for generation in layer.store.load_conversation(conversation_id).generations
             for output in generation.outputs]

    reuse = await layer.library.reuse(conversation_id)
    assert reuse is not None
    assert (reuse.model, reuse.model_name, reuse.prompt, reuse.inputs) == (FLUX, FLUX, "a lighthouse in fog",
                                                                          {"num_outputs": 1})
    parameters = await layer.library.parameters(conversation_id)
    assert parameters == {"model": FLUX, "version": None,
                          "input": {"prompt": "a lighthouse in fog", "num_outputs": 1}}
    json.dumps(parameters)  # what goes on the clipboard

    await layer.library.rename(conversation_id, "Foggy")
    assert [e.title for e in layer.store.list_entries()] == ["Foggy"]

    await layer.library.delete(conversation_id)
    assert layer.store.count_entries() == 0
    assert files and not any(path.exists() for path in files)


async def test_export_and_import_round_trip(layer: Layer, tmp_path: Path) -> None:
    conversation_id = await _image_conversation(layer)
    original = layer.store.load_conversation(conversation_id)

    exported = await layer.library.export_json(conversation_id, tmp_path / "out" / "boat.json")
    markdown = await layer.library.export_markdown(conversation_id, tmp_path / "md")
    imported_id = await layer.library.import_json(exported)

    assert imported_id != conversation_id
    imported = layer.store.load_conversation(imported_id)
    assert [(t.role, t.text) for t in imported.turns] == [(t.role, t.text) for t in original.turns]
    assert [g.input for g in imported.generations] == [g.input for g in original.generations]
    assert [o.sha256 for g in imported.generations for o in g.outputs] == [
        o.sha256 for g in original.generations for o in g.outputs]
    assert "a lighthouse in fog" in markdown.read_text(encoding="utf-8")


async def test_a_saved_copy_keeps_the_metadata(layer: Layer, tmp_path: Path) -> None:
    conversation_id = await _image_conversation(layer, "a red door")
    (output,) = layer.store.load_conversation(conversation_id).generations[0].outputs
    copy = tmp_path / "door.png"
    copy.write_bytes(_plain_png())

    assert await layer.library.keep_metadata(output.path, copy)
    assert read_metadata(copy)["prompt"] == "a red door"


def _plain_png() -> bytes:
    from tests.fake_replicate.images import make_png

    return make_png(8, 8, 3)
