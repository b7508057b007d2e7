"""Trainings on Replicate: the trainer's version and its training form, creating, reading, listing and canceling
trainings (``/v1/models/{owner}/{name}/versions/{version}/trainings``, ``/v1/trainings``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from .catalogue import Page
from .client import JSON, ReplicateClient
from .errors import ConfigurationError, NotFoundError, ReplicateError
from .schema import InputSchema, parse_input_schema
from .training_objects import (
    DestinationRef,
    MalformedTraining,
    TrainerRef,
    parse_training,
    training_result,
)


class NotATrainer(ConfigurationError):
    """The version exists but publishes no ``TrainingInput``: it cannot be trained (exit code 2)."""

    exit_code = 2


class DestinationMissing(NotFoundError):
    """Replicate refused a training because its destination model does not exist (or is not the account's)."""

    def _message(self) -> str:
        return f"The destination model does not exist on Replicate, or belongs to another account: {self.detail}"


@dataclass(frozen=True)
class Trainer:
    """A trainer version as Replicate describes it: its training form, and the schema it came from."""

    ref: TrainerRef
    input_schema: InputSchema
    openapi_schema: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)
    created_at: str | None = None


def training_input_schema(openapi: Mapping[str, Any] | None) -> InputSchema | None:
    """The form of ``components.schemas.TrainingInput`` (built as the run form is), or ``None`` when the version
    publishes none — then it does not train."""
    components = openapi.get("components") if isinstance(openapi, Mapping) else None
    schemas = components.get("schemas") if isinstance(components, Mapping) else None
    if not isinstance(schemas, Mapping) or not isinstance(schemas.get("TrainingInput"), Mapping):
        return None
    return parse_input_schema({"components": {"schemas": {**schemas, "Input": schemas["TrainingInput"]}}})


async def get_trainer(client: ReplicateClient, ref: TrainerRef) -> Trainer:
    """``GET /v1/models/{owner}/{name}/versions/{version}``, checked to train. Raises :class:`NotFoundError` when the
    version cannot be read and :class:`NotATrainer` when it publishes no ``TrainingInput``."""
    path = f"models/{_quoted(ref.owner)}/{_quoted(ref.name)}/versions/{ref.version}"
    try:
        version = await client.get_json(path)
    except NotFoundError as error:
        raise NotFoundError(
            404, f"the trainer {ref.full_name} has no version {ref.version[:12]}… that this account can see",
            body=error.body,
        ) from None
    schema = version.get("openapi_schema")
    form = training_input_schema(schema if isinstance(schema, Mapping) else None)
    if form is None:
        raise NotATrainer(
            f"{ref.full_name}:{ref.version[:12]}… does not train: its version publishes no training inputs "
            "(TrainingInput). Choose a trainer, such as a LoRA trainer's version."
        )
    created = version.get("created_at")
    return Trainer(ref, form, schema if isinstance(schema, Mapping) else {},
                   created if isinstance(created, str) else None)


async def create_training(
    client: ReplicateClient,
    trainer: TrainerRef,
    destination: DestinationRef | str,
    model_input: Mapping[str, Any],
    *,
    webhook: str | None = None,
) -> JSON:
    """Starts a training of exactly ``trainer``'s version into ``destination`` and returns the training object.

    A 404 that names the destination becomes :class:`DestinationMissing`. Not retried (a POST): a training that
    might have been created is never created twice.
    """
    body: JSON = {"destination": str(destination), "input": dict(model_input)}
    if webhook:
        body["webhook"] = webhook
    path = f"models/{_quoted(trainer.owner)}/{_quoted(trainer.name)}/versions/{trainer.version}/trainings"
    try:
        _, created = await client.post_json(path, body)
    except NotFoundError as error:
        if "destination" in error.detail.lower():
            raise DestinationMissing(error.status, error.detail, title=error.title, body=error.body) from None
        raise
    return parse_training(created)


async def get_training(client: ReplicateClient, training_id: str) -> JSON:
    """``GET /v1/trainings/{id}`` (by id: the ``urls`` of a training's create answer have pointed at
    ``/v1/predictions/…``, see docs/replicate-api.md)."""
    try:
        return parse_training(await client.get_json(f"trainings/{_quoted(training_id)}"))
    except NotFoundError as error:
        raise NotFoundError(404, f"there is no training {training_id} on this account", body=error.body) from None


async def cancel_training(client: ReplicateClient, training_id: str) -> JSON:
    """``POST /v1/trainings/{id}/cancel``; the answer is the training (``canceled`` once it stopped)."""
    _, answer = await client.post_json(f"trainings/{_quoted(training_id)}/cancel")
    return parse_training(answer)


async def list_trainings(client: ReplicateClient, cursor: str | None = None) -> Page[JSON]:
    """One page of the account's trainings, newest first (``GET /v1/trainings``; ``cursor`` is a ``next`` URL).
    Malformed items are left out."""
    page = await client.get_json(cursor or "trainings")
    results = page.get("results")
    items: list[JSON] = []
    for item in results if isinstance(results, list) else ():
        try:
            items.append(parse_training(item))
        except MalformedTraining:
            continue
    following = page.get("next")
    return Page(items, following if isinstance(following, str) and following else None)


async def trained_destinations(client: ReplicateClient) -> list[str]:
    """The models this account trained into lately (from the first page of its trainings), newest first.

    Replicate has no "list my models" call (``GET /v1/models`` lists public models); this is how the app learns the
    account's destinations besides those it made itself.
    """
    found: list[str] = []
    for training in (await list_trainings(client)).items:
        if training.get("status") != "succeeded":
            continue
        try:
            model = training_result(training).model
        except ReplicateError:
            continue
        if model not in found:
            found.append(model)
    return found


def _quoted(part: str) -> str:
    return quote(part, safe="")
