"""How a local Cog server is doing (its health answer) and what can go wrong with it, each as one sentence."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import APIError, ReplicateError, ValidationError, excerpt

READY_STATUSES = frozenset({"READY", "BUSY"})
FAILED_STATUSES = frozenset({"SETUP_FAILED", "DEFUNCT"})


@dataclass(frozen=True)
class CogHealth:
    """One ``GET /health-check`` answer."""

    status: str
    setup_status: str | None = None
    setup_logs: str = ""
    cog_version: str | None = None
    user_healthcheck_error: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_up(self) -> bool:
        """READY, or BUSY (set up and running predictions)."""
        return self.status in READY_STATUSES


class CogError(ReplicateError):
    """Base of the errors only a local Cog server causes."""


class CogSetupFailed(CogError):
    """The model's ``setup()`` failed (SETUP_FAILED) or the server stopped working (DEFUNCT)."""

    def __init__(self, health: CogHealth, base_url: str) -> None:
        self.health = health
        self.logs = health.setup_logs
        what = "failed to set up" if health.status == "SETUP_FAILED" else "stopped working"
        tail = log_tail(health.setup_logs)
        super().__init__(
            f"The Cog model at {base_url} {what} ({health.status})" + (f": {tail}" if tail else ".")
        )


class CogNotReady(CogError):
    """The server did not become READY within the time allowed."""

    def __init__(self, health: CogHealth, base_url: str, waited: float) -> None:
        self.health = health
        reason = f" ({health.user_healthcheck_error})" if health.user_healthcheck_error else ""
        super().__init__(f"The Cog server at {base_url} was still {health.status}{reason} after {waited:g} s.")


class CogBusy(CogError):
    """409: the server is already running as many predictions as it can."""

    def __init__(self, base_url: str) -> None:
        super().__init__(f"The Cog server at {base_url} is already running a prediction; try again when it is done.")


class CogInputError(ValidationError):
    """422 from Cog: FastAPI-style ``detail: [{loc, msg, type}]``; ``invalid_fields`` names the inputs."""

    @property
    def invalid_fields(self) -> list[str]:
        return _field_names(self.body.get("detail"))

    def _message(self) -> str:
        return f"The Cog model rejected the input: {self.detail}"


class CogHTTPError(APIError):
    """Any other error status from the Cog server."""

    def _message(self) -> str:
        return f"The Cog server answered {self.status}: {self.detail}"


def error_for(status: int, text: str, base_url: str) -> ReplicateError:
    try:
        body = json.loads(text) if text else {}
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    raw = body.get("detail")
    if status == 409:
        return CogBusy(base_url)
    if status == 422:
        return CogInputError(status, _validation_detail(raw) or excerpt(text), body=body)
    detail = _validation_detail(raw) or excerpt(text) or f"HTTP {status}"
    return CogHTTPError(status, detail, body=body)


def _validation_detail(raw: Any) -> str:
    """``prompt: field required; seed: value is not a valid integer`` from FastAPI's ``detail`` list."""
    if isinstance(raw, str):
        return raw
    if not isinstance(raw, list):
        return ""
    parts = []
    for item in raw:
        if not isinstance(item, Mapping):
            continue
        names = _field_names([item])
        message = str(item.get("msg") or item.get("type") or "invalid")
        parts.append(f"{names[0]}: {message}" if names else message)
    return "; ".join(parts)


def _field_names(raw: Any) -> list[str]:
    names = []
    for item in raw if isinstance(raw, list) else []:
        loc = item.get("loc") if isinstance(item, Mapping) else None
        if not isinstance(loc, list) or not loc:
            continue
        parts = [str(part) for part in loc]
        if "input" in parts:
            parts = parts[parts.index("input") + 1:]
        elif parts[0] == "body":
            parts = parts[1:]
        names.append(".".join(parts) or "input")
    return names


def log_tail(logs: str, lines: int = 6) -> str:
    kept = [line.rstrip() for line in logs.replace("\r", "\n").split("\n") if line.strip()]
    return " | ".join(kept[-lines:])
