"""What a training is made of: the trainer and destination names, the edge check for training objects, the
result a successful training leaves, and the ways a training can end without one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .errors import PredictionError, UnexpectedResponse, UnknownModelError, excerpt
from .models import ModelRef
from .parse import ID_PATTERN, describe_value

_PART = r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}"
_TRAINER = re.compile(rf"^(?P<owner>{_PART})/(?P<name>{_PART}):(?P<version>[0-9a-f]{{64}})$")
_MODEL = re.compile(rf"^(?P<owner>{_PART})/(?P<name>{_PART})$")
# A new model's name as replicate.com's create form accepts it (UNCONFIRMED as an API rule): lowercase letters,
# digits, dashes, underscores and dots, starting with a letter or digit.
_NEW_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
_RESULT_VERSION = re.compile(rf"^(?P<model>{_PART}/{_PART}):(?P<id>[0-9a-f]{{64}})$")
_VERSION_ID = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class TrainerRef:
    """A trainer: a model version that publishes ``TrainingInput``, always named with its exact version."""

    owner: str
    name: str
    version: str

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def __str__(self) -> str:
        return f"{self.full_name}:{self.version}"


@dataclass(frozen=True)
class DestinationRef:
    """The model a training pushes its new version to (``owner/name``)."""

    owner: str
    name: str

    def __str__(self) -> str:
        return f"{self.owner}/{self.name}"


def parse_trainer(text: str) -> TrainerRef:
    """``owner/name:version`` with the full 64-character version; anything else gets one sentence
    (:class:`UnknownModelError`, exit code 2). The version is required: a training runs the exact version named,
    never whatever happens to be the latest (replicate-python#419)."""
    candidate = text.strip()
    match = _TRAINER.match(candidate)
    if match:
        return TrainerRef(match["owner"], match["name"], match["version"])
    model, colon, version = candidate.partition(":")
    if _MODEL.match(model) and not colon:
        raise UnknownModelError(
            f"The trainer {model} needs its version: write {model}:VERSION with the 64 hexadecimal characters of "
            "the version that trains (its model page lists them)."
        )
    if _MODEL.match(model):
        raise UnknownModelError(
            f"The trainer's version is not valid: a version is 64 hexadecimal characters (0-9, a-f), "
            f"got {excerpt(version, 70)!r}."
        )
    raise UnknownModelError(f"{excerpt(candidate, 80)!r} is not a trainer: write it as owner/name:version.")


def parse_destination(text: str, *, new: bool = False) -> DestinationRef:
    """``owner/name`` of a destination model; with ``new`` the name must also be one Replicate accepts for a model
    it creates (lowercase letters, digits, ``-``, ``_`` and ``.``). Raises :class:`UnknownModelError`."""
    candidate = text.strip()
    match = _MODEL.match(candidate)
    if match is None:
        if ":" in candidate:
            raise UnknownModelError(
                "The destination is a model, not a version: write owner/name without ':…', "
                f"got {excerpt(candidate, 80)!r}."
            )
        raise UnknownModelError(f"The destination must be written owner/name, got {excerpt(candidate, 80)!r}.")
    if new and not _NEW_NAME.match(match["name"]):
        raise UnknownModelError(
            f"{match['name']!r} cannot name a new model: use lowercase letters, digits, '-', '_' or '.', "
            "starting with a letter or digit."
        )
    return DestinationRef(match["owner"], match["name"])


# ---- how a training ends ----------------------------------------------------------------------


class MalformedTraining(UnexpectedResponse):
    """A training object with a missing or wrongly typed field; ``training_id`` when its id was usable."""

    def __init__(self, message: str, *, training_id: str | None = None) -> None:
        self.training_id = training_id
        super().__init__(message)


class TrainingError(PredictionError):
    """The training ended without a new version (exit code 4); ``prediction_id`` holds the training's id."""

    @property
    def training_id(self) -> str | None:
        return self.prediction_id


class TrainingFailed(TrainingError):
    """The trainer reported a failure; ``model_error`` is its message."""

    def __init__(self, model_error: str, *, training_id: str | None = None, logs: str = "") -> None:
        self.model_error = model_error
        super().__init__(f"The training failed: {model_error}", prediction_id=training_id, logs=logs)


class TrainingCanceled(TrainingError):
    """The training was canceled (``before_start`` when it never began running)."""

    def __init__(self, *, training_id: str | None = None, before_start: bool = False) -> None:
        self.before_start = before_start
        message = ("The training was stopped before it started." if before_start
                   else "The training was canceled; Replicate charges for the time it ran.")
        super().__init__(message, prediction_id=training_id)


class TrainingTimeout(TrainingError):
    """Followed for longer than allowed (exit code 5)."""

    exit_code = 5

    def __init__(self, seconds: float, *, training_id: str | None = None, canceled: bool) -> None:
        self.seconds = seconds
        self.canceled = canceled
        after = f"{seconds / 60:.0f} min" if seconds >= 120 else f"{seconds:g} s"
        tail = ("it was canceled on Replicate." if canceled
                else f"it goes on on Replicate; follow it again with its id {training_id}.")
        super().__init__(f"The training did not finish within {after}; {tail}", prediction_id=training_id)


# ---- training objects -------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingResult:
    """What a successful training leaves: the new version (``owner/name:id``) and its weights' URL, if given."""

    version: str
    weights: str | None = None

    @property
    def model(self) -> str:
        return self.version.split(":", 1)[0]

    @property
    def version_id(self) -> str:
        return self.version.split(":", 1)[1]

    @property
    def ref(self) -> ModelRef:
        owner, name = self.model.split("/", 1)
        return ModelRef(owner, name, self.version_id)


def parse_training(value: object) -> dict[str, Any]:
    """Returns ``value`` (the same dict) once it is a usable training object, else raises
    :class:`MalformedTraining` naming the first field that is missing or of the wrong type: ``id``, ``status``,
    ``logs`` (text or null), ``error``, ``output`` (an object or null) and ``metrics`` (an object or null)."""
    if not isinstance(value, dict):
        raise MalformedTraining(f"Replicate answered with {describe_value(value)} instead of a training object.")
    training_id = value.get("id")
    if not isinstance(training_id, str) or not ID_PATTERN.match(training_id):
        which = "no id" if training_id is None else f"the id {describe_value(training_id)}"
        raise MalformedTraining(f"Replicate answered with a training that has {which}, so it cannot be followed.")
    status = value.get("status")
    if not isinstance(status, str) or not status.strip():
        raise _wrong(training_id, "status", status, "a status name")
    for key, expected, kinds in (("logs", "text", (str,)), ("output", "an object", (dict,)),
                                 ("metrics", "an object", (dict,))):
        field = value.get(key)
        if field is not None and not isinstance(field, kinds):
            raise _wrong(training_id, key, field, expected)
    return value


def training_result(training: dict[str, Any], destination: str | None = None) -> TrainingResult:
    """The new version of a succeeded training: ``output.version`` is ``owner/name:id`` (a bare id is joined to
    ``destination``). Raises :class:`MalformedTraining` when it is missing or not a version."""
    training_id = str(training.get("id") or "")
    output = training.get("output")
    version = output.get("version") if isinstance(output, dict) else None
    if isinstance(version, str) and _VERSION_ID.match(version) and destination:
        version = f"{destination}:{version}"
    if not isinstance(version, str) or not _RESULT_VERSION.match(version):
        raise MalformedTraining(
            f"Training {training_id} succeeded, but Replicate's answer names no new version "
            f"(output.version is {describe_value(version)}).",
            training_id=training_id or None,
        )
    weights = output.get("weights") if isinstance(output, dict) else None
    return TrainingResult(version, weights if isinstance(weights, str) and weights else None)


def _wrong(training_id: str, field: str, value: object, expected: str) -> MalformedTraining:
    return MalformedTraining(
        f"Replicate answered with training {training_id} whose {field} field is {describe_value(value)} "
        f"instead of {expected}.",
        training_id=training_id,
    )
