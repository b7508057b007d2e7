"""How the fake server's models behave (`Script`), the registered models, and the built-in model table."""

from __future__ import annotations

import asyncio
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["text", "image"]
End = Literal["succeeded", "failed", "canceled", "aborted"]
Replay = Literal["resume", "start", "middle"]
Task = Literal["generate", "inpaint", "upscale"]

DEFAULT_CHUNKS: tuple[str, ...] = ("The", " quick", " brown", " fox", " jumps", " over", " the", " lazy dog.")
DEFAULT_ERROR = (
    "CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 79.15 GiB total capacity; "
    "77.01 GiB already allocated; 1.12 GiB free)"
)
_KINDS = ("text", "image")
_TASKS = ("generate", "inpaint", "upscale")
_ENDS = ("succeeded", "failed", "canceled", "aborted")
_FULL_NAME = re.compile(r"^[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*$")


@dataclass
class Script:
    """What a prediction of one model does on the server, from queue to terminal status.

    `stream` left as None resolves in `__post_init__`: True for text models, False for image models.
    Text output is always the growing list of `chunks`; image models log one tqdm line per step and put
    their `images` into `output` at the end (`output_kind` "list" or "single"). `queue_gate` keeps a run queued
    (`starting`) until it is set; `gate` pauses the run in `processing` after `gate_after` chunks or steps until
    the event is set. `official` None keeps the model's
    registered status (official for the built-in llama and flux, not for others). `echo` makes a text model reply
    with the words of its `prompt` instead of `chunks`; `broken_images` serves undecodable bytes as image/png.

    Stream faults, as real SSE servers and proxies produce them: `cut_stream_after` closes every connection after
    that many `output` events, `stream_cuts[i]` closes connection i (0-based) after that many (a later connection
    falls back to `cut_stream_after`); `cut_mid_event` leaves half of the next event on the wire before closing.
    `stream_replay` is what a reconnect with `Last-Event-ID` gets: the events after it ("resume", as Replicate
    does), everything again ("start": the header is ignored) or everything from halfway to it ("middle").
    `stream_ids` False sends events without `id:` lines; `stream_duplicates` sends every output event twice,
    same id; `stream_silent_after` makes every connection go quiet after that many outputs (kept open, nothing
    sent) while the prediction runs on and finishes; `stream_malformed` puts lines a conforming client ignores
    (unknown fields, a broken `retry:`, an id with a NUL, undecodable bytes in a comment) between events;
    `stream_line_ending` is "\n", "\r\n" or "\r"; `oversize_log_line` makes the model print one log line
    of that many characters (in the stream and in `logs` alike).

    `task` shapes an image model's inputs as the real models of that kind have them: "generate" (a prompt and
    the usual settings), "inpaint" (a prompt, an ``image`` and a black/white ``mask``, both required uris, as
    stability-ai/stable-diffusion-inpainting) or "upscale" (an ``image``, a ``scale`` and ``face_enhance``, no
    prompt, as nightmareai/real-esrgan; give it ``output_kind="single"`` as that model has). Register such a
    model with ``FakeReplicate.set_script``.
    """

    kind: Kind = "text"
    chunks: list[str] = field(default_factory=lambda: list(DEFAULT_CHUNKS))
    token_interval: float = 0.01
    queue_time: float = 0.02
    queue_gate: asyncio.Event | None = None
    images: list[tuple[str, int, int]] = field(default_factory=lambda: [("png", 64, 64)])
    image_delivery: Literal["url", "data"] = "url"
    steps: int = 4
    step_time: float = 0.02
    output_kind: Literal["list", "single"] = "list"
    end: End = "succeeded"
    error: str = DEFAULT_ERROR
    stream: bool | None = None
    cut_stream_after: int | None = None
    gate: asyncio.Event | None = None
    gate_after: int = 0
    official: bool | None = None
    broken_images: bool = False
    echo: bool = False
    image_input: bool = False  # the schema has an ``image`` (uri) input, as vision models such as LLaVA do
    stream_cuts: list[int] = field(default_factory=list)
    cut_mid_event: bool = False
    stream_replay: Replay = "resume"
    stream_ids: bool = True
    stream_duplicates: bool = False
    stream_silent_after: int | None = None
    stream_malformed: bool = False
    stream_line_ending: str = "\n"
    oversize_log_line: int | None = None
    task: Task = "generate"

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"Script.kind must be one of {_KINDS}, got {self.kind!r}")
        if self.task not in _TASKS or (self.task != "generate" and self.kind != "image"):
            raise ValueError(f"Script.task must be one of {_TASKS} (not generate only for image models)")
        if self.end not in _ENDS:
            raise ValueError(f"Script.end must be one of {_ENDS}, got {self.end!r}")
        if self.image_delivery not in ("url", "data"):
            raise ValueError(f"Script.image_delivery must be 'url' or 'data', got {self.image_delivery!r}")
        if self.output_kind not in ("list", "single"):
            raise ValueError(f"Script.output_kind must be 'list' or 'single', got {self.output_kind!r}")
        for fmt, width, height in self.images:
            if fmt not in ("png", "webp") or width < 1 or height < 1:
                raise ValueError(f"bad image spec {(fmt, width, height)!r}: want ('png'|'webp', w>0, h>0)")
        if self.steps < 0 or self.gate_after < 0:
            raise ValueError("steps and gate_after cannot be negative")
        if self.stream_replay not in ("resume", "start", "middle"):
            raise ValueError(f"Script.stream_replay must be resume, start or middle, got {self.stream_replay!r}")
        if self.stream_line_ending not in ("\n", "\r\n", "\r"):
            raise ValueError(f"Script.stream_line_ending must be LF, CRLF or CR, got {self.stream_line_ending!r}")
        if any(cut < 0 for cut in self.stream_cuts) or (self.stream_silent_after or 0) < 0:
            raise ValueError("stream_cuts and stream_silent_after cannot be negative")
        if self.stream is None:
            self.stream = self.kind == "text"


