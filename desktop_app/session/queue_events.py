"""Typed queue events: what the job queue tells the queue panel (and ``replicate-desktop batch --json``).

A job's own run is an ordinary :class:`~desktop_app.session.run.Run` (``JobView.run_id`` names it while it
runs, :meth:`JobQueue.run_of` gives it): its text, logs and outputs come from there. The queue's events say
what happens to jobs as jobs: added, moved, throttled, started, finished, and how a batch ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..storage.queue_store import JobState
from .pacing import Pacing
from .spend import BudgetStatus


@dataclass(frozen=True)
class JobView:
    """A job as the panel shows it: where it is in the queue, how it is doing, what it made and cost."""

    id: int
    batch_id: int
    position: int
    model: str
    label: str
    prompt: str | None
    state: JobState
    prediction_id: str | None = None
    attempts: int = 0
    percent: float | None = None
    error: str | None = None
    predict_time: float | None = None
    cost: float | None = None
    outputs: tuple[Path, ...] = ()
    run_id: int | None = None


@dataclass(frozen=True)
class JobsAdded:
    """A batch joined the queue; its jobs are queued, in this order."""

    batch_id: int
    job_ids: tuple[int, ...]


@dataclass(frozen=True)
class JobChanged:
    """A job's state (or what it holds) changed: queued, creating, running, succeeded, failed, canceled."""

    job: JobView


@dataclass(frozen=True)
class JobProgress:
    """A running job's progress: the prediction's status, and its percent when the model prints a bar."""

    job_id: int
    status: str
    percent: float | None


@dataclass(frozen=True)
class JobOutput:
    """One output of a job is kept (in the history's library, or the folder a batch saves into)."""

    job_id: int
    index: int
    path: Path | None
    content_type: str | None


@dataclass(frozen=True)
class JobThrottled:
    """Replicate refused a job's create with a 429; every create waits ``held_for`` seconds, then goes on
    at the pace in ``pacing``."""

    job_id: int
    held_for: float
    pacing: Pacing


@dataclass(frozen=True)
class QueueChanged:
    """The queue was paused or resumed, reordered, or its concurrency changed: ``order`` is the queued jobs'
    ids, next first. ``reason`` says why the queue paused itself (the token was refused, billing is needed)."""

    paused: bool
    order: tuple[int, ...]
    concurrency: int
    reason: str | None = None


@dataclass(frozen=True)
class BatchSummary:
    """A batch's totals so far: jobs by state, compute seconds and cost (``cost_known`` jobs had a price)."""

    batch_id: int
    title: str
    total: int
    succeeded: int
    failed: int
    canceled: int
    compute_seconds: float
    cost: float
    cost_known: int

    @property
    def done(self) -> bool:
        return self.succeeded + self.failed + self.canceled == self.total


@dataclass(frozen=True)
class BatchFinished:
    """Every job of a batch has ended (some may have failed: they can be retried)."""

    summary: BatchSummary


@dataclass(frozen=True)
class BudgetWarning:
    """The spending of the budget's period has passed (or a planned batch would pass) the soft budget."""

    status: BudgetStatus
    planned: float | None = None
    batch_id: int | None = field(default=None)


QueueEvent = (JobsAdded | JobChanged | JobProgress | JobOutput | JobThrottled | QueueChanged | BatchFinished
              | BudgetWarning)
