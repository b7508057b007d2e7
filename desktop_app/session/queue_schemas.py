"""The input schemas a batch is checked against: read from Replicate for every model a batch runs (a matrix over
models included), every job held to its own model's schema (no input the model does not take, none it requires
missing), and kept with the batch in the queue's database, so that its jobs are sent alike after a restart."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..replicate import (
    FieldSpec,
    InputSchema,
    NotFoundError,
    ReplicateClient,
    ReplicateError,
    get_model_card,
    is_cog_reference,
    parse_input_schema,
    parse_model,
)
from ..storage.queue_store import JobRecord, QueueStore
from .errors import InputProblems
from .jobs import BatchCheckError, JobSpec
from .requests import RunRequest
from .runs import RunService

log = logging.getLogger(__name__)

_FIELD_NAMES = frozenset(spec.name for spec in dataclasses.fields(FieldSpec))


class SchemaReadError(ReplicateError):
    """A model's input schema could not be read, so its jobs cannot be checked; nothing was added."""

    def __init__(self, model: str, error: ReplicateError) -> None:
        self.model = model
        self.error = error
        self.exit_code = error.exit_code  # as generate's for the same answer (a model not found: 3)
        super().__init__(f"The inputs of {model} could not be read, so nothing was added: {error}")


# ---- kept with the batch ---------------------------------------------------------------------------


def schema_json(schema: InputSchema) -> dict[str, Any]:
    """A schema as the queue's database keeps it (a JSON object)."""
    return {"fields": [dataclasses.asdict(spec) for spec in schema.fields], "required": sorted(schema.required),
            "unsupported": list(schema.unsupported), "problems": list(schema.problems)}


def schema_from_json(data: Mapping[str, Any]) -> InputSchema | None:
    """The schema :func:`schema_json` kept; ``None`` when it cannot be read back (the job then runs unchecked)."""
    try:
        fields = [FieldSpec(**{key: value for key, value in item.items() if key in _FIELD_NAMES})
                  for item in data.get("fields", [])]
        return InputSchema(fields, set(data.get("required", [])), list(data.get("unsupported", [])),
                           list(data.get("problems", [])))
    except (TypeError, AttributeError) as error:
        log.warning("A batch's kept input schema cannot be read (%s); its jobs go unchecked", error)
        return None


class BatchSchemas:
    """The schemas each batch's jobs are sent with, read from the queue's database once per batch."""

    def __init__(self, store: QueueStore) -> None:
        self.store = store
        self._batches: dict[int, dict[str, InputSchema]] = {}

    def of(self, job: JobRecord) -> InputSchema | None:
        """The schema ``job`` was checked against, if its batch kept one for its model."""
        batch = self._batches.get(job.batch_id)
        if batch is None:
            record = self.store.batch(job.batch_id)
            kept = record.schemas if record is not None else {}
            batch = {model: schema for model, data in kept.items()
                     if (schema := schema_from_json(data)) is not None}
            self._batches[job.batch_id] = batch
        return batch.get(job.model)


# ---- read from Replicate ----------------------------------------------------------------------------


class InputSchemaReader:
    """Reads models' input schemas from Replicate (``GET`` the model, or its pinned version) for a batch's checks,
    afresh for each batch (a model's latest version may have changed since the last). A model that publishes no
    schema gives an empty one (its jobs go unchecked, as the form's JSON editor would send them); a local Cog
    server's model is not read here."""

    def __init__(self, client: Callable[[], ReplicateClient]) -> None:
        self.client = client

    async def read(self, model: str) -> InputSchema:
        """The input schema of ``model``; raises :class:`SchemaReadError` (or the core's error for a name that
        is not a model's)."""
        ref = parse_model(model)
        try:
            return await self._fetch(ref.owner, ref.name, ref.version)
        except ReplicateError as error:
            raise SchemaReadError(model, error) from error

    async def read_all(self, models: Iterable[str], known: Mapping[str, InputSchema] | None = None
                       ) -> dict[str, InputSchema]:
        """The schema of every model of ``models`` (those in ``known`` as given), each read once; the first that
        cannot be read raises :class:`SchemaReadError`."""
        found = dict(known or {})
        for model in dict.fromkeys(models):
            if model not in found and not is_cog_reference(model):
                found[model] = await self.read(model)
        return found

    async def _fetch(self, owner: str, name: str, version: str | None) -> InputSchema:
        client = self.client()
        if version is None:
            card = await get_model_card(client, owner, name)
            if card.latest_version is None:
                raise NotFoundError(404, f"the model {owner}/{name} has no published version to run")
            return card.input_schema
        path = f"models/{quote(owner, safe='')}/{quote(name, safe='')}/versions/{quote(version, safe='')}"
        try:
            found = await client.get_json(path)
        except NotFoundError as error:
            raise NotFoundError(404, f"{owner}/{name} has no version {version}", body=error.body) from None
        schema = found.get("openapi_schema")
        return parse_input_schema(schema if isinstance(schema, Mapping) else None)


# ---- every job against its own model's schema -------------------------------------------------------


