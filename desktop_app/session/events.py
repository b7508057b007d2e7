"""Typed session events: what one run tells whoever follows it, from its first step to its last.

Every event carries the ``run_id`` of its run, so that one reader can follow several runs at once. A run
always ends with exactly one of :class:`RunFinished`, :class:`RunFailed` or :class:`RunCanceled`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

RunId = int
ErrorKind = Literal["auth", "input_rejected", "error"]


@dataclass(frozen=True)
class RunProblem:
    """Why a run (or one of its outputs) failed, typed so that the window can phrase it in the user's language.

    ``message`` is the core's English sentence (for logs and the history); ``error`` is the exception itself,
    for a translated description; ``fields`` names the rejected inputs (``kind == "input_rejected"``);
    ``checked_locally`` says a local check refused the run before any request: nothing was sent or recorded.
    """

    kind: ErrorKind
    message: str
    error: BaseException
    fields: Mapping[str, str] = field(default_factory=dict)
    checked_locally: bool = False


@dataclass(frozen=True)
class RunBegun:
    """The run passed its local checks and is about to create its prediction; ``prompt`` is what it sends."""

    run_id: RunId
    model: str
    kind: str | None
    prompt: str
    resumed: bool = False


@dataclass(frozen=True)
class RunStarted:
    """The prediction exists on the server (or the local Cog server)."""

    run_id: RunId
    prediction_id: str
    model: str
    version: str | None = None
    web_url: str | None = None


@dataclass(frozen=True)
class ProgressChanged:
    """How far the prediction has come (``percent`` from the model's progress bar, when it prints one)."""

    run_id: RunId
    status: str
    mode: str
    attempt: int
    max_attempts: int
    elapsed: float
    percent: float | None = None
    log_line: str | None = None


@dataclass(frozen=True)
class LogsAppended:
    """New text at the end of the model's logs."""

    run_id: RunId
    text: str


@dataclass(frozen=True)
class TextAppended:
    """A new piece of a text model's reply."""

    run_id: RunId
    text: str


@dataclass(frozen=True)
class TextReplaced:
    """The exact, complete reply, replacing whatever was streamed so far."""

    run_id: RunId
    text: str


@dataclass(frozen=True)
class OutputsAnnounced:
    """The prediction's output files are known; each is downloaded and kept next."""

    run_id: RunId
    urls: tuple[str, ...]
    alt: str = ""


@dataclass(frozen=True)
class OutputProgressed:
    """Bytes of output ``index`` received so far (``total`` when the server said)."""

    run_id: RunId
    index: int
    received: int
    total: int | None


@dataclass(frozen=True)
class OutputReady:
    """Output ``index`` is on this machine: ``path`` is its file in the library (``None`` without a history),
    ``data`` its bytes with the generation's metadata embedded."""

    run_id: RunId
    index: int
    source_url: str
    content_type: str | None
    data: bytes = field(repr=False)
    path: Path | None = None


@dataclass(frozen=True)
class OutputFailed:
    """Output ``index`` could not be fetched or kept; the run itself may still succeed."""

    run_id: RunId
    index: int
    source_url: str
    problem: RunProblem


@dataclass(frozen=True)
class RunFinished:
    """The run succeeded; ``text`` is the whole reply (empty for image models). Always the last event."""

    run_id: RunId
    status: str
    text: str
    predict_time: float | None = None
    metrics: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunFailed:
    """The run failed; ``text`` is what arrived before it did. Always the last event."""

    run_id: RunId
    problem: RunProblem
    text: str = ""


@dataclass(frozen=True)
class RunCanceled:
    """The run was stopped (its prediction canceled on the server, unless it was resumed). Always the last event."""

    run_id: RunId
    text: str = ""


SessionEvent = (
    RunBegun | RunStarted | ProgressChanged | LogsAppended | TextAppended | TextReplaced | OutputsAnnounced
    | OutputProgressed | OutputReady | OutputFailed | RunFinished | RunFailed | RunCanceled
)
RunEnd = RunFinished | RunFailed | RunCanceled
END_EVENTS = (RunFinished, RunFailed, RunCanceled)
