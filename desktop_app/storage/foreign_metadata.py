"""Generation settings read back from a picture, read only: this app's own metadata, AUTOMATIC1111/Forge's
``parameters`` text (PNG chunk or EXIF UserComment), InvokeAI's ``invokeai_metadata`` (and the older
``sd-metadata`` and ``Dream``) and ComfyUI's ``prompt``/``workflow`` graphs, mapped to one shape for "restore the
settings". Any file may be dropped on the window, so reading never raises: a file without usable settings gives
``None`` and one sentence saying why."""

from __future__ import annotations

import itertools
import json
import logging
import math
import re
import shlex
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .comfy_metadata import comfy_values
from .embedded_text import EmbeddedText, TooLarge, read_embedded_text
from .image_metadata import SOFTWARE, parse_xmp, sidecar_path

log = logging.getLogger(__name__)

Source = Literal["replicate-desktop", "automatic1111", "invokeai", "comfyui"]
MAX_FILE = 256 * 1024 * 1024
MAX_JSON = 4 * 1024 * 1024
_SIZE = re.compile(r"\s*(\d{1,5})\s*[x×]\s*(\d{1,5})\s*")


@dataclass(frozen=True)
class GenerationSettings:
    """How a picture was made, as far as its file says. ``model`` is an exact Replicate reference (this app's
    own files only); ``model_hint`` names the model in the other tool's words (a checkpoint name); ``inputs`` is
    this app's full recorded input (empty for other tools); ``other`` keeps what else the tool wrote, as text."""

    source: Source
    prompt: str | None = None
    negative_prompt: str | None = None
    seed: int | None = None
    steps: int | None = None
    guidance: float | None = None
    width: int | None = None
    height: int | None = None
    model: str | None = None
    model_hint: str | None = None
    other: Mapping[str, str] = field(default_factory=dict)
    inputs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MetadataReading:
    """The settings found, or ``None`` with ``reason``: one sentence for the user."""

    settings: GenerationSettings | None
    reason: str | None = None


def read_generation_settings(source: Path | bytes) -> MetadataReading:
    """The generation settings in a PNG, JPEG or WebP file (or its ``.json`` sidecar); never raises."""
    name = source.name if isinstance(source, Path) else "The picture"
    try:
        if isinstance(source, Path):
            if source.stat().st_size > MAX_FILE:
                return MetadataReading(None, f"{name} is larger than 256 MB; its settings were not read.")
            data = source.read_bytes()
        else:
            data = source
        found = read_embedded_text(data)
        settings = settings_from(found)
        if settings is None and isinstance(source, Path):
            settings = _own_sidecar(source)
    except TooLarge as error:
        return MetadataReading(None, f"{name} was not read: {error}.")
    except OSError as error:
        return MetadataReading(None, f"{name} could not be read ({(error.strerror or str(error)).lower()}).")
    except Exception:  # a reader bug must never reach the window: the file is simply treated as plain
        log.exception("Reading the generation settings of %s failed", name)
        return MetadataReading(None, f"The settings in {name} could not be read.")
    if settings is not None:
        return MetadataReading(settings)
    if found.format is None:
        return MetadataReading(None, f"{name} is not a PNG, JPEG or WebP picture, so it carries no settings.")
    damage = f" ({found.damage[0]})" if found.damage else ""
    return MetadataReading(None, f"{name} carries no generation settings this app can read{damage}.")


def settings_from(found: EmbeddedText) -> GenerationSettings | None:
    """The first readable settings: this app's own, then InvokeAI's, ComfyUI's and AUTOMATIC1111's."""
    readers: list[Callable[[], GenerationSettings | None]] = [
        lambda: own_settings(found.chunks) or own_settings(parse_xmp(found.xmp) if found.xmp else {}),
        lambda: invoke_settings(found.chunks),
        lambda: comfy_settings(*_comfy_texts(found)),
        lambda: a1111_settings(found.chunks.get("parameters") or found.exif.get("UserComment") or ""),
    ]
    for reader in readers:
        settings = reader()
        if settings is not None:
            return settings
    return None


# --- this app --------------------------------------------------------------------------------------------


def own_settings(values: Mapping[str, str]) -> GenerationSettings | None:
    """This app's metadata (``Software``, ``model``, ``prompt``, ``parameters``…) as settings."""
    if values.get("Software") != SOFTWARE or not values.get("model"):
        return None
    inputs = load_json(values.get("parameters", ""))
    inputs = inputs if isinstance(inputs, dict) else {}
    model = values["model"]
    version = values.get("version")
    reference = f"{model}:{version}" if version and ":" not in model else model
    return GenerationSettings(
        source="replicate-desktop", prompt=values.get("prompt") or _text(inputs.get("prompt")),
        negative_prompt=_text(inputs.get("negative_prompt")), seed=whole(values.get("seed") or inputs.get("seed")),
        steps=whole(inputs.get("num_inference_steps", inputs.get("steps"))),
        guidance=number(inputs.get("guidance_scale", inputs.get("guidance"))),
        width=whole(inputs.get("width")), height=whole(inputs.get("height")), model=reference, model_hint=model,
        other={key: value for key, value in values.items() if key in ("prediction_id",)}, inputs=inputs,
    )


