"""The queue database's records: batches, jobs and spend entries as the store gives them, and how a job's input
(local files by their path) is kept as JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

JobState = Literal["queued", "creating", "running", "succeeded", "failed", "canceled"]
UNFINISHED_STATES: tuple[JobState, ...] = ("queued", "creating", "running")
ENDED_STATES: tuple[JobState, ...] = ("succeeded", "failed", "canceled")
_PATH_KEY = "$path"  # a local file input, kept by its path


@dataclass(frozen=True)
class NewJob:
    """A job to add: its model and input (local files as ``Path``), and a short label of what varies."""

    model: str
    input: Mapping[str, Any]
    label: str = ""


@dataclass(frozen=True)
class JobRecord:
    """One job as stored. ``sent_at``, ``sent_input`` and ``sent_version`` describe the last create sent (its
    answer may be lost): when it left, its input (as a lost create is looked for by it) and the version it named."""

    id: int
    batch_id: int
    position: int
    model: str
    input: dict[str, Any]
    label: str
    state: JobState
    prediction_id: str | None
    attempts: int
    sent_at: datetime | None
    sent_input: dict[str, Any] | None
    error: str | None
    predict_time: float | None
    cost: float | None
    outputs: list[str]
    created_at: datetime
    updated_at: datetime
    sent_version: str | None = None

    @property
    def ended(self) -> bool:
        return self.state in ENDED_STATES


@dataclass(frozen=True)
class BatchRecord:
    """A batch: its title, an optional ``key`` (the command line's digest of its jobs), its history
    conversation, its jobs by state and the input ``schemas`` (by model, as JSON objects) they were checked
    against."""

    id: int
    title: str
    key: str | None
    history_id: int | None
    created_at: datetime
    counts: Mapping[str, int] = field(default_factory=dict)
    schemas: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def unfinished(self) -> int:
        return sum(self.counts.get(state, 0) for state in UNFINISHED_STATES)


@dataclass(frozen=True)
class SpendEntry:
    """One paid run in the ledger: what it cost (``None`` when no price is known) and on what basis."""

    prediction_id: str
    model: str
    basis: str
    predict_time: float | None
    outputs: int
    cost: float | None
    batch_id: int | None
    at: datetime


def encode_input(values: Mapping[str, Any]) -> str:
    """The input as JSON; local files (``Path``) as ``{"$path": "…"}``."""
    return json.dumps({key: {_PATH_KEY: str(value)} if isinstance(value, Path) else value
                       for key, value in values.items()}, ensure_ascii=False, sort_keys=True)


def decode_input(text: str) -> dict[str, Any]:
    raw = json.loads(text)
    return {key: Path(value[_PATH_KEY]) if isinstance(value, dict) and set(value) == {_PATH_KEY} else value
            for key, value in raw.items()}
