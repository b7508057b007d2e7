"""Which input a picture goes to, what a 'Send to…' run asks, and settings read from a picture put in a form."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from desktop_app.replicate import INLINE_LIMIT, InputSchema, parse_input_schema
from desktop_app.session import NoInputError, restore_settings, use_as_input
from desktop_app.session.picture_inputs import file_kind, input_field, send_request
from desktop_app.storage.foreign_metadata import GenerationSettings
from desktop_app.storage.gallery import GalleryItem

URI = {"type": "string", "format": "uri"}
URIS = {"type": "array", "items": {"type": "string", "format": "uri"}}


def schema(required: tuple[str, ...] = (), **properties: dict[str, Any]) -> InputSchema:
    ordered = {name: {**prop, "x-order": index} for index, (name, prop) in enumerate(properties.items())}
    return parse_input_schema({"components": {"schemas": {"Input": {
        "type": "object", "required": list(required), "properties": ordered}}}})


def item(path: Path, *, kind: str = "image", prompt: str = "a fox") -> GalleryItem:
    return GalleryItem(id=7, generation_id=3, conversation_id=2, path=path, relative_path="ab/x.png",
                       content_type=f"{kind}/png", kind=kind, size=10, sha256="ab" * 32,  # type: ignore[arg-type]
                       created_at=datetime(2026, 1, 1, tzinfo=UTC), model="black-forest-labs/flux-dev",
                       prompt=prompt, favourite=False, rejected=False, source_output_id=None)


@pytest.mark.parametrize(("properties", "kind", "mask", "expected"), [
    ({"prompt": {"type": "string"}, "input_image": URI, "mask": URI}, "image", False, "input_image"),
    ({"prompt": {"type": "string"}, "input_image": URI, "mask_image": URI}, "image", True, "mask_image"),
    ({"mask": URI, "image": URI}, "image", False, "image"),
    ({"control": {**URI, "description": "A photo to follow"}, "audio": URI}, "image", False, "control"),
    ({"audio_file": URI, "init": URI}, "image", False, "init"),
    ({"audio_file": URI}, "image", False, None),
    ({"image_input": URIS, "image": URI}, "image", False, "image"),
    ({"image_input": URIS}, "image", False, "image_input"),
    ({"first_frame_image": URI, "video": URI}, "video", False, "video"),
    ({"song": URI, "image": URI}, "audio", False, "song"),
    ({"prompt": {"type": "string"}, "steps": {"type": "integer"}}, "image", False, None),
    ({"image": URI}, "image", True, None),
    ({"input": URI}, "other", False, "input"),
])
def test_the_input_a_file_goes_to(properties: dict[str, Any], kind: str, mask: bool, expected: str | None) -> None:
    found = input_field(schema(**properties), kind, mask=mask)  # type: ignore[arg-type]
    assert (found.name if found else None) == expected


def test_use_as_input_sends_small_files_inline_and_large_ones_as_uploads(tmp_path: Path) -> None:
    small, large = tmp_path / "small.png", tmp_path / "large.png"
    small.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    large.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(INLINE_LIMIT))
    editor = schema(image=URI, images=URIS)
    assert use_as_input(small, editor, model="m") == use_as_input(item(small), editor, model="m")
    choice = use_as_input(small, editor, model="m")
    assert (choice.key, choice.title, choice.value, choice.inline) == ("image", "Image", small, True)
    assert not use_as_input(large, editor, model="m").inline
    listing = use_as_input(small, schema(images=URIS), model="m")
    assert listing.value == [small]
    with pytest.raises(NoInputError, match=r"m has no input for a mask\."):
        use_as_input(small, editor, model="m", mask=True)
    with pytest.raises(NoInputError, match=r"gone\.png cannot be used"):
        use_as_input(tmp_path / "gone.png", editor, model="m")


def test_a_dropped_files_kind_comes_from_its_bytes_then_its_name(tmp_path: Path) -> None:
    disguised = tmp_path / "picture.bin"
    disguised.write_bytes(b"\xff\xd8\xff\xe0" + bytes(20))
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(bytes(40))
    assert file_kind(disguised) == "image"
    assert file_kind(clip) == "video"
    assert file_kind(tmp_path / "nothing.wav") == "audio"
    assert use_as_input(clip, schema(image=URI, video=URI), model="m").key == "video"


def test_send_request_carries_the_prompt_and_links_the_source(tmp_path: Path) -> None:
    picture = tmp_path / "x.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n")
    with_prompt = schema(("prompt",), prompt={"type": "string"}, image=URI)
    request, choice = send_request(item(picture), "acme/edit", with_prompt, parameters={"strength": 0.5})
    assert (request.model, request.prompt, request.source_output_id) == ("acme/edit", "a fox", 7)
    assert request.parameters == {"strength": 0.5, "image": picture}
    assert choice.key == "image"
    upscale = schema(image=URI, scale={"type": "integer"})
    unnamed, _ = send_request(item(picture, prompt=""), "acme/upscale", upscale, parameters={})
    assert unnamed.prompt == "x.png"  # only names the run: the model has no prompt
    needs_prompt, _ = send_request(item(picture, prompt=""), "acme/edit", with_prompt, parameters={})
    assert needs_prompt.prompt is None  # the run's own check will ask for one
    with pytest.raises(NoInputError, match="not known yet"):
        send_request(item(picture), "acme/edit", None, parameters={})


FLUX_DEV = schema(
    prompt={"type": "string"}, aspect_ratio={"type": "string", "enum": ["1:1", "16:9", "2:3", "3:2", "9:16"]},
    num_inference_steps={"type": "integer", "minimum": 1, "maximum": 50}, guidance={"type": "number"},
    seed={"type": "integer"})
SDXL = schema(prompt={"type": "string"}, negative_prompt={"type": "string"}, width={"type": "integer"},
              height={"type": "integer"}, num_inference_steps={"type": "integer", "maximum": 500},
              guidance_scale={"type": "number", "minimum": 1, "maximum": 50}, seed={"type": "integer"})


def test_settings_from_another_tool_fill_the_fields_of_the_same_meaning() -> None:
    read = GenerationSettings(source="automatic1111", prompt="a fox", negative_prompt="blurry", seed=42, steps=80,
                              guidance=7.0, width=1216, height=832, model_hint="dreamshaper_8",
                              other={"Sampler": "Euler a"})
    sdxl = restore_settings(read, SDXL)
    assert (sdxl.model, sdxl.model_hint, sdxl.prompt) == (None, "dreamshaper_8", "a fox")
    assert sdxl.values == {"negative_prompt": "blurry", "seed": 42, "num_inference_steps": 80,
                           "guidance_scale": 7.0, "width": 1216, "height": 832}
    assert sdxl.unused == {}
    flux = restore_settings(read, FLUX_DEV)
    assert flux.values == {"seed": 42, "guidance": 7.0, "aspect_ratio": "3:2"}
    assert set(flux.unused) == {"negative_prompt", "width", "height", "num_inference_steps"}
    assert "at most 50" in flux.unused["num_inference_steps"]
    blind = restore_settings(read, None)
    assert blind.values["num_inference_steps"] == 80 and blind.values["guidance_scale"] == 7.0


def test_this_apps_own_settings_come_back_whole() -> None:
    own = GenerationSettings(source="replicate-desktop", prompt="a fox", seed=3,
                             model="black-forest-labs/flux-dev:abc", model_hint="black-forest-labs/flux-dev",
                             inputs={"prompt": "a fox", "seed": 3, "aspect_ratio": "16:9", "go_fast": True})
    restored = restore_settings(own, FLUX_DEV)
    assert restored.model == "black-forest-labs/flux-dev:abc"
    assert restored.values == {"seed": 3, "aspect_ratio": "16:9"}
    assert restored.unused == {"go_fast": "True"}
    assert restore_settings(own, None).values == {"seed": 3, "aspect_ratio": "16:9", "go_fast": True}


def test_files_in_a_list_input_are_checked_and_recorded_by_their_paths(tmp_path: Path) -> None:
    from desktop_app.session import InputProblems
    from desktop_app.session.requests import RunRequest, plan_run

    editor = schema(("prompt",), prompt={"type": "string"}, image_input=URIS)
    there = tmp_path / "there.png"
    there.write_bytes(b"\x89PNG\r\n\x1a\n")
    plan = plan_run(RunRequest("acme/edit", prompt="p", parameters={"image_input": [there]}, schema=editor),
                    require_token=lambda: None, has_local=False)
    assert plan.model_input["image_input"] == [there]
    assert plan.recorded_input["image_input"] == [str(there)]
    missing = RunRequest("acme/edit", prompt="p", parameters={"image_input": [there, tmp_path / "gone.png"]},
                         schema=editor)
    with pytest.raises(InputProblems, match=r"there is no file at .*gone\.png"):
        plan_run(missing, require_token=lambda: None, has_local=False)
