"""Every check a training can pass before anything is uploaded or paid for, in the order a user reads the form:
the trainer's name, the destination's name, the photos, the hardware — then, with free GET requests, the account,
the trainer's version (does it train?), the training inputs against its schema, and the destination (does it exist
and is it the account's, or is the new name free?)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from ..replicate import (
    ConfigurationError,
    DestinationRef,
    NotATrainer,
    NotFoundError,
    ReplicateClient,
    Trainer,
    TrainerRef,
    UnknownModelError,
    account_name,
    check_hardware,
    coerce_values,
    find_model,
    get_trainer,
    parse_destination,
    parse_trainer,
    validate_input,
)
from .training_costs import CostEstimate, estimate_training_cost, known_trainer
from .training_data import TrainingData, scan_training_data

RefusedField = Literal["trainer", "data", "destination", "hardware", "input", "token"]
DATA_PLACEHOLDER = "https://api.replicate.com/v1/files/to-be-uploaded"  # stands for the zip while checking
DEFAULT_HARDWARE = "gpu-t4"
_DATA_NAMES = ("input_images", "images", "train_data", "dataset", "instance_data", "input_zip", "zip")
_TRIGGER_NAMES = ("trigger_word", "token_string", "trigger", "instance_prompt", "token")


class TrainingRefused(ConfigurationError):
    """A check before the training failed; nothing was uploaded, created or paid. ``field`` says where to look;
    ``fields`` names the training inputs at fault (input name → sentence). Exit code 2."""

    exit_code = 2

    def __init__(self, message: str, *, field: RefusedField, fields: Mapping[str, str] | None = None) -> None:
        self.field = field
        self.fields = dict(fields or {})
        super().__init__(message)


@dataclass(frozen=True)
class TrainingRequest:
    """What the user asked for: a trainer (``owner/name:version``), the photos (a folder or files) or the URL of a
    zip, the destination (``owner/name``), whether to create it (with ``hardware``, ``visibility``,
    ``description``), and the other training inputs (the form's values; the data input is filled in)."""

    trainer: str
    destination: str
    data: Sequence[Path] = ()
    data_url: str | None = None
    inputs: Mapping[str, Any] = field(default_factory=dict)
    create_destination: bool = False
    hardware: str | None = None
    visibility: Literal["public", "private"] = "private"
    description: str | None = None


@dataclass(frozen=True)
class TrainingPlan:
    """A request once every check passed: what will happen, and an estimate of what it costs."""

    request: TrainingRequest
    trainer: Trainer
    destination: DestinationRef
    account: str
    data: TrainingData | None
    data_input: str
    inputs: Mapping[str, Any]  # coerced; the data input holds :data:`DATA_PLACEHOLDER` until the upload
    trigger_word: str | None
    hardware: str | None  # for a destination created on the spot
    estimate: CostEstimate | None

    def steps(self) -> list[str]:
        """What will happen, in order, one sentence each (for the wizard's last page and the CLI)."""
        lines: list[str] = []
        if self.data is not None:
            lines.append(f"Pack {self.data.count} photos ({self.data.captions} with captions, "
                         f"{self.data.total_bytes / 1_000_000:.1f} MB) into a zip and upload it to Replicate.")
        else:
            lines.append(f"Use the zip at {self.request.data_url}.")
        if self.hardware is not None:
            lines.append(f"Create the {self.request.visibility} model {self.destination} on {self.hardware}.")
        lines.append(f"Train {self.trainer.ref.full_name}:{self.trainer.ref.version[:8]} into {self.destination}.")
        lines.append("Cost: " + (self.estimate.label if self.estimate else
                                 "unknown — Replicate does not say which hardware this trainer uses."))
        return lines


def check_names(request: TrainingRequest) -> tuple[TrainerRef, DestinationRef]:
    """The checks that need neither disk nor network: the trainer's and the destination's names, the hardware."""
    try:
        trainer = parse_trainer(request.trainer)
    except UnknownModelError as error:
        raise TrainingRefused(str(error), field="trainer") from None
    try:
        destination = parse_destination(request.destination, new=request.create_destination)
    except UnknownModelError as error:
        raise TrainingRefused(str(error), field="destination") from None
    if request.create_destination and request.hardware is not None:
        try:
            check_hardware(request.hardware)
        except ConfigurationError as error:
            raise TrainingRefused(str(error), field="hardware") from None
    if request.data and request.data_url:
        raise TrainingRefused("Give either photos or the URL of a zip, not both.", field="data")
    if not request.data and not request.data_url:
        raise TrainingRefused("Choose the photos to train on (a folder or files), or give the URL of a zip.",
                              field="data")
    if request.data_url is not None:
        parts = urlsplit(request.data_url.strip())
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise TrainingRefused(f"{request.data_url!r} is not the http(s) URL of a zip.", field="data")
    return trainer, destination


async def check_data(request: TrainingRequest) -> TrainingData | None:
    """The photos, scanned off the loop thread; one sentence when they cannot make a training."""
    if not request.data:
        return None
    data = await asyncio.to_thread(scan_training_data, list(request.data))
    problem = data.problem()
    if problem is not None:
        raise TrainingRefused(problem, field="data")
    return data


async def check_training(client: ReplicateClient, request: TrainingRequest,
                         data: TrainingData | None = None) -> TrainingPlan:
    """Runs every check, the free local ones first; raises :class:`TrainingRefused` with one sentence (or the core's
    error for a network failure). ``data`` skips scanning the photos again when the wizard already did."""
    trainer_ref, destination = check_names(request)
    if data is None:
        data = await check_data(request)
    elif data.problem() is not None:
        raise TrainingRefused(str(data.problem()), field="data")
    if not client.has_token:
        raise TrainingRefused("No Replicate API token is set: add one in Settings (or REPLICATE_API_TOKEN).",
                              field="token")
    account = (await account_name(client)).username
    if destination.owner != account:
        raise TrainingRefused(
            f"You can train only into your own models: {destination} belongs to {destination.owner}, and this "
            f"token is {account}'s.", field="destination")
    trainer = await load_trainer(client, trainer_ref)
    data_input = _data_input(trainer)
    values = {**dict(request.inputs), data_input: DATA_PLACEHOLDER if data is not None else request.data_url}
    problems = validate_input(trainer.input_schema, values)
    if problems:
        shown = "; ".join(f"{name}: {message}" for name, message in problems.items())
        raise TrainingRefused(f"Some training inputs need fixing first — {shown}", field="input", fields=problems)
    inputs = coerce_values(trainer.input_schema, values)
    existing = await find_model(client, destination)
    if request.create_destination and existing is not None:
        raise TrainingRefused(f"The name {destination} is taken already: choose another name, or train into it "
                              "as an existing model.", field="destination")
    if not request.create_destination and existing is None:
        raise TrainingRefused(f"The destination {destination} does not exist: create it as a new model, or "
                              "choose one of your models.", field="destination")
    known = known_trainer(str(trainer_ref))
    hardware = None
    if request.create_destination:
        hardware = request.hardware or (known.hardware if known else DEFAULT_HARDWARE)
    trigger = _trigger_word(trainer, inputs)
    return TrainingPlan(request, trainer, destination, account, data, data_input, inputs, trigger, hardware,
                        estimate_training_cost(str(trainer_ref), inputs))


async def load_trainer(client: ReplicateClient, reference: TrainerRef | str) -> Trainer:
    """The trainer's version and its training form; :class:`TrainingRefused` when it cannot be found or does not
    train (a free GET)."""
    if isinstance(reference, str):
        try:
            reference = parse_trainer(reference)
        except UnknownModelError as error:
            raise TrainingRefused(str(error), field="trainer") from None
    try:
        return await get_trainer(client, reference)
    except NotATrainer as error:
        raise TrainingRefused(str(error), field="trainer") from None
    except NotFoundError as error:
        raise TrainingRefused(f"The trainer cannot be found: {error.detail}.", field="trainer") from None


def _data_input(trainer: Trainer) -> str:
    """The training input that takes the zip: the curated trainer's, else the first file input named like one."""
    known = known_trainer(str(trainer.ref))
    files = [spec.name for spec in trainer.input_schema.fields if spec.kind == "file"]
    if known is not None and known.data_input in files:
        return known.data_input
    for name in _DATA_NAMES:
        if name in files:
            return name
    if files:
        return files[0]
    raise TrainingRefused(f"{trainer.ref.full_name} takes no file input for training data, so the app cannot give "
                          "it the photos.", field="trainer")


def _trigger_word(trainer: Trainer, inputs: Mapping[str, Any]) -> str | None:
    known = known_trainer(str(trainer.ref))
    names = ((known.trigger_input,) if known and known.trigger_input else ()) + _TRIGGER_NAMES
    for name in names:
        spec = trainer.input_schema.get(name)
        if spec is None:
            continue
        value = inputs.get(name, spec.default if spec.has_default else None)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None
