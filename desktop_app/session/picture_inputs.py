"""What a picture gives a model's form: itself, as the model's image (or mask) input, found from its schema; a run
of another model on it ("Send to…"); or the settings it was made with ("restore the settings")."""

from __future__ import annotations

import math
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..replicate import FieldSpec, InputSchema, classify_file, validate_input
from ..storage.foreign_metadata import GenerationSettings, read_generation_settings
from ..storage.gallery import GalleryItem
from ..storage.outputs import sniff_image_extension
from .recorder import NewConversation
from .requests import RunRequest

Kind = Literal["image", "video", "audio", "other"]
_WORDS: dict[Kind, tuple[str, ...]] = {
    "image": ("image", "img", "photo", "picture", "frame"),
    "video": ("video", "clip", "movie"),
    "audio": ("audio", "sound", "music", "speech", "voice", "song"),
    "other": (),
}
_MASK_WORDS = ("mask",)
_OTHER_KINDS = {kind: tuple(word for other, words in _WORDS.items() if other != kind for word in words)
                for kind in _WORDS}


class NoInputError(ValueError):
    """The model has no input for this file (no image input, no mask input); ``str()`` is one sentence."""


@dataclass(frozen=True)
class InputChoice:
    """Where a file goes in a model's form: ``key`` (the input), ``value`` (the file, or a one-item list for an
    input that takes several) and whether it is sent inline as a ``data:`` URI (small files) or uploaded first."""

    key: str
    title: str
    value: Path | list[Path]
    inline: bool


@dataclass(frozen=True)
class SendTo:
    """A run on a kept output, ready for ``RunService.start(request, target=target)``: its history goes into the
    output's conversation and its generation is linked to the output."""

    request: RunRequest
    target: NewConversation
    choice: InputChoice


@dataclass(frozen=True)
class DroppedFile:
    """A file dropped on the window or pasted: its kind, whether a model can take it (``usable``), the settings it
    was made with when it says (this app's or another tool's), and ``note``: why there are none, or why the file
    cannot be used — one sentence for the user."""

    path: Path
    kind: Kind
    size: int
    usable: bool
    settings: GenerationSettings | None = None
    note: str | None = None


def inspect_file(path: Path) -> DroppedFile:
    """Looks at a dropped file (read only; never raises)."""
    try:
        info = path.stat()
    except OSError as error:
        return DroppedFile(path, "other", 0, False,
                           note=f"{path.name} cannot be read: {(error.strerror or str(error)).lower()}.")
    if not stat.S_ISREG(info.st_mode):
        return DroppedFile(path, "other", 0, False, note=f"{path.name} is not a file.")
    size = info.st_size
    kind = file_kind(path)
    from ..replicate import MAX_UPLOAD_BYTES  # here: the uploads module loads aiohttp, which an idle window does not

    if size > MAX_UPLOAD_BYTES:
        return DroppedFile(path, kind, size, False, note=f"{path.name} is larger than the 100 MB a model can take.")
    reading = read_generation_settings(path) if kind == "image" else None
    if reading is None:
        return DroppedFile(path, kind, size, True)
    return DroppedFile(path, kind, size, True, reading.settings, reading.reason)


def file_kind(source: GalleryItem | Path) -> Kind:
    """``image``, ``video``, ``audio`` or ``other``: the gallery's kind, else the file's bytes or name."""
    if isinstance(source, GalleryItem):
        return source.kind
    try:
        with source.open("rb") as file:
            head = file.read(32)
    except OSError:
        head = b""
    if sniff_image_extension(head):
        return "image"
    return classify_file(None, source.name)


def input_field(schema: InputSchema, kind: Kind, *, mask: bool = False) -> FieldSpec | None:
    """The input a file of ``kind`` goes to: for a mask, the first file input named as one; else the first file
    input whose name (then title or description) says its kind, then the first other file input that names
    neither a mask nor another kind. Single-file inputs come before lists of files."""
    files = [spec for spec in schema.fields
             if spec.kind == "file" or (spec.kind == "array" and spec.item_kind == "file")]
    files.sort(key=lambda spec: spec.kind == "array")
    if mask:
        return next((spec for spec in files if _says(spec.name, _MASK_WORDS)), None)
    candidates = [spec for spec in files if not _says(spec.name, _MASK_WORDS)]
    by_name = [spec for spec in candidates if _says(spec.name, _WORDS[kind])]
    by_text = [spec for spec in candidates if _says(f"{spec.title} {spec.description}", _WORDS[kind])]
    neutral = [spec for spec in candidates if not _says(spec.name, _OTHER_KINDS[kind])]
    return next(iter(by_name + by_text + neutral), None)


