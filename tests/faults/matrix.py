"""The fault matrix as data: which journey meets which scripted fault in which phase, and what surviving means.

``result``: the journey gives exactly the right answer (transient faults are retried or worked around).
``error``: it ends with a ReplicateError whose text is one line, without the token or a traceback.
``quiet``: leaving a run early returns at once although its cancel failed, and says so in one log line.
Every row also requires that the fault really fired, that the token appears in no log record, that no
prediction is left running on the server (but where its cancel is the fault), and that nothing connected to
another host than the fake's loopback address, except for an https redirect of a download or a stream (a CDN or
a stream host elsewhere), served over TLS on loopback through a test resolver.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from aiohttp import web

from tests.fake_replicate import FakeReplicate
from tests.fake_replicate.elsewhere import ELSEWHERE
from tests.fake_replicate.fault_kinds import Captured
from tests.fake_replicate.faults import (
    Body,
    DataRedirect,
    EchoHeaders,
    FaultKind,
    GzipBomb,
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
    malformed_sse,
)

from .flows import TEXT_MODEL, Flow

Expect = Literal["result", "error", "quiet", "paused"]
ONCE, ALWAYS = 1, 99
RETRY_NOW = {"Retry-After": "0"}


@dataclass(frozen=True)
class ScriptedStream(FaultKind):
    """A stream fault the text model's `Script` produces (cuts, replays, duplicates, missing ids, silence…):
    ``changes`` are applied to its Script before the journey; the rule fires on the first stream request."""

    label: str
    changes: Mapping[str, Any] = field(default_factory=dict)
    streams: ClassVar[bool] = True

    def describe(self) -> str:
        return f"stream script: {self.label}"

    def apply(self, fake: FakeReplicate) -> None:
        fake.set_script(TEXT_MODEL, dataclasses.replace(fake.models[TEXT_MODEL].script, **self.changes))

    async def on_stream(self, request: web.Request, response: web.StreamResponse) -> None:
        return None  # the Script does the work

    async def answer(self, request: web.Request, real: Captured | None) -> web.StreamResponse:
        assert real is not None
        return web.Response(status=real.status, headers=real.headers, body=real.body)


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
        return {ONCE: "once", ALWAYS: "every time"}.get(self.times, f"{self.times} times")

    @property
    def id(self) -> str:
        slug = "".join(c if c.isalnum() else "-" for c in self.kind.describe().lower()).strip("-")
        while "--" in slug:
            slug = slug.replace("--", "-")
        flow = self.flow.replace(" ", "-")
        often = {ONCE: "once", ALWAYS: "always"}.get(self.times, f"{self.times}x")
        return f"{self.phase}-{flow}-{slug[:60]}-{often}"

    @property
    def may_go_elsewhere(self) -> bool:
        """Whether the client may rightly connect to the other host: an https hop of a download or a stream."""
        return (self.phase in ("download", "stream") and isinstance(self.kind, Redirect)
                and self.kind.location.startswith(f"https://{ELSEWHERE}"))


THROTTLED: tuple[FaultKind, ...] = (
    Status(429, headers=RETRY_NOW),
    Status(429, body={"title": "Request was throttled", "status": 429, "retry_after": 0,
                      "detail": "Request was throttled. Your rate limit resets in ~0s."},
           label="retry_after 0 in the body"),
    Status(429, label="no Retry-After: backoff"),
)
THROTTLED_ALWAYS = THROTTLED[0]
SERVER_ERRORS: tuple[FaultKind, ...] = (
    Status(500), Status(502, content_type="text/html"), Status(503, headers=RETRY_NOW), Status(504),
)
CLIENT_ERRORS: tuple[FaultKind, ...] = (
    Status(400), Status(401), Status(402), Status(403), Status(409), Status(413), Status(422),
)
NOT_FOUND = Status(404)
DROPPED: tuple[FaultKind, ...] = (Reset(0), Reset(30), Truncate(30))
STALLS: tuple[FaultKind, ...] = (Stall(0.3), Stall(0.3, after_bytes=20))
ELSEWHERE_HOPS: tuple[Redirect, ...] = (Redirect.https_elsewhere(), Redirect.http_remote())
BAD_DATA = Redirect("data:image/png;base64,@@not-base64@@", 302, "a data: URI with broken base64")
ECHOES: tuple[FaultKind, ...] = (EchoHeaders(), EchoHeaders(401, content_type="text/html"))
# A prediction object that cannot be trusted is refused, not guessed at (and the run is canceled on the server).
MALFORMED: tuple[FaultKind, ...] = (
    MalformedPrediction(drop=("id",)), MalformedPrediction(set={"id": "../account"}),
    MalformedPrediction(drop=("status",)), MalformedPrediction(set={"status": 42}),
    MalformedPrediction(set={"status": " "}), MalformedPrediction(set={"logs": 7}),
    MalformedPrediction(set={"metrics": [1]}), MalformedPrediction(set={"metrics": {"predict_time": "fast"}}),
    MalformedPrediction(set={"urls": "x"}), MalformedPrediction(set={"urls": {"get": 5}}),
    MalformedPrediction(set={"urls": {"stream": "ftp://elsewhere/x"}}),
    MalformedPrediction(set={"status": "failed", "error": {"x": 1}}),
)
# Fields the follow code does not need, or values the API allows: the run goes on.
HARMLESS: tuple[FaultKind, ...] = (
    MalformedPrediction(set={"output": {"a": 1}}), MalformedPrediction(drop=("model",)),
    MalformedPrediction(set={"created_at": 5}), MalformedPrediction(set={"status": "paused"}),
)
SCRIPTED_STREAMS: tuple[FaultKind, ...] = (
    ScriptedStream("cut after 3 outputs, resumed by Last-Event-ID", {"stream_cuts": [3]}),
    ScriptedStream("cut after 3 outputs, replayed from the start", {"stream_cuts": [3], "stream_replay": "start"}),
    ScriptedStream("cut after 3 outputs, replayed from the middle", {"stream_cuts": [3], "stream_replay": "middle"}),
    ScriptedStream("cut in the middle of an event", {"stream_cuts": [3], "cut_mid_event": True}),
    ScriptedStream("cut three times", {"stream_cuts": [1, 2, 3]}),
    ScriptedStream("every output twice", {"stream_duplicates": True}),
    ScriptedStream("no event ids, cut and replayed", {"stream_ids": False, "stream_cuts": [3],
                                                      "stream_replay": "start"}),
    ScriptedStream("silent after 3 outputs while the run ends", {"stream_silent_after": 3}),
    ScriptedStream("lines a client must ignore", {"stream_malformed": True}),
    ScriptedStream("CRLF line ends", {"stream_line_ending": "\r\n"}),
    ScriptedStream("CR line ends", {"stream_line_ending": "\r"}),
    ScriptedStream("a log line over the event limit", {"oversize_log_line": 2 * 1024 * 1024}),
)


def _rows(phase: Phase, flow: Flow, kinds: tuple[FaultKind, ...], times: int, expect: Expect) -> list[Row]:
    return [Row(phase, flow, kind, times, expect) for kind in kinds]


def _create(flow: Flow) -> list[Row]:
    """A create is a POST: only a 429 (the server did not act) is repeated. An answer lost after the server
    acted (reset, truncated, unreadable) is looked up among recent predictions and followed, never re-sent."""
    return [
        *_rows("create", flow, THROTTLED, ONCE, "result"),
        Row("create", flow, THROTTLED_ALWAYS, ALWAYS, "error"),
        *_rows("create", flow, SERVER_ERRORS + CLIENT_ERRORS, ONCE, "error"),
        Row("create", flow, NOT_FOUND, ONCE, "result"),  # no official route: the latest version is used
        Row("create", flow, NOT_FOUND, ALWAYS, "error"),
        *_rows("create", flow, DROPPED, ONCE, "result"),
        *_rows("create", flow, STALLS, ONCE, "result"),
        *_rows("create", flow, (WrongContentType(), MalformedJSON()), ONCE, "result"),
        *_rows("create", flow, (Oversized(2), Oversized(40), GzipBomb(1), GzipBomb(64)), ONCE, "result"),
        Row("create", flow, Redirect.loopback(307), ONCE, "result"),
        Row("create", flow, Redirect.loopback(307), ALWAYS, "error"),
        Row("create", flow, Redirect.loopback(302), ONCE, "error"),  # a 302 turns the POST into a GET
        *_rows("create", flow, ELSEWHERE_HOPS, ONCE, "error"),
        *_rows("create", flow, ELSEWHERE_HOPS, ALWAYS, "error"),
        Row("create", flow, Redirect.data(), ONCE, "error"),
        Row("create", flow, DataRedirect(), ONCE, "result"),  # the hop is refused, the prediction found
        *_rows("create", flow, MALFORMED, ONCE, "error"),
        *_rows("create", flow, HARMLESS, ONCE, "result"),
        *_rows("create", flow, ECHOES, ONCE, "error"),
    ]


def _poll(flow: Flow) -> list[Row]:
    """GETs are retried after 429, 5xx and dropped connections; what they answer is checked."""
    transient = (*THROTTLED, *SERVER_ERRORS, *DROPPED)
    return [
        *_rows("poll", flow, transient, ONCE, "result"),
        *_rows("poll", flow, (THROTTLED_ALWAYS, *SERVER_ERRORS, *DROPPED), ALWAYS, "error"),
        *_rows("poll", flow, (*CLIENT_ERRORS, NOT_FOUND), ONCE, "error"),
        *_rows("poll", flow, STALLS, ONCE, "result"),
        *_rows("poll", flow, (WrongContentType(), MalformedJSON(), Oversized(40), GzipBomb(1024)), ONCE, "error"),
        *_rows("poll", flow, (Oversized(2), GzipBomb(1)), ALWAYS, "result"),
        *_rows("poll", flow, (Redirect.loopback(302), Redirect.loopback(307)), ONCE, "result"),
        Row("poll", flow, Redirect.loopback(302), ALWAYS, "error"),
        *_rows("poll", flow, ELSEWHERE_HOPS, ONCE, "error"),
        *_rows("poll", flow, ELSEWHERE_HOPS, ALWAYS, "error"),
        Row("poll", flow, Redirect.data(), ALWAYS, "error"),
        Row("poll", flow, DataRedirect(), ONCE, "error"),
        *_rows("poll", flow, MALFORMED, ONCE, "error"),
        *_rows("poll", flow, ECHOES, ONCE, "error"),
        Row("poll", flow, EchoHeaders(500), ALWAYS, "error"),
    ]


def _stream() -> list[Row]:
    """A broken stream is confirmed by a GET and resumed or replaced by polling: the reply stays exact."""
    broken = (*THROTTLED, *SERVER_ERRORS, *DROPPED, *CLIENT_ERRORS, NOT_FOUND, WrongContentType(),
              Redirect.loopback(302), *ELSEWHERE_HOPS, Redirect.data(), BAD_DATA, *ECHOES, malformed_sse(),
              Body(b"", label="an empty event stream"))
    return [
        *_rows("stream", "text", broken, ONCE, "result"),
        *_rows("stream", "text", broken, ALWAYS, "result"),
        *_rows("stream", "text", (*STALLS, Stall(600, after_bytes=30)), ONCE, "result"),
        *_rows("stream", "text", SCRIPTED_STREAMS, ONCE, "result"),
    ]


def _download() -> list[Row]:
    """Downloads are retried after 429, 5xx and dropped connections (resuming with Range); every hop is checked;
    a compressed body is refused (the file was asked for as it is); a data: hop is decoded strictly."""
    return [
        *_rows("download", "image", (*THROTTLED, *SERVER_ERRORS, *DROPPED), ONCE, "result"),
        *_rows("download", "image", (THROTTLED_ALWAYS, *SERVER_ERRORS, *DROPPED), ALWAYS, "error"),
        *_rows("download", "image", (*CLIENT_ERRORS, NOT_FOUND), ONCE, "error"),
        *_rows("download", "image", STALLS, ONCE, "result"),
        Row("download", "image", WrongContentType(), ONCE, "result"),  # a file's declared type is not trusted
        *_rows("download", "image", (Oversized(8), GzipBomb(64)), ONCE, "error"),
        *_rows("download", "image", (Redirect.loopback(302), Redirect.loopback(307)), ONCE, "result"),
        Row("download", "image", Redirect.loopback(302), ALWAYS, "error"),
        Row("download", "image", Redirect.https_elsewhere(), ONCE, "result"),  # a CDN elsewhere is followed
        Row("download", "image", Redirect.https_elsewhere(), ALWAYS, "error"),
        Row("download", "image", Redirect.http_remote(), ONCE, "error"),
        Row("download", "image", Redirect.http_remote(), ALWAYS, "error"),
        Row("download", "image", DataRedirect(), ONCE, "result"),
        Row("download", "image", BAD_DATA, ONCE, "error"),
        *_rows("download", "image", ECHOES, ONCE, "error"),
    ]


def _upload() -> list[Row]:
    """An upload is a POST too: only a 429 is repeated; other failures are reported."""
    return [
        *_rows("upload", "upload", THROTTLED, ONCE, "result"),
        Row("upload", "upload", THROTTLED_ALWAYS, ALWAYS, "error"),
        *_rows("upload", "upload", (*SERVER_ERRORS, *DROPPED, *CLIENT_ERRORS, NOT_FOUND), ONCE, "error"),
        *_rows("upload", "upload", STALLS, ONCE, "result"),
        *_rows("upload", "upload", (WrongContentType(), MalformedJSON(), Oversized(40), GzipBomb(64)), ONCE,
               "error"),
        *_rows("upload", "upload", (Oversized(2), GzipBomb(1)), ONCE, "result"),
        Row("upload", "upload", MalformedPrediction(drop=("id",)), ONCE, "result"),  # the file's URL is what counts
        Row("upload", "upload", MalformedPrediction(set={"urls": "x"}), ONCE, "error"),
        Row("upload", "upload", Redirect.loopback(307), ONCE, "result"),
        Row("upload", "upload", Redirect.loopback(302), ONCE, "error"),
        *_rows("upload", "upload", (*ELSEWHERE_HOPS, Redirect.data()), ONCE, "error"),
        *_rows("upload", "upload", ECHOES, ONCE, "error"),
    ]


def _cancel() -> list[Row]:
    """A cancel may be sent again (canceling twice is harmless): transient failures are retried. Kinds that
    rewrite the answer let the cancel itself happen; those that replace it every time make it fail."""
    unreadable = (WrongContentType(), MalformedJSON(), Oversized(40), GzipBomb(64))
    return [
        *_rows("cancel", "cancel", (*THROTTLED, *SERVER_ERRORS, *DROPPED, *STALLS, *unreadable), ONCE, "result"),
        Row("cancel", "cancel", Redirect.loopback(307), ONCE, "result"),
        *_rows("cancel", "cancel", (THROTTLED_ALWAYS, *SERVER_ERRORS, *CLIENT_ERRORS, NOT_FOUND), ALWAYS, "quiet"),
        *_rows("cancel", "cancel", (Redirect.loopback(302), *ELSEWHERE_HOPS, Redirect.data()), ALWAYS, "quiet"),
        *_rows("cancel", "cancel", ECHOES, ALWAYS, "quiet"),
    ]


ROWS: tuple[Row, ...] = (
    *_create("text"), *_create("image"), *_poll("image"), *_poll("text"), *_stream(), *_download(), *_upload(),
    *_cancel(),
)
