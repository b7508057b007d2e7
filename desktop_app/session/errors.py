"""Errors as the application sees them: what kind each one is, which inputs it names, and local refusals."""

from __future__ import annotations

from collections.abc import Mapping

from ..replicate import (
    AuthenticationError,
    ConfigurationError,
    MissingTokenError,
    PredictionAborted,
    PredictionCanceled,
    PredictionFailed,
    ReplicateError,
    ValidationError,
)
from .events import ErrorKind, RunProblem


class InputProblems(ReplicateError):
    """The parameters failed a local check against the model's schema; nothing was sent.

    ``fields`` maps each input's name to one sentence about it.
    """

    exit_code = 2

    def __init__(self, fields: Mapping[str, str]) -> None:
        self.fields = dict(fields)
        problems = "; ".join(f"{name}: {message}" for name, message in self.fields.items())
        super().__init__(f"Some parameters need fixing first — {problems}")


class OutputsCannotBeKept(ConfigurationError):
    """The library folder cannot take the outputs a run would make; nothing was sent. ``problem`` says why."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(f"Nothing was sent: the outputs could not be kept. {problem}")


class InvalidTokenError(ConfigurationError):
    """A token that cannot be one (empty, or with spaces inside); it was not sent anywhere."""


def error_kind(error: BaseException) -> ErrorKind:
    """``auth`` for token problems (the window points to the settings), ``input_rejected`` when inputs are
    named as the culprits (locally or by a 422), else ``error``."""
    if isinstance(error, AuthenticationError | MissingTokenError | InvalidTokenError):
        return "auth"
    if isinstance(error, InputProblems | ValidationError):
        return "input_rejected"
    return "error"


def invalid_fields(error: BaseException) -> dict[str, str]:
    """``{field: description}`` of the inputs an error names (a 422's ``input.steps`` becomes ``steps``)."""
    if isinstance(error, InputProblems):
        return dict(error.fields)
    if not isinstance(error, ValidationError):
        return {}
    found: dict[str, str] = {}
    for item in error.body.get("invalid_fields") or []:
        if isinstance(item, dict) and item.get("field"):
            name = str(item["field"]).removeprefix("input.")
            found[name] = str(item.get("description") or error.detail)
    return found


def problem_of(error: BaseException, *, checked_locally: bool = False) -> RunProblem:
    """The typed description of ``error``; never a traceback, and only the core's own sentences as text."""
    if isinstance(error, ReplicateError):
        message = str(error)
    else:
        message = f"Unexpected error ({type(error).__name__}); the details are in the log."
    return RunProblem(error_kind(error), message, error, invalid_fields(error), checked_locally)


def ended_status(error: BaseException, *, resumed: bool) -> str:
    """The generation status to record for a run that ended with ``error``: the prediction's own terminal
    status when the server reported one; else ``failed`` — or ``interrupted`` for a resumed run, whose
    prediction may well have finished without us."""
    if isinstance(error, PredictionFailed):
        return "failed"
    if isinstance(error, PredictionCanceled):
        return "canceled"
    if isinstance(error, PredictionAborted):
        return "aborted"
    return "interrupted" if resumed else "failed"