def use_as_input(source: GalleryItem | Path, schema: InputSchema, *, model: str, mask: bool = False) -> InputChoice:
    """The input of ``model`` that takes ``source`` (an output or a dropped file) and the value to put there."""
    path = source.path if isinstance(source, GalleryItem) else source
    kind = "image" if mask else file_kind(source)
    spec = input_field(schema, kind, mask=mask)
    if spec is None:
        what = "a mask" if mask else {"image": "an image", "video": "a video", "audio": "an audio"}.get(kind, "a file")
        raise NoInputError(f"{model} has no input for {what}.")
    try:
        size = path.stat().st_size
    except OSError as error:
        raise NoInputError(f"{path.name} cannot be used: {(error.strerror or str(error)).lower()}.") from error
    value: Path | list[Path] = [path] if spec.kind == "array" else path
    from ..replicate import INLINE_LIMIT  # here, like MAX_UPLOAD_BYTES above

    return InputChoice(spec.name, spec.title, value, size <= INLINE_LIMIT)


def send_request(item: GalleryItem, model: str, schema: InputSchema | None, *,
                 parameters: Mapping[str, Any]) -> tuple[RunRequest, InputChoice]:
    """A run of ``model`` on a kept output, its other inputs from ``parameters``, linked to the output. The
    output's prompt goes along (it feeds the model's prompt, if it has one, and names the run in the history)."""
    if schema is None:
        raise NoInputError(f"The inputs of {model} are not known yet, so there is nowhere to send the file.")
    choice = use_as_input(item, schema, model=model)
    prompt: str | None = item.prompt or None
    if prompt is None and schema.prompt_field is None:
        prompt = item.path.name  # a model without a prompt: this only names the run
    request = RunRequest(model, prompt=prompt, parameters={**parameters, choice.key: choice.value}, schema=schema,
                         source_output_id=item.id)
    return request, choice


# --- restoring the settings of a picture ------------------------------------------------------------------

_TARGETS = {
    "negative_prompt": ("negative_prompt", "negative"),
    "seed": ("seed",),
    "steps": ("num_inference_steps", "steps", "num_steps", "inference_steps"),
    "guidance": ("guidance_scale", "guidance", "cfg", "cfg_scale"),
    "width": ("width",),
    "height": ("height",),
}


@dataclass(frozen=True)
class Restored:
    """Settings to put in a form: the model when the file names one exactly (this app's files), the prompt, the
    values for the schema's fields, and what the model has no field for or refuses (shown, not sent)."""

    model: str | None
    model_hint: str | None
    prompt: str | None
    values: dict[str, Any]
    unused: dict[str, str] = field(default_factory=dict)


def restore_settings(settings: GenerationSettings, schema: InputSchema | None) -> Restored:
    """Maps read settings onto a model's inputs. This app's files give back their whole input; other tools'
    give what has a field of the same meaning (negative prompt, seed, steps, guidance, size — or the aspect ratio
    nearest to it). With a schema, values it would refuse go to ``unused`` with its reason."""
    found: dict[str, Any] = {}
    unused: dict[str, str] = {}
    if settings.inputs:
        found = {name: value for name, value in settings.inputs.items() if name != "prompt"}
    else:
        for meaning, value in (("negative_prompt", settings.negative_prompt), ("seed", settings.seed),
                               ("steps", settings.steps), ("guidance", settings.guidance),
                               ("width", settings.width), ("height", settings.height)):
            if value is None:
                continue
            name = _field_for(schema, meaning)
            if name is None:
                unused[meaning] = str(value)
            else:
                found[name] = value
        ratio = _aspect_ratio(schema, settings.width, settings.height)
        if ratio is not None and "width" in unused:
            found["aspect_ratio"] = ratio
    if schema is not None:
        known = {spec.name for spec in schema.fields}
        for name in [name for name in found if name not in known]:
            unused[name] = _shown(found.pop(name))
        for name, problem in validate_input(schema, {**found}).items():
            if name in found:
                unused[name] = f"{_shown(found.pop(name))} ({problem})"
    return Restored(settings.model, settings.model_hint, settings.prompt, found, unused)


def _field_for(schema: InputSchema | None, meaning: str) -> str | None:
    names = _TARGETS[meaning]
    if schema is None:
        return names[0]
    return next((name for name in names if schema.get(name) is not None), None)


def _aspect_ratio(schema: InputSchema | None, width: int | None, height: int | None) -> str | None:
    """The ``aspect_ratio`` choice (``"16:9"``…) nearest to width × height, when the model has one."""
    spec = schema.get("aspect_ratio") if schema is not None else None
    if spec is None or not width or not height or not spec.choices:
        return None
    wanted = math.log(width / height)
    best: tuple[float, str] | None = None
    for choice in spec.choices:
        parts = str(choice).split(":")
        if len(parts) == 2 and all(part.isdigit() and int(part) > 0 for part in parts):
            distance = abs(math.log(int(parts[0]) / int(parts[1])) - wanted)
            if best is None or distance < best[0]:
                best = (distance, str(choice))
    return best[1] if best is not None and best[0] < 0.1 else None


def _says(text: str, words: tuple[str, ...]) -> bool:
    folded = text.lower()
    return any(word in folded for word in words)


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 200 else text[:199] + "…"
