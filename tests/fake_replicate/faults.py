"""Declarative, per-request fault injection for the fake server: which requests (by phase, method, path, count)
get which fault (a kind from `fault_kinds.py`).

    fake.faults.add("poll", Status(503, headers={"Retry-After": "0"}), times=2)   # the next two polls
    fake.faults.add("create", Reset(after_bytes=40))                              # created, answer cut off
    fake.faults.add("stream", Stall(30, after_bytes=200), nth=2)                  # the 2nd stream goes quiet
    fake.faults.add("download", GzipBomb(mib=256))
    fake.faults.add(None, Status(500), method="GET", path=r"/v1/account")        # any route, by path

Phases are recognised by route, like the real API's parts: create (the three POST create routes), poll
(GET /v1/predictions/{id} and the list), stream (/stream/…), download (/files/…), upload (POST /v1/files),
cancel (POST …/cancel). Faults act after the request was recorded and its token checked. `applied` lists
every fault that fired, so a test can prove its fault was exercised.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from aiohttp import web
from multidict import CIMultiDict

from .fault_kinds import (
    Body,
    Captured,
    DataRedirect,
    EchoHeaders,
    FaultKind,
    GzipBomb,
    MalformedJSON,
    MalformedPrediction,
    Oversized,
    Redirect,
    Reset,
    Stall,
    Status,
    Truncate,
    WrongContentType,
    malformed_sse,
)

Phase = Literal["create", "poll", "stream", "download", "upload", "cancel"]
PHASES: tuple[Phase, ...] = ("create", "poll", "stream", "download", "upload", "cancel")

_ROUTES: tuple[tuple[Phase, str, re.Pattern[str]], ...] = (
    ("create", "POST", re.compile(r"/v1/predictions")),
    ("create", "POST", re.compile(r"/v1/(models|deployments)/[^/]+/[^/]+/predictions")),
    ("cancel", "POST", re.compile(r"/v1/predictions/[^/]+/cancel")),
    ("poll", "GET", re.compile(r"/v1/predictions(/[^/]+)?")),
    ("stream", "GET", re.compile(r"/stream/.+")),
    ("download", "GET", re.compile(r"/files/.+")),
    ("upload", "POST", re.compile(r"/v1/files")),
)
_ACTIVE = web.RequestKey("fake_replicate_fault", object)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def phase_of(method: str, path: str) -> Phase | None:
    """The phase a request belongs to, or None for the routes outside them (models, account, search…)."""
    for phase, wanted, pattern in _ROUTES:
        if method.upper() == wanted and pattern.fullmatch(path):
            return phase
    return None


@dataclass
class FaultRule:
    """One scripted fault: ``kind`` for the ``nth`` matching request (1-based, counted from when it was
    added) or, without ``nth``, the next ``times`` ones. ``phase`` None matches any route; ``method`` ("*"
    for any) and ``path`` (a regex for the whole path) narrow it further."""

    phase: Phase | None
    kind: FaultKind
    nth: int | None = None
    times: int = 1
    method: str = "*"
    path: str | None = None
    seen: int = 0
    fired: int = 0
    _pattern: re.Pattern[str] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.phase is not None and self.phase not in PHASES:
            raise ValueError(f"phase must be one of {PHASES} or None, got {self.phase!r}")
        if self.times < 1 or (self.nth is not None and self.nth < 1):
            raise ValueError("times and nth count from 1")
        if self.phase == "stream" and not (self.kind.replaces or self.kind.streams):
            raise ValueError(f"{type(self.kind).__name__} cannot rewrite a streamed answer; pick another kind")
        self._pattern = re.compile(self.path) if self.path is not None else None

    @property
    def exhausted(self) -> bool:
        return self.fired >= self.times

    def matches(self, method: str, path: str) -> bool:
        if self.method != "*" and self.method.upper() != method.upper():
            return False
        if self._pattern is not None and not self._pattern.fullmatch(path):
            return False
        return self.phase is None or phase_of(method, path) == self.phase

    def take(self) -> bool:
        """Counts one matching request; True when this rule fires on it."""
        self.seen += 1
        if self.exhausted or (self.nth is not None and self.seen < self.nth):
            return False
        self.fired += 1
        return True


@dataclass(frozen=True)
class AppliedFault:
    """A fault that fired: on which request, and what it was."""

    phase: Phase | None
    method: str
    path: str
    kind: FaultKind

    def describe(self) -> str:
        return self.kind.describe()


class Faults:
    """The fake server's scripted faults (``fake.faults``)."""

    def __init__(self) -> None:
        self.rules: list[FaultRule] = []
        self.applied: list[AppliedFault] = []

    def add(self, phase: Phase | None, kind: FaultKind, *, nth: int | None = None, times: int = 1,
            method: str = "*", path: str | None = None) -> FaultRule:
        """Scripts ``kind`` for matching requests (see :class:`FaultRule`); returns the rule to inspect."""
        rule = FaultRule(phase, kind, nth, times, method, path)
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        self.rules.clear()

    def install(self, app: web.Application) -> None:
        """Hooks the faults into ``app`` (call before the app starts): a middleware, after the fake's own."""
        app.middlewares.append(self._middleware)
        app.on_response_prepare.append(self._on_prepare)

    def _pick(self, request: web.Request) -> FaultKind | None:
        chosen: FaultKind | None = None
        for rule in list(self.rules):
            if not rule.matches(request.method, request.path):
                continue
            if rule.take() and chosen is None:
                chosen = rule.kind
                self.applied.append(AppliedFault(phase_of(request.method, request.path), request.method,
                                                 request.path, rule.kind))
            if rule.exhausted:
                self.rules.remove(rule)
        return chosen

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        kind = self._pick(request)
        if kind is None:
            return await handler(request)
        if kind.replaces:
            return await kind.answer(request, None)
        request[_ACTIVE] = kind
        response = await handler(request)
        if response.prepared:  # a streamed answer: `_on_prepare` applied the fault while it was written
            if request.get(_ACTIVE) is not None:
                raise TypeError(f"{type(kind).__name__} cannot rewrite the streamed answer of {request.path}")
            return response
        request[_ACTIVE] = None
        return await kind.answer(request, capture(response))

    async def _on_prepare(self, request: web.Request, response: web.StreamResponse) -> None:
        kind = request.get(_ACTIVE)
        if isinstance(kind, FaultKind) and kind.streams:
            request[_ACTIVE] = None
            await kind.on_stream(request, response)


def capture(response: web.StreamResponse) -> Captured:
    """The status, headers and bytes of an answer a handler returned without sending it."""
    if not isinstance(response, web.Response) or not isinstance(response.body, bytes | bytearray | None):
        raise TypeError(f"cannot rewrite {type(response).__name__} with a streamed body")
    headers = CIMultiDict(response.headers)
    headers.setdefault("Content-Type", response.content_type)
    return Captured(response.status, headers, bytes(response.body or b""))


__all__ = [
    "PHASES",
    "AppliedFault",
    "Body",
    "DataRedirect",
    "EchoHeaders",
    "FaultKind",
    "FaultRule",
    "Faults",
    "GzipBomb",
    "MalformedJSON",
    "MalformedPrediction",
    "Oversized",
    "Phase",
    "Redirect",
    "Reset",
    "Stall",
    "Status",
    "Truncate",
    "WrongContentType",
    "malformed_sse",
    "phase_of",
]
