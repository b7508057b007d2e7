"""Presets on disk: save, rename, delete, a default per model, export and import — never a secret or a local file."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from desktop_app.storage.presets import FORMAT, PresetError, PresetStore, clean_values

FLUX = "black-forest-labs/flux-dev"
SDXL = "stability-ai/sdxl"
TOKEN = "r8_" + "A" * 30


def test_presets_are_kept_across_stores_and_listed_by_name(tmp_path: Path) -> None:
    path = tmp_path / "config" / "presets.json"
    store = PresetStore(path)
    store.save(FLUX, "Portrait", {"aspect_ratio": "2:3", "num_inference_steps": 28, "guidance": 3.5})
    store.save(FLUX, "banner", {"aspect_ratio": "21:9"})
    store.save(SDXL, "Fast", {"num_inference_steps": 8, "refine": "no_refiner", "lora_scale": 0.6})
    store.set_default(FLUX, "Portrait")

    again = PresetStore(path)
    assert again.names(FLUX) == ["banner", "Portrait"]
    assert again.get(FLUX, "Portrait") == {"aspect_ratio": "2:3", "num_inference_steps": 28, "guidance": 3.5}
    assert again.default(FLUX) == "Portrait"
    assert again.default(SDXL) is None
    assert again.models() == [FLUX, SDXL]
    assert again.names("unknown/model") == []
    assert json.loads(path.read_text())["format"] == FORMAT


def test_rename_and_delete_carry_the_default_along(tmp_path: Path) -> None:
    store = PresetStore(tmp_path / "presets.json")
    store.save(FLUX, "a", {"x": 1})
    store.save(FLUX, "b", {"x": 2})
    store.set_default(FLUX, "a")
    assert store.rename(FLUX, "a", "  Alpha  ") == "Alpha"
    assert store.default(FLUX) == "Alpha"
    with pytest.raises(PresetError, match="already a preset 'b'"):
        store.rename(FLUX, "Alpha", "b")
    store.delete(FLUX, "Alpha")
    assert store.default(FLUX) is None
    assert store.names(FLUX) == ["b"]
    with pytest.raises(PresetError, match="no preset 'Alpha'"):
        store.delete(FLUX, "Alpha")
    with pytest.raises(PresetError, match="no preset 'zzz'"):
        store.set_default(FLUX, "zzz")
    with pytest.raises(PresetError, match="already a preset 'b'"):
        store.save(FLUX, "b", {}, replace=False)


@pytest.mark.parametrize("name", ["", "   ", "x" * 81, "two\nlines", "tab\there"])
def test_names_must_be_one_short_line(tmp_path: Path, name: str) -> None:
    with pytest.raises(PresetError):
        PresetStore(tmp_path / "presets.json").save(FLUX, name, {})


def test_secrets_local_files_and_non_json_are_never_kept() -> None:
    cleaned = clean_values({
        "steps": 4, "ratio": 0.5, "flag": True, "none": None, "text": "a prompt with /slashes in it",
        "web": "https://example.com/cat.png", "nested": {"a": [1, 2, {"b": "c"}]},
        "api_key": TOKEN, "hidden": {"deep": [TOKEN]}, "image": "/home/me/cat.png", "win": "C:\\Users\\me\\cat.png",
        "uri": "file:///tmp/x.png", "home": "~/cat.png", "inline": "data:image/png;base64,AAAA",
        "path": Path("/tmp/cat.png"), "nan": float("nan"), "bytes": b"raw", "deep": [[[[[[[[1]]]]]]]],
    })
    assert cleaned.values == {"steps": 4, "ratio": 0.5, "flag": True, "none": None,
                              "text": "a prompt with /slashes in it", "web": "https://example.com/cat.png",
                              "nested": {"a": [1, 2, {"b": "c"}]}}
    assert set(cleaned.dropped) == {"api_key", "hidden", "image", "win", "uri", "home", "inline", "path", "nan",
                                    "bytes", "deep"}


def test_saving_reports_what_was_left_out(tmp_path: Path) -> None:
    store = PresetStore(tmp_path / "presets.json")
    cleaned = store.save(FLUX, "p", {"steps": 4, "token": TOKEN, "image": "/tmp/x.png"})
    assert cleaned.values == {"steps": 4}
    assert cleaned.dropped == ("token", "image")
    assert TOKEN not in (tmp_path / "presets.json").read_text()
    with pytest.raises(PresetError, match="too large"):
        store.save(FLUX, "huge", {"text": "x" * 70_000})


def test_export_and_import_round_trip_with_taken_names_renamed(tmp_path: Path) -> None:
    source = PresetStore(tmp_path / "a.json")
    source.save(FLUX, "Portrait", {"aspect_ratio": "2:3"})
    source.save(FLUX, "Square", {"aspect_ratio": "1:1"})
    source.save(SDXL, "Fast", {"steps": 8})
    exported = tmp_path / "out" / "mine.json"
    exported.parent.mkdir()
    assert source.export(exported, [(FLUX, "Portrait"), (SDXL, "Fast")]) == 2
    assert source.export(tmp_path / "everything.json") == 3

    target = PresetStore(tmp_path / "b.json")
    target.save(FLUX, "Portrait", {"aspect_ratio": "9:16"})
    result = target.import_file(exported)

    assert set(result.added) == {(FLUX, "Portrait (2)"), (SDXL, "Fast")}
    assert result.skipped == ()
    assert target.get(FLUX, "Portrait") == {"aspect_ratio": "9:16"}
    assert target.get(FLUX, "Portrait (2)") == {"aspect_ratio": "2:3"}
    assert json.loads(exported.read_text())["models"][FLUX]["presets"] == {"Portrait": {"aspect_ratio": "2:3"}}


def test_an_imported_file_is_checked_and_cleaned(tmp_path: Path) -> None:
    crafted = tmp_path / "crafted.json"
    crafted.write_text(json.dumps({"format": FORMAT, "version": 1, "models": {
        FLUX: {"presets": {"ok": {"steps": 4, "image": "/etc/passwd", "key": TOKEN}, "bad\nname": {"x": 1},
                           "not values": [1, 2]}},
        "": {"presets": {}}, SDXL: "nonsense"}}))
    store = PresetStore(tmp_path / "presets.json")
    result = store.import_file(crafted)
    assert result.added == ((FLUX, "ok"),)
    assert store.get(FLUX, "ok") == {"steps": 4}
    assert len(result.skipped) == 5
    assert any("without image, key" in reason for reason in result.skipped)


@pytest.mark.parametrize(("content", "reason"), [
    ("not json", "could not be read: it is not valid JSON"),
    (json.dumps({"format": "something else"}), "is not a Replicate Desktop presets file"),
    (json.dumps({"format": FORMAT, "version": 99, "models": {}}), "newer version"),
    (json.dumps({"format": FORMAT, "version": 1, "models": []}), "holds no presets"),
    ("[" * 100_000, "not valid JSON"),
])
def test_files_that_are_not_presets_are_refused_with_a_sentence(tmp_path: Path, content: str, reason: str) -> None:
    path = tmp_path / "file.json"
    path.write_text(content)
    with pytest.raises(PresetError, match=reason):
        PresetStore(tmp_path / "presets.json").import_file(path)
    with pytest.raises(PresetError, match="could not be read"):
        PresetStore(tmp_path / "presets.json").import_file(tmp_path / "missing.json")


def test_a_damaged_presets_file_is_set_aside_and_a_new_one_started(tmp_path: Path) -> None:
    path = tmp_path / "presets.json"
    path.write_text("{ broken")
    store = PresetStore(path, clock=lambda: datetime(2026, 12, 1, 9, 30))
    assert store.names(FLUX) == []
    assert store.last_warning is not None and "presets.json.bad-20261201-093000" in store.last_warning
    assert (tmp_path / "presets.json.bad-20261201-093000").read_text() == "{ broken"
    store.save(FLUX, "new", {"x": 1})
    assert PresetStore(path).get(FLUX, "new") == {"x": 1}
