"""The fault matrix as data: which journey meets which scripted fault in which phase, and what surviving means.

``result``: the journey gives exactly the right answer (transient faults are retried or worked around).
``error``: it ends with a ReplicateError whose text is one line, without the token or a traceback.
``quiet``: leaving a run early returns at once although its cancel failed, and says so in one log line.
Every row also requires that the fault really fired and that the token appears in no log record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tests.fake_replicate.faults import (
    EchoHeaders,
    FaultKind,
    MalformedJSON,
    MalformedPrediction,
    Oversized,
    Phase,
    Redirect,
    Reset,
    Stall,
    Status,
    Truncate,
    WrongContentType,
)

from .flows import Flow

Expect = Literal["result", "error", "quiet"]
ONCE, ALWAYS = 1, 99
RETRY_NOW = {"Retry-After": "0"}


@dataclass(frozen=True)
class Row:
    """One cell of the matrix."""

    phase: Phase
    flow: Flow
    kind: FaultKind
    times: int
    expect: Expect

    @property
    def how_often(self) -> str:
        return "once" if self.times == ONCE else "every time"

    @property
    def id(self) -> str:
        slug = "".join(c if c.isalnum() else "-" for c in self.kind.describe().lower()).strip("-")
        while "--" in slug:
            slug = slug.replace("--", "-")
        return f"{self.phase}-{self.flow}-{slug[:48]}-{'once' if self.times == ONCE else 'always'}"


SERVER_ERRORS: tuple[FaultKind, ...] = (
    Status(500), Status(502, content_type="text/html"), Status(503, headers=RETRY_NOW), Status(504),
)
DROPPED: tuple[FaultKind, ...] = (Reset(0), Reset(30), Truncate(30))
THROTTLED = Status(429, headers=RETRY_NOW)
CLIENT_ERRORS: tuple[FaultKind, ...] = (Status(400), Status(401), Status(402), Status(403), Status(409), Status(413))
SHORT_STALLS: tuple[FaultKind, ...] = (Stall(0.3), Stall(0.3, after_bytes=20))
MALFORMED: tuple[FaultKind, ...] = (  # a prediction object that cannot be trusted is refused, not guessed at
    MalformedPrediction(drop=("status",)), MalformedPrediction(set={"status": 42}),
    MalformedPrediction(set={"logs": 7}), MalformedPrediction(set={"status": "failed", "error": {"x": 1}}),
)


def _rows(phase: Phase, flow: Flow, kinds: tuple[FaultKind, ...], times: int, expect: Expect) -> list[Row]:
    return [Row(phase, flow, kind, times, expect) for kind in kinds]


def _create(flow: Flow) -> list[Row]:
    """A create is a POST: only a 429 (the server did not act) is repeated; anything else is reported, since
    repeating it could start and bill a second prediction."""
    return [
        Row("create", flow, THROTTLED, ONCE, "result"),
        Row("create", flow, THROTTLED, ALWAYS, "error"),
        *_rows("create", flow, SERVER_ERRORS + DROPPED + CLIENT_ERRORS, ONCE, "error"),
        Row("create", flow, Status(404), ONCE, "result"),  # no official route: the latest version is used
        Row("create", flow, Status(404), ALWAYS, "error"),
        *_rows("create", flow, SHORT_STALLS, ONCE, "result"),
        Row("create", flow, WrongContentType(), ONCE, "error"),
        Row("create", flow, MalformedJSON(), ONCE, "error"),
        Row("create", flow, Oversized(2), ONCE, "result"),
        Row("create", flow, Redirect.loopback(307), ONCE, "result"),
        Row("create", flow, Redirect.loopback(307), ALWAYS, "error"),
        Row("create", flow, Redirect.loopback(302), ONCE, "error"),  # a 302 turns the POST into a GET
        Row("create", flow, Redirect.data(), ONCE, "error"),
        *_rows("create", flow, MALFORMED, ONCE, "error"),
        Row("create", flow, MalformedPrediction(set={"urls": "x"}), ONCE, "error"),
        Row("create", flow, MalformedPrediction(drop=("id",)), ONCE, "error"),
        Row("create", flow, EchoHeaders(), ONCE, "error"),
    ]


def _poll(flow: Flow) -> list[Row]:
    return [
        *_rows("poll", flow, (THROTTLED, *SERVER_ERRORS, *DROPPED), ONCE, "result"),
        *_rows("poll", flow, (THROTTLED, *SERVER_ERRORS, *DROPPED), ALWAYS, "error"),
        *_rows("poll", flow, (*CLIENT_ERRORS, Status(404)), ONCE, "error"),
        *_rows("poll", flow, SHORT_STALLS, ONCE, "result"),
        Row("poll", flow, WrongContentType(), ONCE, "error"),
        Row("poll", flow, MalformedJSON(), ONCE, "error"),
        Row("poll", flow, Oversized(2), ALWAYS, "result"),
        Row("poll", flow, Redirect.loopback(302), ONCE, "result"),
        Row("poll", flow, Redirect.loopback(307), ONCE, "result"),
        Row("poll", flow, Redirect.loopback(302), ALWAYS, "error"),
        Row("poll", flow, Redirect.data(), ALWAYS, "error"),
        *_rows("poll", flow, MALFORMED, ONCE, "error"),
        Row("poll", flow, EchoHeaders(), ONCE, "error"),
        Row("poll", flow, EchoHeaders(500), ALWAYS, "error"),
    ]


def _stream() -> list[Row]:
    """A broken stream is confirmed by a GET and resumed or replaced by polling: the reply stays exact."""
    broken = (THROTTLED, *SERVER_ERRORS, *DROPPED, *CLIENT_ERRORS, Status(404), WrongContentType(),
              Redirect.loopback(302), Redirect.data(), EchoHeaders())
    return [
        *_rows("stream", "text", broken, ONCE, "result"),
        *_rows("stream", "text", broken, ALWAYS, "result"),
        *_rows("stream", "text", SHORT_STALLS, ONCE, "result"),
    ]


def _download() -> list[Row]:
    return [
        *_rows("download", "image", (THROTTLED, *SERVER_ERRORS, *DROPPED), ONCE, "result"),
        *_rows("download", "image", (*SERVER_ERRORS, *DROPPED, *CLIENT_ERRORS, Status(404)), ALWAYS, "error"),
        *_rows("download", "image", SHORT_STALLS, ONCE, "result"),
        Row("download", "image", WrongContentType(), ONCE, "result"),
        Row("download", "image", Redirect.loopback(302), ONCE, "result"),
        Row("download", "image", Redirect.loopback(307), ONCE, "result"),
        Row("download", "image", Redirect.loopback(302), ALWAYS, "error"),
        Row("download", "image", EchoHeaders(), ALWAYS, "error"),
    ]


def _upload() -> list[Row]:
    """An upload is a POST too: failures are reported, not repeated."""
    return [
        *_rows("upload", "upload", (*SERVER_ERRORS, *DROPPED, *CLIENT_ERRORS, Status(404)), ONCE, "error"),
        Row("upload", "upload", THROTTLED, ALWAYS, "error"),
        *_rows("upload", "upload", SHORT_STALLS, ONCE, "result"),
        Row("upload", "upload", WrongContentType(), ONCE, "result"),
        Row("upload", "upload", MalformedJSON(), ONCE, "error"),
        Row("upload", "upload", Oversized(2), ONCE, "result"),
        Row("upload", "upload", MalformedPrediction(drop=("id",)), ONCE, "result"),
        Row("upload", "upload", MalformedPrediction(set={"urls": "x"}), ONCE, "error"),
        Row("upload", "upload", Redirect.loopback(307), ONCE, "result"),
        Row("upload", "upload", Redirect.loopback(302), ONCE, "error"),
        Row("upload", "upload", Redirect.data(), ONCE, "error"),
        Row("upload", "upload", EchoHeaders(), ONCE, "error"),
    ]


def _cancel() -> list[Row]:
    """Kinds that rewrite the answer let the cancel itself happen; those that replace it make it fail."""
    return [
        Row("cancel", "cancel", THROTTLED, ONCE, "result"),
        *_rows("cancel", "cancel", (*DROPPED, *SHORT_STALLS, WrongContentType(), MalformedJSON()), ONCE, "result"),
        *_rows("cancel", "cancel", (THROTTLED, *SERVER_ERRORS, *CLIENT_ERRORS, Status(404)), ALWAYS, "quiet"),
        Row("cancel", "cancel", Redirect.loopback(302), ALWAYS, "quiet"),
        Row("cancel", "cancel", Redirect.data(), ALWAYS, "quiet"),
        Row("cancel", "cancel", EchoHeaders(), ALWAYS, "quiet"),
    ]


ROWS: tuple[Row, ...] = (
    *_create("text"), *_create("image"), *_poll("image"), *_poll("text"), *_stream(), *_download(), *_upload(),
    *_cancel(),
)
