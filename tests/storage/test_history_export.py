"""Exporting conversations to Markdown and JSON, importing JSON back, exporting one generation."""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from desktop_app.storage import Conversation, HistoryStore, read_metadata
from desktop_app.storage.history_export import (
    FORMAT,
    FORMAT_VERSION,
    HistoryImportError,
    export_generation,
    export_json,
    export_markdown,
    import_json,
)

Image = pytest.importorskip("PIL.Image")
TOKEN = "r8_" + "Q1w2E3r4" * 5
START = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def picture(colour: str, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (6, 4), colour).save(buffer, fmt)
    return buffer.getvalue()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    opened = HistoryStore.open(tmp_path / "data" / "history.db", clock=Clock())
    yield opened
    opened.close()


@pytest.fixture
def conversation(store: HistoryStore) -> int:
    """A chat with an image turn (two outputs), a failed generation, a text reply and an unlinked GIF."""
    conversation = store.create_conversation("Foxes & friends", "black-forest-labs/flux-schnell")
    store.add_turn(conversation, "user", "A red fox", "black-forest-labs/flux-schnell", "done")
    reply = store.add_turn(conversation, "assistant", "", "black-forest-labs/flux-schnell", "done")
    images = store.start_generation(conversation, reply, "black-forest-labs/flux-schnell", "v1",
                                    {"prompt": "A red fox", "seed": 5, "num_outputs": 2, "hf_token": TOKEN})
    store.update_generation(images, prediction_id="pred-images", status="processing",
                            started_at="2026-11-28T14:00:03.5Z")
    store.add_output(images, picture("red"), "image/png", "https://replicate.delivery/a/out-0.png")
    store.add_output(images, picture("orange", "WEBP"), "image/webp", "https://replicate.delivery/a/out-1.webp")
    store.update_generation(images, status="succeeded", predict_time=0.8)
    failed = store.start_generation(conversation, reply, "black-forest-labs/flux-schnell", None, {"prompt": "again"})
    store.update_generation(failed, prediction_id="pred-failed", status="failed", error="NSFW content detected")
    store.add_turn(conversation, "user", "Describe it", "meta/llama", "done")
    store.add_turn(conversation, "assistant", "A **fox** with\n\n- red fur\n- a tail", "meta/llama", "done")
    loose = store.start_generation(conversation, None, "some/gif-model", None, {"prompt": "A dancing fox"})
    store.add_output(loose, picture("blue", "GIF"), "image/gif")
    store.update_generation(loose, status="succeeded")
    return conversation


def comparable(conversation: Conversation) -> dict[str, Any]:
    """The conversation without its ids and file locations (which an import changes)."""
    positions = {turn.id: turn.position for turn in conversation.turns}
    data = asdict(conversation)
    data.pop("id")
    for turn in data["turns"]:
        turn.pop("id")
        turn.pop("conversation_id")
    for generation in data["generations"]:
        generation.pop("id")
        generation.pop("conversation_id")
        generation["turn_id"] = positions.get(generation["turn_id"])
        for output in generation["outputs"]:
            for key in ("id", "generation_id", "path"):
                output.pop(key)
    return data


def test_markdown_export_with_images_beside_it(store: HistoryStore, conversation: int, tmp_path: Path) -> None:
    dest = tmp_path / "exports"
    dest.mkdir()

    markdown = export_markdown(store, conversation, dest)

    assert markdown == dest / "foxes-friends.md"
    text = markdown.read_text(encoding="utf-8")
    assert text.startswith("# Foxes & friends\n")
    assert "### You · black-forest-labs/flux-schnell\n\nA red fox\n" in text
    assert "A **fox** with\n\n- red fur\n- a tail" in text
    assert "_black-forest-labs/flux-schnell failed: NSFW content detected_" in text
    assert "### Generations" in text  # the generation without a turn
    links = re.findall(r"!\[([^\]]*)\]\(([^)]+)\)", text)
    assert [alt for alt, _ in links] == ["A red fox", "A red fox", "A dancing fox"]
    when = START.astimezone()
    assert unquote(links[0][1]).startswith("foxes-friends_files/a-red-fox-")
    assert unquote(links[0][1]).endswith("-1.png")
    assert unquote(links[1][1]).endswith("-2.webp")
    library = {output.sha256 for g in store.load_conversation(conversation).generations for output in g.outputs}
    for _, link in links:
        copied = markdown.parent / unquote(link)
        assert copied.is_file()
        assert hashlib.sha256(copied.read_bytes()).hexdigest() in library
    assert f"{when:%Y-%m-%d}" in unquote(links[0][1])
    assert TOKEN not in text

    again = export_markdown(store, conversation, dest)  # never overwrites
    assert again == dest / "foxes-friends (2).md"
    assert "foxes-friends%20%282%29_files/" in again.read_text(encoding="utf-8")
    assert markdown.read_text(encoding="utf-8") == text


