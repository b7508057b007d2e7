"""One polling budget for the whole app: every poll of every prediction in flight goes through it."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from .client import JSON, ReplicateClient, Sleep
from .errors import MalformedPrediction, ReplicateError
from .parse import parse_prediction
from .policy import TERMINAL

log = logging.getLogger(__name__)

LIST_PAUSE = 10.0  # after a failed list request, per-id GETs only for this long


@dataclass(eq=False)
class Watch:
    """One prediction followed through a :class:`PollBudget` (from :meth:`PollBudget.following`)."""

    client: ReplicateClient
    account: str
    prediction: JSON
    fresh_at: float  # budget clock time at which the request that gave ``prediction`` was sent
    version: int = 0  # bumped on every update, so a follower never gets the same snapshot twice
    delivered: int = 0
    waiting: bool = False  # its follower is inside refresh()
    not_before: float = 0.0
    unlisted: bool = False  # not (fully) on the list's first page: its own GETs from now on
    path: str | None = None  # polled only here (e.g. ``trainings/{id}``), never from the predictions list
    parse: Callable[[object], JSON] = parse_prediction
    pending: asyncio.Future[None] | None = None
    wake: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def id(self) -> str:
        return str(self.prediction.get("id", ""))

    @property
    def get_url(self) -> str:
        if self.path is not None:
            return self.path
        urls = self.prediction.get("urls")
        target = urls.get("get") if isinstance(urls, dict) else None
        return str(target or f"predictions/{self.id}")


class PollBudget:
    """Spends at most ``max_rate`` polls in any ``window`` seconds for the whole app, however many
    predictions are in flight. One per app, made in the composition root and passed to every run.

    A follower asks :meth:`refresh` for a fresh prediction object, sent no earlier than ``not_before``. With
    one prediction of an account due, that is ``GET /v1/predictions/{id}``; with several, one
    ``GET /v1/predictions`` (newest first) refreshes every followed prediction on its first page, and those
    it does not show get their own GETs. A terminal item in the list is taken as the final object when it
    carries ``output`` and ``metrics`` (and an ``error`` when failed); otherwise — the list is not promised
    to carry full objects — that prediction is fetched by id. A list that shows a prediction ended wakes its
    follower early, even one waiting for a far-off predicted end.

    ``margin`` widens the enforced window a little, so that the server, which sees the requests after
    varying network delays, never counts more than ``max_rate`` in its own window either. ``spacing`` is
    the even interval that keeps a steady follower within the budget (0.102 s by default).
    """

    def __init__(
        self,
        *,
        max_rate: int = 10,
        window: float = 1.0,
        margin: float = 0.02,
        use_list: bool = True,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if max_rate < 1 or window <= 0 or margin < 0:
            raise ValueError("max_rate must be at least 1, window positive and margin not negative")
        self.max_rate = max_rate
        self.window = window
        self.margin = margin
        self.use_list = use_list
        self.clock = clock
        self.sleep = sleep
        self.polls = 0  # requests sent through the budget (per-id GETs and list requests)
        self.list_polls = 0
        self._sent: deque[float] = deque()
        self._watches: list[Watch] = []
        self._lock = asyncio.Lock()
        self._lists_off_until = float("-inf")

    @property
    def spacing(self) -> float:
        """The interval between polls that spends the budget evenly."""
        return (self.window + self.margin) / self.max_rate

    @property
    def in_flight(self) -> int:
        """How many predictions are followed through the budget now."""
        return len(self._watches)

    @contextmanager
    def following(self, client: ReplicateClient, prediction: JSON, *, path: str | None = None,
                  parse: Callable[[object], JSON] | None = None) -> Iterator[Watch]:
        """Follows ``prediction`` (as last seen) through the budget until the block ends. With ``path`` (a
        training's ``trainings/{id}``) it is polled by that GET alone, each answer checked by ``parse``."""
        watch = Watch(client, client.account_key, prediction, self.clock(), path=path,
                      unlisted=path is not None, parse=parse or parse_prediction)
        self._watches.append(watch)
        try:
            yield watch
        finally:
            self._watches.remove(watch)

    async def refresh(self, watch: Watch, *, not_before: float) -> JSON:
        """A newer object of ``watch``'s prediction from a request sent at or after ``not_before`` (budget
        clock), or sooner when a list request shows it ended. Errors of its own GET are raised."""
        watch.waiting, watch.not_before = True, not_before
        try:
            if not self._covered(watch, not_before):
                await self._nap(watch, not_before - self.clock())
            while True:
                if self._covered(watch, not_before):
                    watch.delivered = watch.version
                    return watch.prediction
                if watch.pending is not None:
                    await asyncio.shield(watch.pending)
                    continue
                async with self._lock:
                    if self._covered(watch, not_before) or watch.pending is not None:
                        continue
                    now = self.clock()
                    wait = self._slot_wait(now)
                    if wait > 0:
                        await self.sleep(wait)
                        continue
                    self._sent.append(now)
                    batch = self._batch(watch, now)
                    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                    for member in batch:
                        member.pending = done
                try:
                    if len(batch) > 1:
                        await self._list(watch, batch, now)
                    else:
                        await self._get(watch, now)
                finally:
                    for member in batch:
                        member.pending = None
                    done.set_result(None)
        finally:
            watch.waiting = False

    # ---- deciding ---------------------------------------------------------------------------------

    def _covered(self, watch: Watch, not_before: float) -> bool:
        if watch.version <= watch.delivered:
            return False
        return watch.fresh_at >= not_before or watch.prediction.get("status") in TERMINAL

    def _slot_wait(self, now: float) -> float:
        horizon = self.window + self.margin
        while self._sent and self._sent[0] <= now - horizon:
            self._sent.popleft()
        if len(self._sent) < self.max_rate:
            return 0.0
        return self._sent[0] + horizon - now

    def _batch(self, watch: Watch, now: float) -> list[Watch]:
        """Who this poll serves: ``watch`` alone, or every prediction of its account due within one spacing
        (they would each need a poll of their own just after this one) when a list can serve them all."""
        if watch.unlisted or not self.use_list or now < self._lists_off_until:
            return [watch]
        due = [other for other in self._watches
               if other.account == watch.account and other.waiting and other.pending is None
               and not other.unlisted and other.path is None and other.not_before <= now + self.spacing]
        return due if len(due) > 1 else [watch]

    async def _nap(self, watch: Watch, seconds: float) -> None:
        """Sleeps ``seconds``, or less when a list shows ``watch``'s prediction ended."""
        if seconds <= 0:
            return
        watch.wake.clear()
        sleeper = asyncio.ensure_future(self.sleep(seconds))
        waker = asyncio.ensure_future(watch.wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            waker.cancel()

    # ---- polling ----------------------------------------------------------------------------------

    async def _get(self, watch: Watch, sent_at: float) -> None:
        self.polls += 1
        fresh = watch.parse(await watch.client.get_json(watch.get_url))
        _update(watch, fresh, sent_at)

    async def _list(self, watch: Watch, batch: list[Watch], sent_at: float) -> None:
        self.polls += 1
        self.list_polls += 1
        try:
            page = await watch.client.get_json("predictions")
        except ReplicateError as error:  # the per-id GETs still work: use them for a while
            log.warning("Listing predictions failed (%s); polling each by id for %g s", error, LIST_PAUSE)
            self._lists_off_until = self.clock() + LIST_PAUSE
            return
        results = page.get("results")
        items = _usable_items(results)
        for other in self._watches:
            if other.account != watch.account or other.path is not None:
                continue
            item = items.get(other.id)
            in_batch = other in batch
            if item is None or (item.get("status") in TERMINAL and not _complete(item)):
                if in_batch:
                    other.unlisted = True  # not on the first page, or not in full: by id from now on
                continue
            # A batch member was due within one spacing: this poll counts as its own.
            _update(other, item, max(sent_at, other.not_before) if in_batch else sent_at)
            if item.get("status") in TERMINAL:
                other.wake.set()


def _update(watch: Watch, fresh: JSON, sent_at: float) -> None:
    merged = {**watch.prediction, **fresh}  # a list item may leave out fields (logs): keep the last known
    if fresh.get("error") is None and watch.prediction.get("error"):
        merged["error"] = watch.prediction["error"]
    watch.prediction = merged
    watch.fresh_at = sent_at
    watch.version += 1


def _usable_items(results: object) -> dict[str, JSON]:
    """The list's items by id; a malformed item is left out, so its prediction is polled by id instead."""
    items: dict[str, JSON] = {}
    for item in results if isinstance(results, list) else ():
        try:
            parsed = parse_prediction(item)
        except MalformedPrediction:
            continue
        items[parsed["id"]] = parsed
    return items


def _complete(item: dict[str, Any]) -> bool:
    """Whether a terminal list item can stand for the final object."""
    if "output" not in item or "metrics" not in item:
        return False
    if item.get("status") == "succeeded":
        return item.get("output") is not None
    if item.get("status") == "failed":
        return bool(item.get("error"))
    return True
