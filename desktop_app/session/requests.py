"""What a run is asked to do, and the local checks that turn it into a plan before any request is made.

A user's money is real: the model name, the token, the prompt and the parameters (against the model's
schema, when known) are all checked here, once, and the prompt is built here, once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..replicate import (
    COG_PREFIX,
    ConfigurationError,
    InputSchema,
    Message,
    ModelKind,
    ModelRef,
    build_prompt,
    coerce_values,
    is_cog_reference,
    known_kind,
    parse_deadline,
    parse_model,
    validate_input,
)
from .errors import InputProblems

FILE_PLACEHOLDER = "data:,"  # stands in for a chosen local file while the schema checks the values


@dataclass(frozen=True)
class RunRequest:
    """One run as the window asks for it.

    ``messages`` is the conversation so far, ending with the new user message (or give ``prompt`` for a
    single prompt). ``parameters`` are the form's values (local files as ``Path``, alone or in a list); with
    ``schema`` they are checked and converted against the model's input schema, and the prompt fills its prompt
    field. ``deadline`` (``"10m"``, or seconds) asks the server to cancel the prediction if it runs longer.
    ``source_output_id`` is the kept output this run works on (a step of a chain, see the gallery's "Send to…").
    """

    model: str
    messages: tuple[Message, ...] = ()
    prompt: str | None = None
    parameters: Mapping[str, Any] = field(default_factory=dict)
    schema: InputSchema | None = None
    deadline: str | float | None = None
    source_output_id: int | None = None


@dataclass(frozen=True)
class RunPlan:
    """A checked request: the model resolved, the prompt built, the parameters converted."""

    request: RunRequest
    model: str
    ref: ModelRef | None
    kind: ModelKind | None
    prompt: str
    parameters: Mapping[str, Any]
    local_url: str | None = None

    @property
    def model_input(self) -> dict[str, Any]:
        """The input to send (local files are resolved to data: URIs or uploads just before); a model without a
        prompt input gets none."""
        return {"prompt": self.prompt, **self.parameters} if self.prompt else dict(self.parameters)

    @property
    def recorded_input(self) -> dict[str, Any]:
        """The input as the history keeps it: local files by their path."""
        return {name: _recorded(value) for name, value in self.model_input.items()}

    @property
    def form_values(self) -> dict[str, Any]:
        """The parameters as the form gave them (converted), without the prompt."""
        spec = self.request.schema.prompt_field if self.request.schema else None
        return {name: value for name, value in self.parameters.items() if spec is None or name != spec.name}

    @property
    def secret_fields(self) -> frozenset[str]:
        schema = self.request.schema
        return frozenset(spec.name for spec in schema.fields if spec.secret) if schema else frozenset()


def plan_run(request: RunRequest, *, require_token: Callable[[], None], has_local: bool) -> RunPlan:
    """Checks ``request`` without any request to the network and returns its plan.

    Raises the core's :class:`~desktop_app.replicate.errors.ReplicateError` subclasses: an unknown model,
    no token (``require_token`` raises it), an empty prompt, a deadline Replicate would refuse, or
    :class:`InputProblems`.
    """
    parse_deadline(request.deadline)
    model = request.model.strip()
    local_url: str | None = None
    ref: ModelRef | None = None
    if is_cog_reference(model):
        if not has_local:
            raise ConfigurationError(f"No local Cog server is connected for {model}.")
        local_url = model[len(COG_PREFIX):].rstrip("/")
        model = COG_PREFIX + local_url  # one name per server, with or without a trailing slash
        kind: ModelKind | None = None
    else:
        ref = parse_model(model)
        model = str(ref)
        kind = known_kind(model)
        require_token()
    promptless = (request.schema is not None and request.schema.prompt_field is None and not request.prompt
                  and not request.messages)  # e.g. an upscaler: its inputs are all in the form
    prompt = "" if promptless else build_prompt(kind, request.messages, request.prompt)
    parameters = _checked_parameters(request, prompt)
    return RunPlan(request, model, ref, kind, prompt, parameters, local_url)


def _checked_parameters(request: RunRequest, prompt: str) -> dict[str, Any]:
    values = {name: value for name, value in request.parameters.items() if name != "prompt"}
    schema = request.schema
    if schema is None:
        return values
    prompt_field = schema.prompt_field
    prompt_name = prompt_field.name if prompt_field is not None else None
    if prompt_name is not None:
        values.pop(prompt_name, None)
    problems: dict[str, str] = {}
    checked: dict[str, Any] = dict(values)
    for name, value in values.items():
        files = _local_files(value)
        if files:  # checked as the URIs they will become
            checked[name] = FILE_PLACEHOLDER if isinstance(value, Path) else [
                FILE_PLACEHOLDER if isinstance(item, Path) else item for item in value]
        missing = next((path for path in files if not path.is_file()), None)
        if missing is not None:
            spec = schema.get(name)
            problems[name] = f"{spec.title if spec else name}: there is no file at {missing}."
    if prompt_name is not None:
        checked[prompt_name] = prompt
    for name, message in validate_input(schema, checked).items():
        problems.setdefault(name, message)
    if problems:
        raise InputProblems(problems)
    converted = coerce_values(schema, values)
    if prompt_name is not None and prompt_name != "prompt":
        converted[prompt_name] = prompt  # the prompt box feeds the schema's own prompt field too
    return converted


def _recorded(value: Any) -> Any:
    """A local file as its path's text, alone or in a list (what the history and "use again" keep)."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list | tuple) and any(isinstance(item, Path) for item in value):
        return [str(item) if isinstance(item, Path) else item for item in value]
    return value


def _local_files(value: Any) -> list[Path]:
    """The local files in a form value: the value itself, or the paths in a list of files."""
    if isinstance(value, Path):
        return [value]
    if isinstance(value, list | tuple):
        return [item for item in value if isinstance(item, Path)]
    return []