def _own_sidecar(path: Path) -> GenerationSettings | None:
    side = sidecar_path(path)
    try:
        info = side.stat()
    except OSError:  # no sidecar (or none that can be looked at): the picture simply has no settings of ours
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_JSON:
        return None
    raw = load_json(side.read_text(encoding="utf-8", errors="replace"))
    return own_settings({str(k): str(v) for k, v in raw.items()}) if isinstance(raw, dict) else None


# --- AUTOMATIC1111 / Forge -------------------------------------------------------------------------------

_A1111_FIELDS = {"Steps": "steps", "CFG scale": "guidance", "Seed": "seed", "Size": "size", "Model": "model"}


def a1111_settings(text: str) -> GenerationSettings | None:
    """``prompt⏎Negative prompt: …⏎Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x768, Model: …``."""
    text = text.strip()
    if not text:
        return None
    *lines, last = text.split("\n")
    pairs = parameter_pairs(last)
    if len(pairs) < 3:
        lines.append(last)
        pairs = []
    prompt: list[str] = []
    negative: list[str] = []
    for line in lines:
        if line.startswith("Negative prompt:"):
            negative.append(line[len("Negative prompt:") :].strip())
        elif negative:
            negative.append(line)
        else:
            prompt.append(line)
    if not pairs and not negative:
        return None  # a bare text chunk is not settings
    values = dict(pairs)
    size = _SIZE.fullmatch(values.get("Size", ""))
    return GenerationSettings(
        source="automatic1111", prompt="\n".join(prompt).strip() or None,
        negative_prompt="\n".join(negative).strip() or None, seed=whole(values.get("Seed")),
        steps=whole(values.get("Steps")), guidance=number(values.get("CFG scale")),
        width=int(size[1]) if size else None, height=int(size[2]) if size else None,
        model_hint=values.get("Model") or None,
        other=_texts({key: value for key, value in values.items() if key not in _A1111_FIELDS}),
    )


def parameter_pairs(line: str, limit: int = 200) -> list[tuple[str, str]]:
    """``Key: value, Key: "quoted, value"`` pairs, read in one pass (no regular expression to backtrack on a
    hostile line). Stops at the first piece that is not such a pair."""
    pairs: list[tuple[str, str]] = []
    position = 0
    while position < len(line) and len(pairs) < limit:
        colon = line.find(":", position, position + 65)
        key = line[position:colon].strip() if colon != -1 else ""
        if not key or not (key[0].isalnum() or key[0] == "_"):
            break
        position = colon + 1
        while position < len(line) and line[position] == " ":
            position += 1
        if line.startswith('"', position):
            end = position + 1
            while end < len(line) and line[end] != '"':
                end += 2 if line[end] == "\\" else 1
            value = line[position + 1 : end].replace('\\"', '"').replace("\\\\", "\\")
            comma = line.find(",", end)
        else:
            comma = line.find(",", position)
            value = line[position : comma if comma != -1 else len(line)].strip()
        pairs.append((key, value))
        if comma == -1:
            break
        position = comma + 1
        while position < len(line) and line[position] == " ":
            position += 1
    return pairs


# --- InvokeAI --------------------------------------------------------------------------------------------


def invoke_settings(chunks: Mapping[str, str]) -> GenerationSettings | None:
    """``invokeai_metadata`` (3.x and later), else ``sd-metadata`` (2.x), else a ``Dream`` command line (1.x)."""
    metadata = load_json(chunks.get("invokeai_metadata", ""))
    if isinstance(metadata, dict):
        model = metadata.get("model")
        hint = _text(model.get("name") or model.get("model_name")) if isinstance(model, dict) else _text(model)
        known = {"positive_prompt", "negative_prompt", "seed", "steps", "cfg_scale", "width", "height", "model"}
        return GenerationSettings(
            source="invokeai", prompt=_text(metadata.get("positive_prompt")),
            negative_prompt=_text(metadata.get("negative_prompt")), seed=whole(metadata.get("seed")),
            steps=whole(metadata.get("steps")), guidance=number(metadata.get("cfg_scale")),
            width=whole(metadata.get("width")), height=whole(metadata.get("height")), model_hint=hint,
            other=_texts({key: value for key, value in metadata.items() if key not in known}),
        )
    legacy = load_json(chunks.get("sd-metadata", ""))
    if isinstance(legacy, dict) and isinstance(legacy.get("image"), dict):
        image = legacy["image"]
        raw = image.get("prompt")
        if isinstance(raw, list):
            raw = " ".join(str(part.get("prompt", "")) for part in raw if isinstance(part, dict))
        prompt, negative = split_bracketed(_text(raw) or "")
        return GenerationSettings(
            source="invokeai", prompt=prompt or None, negative_prompt=negative or None, seed=whole(image.get("seed")),
            steps=whole(image.get("steps")), guidance=number(image.get("cfg_scale")), width=whole(image.get("width")),
            height=whole(image.get("height")), model_hint=_text(legacy.get("model_weights")),
            other=_texts({key: image[key] for key in ("sampler", "type", "strength") if key in image}),
        )
    return dream_settings(chunks.get("Dream", ""))


