"""One exception hierarchy for everything that can go wrong talking to Replicate."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

EXCERPT_LENGTH = 200
REDACTED = "[redacted]"
_MIN_SECRET_LENGTH = 4  # shorter "secrets" would blank out ordinary words
_VALUE = r"""[^\s'"\\,;)}\]]+"""
# `Authorization: Bearer x`, `"authorization": "Token x"`, `Proxy-Authorization=x`: keeps the name and scheme;
# placeholders such as `$REPLICATE_API_TOKEN` or `<token>` (in model READMEs) are not secrets and stay.
_AUTHORIZATION = re.compile(
    r"""(?i)(authorization['"]?\s*[:=]\s*['"]?(?:(?:bearer|token|basic)\s+)?+)(?!\[redacted\]|[$<{])""" + _VALUE
)
# A bare `Bearer x` / `Token x`; the value must look like a credential (16+ characters with a digit or `_`),
# so that "token expired" or "token 512 of 1024" in a model's logs stay as they are.
_SCHEME_VALUE = re.compile(
    r"""(?i)(\b(?:bearer|token)\s+)(?!\[redacted\]|[$<{])(?=[^\s'"\\,;)}\]]*[0-9_])(?=[^\s'"\\,;)}\]]{16})""" + _VALUE
)
_TOKEN_SHAPE = re.compile(r"r8_[A-Za-z0-9]{20,}")


def scrub(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` without the given secrets, any ``Authorization`` value, ``Bearer``/``Token`` credentials
    and anything shaped like a Replicate token (``r8_…``). Idempotent."""
    found = {secret.strip() for secret in secrets if secret and len(secret.strip()) >= _MIN_SECRET_LENGTH}
    for secret in sorted(found, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    text = _AUTHORIZATION.sub(lambda match: match.group(1) + REDACTED, text)
    text = _SCHEME_VALUE.sub(lambda match: match.group(1) + REDACTED, text)
    return _TOKEN_SHAPE.sub("r8_…", text)


def one_line(text: str) -> str:
    """``text`` on one line: its lines (blank ones dropped) joined with spaces, so a message read from a server
    or a model (a list of problems, a traceback) never breaks a status bar, a log line or the CLI's output."""
    if "\n" not in text and "\r" not in text:
        return text
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


class ReplicateError(Exception):
    """Base of every error the core raises; ``str()`` is one line fit for a user, scrubbed of credentials."""

    exit_code = 3

    def __init__(self, *args: object) -> None:
        super().__init__(*(one_line(scrub(arg)) if isinstance(arg, str) else arg for arg in args))


class ConfigurationError(ReplicateError):
    """The request cannot be made as configured (token, model name, prompt)."""


class MissingTokenError(ConfigurationError):
    """No API token is configured; nothing was sent."""

    def __init__(self) -> None:
        super().__init__(
            "No Replicate API token is set. Create one at https://replicate.com/account/api-tokens "
            "and set REPLICATE_API_TOKEN (or paste it in Settings)."
        )


class UnknownModelError(ConfigurationError):
    """The model name is neither an alias nor an ``owner/name[:version]`` reference."""

    exit_code = 2


class EmptyPromptError(ConfigurationError):
    """The prompt is empty; nothing was sent."""

    exit_code = 2

    def __init__(self) -> None:
        super().__init__("The prompt is empty: type something for the model to work on.")


class UnsafeOutputURLError(ReplicateError):
    """An output location uses a scheme or host the app refuses to fetch."""


class UnexpectedResponse(ReplicateError):
    """The server answered with something that is not the JSON the API promises."""

    def __init__(self, message: str, *, status: int | None = None, excerpt: str = "") -> None:
        self.status = status
        self.excerpt = scrub(excerpt)
        super().__init__(message)


class MalformedPrediction(UnexpectedResponse):
    """A prediction object with a missing or wrongly typed field; ``prediction_id`` when its id was usable."""

    def __init__(self, message: str, *, prediction_id: str | None = None) -> None:
        self.prediction_id = prediction_id
        super().__init__(message)


class NetworkError(ReplicateError):
    """The server could not be reached, or the connection dropped."""


class APIError(ReplicateError):
    """An HTTP error answered by the API as problem details (title / detail / status)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> None:
        self.status = status
        self.title = title
        self.detail = detail
        self.body: Mapping[str, Any] = body or {}
        super().__init__(self._message())

    def _message(self) -> str:
        return f"Replicate answered {self.status}: {self.detail}"


class AuthenticationError(APIError):
    """401/403: the token was refused."""

    def _message(self) -> str:
        return f"Your Replicate API token was refused ({self.detail}). Check the token in Settings."


class BillingRequiredError(APIError):
    """402: the account needs billing set up before it runs this model."""

    def _message(self) -> str:
        return f"Replicate needs billing set up before it runs this model: {self.detail}"


class NotFoundError(APIError):
    """404: no such model, version or prediction."""

    def _message(self) -> str:
        return f"Not found on Replicate: {self.detail}"


class ValidationError(APIError):
    """422: the input was rejected; ``invalid_fields`` names the culprits."""

    @property
    def invalid_fields(self) -> list[str]:
        fields = self.body.get("invalid_fields")
        if not isinstance(fields, list):
            return []
        return [str(item.get("field", "")) for item in fields if isinstance(item, dict)]

    def _message(self) -> str:
        fields = [name for name in self.invalid_fields if name]
        suffix = f" (fields: {', '.join(fields)})" if fields else ""
        return f"Replicate rejected the input: {self.detail}{suffix}"


class RateLimitedError(APIError):
    """429: too many requests; ``retry_after`` says when to try again, when the server said."""

    def __init__(self, status: int, detail: str, *, retry_after: float | None = None, **kw: Any) -> None:
        self.retry_after = retry_after
        super().__init__(status, detail, **kw)

    def _message(self) -> str:
        return f"Replicate is throttling requests: {self.detail}"


class ServerError(APIError):
    """5xx: Replicate failed to answer."""

    def _message(self) -> str:
        return f"Replicate had a server error ({self.status}): {self.detail}"


class PredictionError(ReplicateError):
    """The prediction ended without success."""

    exit_code = 4

    def __init__(self, message: str, *, prediction_id: str | None = None, logs: str = "") -> None:
        self.prediction_id = prediction_id
        self.logs = scrub(logs)
        super().__init__(message)


class PredictionFailed(PredictionError):
    """The prediction ended ``failed``; ``model_error`` is the model's own error."""

    def __init__(self, model_error: str, *, prediction_id: str | None = None, logs: str = "") -> None:
        self.model_error = model_error
        super().__init__(f"The model failed: {model_error}", prediction_id=prediction_id, logs=logs)


class PredictionCanceled(PredictionError):
    """The prediction ended ``canceled``."""

    def __init__(self, *, prediction_id: str | None = None) -> None:
        super().__init__("The prediction was canceled.", prediction_id=prediction_id)


class PredictionAborted(PredictionError):
    """The prediction ended ``aborted`` before it started."""

    def __init__(self, *, prediction_id: str | None = None) -> None:
        super().__init__(
            "The prediction was aborted before it started (its deadline passed).", prediction_id=prediction_id
        )


class PredictionTimeout(PredictionError):
    """The prediction did not end within the polling attempts allowed."""

    exit_code = 5

    def __init__(self, attempts: int, delay: float, *, prediction_id: str | None = None) -> None:
        self.attempts = attempts
        self.delay = delay
        super().__init__(
            f"No result after {attempts} attempts × {delay:g} s = {attempts * delay:g} s; "
            "the prediction may still finish on Replicate.",
            prediction_id=prediction_id,
        )


def excerpt(text: str, limit: int = EXCERPT_LENGTH) -> str:
    """A short single-line excerpt of a response body for error messages."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def api_error_from_response(
    status: int, body_text: str, headers: Mapping[str, str], secrets: Iterable[str | None] = ()
) -> ReplicateError:
    """Builds the matching exception from an HTTP error response, its text scrubbed of ``secrets`` and credentials
    first (a server or proxy may echo the request's ``Authorization`` header back)."""
    body_text = scrub(body_text, secrets)
    try:
        body = json.loads(body_text) if body_text else {}
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return UnexpectedResponse(
            f"Replicate answered {status} with a body that is not JSON: {excerpt(body_text)!r}",
            status=status,
            excerpt=excerpt(body_text),
        )
    detail = problem_detail(str(body.get("detail") or body.get("title") or f"HTTP {status}"))
    title = body.get("title")
    kwargs: dict[str, Any] = {"title": str(title) if title is not None else None, "body": body}
    if status == 401:
        return AuthenticationError(status, detail, **kwargs)
    if status == 402:
        return BillingRequiredError(status, detail, **kwargs)
    if status == 404:
        return NotFoundError(status, detail, **kwargs)
    if status == 422:
        return ValidationError(status, detail, **kwargs)
    if status == 429:
        return RateLimitedError(status, detail, retry_after=retry_after_seconds(headers, body), **kwargs)
    if status >= 500:
        return ServerError(status, detail, **kwargs)
    return APIError(status, detail, **kwargs)


def problem_detail(detail: str) -> str:
    """A problem body's ``detail`` on one line: a bulleted list of problems (``- input: prompt is required``
    on each line, as the API sends for 422) becomes ``input: prompt is required; …``."""
    lines = [line.strip() for line in detail.splitlines() if line.strip()]
    if len(lines) > 1 or (lines and lines[0] != detail):
        if all(line[:2] in ("- ", "* ") for line in lines):
            return "; ".join(line[2:].strip() for line in lines)
        return " ".join(lines)
    return detail


def retry_after_seconds(headers: Mapping[str, str], body: Mapping[str, Any]) -> float | None:
    """Reads ``Retry-After`` (seconds) from the header, else ``retry_after`` from the body."""
    for raw in (headers.get("Retry-After"), body.get("retry_after")):
        if raw is None:
            continue
        try:
            return max(0.0, float(raw))
        except (TypeError, ValueError):
            continue
    return None