@dataclass
class FakeModel:
    """A model the fake server knows: its name, its one version (``""`` for a model created empty, which has none
    yet), and the script its predictions follow."""

    owner: str
    name: str
    version: str
    script: Script
    description: str = ""
    run_count: int = 0
    created_at: str = "2024-04-17T21:30:12.345678Z"
    registered_official: bool = False
    visibility: str = "public"
    training_input: dict[str, Any] | None = None  # a trainer's TrainingInput schema (see trainings.py)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def official(self) -> bool:
        """Whether `POST /v1/models/{owner}/{name}/predictions` works: the script's say, else the registration's."""
        return self.registered_official if self.script.official is None else self.script.official


def split_full_name(full_name: str) -> tuple[str, str]:
    """("owner", "name") from "owner/name"; ValueError for anything else."""
    if not _FULL_NAME.match(full_name):
        raise ValueError(f"model name must look like 'owner/name', got {full_name!r}")
    owner, name = full_name.split("/")
    return owner, name


def derived_version_id(full_name: str) -> str:
    """A stable 64-hex version id for models registered without one."""
    return hashlib.sha256(f"fake-replicate:{full_name}".encode()).hexdigest()


def derived_run_count(full_name: str) -> int:
    """A plausible, stable run count for a model."""
    return 10_000 + int(hashlib.sha256(full_name.encode()).hexdigest()[:6], 16) * 7


# (full name, version id, description, Script keyword arguments) — version ids from replicate-api.md §11.
_BUILTINS: tuple[tuple[str, str, str, dict[str, object]], ...] = (
    (
        "meta/meta-llama-3-70b-instruct",
        "fbfb20b472b2f3bdd101412a9f70a0ed4fc0ced78a77ff00970ee7a2383c575d",
        "A 70 billion parameter language model from Meta, fine tuned for chat completions",
        {"kind": "text", "official": True},
    ),
    (
        "mistralai/mixtral-8x7b-instruct-v0.1",
        "5d78bcd7a992c4b793465bcdcf551dc2ab9668d12bb7aa714557a21c1e77041c",
        "The Mixtral-8x7B-instruct-v0.1 Large Language Model (LLM) is a pretrained generative Sparse "
        "Mixture of Experts tuned to be a helpful assistant.",
        {"kind": "text"},
    ),
    (
        "google-deepmind/gemma-2b-it",
        "dff94eaf770e1fc211e425a50b51baa8e4cac6c39ef074681f9e39d778773626",
        "2B instruct version of Google's Gemma model",
        {"kind": "text"},
    ),
    (
        "yorickvp/llava-13b",
        "80537f9eead1a5bfa72d5ac6ea6414379be41d4d4f6679fd776e9535d1eb58bb",
        "Visual instruction tuning towards large language and vision models with GPT-4 level capabilities",
        {"kind": "text", "image_input": True},
    ),
    (
        "black-forest-labs/flux-schnell",
        "f2ab8a5bfe79f02f0789a146cf5e73d2a4ff2684a98c2b303d1e1ff3814271db",
        "The fastest image generation model tailored for local development and personal use",
        {"kind": "image", "official": True, "stream": True},
    ),
    (
        "stability-ai/stable-diffusion-3",
        "527d2a6296facb8e47ba1eaf17f142c240c19a30894f437feee9b91cc29d8e4f",
        "A text-to-image model with greatly improved performance in image quality, typography, "
        "complex prompt understanding, and resource-efficiency",
        {"kind": "image"},
    ),
    (
        "bytedance/sdxl-lightning-4step",
        "5f24084160c9089501c1b3545d9be3c27883ae2239b6f412990e82d4a6210f8f",
        "SDXL-Lightning by ByteDance: a fast text-to-image model that makes high-quality images in 4 steps",
        {"kind": "image"},
    ),
    (
        "playgroundai/playground-v2.5-1024px-aesthetic",
        "a45f82a1382bed5c7aeb861dac7c7d191b0fdf74d8d57c4a0e6ed7d4d0bf7d24",
        "Playground v2.5 is the state-of-the-art open-source model in aesthetic quality",
        {"kind": "image", "images": [("webp", 64, 64)]},
    ),
    (
        "acme/slow-image",
        derived_version_id("acme/slow-image"),
        "A deliberately slow image model for progress tests (20 steps of 0.1 s)",
        {"kind": "image", "steps": 20, "step_time": 0.1},
    ),
    (
        "acme/echo",
        derived_version_id("acme/echo"),
        "Replies with the words of its prompt, one chunk per word; no stream",
        {"kind": "text", "stream": False, "echo": True},
    ),
)


def builtin_models() -> list[FakeModel]:
    """Fresh `FakeModel`s (with fresh, independent scripts) for every built-in model."""
    models = []
    for full_name, version, description, options in _BUILTINS:
        owner, name = split_full_name(full_name)
        script = Script(**options)  # type: ignore[arg-type]
        models.append(FakeModel(owner, name, version, script, description, run_count=derived_run_count(full_name),
                                registered_official=bool(script.official)))
    return models