def test_json_round_trip_into_a_new_history(store: HistoryStore, conversation: int, tmp_path: Path) -> None:
    exported = export_json(store, conversation, tmp_path / "out" / "foxes.json")

    document = json.loads(exported.read_text(encoding="utf-8"))
    assert (document["format"], document["version"]) == (FORMAT, FORMAT_VERSION) == (
        "replicate-desktop-conversation", 1)
    raw = exported.read_text(encoding="utf-8")
    assert str(tmp_path) not in raw  # relative file references only
    assert TOKEN not in raw
    files = sorted(p.name for p in (tmp_path / "out" / "foxes_files").iterdir())
    assert len(files) == 4  # three outputs and the GIF's sidecar
    assert sum(name.endswith(".json") for name in files) == 1

    with HistoryStore.open(tmp_path / "other" / "history.db") as other:
        imported = import_json(other, exported)
        copy = other.load_conversation(imported)
        assert comparable(copy) == comparable(store.load_conversation(conversation))
        for generation in copy.generations:
            for output in generation.outputs:
                assert output.path.is_relative_to(other.library_dir)
                assert hashlib.sha256(output.path.read_bytes()).hexdigest() == output.sha256
        gif = copy.generations[-1].outputs[0]
        assert read_metadata(gif.path)["prompt"] == "A dancing fox"  # the sidecar came along
        assert [entry.conversation_id for entry in other.list_entries("fox")] == [imported]


def test_import_into_the_same_history_shares_files(store: HistoryStore, conversation: int, tmp_path: Path) -> None:
    imported = import_json(store, export_json(store, conversation, tmp_path / "foxes.json"))
    assert imported != conversation
    assert comparable(store.load_conversation(imported)) == comparable(store.load_conversation(conversation))

    store.delete_conversation(conversation)

    for generation in store.load_conversation(imported).generations:
        for output in generation.outputs:
            assert output.path.is_file()


def test_an_altered_file_fails_the_import_and_leaves_nothing(
    store: HistoryStore, conversation: int, tmp_path: Path
) -> None:
    exported = export_json(store, conversation, tmp_path / "foxes.json")
    with HistoryStore.open(tmp_path / "other" / "history.db") as other:
        document = json.loads(exported.read_text(encoding="utf-8"))
        last = document["conversation"]["generations"][-1]["outputs"][0]["file"]
        (tmp_path / last).write_bytes(b"tampered")

        with pytest.raises(HistoryImportError, match="does not match its recorded checksum"):
            import_json(other, exported)

        assert other.count_entries() == 0
        assert [p for p in other.library_dir.rglob("*") if p.is_file()] == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "Could not read"),
        ('{"format": "something-else", "version": 1}', "not a Replicate Desktop conversation export"),
        ('["a list"]', "not a Replicate Desktop conversation export"),
        (json.dumps({"format": FORMAT, "version": 99, "conversation": {}}), "newer version"),
        (json.dumps({"format": FORMAT, "version": 1, "conversation": {"title": "x"}}), "damaged or incomplete"),
    ],
)
def test_files_that_are_not_exports_are_refused(store: HistoryStore, tmp_path: Path, content: str,
                                                message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(HistoryImportError, match=message):
        import_json(store, path)
    assert store.count_entries() == 0


def test_an_import_cannot_reach_outside_its_folder(store: HistoryStore, conversation: int, tmp_path: Path) -> None:
    exported = export_json(store, conversation, tmp_path / "inner" / "foxes.json")
    document = json.loads(exported.read_text(encoding="utf-8"))
    secret = tmp_path / "secret.png"
    secret.write_bytes(picture("black"))
    output = document["conversation"]["generations"][0]["outputs"][0]
    output["file"] = "../secret.png"
    output["sha256"] = hashlib.sha256(secret.read_bytes()).hexdigest()
    exported.write_text(json.dumps(document), encoding="utf-8")

    with pytest.raises(HistoryImportError, match="outside the export's folder"):
        import_json(store, exported)


def test_export_generation_writes_images_and_their_parameters(
    store: HistoryStore, conversation: int, tmp_path: Path
) -> None:
    images = store.load_conversation(conversation).generations[0]
    dest = tmp_path / "picked"

    written = export_generation(store, images.id, dest)

    when = images.created_at.astimezone()
    stem = f"a-red-fox-{when:%Y-%m-%d-%H%M}"
    assert [path.name for path in written] == [f"{stem}-1.png", f"{stem}-2.webp", f"{stem}-1.json"]
    assert written[0].read_bytes() == images.outputs[0].path.read_bytes()
    parameters = json.loads(written[2].read_text(encoding="utf-8"))
    assert parameters["model"] == "black-forest-labs/flux-schnell"
    assert parameters["prediction_id"] == "pred-images"
    assert parameters["input"] == {"prompt": "A red fox", "seed": 5, "num_outputs": 2, "hf_token": "r8_…"}
    assert parameters["predict_time"] == 0.8
    assert parameters["started_at"] == "2026-11-28T14:00:03.500000Z"
    assert [item["file"] for item in parameters["outputs"]] == [f"{stem}-1.png", f"{stem}-2.webp"]
    assert all(TOKEN.encode() not in path.read_bytes() for path in written)

    again = export_generation(store, images.id, dest)
    assert [path.name for path in again] == [f"{stem}-1 (2).png", f"{stem}-2 (2).webp", f"{stem}-1 (2).json"]


def test_export_generation_without_outputs_writes_only_parameters(
    store: HistoryStore, conversation: int, tmp_path: Path
) -> None:
    failed = store.load_conversation(conversation).generations[1]
    [parameters] = export_generation(store, failed.id, tmp_path)
    assert parameters.name.startswith("again-")
    assert json.loads(parameters.read_text(encoding="utf-8"))["error"] == "NSFW content detected"
