"""What following one prediction has passed on so far, and turning each fresh prediction object into events."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from typing import Any

from .client import JSON, ReplicateClient
from .events import FollowMode, LogsAppended, PredictionEvent, Progress
from .files import is_file_output, looks_like_location
from .models import ModelKind
from .parse import parse_prediction
from .policy import FollowPolicy
from .progress import last_log_line, parse_progress
from .reply_text import ReplyText

log = logging.getLogger(__name__)


@dataclass
class FollowState:
    """What has been passed on to the caller so far."""

    prediction: JSON
    kind: ModelKind | None
    reply: ReplyText = field(default_factory=ReplyText)  # a text model's reply as shown so far
    logs_sent: str = ""
    started_at: float = 0.0
    attempt: int = 0
    stream_urls: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.prediction.get("id", ""))

    @property
    def status(self) -> str:
        return str(self.prediction.get("status", "starting"))


async def refresh(client: ReplicateClient, state: FollowState) -> None:
    urls = state.prediction.get("urls") or {}
    target = urls.get("get") if isinstance(urls, dict) else None
    fresh = parse_prediction(await client.get_json(str(target or f"predictions/{state.id}")))
    if fresh.get("error") is None and state.prediction.get("error"):
        fresh["error"] = state.prediction["error"]
    state.prediction = fresh


async def emit_new(
    state: FollowState, mode: FollowMode, policy: FollowPolicy, clock: Callable[[], float]
) -> AsyncGenerator[PredictionEvent, None]:
    """Yields what the latest prediction object adds: new text, new logs, a progress tick."""
    prediction = state.prediction
    output = prediction.get("output")
    if state.kind is None and output is not None:
        state.kind = classify(output)
    if state.kind == "text" and state.status not in {"failed", "canceled", "aborted"}:
        # Only a terminal object's output is the whole reply; a partial one may lag behind the stream.
        for event in state.reply.reconcile(output, final=state.status == "succeeded"):
            yield event
    logs = str(prediction.get("logs") or "")
    if logs.startswith(state.logs_sent) and len(logs) > len(state.logs_sent):
        yield LogsAppended(logs[len(state.logs_sent):])
    elif not logs.startswith(state.logs_sent):
        yield LogsAppended(logs)
    state.logs_sent = logs
    progress = parse_progress(logs)
    yield Progress(
        state.status,
        mode,
        state.attempt,
        policy.max_attempts,
        clock() - state.started_at,
        percent=progress.percentage * 100 if progress else None,
        log_line=last_log_line(logs),
    )


def classify(output: Any) -> ModelKind:
    if is_file_output(output):
        return "image"
    if isinstance(output, list) and output and all(is_file_output(item) for item in output):
        return "image"
    return "text"


def file_urls(output: Any) -> list[str]:
    if isinstance(output, str):
        return [output] if looks_like_location(output) else []
    if isinstance(output, list):
        return [item for item in output if looks_like_location(item)]
    if isinstance(output, dict):
        return [value for value in output.values() if looks_like_location(value)]
    return []


def stream_url(prediction: JSON) -> str | None:
    urls = prediction.get("urls")
    value = urls.get("stream") if isinstance(urls, dict) else None
    return value if isinstance(value, str) and value else None


def version_of(prediction: JSON) -> str | None:
    value = prediction.get("version")
    return value if isinstance(value, str) and value and value != "hidden" else None


def web_url(prediction: JSON) -> str | None:
    urls = prediction.get("urls")
    value = urls.get("web") if isinstance(urls, dict) else None
    return value if isinstance(value, str) else None


def error_detail(data: str) -> str:
    try:
        parsed = json.loads(data)
    except ValueError:
        return data
    if isinstance(parsed, dict) and parsed.get("detail"):
        return str(parsed["detail"])
    return data


def error_text(error: Any) -> str:
    if isinstance(error, dict):
        return str(error.get("detail") or error.get("message") or json.dumps(error))
    return str(error) if error else "no error message was given"
