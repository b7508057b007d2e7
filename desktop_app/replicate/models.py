"""Model references: parsing ``owner/name[:version]``, the built-in aliases and their kinds."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from .errors import UnknownModelError
from .schema import OutputSpec

ModelKind = Literal["text", "image"]

_NAME_PART = r"[A-Za-z0-9][A-Za-z0-9._-]*"
_REFERENCE = re.compile(rf"^(?P<owner>{_NAME_PART})/(?P<name>{_NAME_PART})(?::(?P<version>[0-9a-f]{{64}}))?$")
_VERSIONED = re.compile(rf"^(?P<model>{_NAME_PART}/{_NAME_PART}):(?P<version>.*)$")  # well-formed but for its version


@dataclass(frozen=True)
class ModelInfo:
    """A model the app knows by heart: its alias, full name, pinned version and kind."""

    alias: str
    full_name: str
    version: str
    kind: ModelKind
    description: str


BUILTIN_MODELS: tuple[ModelInfo, ...] = (
    ModelInfo(
        "llama-3-70b", "meta/meta-llama-3-70b-instruct",
        "fbfb20b472b2f3bdd101412a9f70a0ed4fc0ced78a77ff00970ee7a2383c575d",
        "text", "Meta's 70-billion-parameter Llama 3, tuned for chat",
    ),
    ModelInfo(
        "mixtral-8x7b", "mistralai/mixtral-8x7b-instruct-v0.1",
        "5d78bcd7a992c4b793465bcdcf551dc2ab9668d12bb7aa714557a21c1e77041c",
        "text", "Mistral's sparse mixture-of-experts instruction model",
    ),
    ModelInfo(
        "gemma-2b", "google-deepmind/gemma-2b-it",
        "dff94eaf770e1fc211e425a50b51baa8e4cac6c39ef074681f9e39d778773626",
        "text", "Google's small, fast 2B instruction-tuned model",
    ),
    ModelInfo(
        "llava-13b", "yorickvp/llava-13b",
        "80537f9eead1a5bfa72d5ac6ea6414379be41d4d4f6679fd776e9535d1eb58bb",
        "text", "Vision-language chat model (LLaVA 13B)",
    ),
    ModelInfo(
        "flux-schnell", "black-forest-labs/flux-schnell",
        "f2ab8a5bfe79f02f0789a146cf5e73d2a4ff2684a98c2b303d1e1ff3814271db",
        "image", "Fast text-to-image model from Black Forest Labs",
    ),
    ModelInfo(
        "sd-3", "stability-ai/stable-diffusion-3",
        "527d2a6296facb8e47ba1eaf17f142c240c19a30894f437feee9b91cc29d8e4f",
        "image", "Stability AI's Stable Diffusion 3",
    ),
    ModelInfo(
        "sdxl", "bytedance/sdxl-lightning-4step",
        "5f24084160c9089501c1b3545d9be3c27883ae2239b6f412990e82d4a6210f8f",
        "image", "SDXL-Lightning: high-quality images in 4 steps",
    ),
    ModelInfo(
        "playground-v2.5", "playgroundai/playground-v2.5-1024px-aesthetic",
        "a45f82a1382bed5c7aeb861dac7c7d191b0fdf74d8d57c4a0e6ed7d4d0bf7d24",
        "image", "Playground v2.5: aesthetic 1024px images",
    ),
)

ALIASES: dict[str, str] = {info.alias: info.full_name for info in BUILTIN_MODELS}
_BY_FULL_NAME: dict[str, ModelInfo] = {info.full_name: info for info in BUILTIN_MODELS}


@dataclass(frozen=True)
class ModelRef:
    """A parsed ``owner/name[:version]`` reference."""

    owner: str
    name: str
    version: str | None = None

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def __str__(self) -> str:
        return f"{self.full_name}:{self.version}" if self.version else self.full_name


def model_path(owner: str, name: str) -> str:
    """The API path of a model, ``models/{owner}/{name}``, each part percent-quoted: the one place it is built."""
    return f"models/{quote(owner, safe='')}/{quote(name, safe='')}"


COG_PREFIX = "cog:"
_COG = re.compile(r"^cog:https?://[A-Za-z0-9.\-\[\]:]+(?::\d+)?/?$")


def is_cog_reference(model: str) -> bool:
    """Whether ``model`` names a local Cog server: ``cog:http://host:port``."""
    return bool(_COG.match(model.strip()))


def canonical_model(model: str) -> str:
    """The full name of a Replicate model (aliases resolved), or a Cog reference as it is."""
    return model.strip() if is_cog_reference(model) else get_model(model)


def get_model(model: str) -> str:
    """Maps an alias to its full name; passes ``owner/name[:version]`` through; refuses the rest."""
    candidate = model.strip()
    if candidate in ALIASES:
        return ALIASES[candidate]
    if _REFERENCE.match(candidate):
        return candidate
    versioned = _VERSIONED.match(candidate)
    if versioned:
        raise UnknownModelError(
            f"The version of {versioned['model']} is not valid: a version is 64 hexadecimal characters (0-9, a-f), "
            f"{_what_was_given(versioned['version'])}."
        )
    aliases = ", ".join(ALIASES)
    raise UnknownModelError(
        f"Unknown model {model!r}: use one of the aliases ({aliases}) "
        "or a Replicate model as owner/name or owner/name:version."
    )


def _what_was_given(version: str) -> str:
    if not version:
        return "but nothing follows the colon"
    shown = version if len(version) <= 70 else version[:69] + "…"
    if len(version) != 64:
        return f"but {shown!r} is {len(version)} character{'' if len(version) == 1 else 's'} long"
    return f"but {shown!r} has characters other than 0-9 and a-f"


def parse_model(model: str) -> ModelRef:
    """Resolves aliases and parses the result into a :class:`ModelRef`."""
    match = _REFERENCE.match(get_model(model))
    assert match is not None  # get_model only returns well-formed references
    return ModelRef(match["owner"], match["name"], match["version"])


def builtin_info(model: str) -> ModelInfo | None:
    """The built-in entry for an alias or full name (with or without version), if any."""
    full = get_model(model).split(":", 1)[0]
    return _BY_FULL_NAME.get(full)


def kind_of(model: str) -> ModelKind | None:
    """Like :func:`known_kind`, but ``None`` for names that are not Replicate models (a Cog server, a typo)."""
    try:
        return known_kind(model)
    except UnknownModelError:
        return None


def known_kind(model: str) -> ModelKind | None:
    """The kind of a built-in model; ``None`` for models only their output can classify."""
    info = builtin_info(model)
    return info.kind if info else None


def kind_from_output(output: OutputSpec | None) -> ModelKind | None:
    """The kind a schema's output gives a run: files are shown as images, text as text; JSON and unknown
    outputs are classified by what the prediction returns."""
    if output is None:
        return None
    if output.kind == "files":
        return "image"
    if output.kind == "text":
        return "text"
    return None