def request_of(model: str, model_input: Mapping[str, Any], schema: InputSchema | None = None) -> RunRequest:
    """The run a job asks for: its prompt and the rest of its input as parameters (checked against ``schema``)."""
    prompt = model_input.get("prompt")
    parameters = {key: value for key, value in model_input.items() if key != "prompt"}
    return RunRequest(model, prompt=prompt if isinstance(prompt, str) else None, parameters=parameters,
                      schema=schema)


def check_jobs(runs: RunService, specs: Sequence[JobSpec], schemas: Mapping[str, InputSchema] | None) -> None:
    """Every local check of every job (model, token, prompt, parameters, files; with ``schemas``, each job
    against its own model's: given any, there must be one for every model), before anything is added or sent;
    raises :class:`BatchCheckError` for the first job that fails, naming the job, its model and the input."""
    if not specs:
        raise ValueError("The batch has no jobs.")
    if schemas:
        check_schemas_cover(specs, schemas)
    for index, spec in enumerate(specs):
        schema = (schemas or {}).get(spec.model)
        problem = schema_problem(spec.model, schema, spec.input) if schema is not None else None
        if problem is not None:
            raise BatchCheckError(index, spec, problem)
        try:
            runs.prepare(request_of(spec.model, spec.input, schema))
        except InputProblems as error:
            raise BatchCheckError(index, spec, describe_problems(spec.model, error)) from None
        except ReplicateError as error:
            raise BatchCheckError(index, spec, str(error)) from None
        for key, value in spec.input.items():
            if isinstance(value, Path) and not value.is_file():
                raise BatchCheckError(index, spec, f"{key}: there is no file at {value}.")


def check_names(specs: Sequence[JobSpec]) -> None:
    """The checks that come before reading any schema: every job's model is a model's name (raises
    :class:`BatchCheckError` for the first that is not)."""
    if not specs:
        raise ValueError("The batch has no jobs.")
    for index, spec in enumerate(specs):
        if not is_cog_reference(spec.model):
            try:
                parse_model(spec.model)
            except ReplicateError as error:
                raise BatchCheckError(index, spec, str(error)) from None


def unknown_inputs(schema: InputSchema, model_input: Mapping[str, Any]) -> list[str]:
    """The inputs ``schema`` does not take (Replicate would ignore them, and the run would not be the one asked
    for); the prompt counts as the schema's prompt field. Nothing is unknown to a schema without fields."""
    if schema.is_empty:
        return []
    names = {spec.name for spec in schema.fields}
    if schema.prompt_field is not None:
        names.add("prompt")
    return [key for key in model_input if key not in names]


def schema_problem(model: str, schema: InputSchema, model_input: Mapping[str, Any]) -> str | None:
    """One sentence naming the model and the input it does not take, or ``None``."""
    unknown = unknown_inputs(schema, model_input)
    if not unknown:
        return None
    if unknown[0] == "prompt":
        return f"{model} takes no prompt; leave the prompt out of its jobs."
    names = ", ".join(unknown)
    return f"{model} has no input called {names}." if len(unknown) == 1 else f"{model} has no inputs called {names}."


def describe_problems(model: str, error: InputProblems) -> str:
    """The schema's complaints about a job's values, naming the model and each field."""
    return f"{model} — " + " ".join(f"{name}: {message}" for name, message in error.fields.items())


def missing_schemas(specs: Sequence[JobSpec], schemas: Mapping[str, InputSchema]) -> list[str]:
    """The models of ``specs`` (Replicate's, not a local Cog server's) with no schema in ``schemas``."""
    return [model for model in dict.fromkeys(spec.model for spec in specs)
            if model not in schemas and not is_cog_reference(model)]


def check_schemas_cover(specs: Sequence[JobSpec], schemas: Mapping[str, InputSchema]) -> None:
    """A batch checked against schemas needs one for each of its models: else the first job of a model without
    one is refused (its inputs could not be checked)."""
    missing = missing_schemas(specs, schemas)
    if missing:
        index = next(index for index, spec in enumerate(specs) if spec.model == missing[0])
        raise BatchCheckError(index, specs[index], f"the inputs of {missing[0]} were not read, so they cannot be "
                                                   "checked; nothing was added.")


def fit_form_values(specs: Sequence[JobSpec], form_model: str, form_schema: InputSchema | None,
                    schemas: Mapping[str, InputSchema]) -> list[JobSpec]:
    """The jobs of a batch composed over ``form_model``'s parameter form, where a job of another model (a matrix
    over models) leaves out the form's untouched defaults that its model does not take. Anything else its model
    does not take stays, for the checks to refuse."""
    if form_schema is None:
        return list(specs)
    defaults = {spec.name: spec.default for spec in form_schema.fields if spec.has_default}
    fitted: list[JobSpec] = []
    for spec in specs:
        schema = schemas.get(spec.model)
        if spec.model == form_model or schema is None:
            fitted.append(spec)
            continue
        unknown = set(unknown_inputs(schema, spec.input))
        kept = {key: value for key, value in spec.input.items()
                if not (key in unknown and key in defaults and _same(value, defaults[key]))}
        fitted.append(dataclasses.replace(spec, input=kept))
    return fitted


def _same(value: Any, default: Any) -> bool:
    if isinstance(value, bool) or isinstance(default, bool):
        return type(value) is type(default) and value == default
    return bool(value == default)
