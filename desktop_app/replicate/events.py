"""Typed events a running prediction yields, from creation to completion."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

FollowMode = Literal["wait", "stream", "poll"]


@dataclass(frozen=True)
class Started:
    """The prediction exists on the server."""

    prediction_id: str
    model: str
    kind: str  # "text" or "image"
    status: str
    web_url: str | None = None
    version: str | None = None


@dataclass(frozen=True)
class Progress:
    """How far a prediction has come.

    ``attempt`` counts the GET polls made so far (0 while waiting on a held request or a
    stream); ``percent`` comes from the last tqdm line in the model's logs, when present.
    """

    status: str
    mode: FollowMode
    attempt: int
    max_attempts: int
    elapsed: float
    percent: float | None = None
    log_line: str | None = None


@dataclass(frozen=True)
class LogsAppended:
    """New text at the end of the model's logs."""

    text: str


@dataclass(frozen=True)
class TextDelta:
    """A new piece of a text model's reply."""

    text: str


@dataclass(frozen=True)
class TextReplaced:
    """The whole reply text so far, replacing everything shown before it.

    Rare: sent only when what was streamed turned out to differ from the model's authoritative
    output (a stream that replayed or duplicated events in a way that could not be told apart).
    After it, ``TextDelta`` events continue from the end of ``text``. ``str()`` gives the text, so code that
    prints every item of the seed facade prints the exact reply.
    """

    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class ImageResponse:
    """The output images of an image model, with the prompt as alt text."""

    images: tuple[str, ...]
    alt: str = ""

    def __init__(self, images: str | list[str] | tuple[str, ...], alt: str = "") -> None:
        urls = (images,) if isinstance(images, str) else tuple(images)
        object.__setattr__(self, "images", urls)
        object.__setattr__(self, "alt", alt)

    def __str__(self) -> str:
        alt = self.alt.replace("[", "(").replace("]", ")").replace("\n", " ")
        return "\n".join(f"[![{alt}]({url})]({url})" for url in self.images)


@dataclass(frozen=True)
class Completed:
    """The prediction reached a terminal status successfully."""

    prediction_id: str
    status: str
    output: Any
    metrics: Mapping[str, Any] = field(default_factory=dict)

    @property
    def predict_time(self) -> float | None:
        value = self.metrics.get("predict_time")
        return float(value) if isinstance(value, int | float) else None


PredictionEvent = Started | Progress | LogsAppended | TextDelta | TextReplaced | ImageResponse | Completed
