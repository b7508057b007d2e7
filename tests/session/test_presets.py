"""The preset menu's API: presets belong to the model (not its alias or version), secrets and files stay out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.replicate import parse_input_schema
from desktop_app.session import Presets
from desktop_app.storage.presets import PresetError, PresetStore

FLUX = "black-forest-labs/flux-schnell"
PINNED = f"{FLUX}:{'a' * 64}"
SCHEMA = parse_input_schema({"components": {"schemas": {"Input": {"type": "object", "properties": {
    "prompt": {"type": "string", "x-order": 0},
    "image": {"type": "string", "format": "uri", "x-order": 1},
    "refs": {"type": "array", "items": {"type": "string", "format": "uri"}, "x-order": 2},
    "api_key": {"type": "string", "x-cog-secret": True, "x-order": 3},
    "steps": {"type": "integer", "x-order": 4},
    "aspect_ratio": {"type": "string", "enum": ["1:1", "16:9"], "x-order": 5},
}}}}})


@pytest.fixture
def presets(tmp_path: Path) -> Presets:
    return Presets(PresetStore(tmp_path / "config" / "presets.json"))


def test_a_preset_saved_for_an_alias_is_the_models_for_every_version(presets: Presets) -> None:
    saved = presets.save("flux-schnell", "Wide", {"prompt": "never kept", "steps": 4, "aspect_ratio": "16:9",
                                                  "image": Path("/tmp/cat.png"), "refs": ["https://x/y.png"],
                                                  "api_key": "hunter2"}, schema=SCHEMA)
    assert saved.values == {"steps": 4, "aspect_ratio": "16:9", "refs": ["https://x/y.png"]}
    assert saved.dropped == ("image", "api_key")
    assert presets.names(PINNED) == ["Wide"]
    assert presets.apply(FLUX, "Wide", SCHEMA).values == saved.values
    assert "hunter2" not in presets.store.path.read_text()


def test_a_web_address_in_a_file_input_is_kept_and_an_empty_one_is_no_loss(presets: Presets) -> None:
    saved = presets.save(FLUX, "Ref", {"image": "https://example.com/cat.png", "refs": []}, schema=SCHEMA)
    assert (saved.values, saved.dropped) == ({"image": "https://example.com/cat.png"}, ())


def test_applying_leaves_out_inputs_the_model_no_longer_has(presets: Presets) -> None:
    presets.save(FLUX, "Old", {"steps": 4, "removed_input": 1})
    applied = presets.apply(FLUX, "Old", SCHEMA)
    assert (applied.values, applied.unknown) == ({"steps": 4}, ("removed_input",))
    assert presets.apply(FLUX, "Old").values == {"steps": 4, "removed_input": 1}


def test_the_default_preset_starts_the_form(presets: Presets) -> None:
    assert presets.starting_values(FLUX) is None
    presets.save(FLUX, "Fast", {"steps": 2})
    presets.set_default(PINNED, "Fast")
    start = presets.starting_values("flux-schnell", SCHEMA)
    assert start is not None and (start.name, start.values) == ("Fast", {"steps": 2})
    assert presets.rename(FLUX, "Fast", "Quick") == "Quick"
    assert presets.default(FLUX) == "Quick"
    presets.delete(FLUX, "Quick")
    assert presets.starting_values(FLUX) is None
    with pytest.raises(PresetError, match="no preset"):
        presets.apply(FLUX, "Quick")


def test_export_one_models_presets_and_import_them_elsewhere(presets: Presets, tmp_path: Path) -> None:
    presets.save(FLUX, "A", {"steps": 1})
    presets.save(FLUX, "B", {"steps": 2})
    presets.save("stability-ai/sdxl", "C", {"steps": 3})
    path = tmp_path / "flux-presets.json"
    assert presets.export(path, "flux-schnell") == 2
    assert set(json.loads(path.read_text())["models"]) == {FLUX}
    assert presets.export(tmp_path / "one.json", FLUX, ["B"]) == 1
    assert presets.export(tmp_path / "all.json") == 3

    elsewhere = Presets(PresetStore(tmp_path / "other" / "presets.json"))
    imported = elsewhere.import_file(path)
    assert set(imported.added) == {(FLUX, "A"), (FLUX, "B")}
    assert elsewhere.names(PINNED) == ["A", "B"]
    assert elsewhere.last_warning is None