_DREAM_FLAGS = {"-s": "steps", "-S": "seed", "-W": "width", "-H": "height", "-C": "cfg", "-A": "sampler"}


def dream_settings(text: str) -> GenerationSettings | None:
    """InvokeAI 1.x: ``"a prompt" -s 50 -S 42 -W 512 -H 512 -C 7.5 -A k_lms``."""
    if not text.strip() or len(text) > 100_000:
        return None
    try:
        words = shlex.split(text)
    except ValueError:
        return None
    if not words:
        return None
    values: dict[str, str] = {}
    for flag, value in itertools.pairwise(words[1:]):
        if flag in _DREAM_FLAGS:
            values[_DREAM_FLAGS[flag]] = value
    prompt, negative = split_bracketed(words[0])
    return GenerationSettings(
        source="invokeai", prompt=prompt or None, negative_prompt=negative or None, seed=whole(values.get("seed")),
        steps=whole(values.get("steps")), guidance=number(values.get("cfg")), width=whole(values.get("width")),
        height=whole(values.get("height")), other={"sampler": values["sampler"]} if "sampler" in values else {},
    )


def split_bracketed(prompt: str) -> tuple[str, str]:
    """InvokeAI 2.x writes the negative prompt inside the prompt, in ``[brackets]``."""
    negative = " ".join(part.strip() for part in re.findall(r"\[([^\[\]]*)\]", prompt))
    positive = " ".join(re.sub(r"\[[^\[\]]*\]", " ", prompt).split())
    return positive, negative


# --- ComfyUI ---------------------------------------------------------------------------------------------


def comfy_settings(graph: Any, workflow: Any) -> GenerationSettings | None:
    """ComfyUI's ``prompt`` graph (or, without it, its ``workflow``), already parsed from JSON."""
    values = comfy_values(graph, workflow)
    if values is None:
        return None
    settings = GenerationSettings(
        source="comfyui", prompt=_text(values.get("prompt")), negative_prompt=_text(values.get("negative_prompt")),
        seed=whole(values.get("seed")), steps=whole(values.get("steps")), guidance=number(values.get("guidance")),
        width=whole(values.get("width")), height=whole(values.get("height")),
        model_hint=_text(values.get("model_hint")), other=_texts(values.get("other") or {}),
    )
    return settings if settings.prompt is not None or settings.seed is not None else None


def _comfy_texts(found: EmbeddedText) -> tuple[Any, Any]:
    """The API graph and the UI workflow, from PNG chunks or (WebP/JPEG) the EXIF ``prompt:``/``workflow:`` tags."""
    graph, workflow = found.chunks.get("prompt"), found.chunks.get("workflow")
    for text in found.exif.values():
        if graph is None and text.startswith("prompt:"):
            graph = text[len("prompt:") :]
        elif workflow is None and text.startswith("workflow:"):
            workflow = text[len("workflow:") :]
    return load_json(graph or ""), load_json(workflow or "")


# --- values ----------------------------------------------------------------------------------------------


def load_json(text: str) -> Any:
    """The parsed JSON, or ``None`` when it is missing, too large, too deep or broken."""
    if not text or len(text) > MAX_JSON:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def whole(value: Any) -> int | None:
    """A whole number from an int, an integral float or digits (``None`` otherwise or past 64 bits)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,20}\s*", value):
        value = int(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    return value if isinstance(value, int) and -(2**63) <= value < 2**64 else None


def number(value: Any) -> float | None:
    """A finite number from an int, a float or its text."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and len(value) <= 40:
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _texts(values: Mapping[str, Any]) -> dict[str, str]:
    """Scalars as text; nested values as compact JSON, capped so a hostile file cannot flood the window."""
    kept: dict[str, str] = {}
    for key, value in values.items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        kept[str(key)[:80]] = text if len(text) <= 2000 else text[:1999] + "…"
    return kept
