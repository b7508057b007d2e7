"""Typed events a training yields while it is followed, from creation to its new version."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .training_objects import TrainingResult


@dataclass(frozen=True)
class TrainingStarted:
    """The training exists on Replicate (``resumed``: picked up again by its id)."""

    training_id: str
    trainer: str  # owner/name:version as Replicate reports it
    destination: str | None
    status: str
    web_url: str | None = None
    resumed: bool = False


@dataclass(frozen=True)
class TrainingProgress:
    """How far a training has come: ``elapsed`` seconds since it was created (by Replicate's clock when it says),
    ``percent`` from the last tqdm bar of its logs, ``polls`` made so far."""

    status: str
    elapsed: float
    percent: float | None = None
    log_line: str | None = None
    polls: int = 0


@dataclass(frozen=True)
class TrainingLogs:
    """New text at the end of the training's logs."""

    text: str


@dataclass(frozen=True)
class TrainingCompleted:
    """The training succeeded: ``result.version`` is the new ``owner/name:version``, ready to run."""

    training_id: str
    result: TrainingResult
    metrics: Mapping[str, Any] = field(default_factory=dict)

    @property
    def predict_time(self) -> float | None:
        value = self.metrics.get("predict_time")
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


TrainingEvent = TrainingStarted | TrainingProgress | TrainingLogs | TrainingCompleted
