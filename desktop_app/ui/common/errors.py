"""Errors in the user's language: one sentence for each, from the error's own fields, never a traceback."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from ...replicate import (
    AbortedBeforeStart,
    APIError,
    AuthenticationError,
    BillingRequiredError,
    CanceledAtDeadline,
    EmptyPromptError,
    MissingTokenError,
    NotFoundError,
    PredictionAborted,
    PredictionCanceled,
    PredictionFailed,
    PredictionTimeout,
    RateLimitedError,
    ReplicateError,
    ServerError,
    ValidationError,
)
from ...session import InputProblems, OutputsCannotBeKept, RunProblem

TOKEN_URL = "https://replicate.com/account/api-tokens"


def describe_problem(problem: RunProblem) -> str:
    """The sentence for a run's typed problem (what the chat, the viewer and the progress line show)."""
    return describe_error(problem.error)


def describe_error(error: BaseException) -> str:
    """One human sentence in the user's language; unexpected exceptions never show their traceback to the user."""
    translate = QCoreApplication.translate
    if isinstance(error, ReplicateError):
        return _describe_core_error(error)
    if isinstance(error, OSError):
        return translate("Errors", "A system error stopped the request: {0}.").format(error.strerror or error)
    return translate("Errors", "Something unexpected went wrong ({0}). The details are in the log.").format(
        type(error).__name__)


def _describe_core_error(error: ReplicateError) -> str:
    """The core's messages (English, Qt-free) again in the user's language, from the error's own fields; errors
    whose details are only prose (network, unexpected answers) keep the core's sentence."""
    translate = QCoreApplication.translate
    if isinstance(error, InputProblems):
        problems = "; ".join(f"{name}: {message}" for name, message in error.fields.items())
        return translate("Errors", "Some parameters need fixing first — {}").format(problems)
    if isinstance(error, OutputsCannotBeKept):
        return translate("Errors", "Nothing was sent: the outputs could not be kept. {}").format(error.problem)
    if isinstance(error, MissingTokenError):
        return translate("Errors", "No Replicate API token is set. Create one at {0} and set REPLICATE_API_TOKEN "
                                   "(or paste it in Settings).").format(TOKEN_URL)
    if isinstance(error, EmptyPromptError):
        return translate("Errors", "The prompt is empty: type something for the model to work on.")
    if isinstance(error, AuthenticationError):
        return translate("Errors", "Your Replicate API token was refused ({0}). Check the token in Settings.").format(
            error.detail)
    if isinstance(error, BillingRequiredError):
        return translate("Errors", "Replicate needs billing set up before it runs this model: {0}").format(
            error.detail)
    if isinstance(error, NotFoundError):
        return translate("Errors", "Not found on Replicate: {0}").format(error.detail)
    if isinstance(error, ValidationError):
        fields = ", ".join(name for name in error.invalid_fields if name)
        suffix = translate("Errors", " (fields: {0})").format(fields) if fields else ""
        return translate("Errors", "Replicate rejected the input: {0}").format(error.detail) + suffix
    if isinstance(error, RateLimitedError):
        return translate("Errors", "Replicate is throttling requests: {0}").format(error.detail)
    if isinstance(error, ServerError):
        return translate("Errors", "Replicate had a server error ({0}): {1}").format(error.status, error.detail)
    if type(error) is APIError:
        return translate("Errors", "Replicate answered {0}: {1}").format(error.status, error.detail)
    if isinstance(error, PredictionFailed):
        return translate("Errors", "The model failed: {0}").format(error.model_error)
    if isinstance(error, CanceledAtDeadline | AbortedBeforeStart):
        return _describe_deadline_end(error)
    if isinstance(error, PredictionCanceled):
        return translate("Errors", "The prediction was canceled.")
    if isinstance(error, PredictionAborted):
        return translate("Errors", "The prediction was aborted before it started (its deadline passed).")
    if isinstance(error, PredictionTimeout):
        total = error.attempts * error.delay
        return translate("Errors", "No result after {0} attempts × {1} s = {2} s; the prediction may still finish "
                                   "on Replicate.").format(error.attempts, f"{error.delay:g}", f"{total:g}")
    return str(error)


def _describe_deadline_end(error: CanceledAtDeadline | AbortedBeforeStart) -> str:
    translate = QCoreApplication.translate
    if isinstance(error, AbortedBeforeStart):
        if error.deadline:
            return translate("Errors", "The prediction was stopped before it started: its deadline ({0}) passed while "
                                       "it waited for the model. Aborted runs are not charged.").format(error.deadline)
        return translate("Errors", "The prediction was stopped before it started: its deadline passed while it "
                                   "waited for the model. Aborted runs are not charged.")
    if error.deadline:
        return translate("Errors", "The prediction was canceled because its deadline ({0}) passed while it was "
                                   "running. Replicate charges for the time it ran.").format(error.deadline)
    return translate("Errors", "The prediction was canceled because its deadline passed while it was running. "
                               "Replicate charges for the time it ran.")
