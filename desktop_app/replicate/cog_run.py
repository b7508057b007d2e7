"""Turns a local Cog server's prediction answers and stream events into the core's prediction events."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .errors import (
    PredictionCanceled,
    PredictionFailed,
    UnexpectedResponse,
    UnsafeOutputURLError,
    excerpt,
)
from .events import Completed, FollowMode, ImageResponse, LogsAppended, PredictionEvent, Progress, TextDelta
from .files import check_output_url, is_file_output
from .progress import last_log_line, parse_progress
from .sse import SSEEvent


@dataclass
class CogRun:
    """What one Cog prediction has passed on so far: text, logs, streamed files and metrics.

    :meth:`on_event` handles one event of Cog's stream (``start``, ``output``, ``log``, ``metric``,
    ``completed``, ``error``); :meth:`finish` handles the final prediction object (the synchronous
    answer, or the ``completed`` event's data). Both return the events to yield, in order.
    """

    base_url: str
    prediction_id: str | None = None
    mode: FollowMode = "wait"
    alt: str = ""
    clock: Callable[[], float] = time.monotonic
    started_at: float = field(default_factory=time.monotonic)
    status: str = "starting"
    text_sent: str = ""
    logs: str = ""
    files: list[str] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    next_index: int = 0
    final: Mapping[str, Any] | None = None

    def progress(self) -> Progress:
        found = parse_progress(self.logs)
        return Progress(
            self.status, self.mode, 0, 1, self.clock() - self.started_at,
            percent=found.percentage * 100 if found else None, log_line=last_log_line(self.logs),
        )

    def on_event(self, sse: SSEEvent) -> list[PredictionEvent]:
        data = _loads(sse.data)
        if sse.event == "start":
            if isinstance(data, Mapping) and isinstance(data.get("id"), str) and not self.prediction_id:
                self.prediction_id = data["id"]
            self.status = "processing"
            return [self.progress()]
        if sse.event == "output":
            return self._on_output(data if isinstance(data, Mapping) else {"chunk": sse.data})
        if sse.event == "log":
            text = str(data.get("data", "")) if isinstance(data, Mapping) else sse.data
            if not text:
                return []
            text = text if text.endswith("\n") else text + "\n"
            self.logs += text
            return [LogsAppended(text), self.progress()]
        if sse.event == "metric" and isinstance(data, Mapping) and isinstance(data.get("name"), str):
            self._on_metric(data["name"], data.get("value"), str(data.get("mode") or "replace"))
            return []
        if sse.event == "completed":
            if not isinstance(data, Mapping):
                raise UnexpectedResponse(f"The Cog server's completed event is not a prediction: {excerpt(sse.data)!r}")
            return self.finish(data)
        if sse.event == "error":
            detail = (data.get("detail") or data.get("error")) if isinstance(data, Mapping) else sse.data
            raise UnexpectedResponse(f"The Cog server broke off the stream: {excerpt(str(detail or sse.data))}")
        return []

    def finish(self, final: Mapping[str, Any]) -> list[PredictionEvent]:
        """Events for the final prediction object; raises when it did not succeed."""
        self.final = final
        if not self.prediction_id and isinstance(final.get("id"), str):
            self.prediction_id = final["id"]
        events: list[PredictionEvent] = []
        final_logs = str(final.get("logs") or "")
        if final_logs.startswith(self.logs) and len(final_logs) > len(self.logs):
            events.append(LogsAppended(final_logs[len(self.logs):]))
            self.logs = final_logs
        self.status = str(final.get("status") or "succeeded")
        events.append(self.progress())
        if self.status == "failed":
            raise PredictionFailed(_error_text(final.get("error")), prediction_id=self.prediction_id, logs=self.logs)
        if self.status == "canceled":
            raise PredictionCanceled(prediction_id=self.prediction_id)
        if self.status != "succeeded":
            raise UnexpectedResponse(f"The Cog server answered a prediction that is still {self.status!r}.")
        output = final.get("output")
        urls = _file_urls(output) or (list(self.files) if output is None else [])
        if urls:
            events.append(ImageResponse([self._checked(url) for url in urls], self.alt))
        elif output is not None:
            text = _join_text(output)
            if text.startswith(self.text_sent) and len(text) > len(self.text_sent):
                events.append(TextDelta(text[len(self.text_sent):]))
                self.text_sent = text
        raw_metrics = final.get("metrics")
        metrics = {**self.metrics, **(raw_metrics if isinstance(raw_metrics, Mapping) else {})}
        events.append(Completed(self.prediction_id or "", "succeeded", output, metrics))
        return events

    def _on_output(self, data: Mapping[str, Any]) -> list[PredictionEvent]:
        index = data.get("index")
        if isinstance(index, int) and not isinstance(index, bool):
            if index < self.next_index:
                return []  # replayed after a reattach
            self.next_index = index + 1
        chunk = data.get("chunk")
        if chunk is None:
            return []
        if is_file_output(chunk):
            self.files.append(str(chunk))
            return []
        text = chunk if isinstance(chunk, str) else json.dumps(chunk)
        self.text_sent += text
        return [TextDelta(text)] if text else []

    def _on_metric(self, name: str, value: Any, mode: str) -> None:
        if mode in ("incr", "increment") and isinstance(value, int | float):
            current = self.metrics.get(name, 0)
            self.metrics[name] = (current if isinstance(current, int | float) else 0) + value
        elif mode == "append":
            current = self.metrics.get(name)
            self.metrics[name] = [*(current if isinstance(current, list) else []), value]
        else:
            self.metrics[name] = value

    def _checked(self, url: str) -> str:
        """``https:``, ``data:``, loopback ``http:`` — or ``http:`` on the Cog server's own host."""
        try:
            return check_output_url(url)
        except UnsafeOutputURLError:
            own = urlsplit(self.base_url)
            target = urlsplit(url)
            if target.scheme == own.scheme and target.hostname == own.hostname:
                return url
            raise


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _file_urls(output: Any) -> list[str]:
    if is_file_output(output):
        return [str(output)]
    if isinstance(output, list) and output and all(is_file_output(item) for item in output):
        return [str(item) for item in output]
    return []


def _join_text(output: Any) -> str:
    if isinstance(output, list):
        return "".join(item if isinstance(item, str) else json.dumps(item) for item in output)
    return output if isinstance(output, str) else json.dumps(output)


def _error_text(error: Any) -> str:
    if isinstance(error, Mapping):
        return str(error.get("detail") or error.get("message") or json.dumps(dict(error)))
    return str(error) if error else "no error message was given"
