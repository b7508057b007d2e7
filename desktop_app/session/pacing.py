"""How many jobs run at once and when the next create may go out, adapting to what the account allows.

Two limits act together (replicate-api.md §9, §9a):

- the **window** of jobs in flight (AIMD): at most the ``concurrency`` setting; a 429 halves it (never below one,
  and once per throttling episode, not once per refused request); every accepted create adds ``1/window``;
- the **create rate**: creates go out one at a time, spaced to stay under the account's limit — Replicate's
  documented 600 a minute until the server says otherwise. A 429 holds every create until its ``retry_after``
  has passed; when its text names the limit (accounts under $5 of credit: "6 requests per minute with a burst
  of 1"), that limit is used from then on; otherwise the accepted rate since the previous 429 is (or, lacking
  one, half the rate). ``ratelimit-remaining: 0`` on an answer holds the next create until one would be
  accepted, so a burst-of-one account need never see a 429 at all. Without a stated limit the rate creeps back
  up (additive increase) towards the documented one.

The line is first come, first served, except that a create refused with a 429 goes first when it is its turn
again: nothing is sent in a herd after a pause, and no job is overtaken by those queued after it.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Literal

DOCUMENTED_PER_MINUTE = 600.0  # Replicate's create limit for an account in good standing
MARGIN = 0.03  # stay this fraction under a known limit: the server's clock and ours drift apart
MIN_PER_MINUTE = 1.0
STATED_FOR = 600.0  # seconds a limit named by the server is trusted before the rate may creep up again
MAX_HOLD = 120.0  # longest single pause asked for by an answer
_STATED = re.compile(r"(\d+(?:\.\d+)?)\s+requests?\s+per\s+(second|minute|hour)(?:\s+with\s+a\s+burst\s+of\s+(\d+))?",
                     re.IGNORECASE)
RateSource = Literal["documented", "stated", "measured", "reduced"]


@dataclass(frozen=True)
class Pacing:
    """What the pacer knows now, for the queue panel: jobs allowed in flight (of ``concurrency``), the create
    rate it keeps to and where that figure comes from, and how long creates are held (0 when they are not)."""

    allowed: int
    concurrency: int
    per_minute: float
    source: RateSource
    held_for: float
    throttled: int


@dataclass(eq=False)
class Send:
    """One create's turn: when it was sent, so that the answer can be judged against what was known then."""

    at: float


def stated_limit(detail: str) -> tuple[float, int | None] | None:
    """``(per_minute, burst)`` when a 429's text names the account's limit, else ``None``."""
    match = _STATED.search(detail)
    if match is None:
        return None
    count, unit, burst = float(match.group(1)), match.group(2).lower(), match.group(3)
    per_minute = count * {"second": 60.0, "minute": 1.0, "hour": 1 / 60}[unit]
    return (per_minute, int(burst)) if burst else (per_minute, None)


