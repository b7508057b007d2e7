"""The typed events of a training as the application follows it, from packing the photos to the new version.

Every event carries the run's local ``run_id``; a training run always ends with exactly one of
:class:`TrainingSucceeded`, :class:`TrainingFailed`, :class:`TrainingCanceled` or :class:`TrainingDetached`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .events import RunProblem


@dataclass(frozen=True)
class PackingProgressed:
    """Photos packed into the zip so far (bytes)."""

    run_id: int
    done: int
    total: int


@dataclass(frozen=True)
class UploadProgressed:
    """Bytes of the zip sent to Replicate's Files API so far."""

    run_id: int
    sent: int
    total: int


@dataclass(frozen=True)
class DataReady:
    """The training data has a URL: uploaded now, or ``reused`` (Replicate had the same zip already)."""

    run_id: int
    url: str
    size: int | None
    reused: bool


@dataclass(frozen=True)
class DestinationCreated:
    """The new model to train into was created (empty, private unless asked otherwise)."""

    run_id: int
    model: str


@dataclass(frozen=True)
class TrainingBegun:
    """The training exists on Replicate (``resumed``: picked up again by its id after a restart)."""

    run_id: int
    training_id: str
    trainer: str
    destination: str
    web_url: str | None
    resumed: bool = False


@dataclass(frozen=True)
class TrainingStatus:
    """A look at the training: Replicate's status, seconds since it was created, percent from its logs."""

    run_id: int
    status: str
    elapsed: float
    percent: float | None
    log_line: str | None


@dataclass(frozen=True)
class TrainingLogsAppended:
    """New text at the end of the training's logs."""

    run_id: int
    text: str


@dataclass(frozen=True)
class TrainingSucceeded:
    """The new version exists and can be run: ``version`` is ``owner/name:id``; ``suggested_prompt`` is a first test
    prompt with the trigger word, when the trainer has one."""

    run_id: int
    training_id: str
    version: str
    weights: str | None
    trigger_word: str | None
    suggested_prompt: str | None
    predict_time: float | None


@dataclass(frozen=True)
class TrainingFailed:
    """The training could not start or did not succeed. ``problem.checked_locally``: nothing was sent or paid."""

    run_id: int
    problem: RunProblem
    training_id: str | None = None


@dataclass(frozen=True)
class TrainingCanceled:
    """Stopped by the user; ``on_server`` when Replicate confirmed the cancel (before creation nothing ran)."""

    run_id: int
    training_id: str | None
    on_server: bool


@dataclass(frozen=True)
class TrainingDetached:
    """The app stops following (it is closing) while the training goes on on Replicate; it is picked up again by
    its id at the next start."""

    run_id: int
    training_id: str | None


TrainingEnd = TrainingSucceeded | TrainingFailed | TrainingCanceled | TrainingDetached
TrainingRunEvent = (PackingProgressed | UploadProgressed | DataReady | DestinationCreated | TrainingBegun
                    | TrainingStatus | TrainingLogsAppended | TrainingEnd)
END_EVENTS = (TrainingSucceeded, TrainingFailed, TrainingCanceled, TrainingDetached)
