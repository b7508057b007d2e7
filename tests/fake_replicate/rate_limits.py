"""The account's rate limits on the fake server (replicate-api.md §9, §9a): token buckets for creates and for
everything else, 429 with ``retry_after`` when one is empty, ``ratelimit-*`` hints on every API answer.

    fake.rate_limits.create = CreateLimit.low_credit()          # 6/min, burst 1, as under $5 of credit
    fake.rate_limits.create = CreateLimit.low_credit(speed=30)  # the same shape at 180/min (benchmarks)
    fake.rate_limits.create = CreateLimit(per_minute=600, burst=10)

Like Replicate, a throttled request is not acted on (no prediction is created). The bodies follow what the real
service sends: the low-credit 429 names the reduced limit and the credit condition, every 429 carries
``retry_after`` (whole seconds until a request would be accepted again); ``Retry-After`` is not sent as a header
(whether the real API sends it is unconfirmed). ``ratelimit-remaining`` (whole requests left) and
``ratelimit-reset`` (whole seconds until the bucket is full) ride on every answer of a limited route, as in the
real service's recorded answers. The limits run on the server loop's clock; ``speed`` makes a profile faster
while keeping its shape, so a benchmark need not wait half an hour for 6/min.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

from .recording import problem

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_CREATE_ROUTES = (re.compile(r"/v1/predictions"), re.compile(r"/v1/(models|deployments)/[^/]+/[^/]+/predictions"))


@dataclass
class CreateLimit:
    """A token bucket: ``per_minute`` requests refill evenly, at most ``burst`` held. ``reduced`` makes the
    429 say the limit is reduced for low credit, as Replicate does for accounts under $5 of credit."""

    per_minute: float
    burst: int
    reduced: bool = False

    @classmethod
    def normal(cls) -> CreateLimit:
        """Replicate's documented create limit: 600 a minute, bursts tolerated."""
        return cls(per_minute=600, burst=600)

    @classmethod
    def low_credit(cls, *, speed: float = 1.0) -> CreateLimit:
        """Under $5 of credit: 6 a minute with a burst of 1 (``speed`` times faster, same shape)."""
        return cls(per_minute=6 * speed, burst=1, reduced=True)

    @property
    def per_second(self) -> float:
        return self.per_minute / 60.0


@dataclass
class Bucket:
    """One token bucket on the server's clock."""

    limit: CreateLimit
    tokens: float = -1.0  # full on first use
    updated: float = 0.0

    def _refill(self, now: float) -> None:
        if self.tokens < 0:
            self.tokens, self.updated = float(self.limit.burst), now
            return
        self.tokens = min(float(self.limit.burst), self.tokens + (now - self.updated) * self.limit.per_second)
        self.updated = now

    def take(self, now: float) -> float | None:
        """Takes one token; ``None`` when taken, else the seconds until one is available."""
        self._refill(now)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return None
        return (1.0 - self.tokens) / self.limit.per_second

    def hints(self, now: float) -> dict[str, str]:
        """``ratelimit-remaining`` and ``ratelimit-reset`` as the real service sends them (whole numbers)."""
        self._refill(now)
        full_in = (self.limit.burst - self.tokens) / self.limit.per_second
        return {"ratelimit-remaining": str(int(self.tokens)), "ratelimit-reset": str(max(0, math.ceil(full_in)))}


@dataclass
class RateLimits:
    """The fake account's limits: ``create`` for the three create routes, ``other`` for the rest of ``/v1``
    (3000 a minute). Set either to ``None`` to lift it. ``throttled`` counts the 429s sent, by route kind;
    ``accepted`` the requests let through."""

    create: CreateLimit | None = field(default_factory=CreateLimit.normal)
    other: CreateLimit | None = field(default_factory=lambda: CreateLimit(per_minute=3000, burst=3000))
    hints: bool = True  # send ratelimit-remaining / ratelimit-reset (False: only the 429s tell)
    throttled: dict[str, int] = field(default_factory=lambda: {"create": 0, "other": 0})
    accepted: dict[str, int] = field(default_factory=lambda: {"create": 0, "other": 0})
    _buckets: dict[str, Bucket] = field(default_factory=dict)

    def install(self, app: web.Application) -> None:
        """Hooks the limits into ``app`` as a middleware (after the fake's own, before scripted faults)."""
        app.middlewares.append(self._middleware)

    def reset(self) -> None:
        """Full buckets again (e.g. after changing a limit)."""
        self._buckets.clear()
        self.throttled = {"create": 0, "other": 0}
        self.accepted = {"create": 0, "other": 0}

    def _bucket(self, kind: str) -> Bucket | None:
        limit = self.create if kind == "create" else self.other
        if limit is None:
            return None
        bucket = self._buckets.get(kind)
        if bucket is None or bucket.limit is not limit:
            bucket = self._buckets[kind] = Bucket(limit)
        return bucket

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith("/v1/"):
            return await handler(request)
        kind = "create" if request.method == "POST" and any(p.fullmatch(request.path) for p in _CREATE_ROUTES) \
            else "other"
        bucket = self._bucket(kind)
        if bucket is None:
            return await handler(request)
        now = asyncio.get_running_loop().time()
        wait = bucket.take(now)
        if wait is not None:
            self.throttled[kind] += 1
            return problem(429, _throttled_body(bucket.limit, wait, creating=kind == "create"),
                           headers=bucket.hints(now) if self.hints else None)
        self.accepted[kind] += 1
        response = await handler(request)
        if self.hints and not response.prepared:  # a streamed answer has sent its headers already
            response.headers.update(bucket.hints(asyncio.get_running_loop().time()))
        return response


def _throttled_body(limit: CreateLimit, wait: float, *, creating: bool) -> dict[str, object]:
    seconds = max(1, math.ceil(wait))
    if limit.reduced and creating:
        per = f"{limit.per_minute:g} requests per minute"
        detail = (f"Request was throttled. Your rate limit for creating predictions is reduced to {per} with a "
                  f"burst of {limit.burst} requests while you have less than $5.0 in credit. Your rate limit "
                  f"resets in ~{seconds}s.")
    else:
        detail = f"Request was throttled. Your rate limit resets in ~{seconds}s."
    return {"title": "Request was throttled", "detail": detail, "status": 429, "retry_after": seconds}


__all__ = ["Bucket", "CreateLimit", "RateLimits"]