class CreatePacer:
    """The window of jobs in flight and the spacing of creates (see the module's description).

    ``clock`` and ``sleep`` are injectable so tests run on a fake clock; ``on_change`` is called (synchronously)
    whenever the window grows or a hold ends, so a dispatcher waiting for room can look again.
    """

    def __init__(
        self,
        concurrency: int = 4,
        *,
        per_minute: float = DOCUMENTED_PER_MINUTE,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._concurrency = concurrency
        self.window = float(concurrency)
        self.ceiling = per_minute
        self.per_minute = per_minute
        self.source: RateSource = "documented"
        self.clock = clock
        self.sleep = sleep
        self.on_change = on_change
        self.throttled_count = 0
        self._stated_at = -math.inf
        self._held_until = -math.inf
        self._next_send = -math.inf
        self._last_decrease = -math.inf
        self._episode_start = -math.inf
        self._accepted_since_episode = 0
        self._line: deque[object] = deque()
        self._moved = asyncio.Event()

    # ---- the window -------------------------------------------------------------------------------

    @property
    def concurrency(self) -> int:
        return self._concurrency

    @concurrency.setter
    def concurrency(self, value: int) -> None:
        """The user's setting: the window opens to it at once (or shrinks to it)."""
        if value < 1:
            raise ValueError("concurrency must be at least 1")
        self._concurrency = value
        self.window = float(value)
        self._changed()

    @property
    def allowed(self) -> int:
        """How many jobs may be in flight now."""
        return max(1, min(self._concurrency, math.floor(self.window)))

    # ---- taking turns -----------------------------------------------------------------------------

    @property
    def interval(self) -> float:
        """Seconds between two creates at the rate kept to now."""
        return 60.0 / (self.per_minute * (1.0 - MARGIN))

    def held_for(self) -> float:
        return max(0.0, self._held_until - self.clock())

    async def turn(self, *, first: bool = False) -> Send:
        """Waits until this create may be sent and returns its :class:`Send`. ``first`` puts it at the head
        of the line (a create that was refused and is tried again)."""
        ticket = object()
        if first:
            self._line.appendleft(ticket)
        else:
            self._line.append(ticket)
        try:
            while True:
                if self._line[0] is not ticket:
                    self._moved.clear()
                    await self._moved.wait()
                    continue
                wait = max(self._next_send, self._held_until) - self.clock()
                if wait <= 0:
                    break
                await self.sleep(wait)  # then look again: an answer meanwhile may have moved the time
        finally:
            self._line.remove(ticket)
            self._moved.set()
        now = self.clock()
        self._next_send = now + self.interval
        return Send(now)

    # ---- answers ----------------------------------------------------------------------------------

    def answered(self, send: Send, headers: Mapping[str, str]) -> None:
        """Reads the ``ratelimit-*`` hints of an answer to ``send`` (any status)."""
        remaining = _number(headers.get("ratelimit-remaining"))
        reset = _number(headers.get("ratelimit-reset"))
        if remaining is None or remaining >= 1:
            return
        now = self.clock()
        hold = self.interval if self.source == "stated" else (reset if reset is not None else self.interval)
        self._hold(now + min(max(hold, 0.0), MAX_HOLD))

    def accepted(self, send: Send) -> None:
        """A create was accepted: the window grows by ``1/window``; without a stated limit, the rate creeps up."""
        self._accepted_since_episode += 1
        grown = min(float(self._concurrency), self.window + 1.0 / self.window)
        opened = math.floor(grown) > math.floor(self.window)
        self.window = grown
        now = self.clock()
        if self.source == "stated" and now - self._stated_at > STATED_FOR:
            self.source = "measured"
        if self.source != "stated" and self.per_minute < self.ceiling:
            self.per_minute = min(self.ceiling, self.per_minute + self.ceiling / 500.0)
        if opened:
            self._changed()

    def throttled(self, send: Send, *, retry_after: float | None, detail: str = "") -> float:
        """A create was refused with a 429: holds every create until ``retry_after`` has passed, learns the
        limit, halves the window (once per episode). Returns how long creates are now held."""
        now = self.clock()
        self.throttled_count += 1
        stated = stated_limit(detail)
        if stated is not None:
            self.per_minute = max(MIN_PER_MINUTE, stated[0])
            self.source, self._stated_at = "stated", now
        elif send.at > self._last_decrease:  # not a straggler of the episode already counted
            elapsed = now - self._episode_start
            if self._episode_start > -math.inf and elapsed >= 1.0 and self._accepted_since_episode >= 2:
                measured = self._accepted_since_episode / elapsed * 60.0
                self.per_minute = max(MIN_PER_MINUTE, min(self.per_minute, measured))
                self.source = "measured"
            else:
                self.per_minute = max(MIN_PER_MINUTE, self.per_minute / 2)
                self.source = "reduced"
        if send.at > self._last_decrease:
            self.window = max(1.0, self.window / 2)
            self._last_decrease = now
            self._episode_start, self._accepted_since_episode = now, 0
        self._hold(now + min(retry_after if retry_after is not None else self.interval, MAX_HOLD))
        return self.held_for()

    def snapshot(self) -> Pacing:
        return Pacing(self.allowed, self._concurrency, self.per_minute, self.source, self.held_for(),
                      self.throttled_count)

    # ---- plumbing ---------------------------------------------------------------------------------

    def _hold(self, until: float) -> None:
        if until > self._held_until:
            self._held_until = until

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None
