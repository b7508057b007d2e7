"""The create pacer on a fake clock: spacing at the known rate, the line's order, a 429's hold and what it
teaches (a stated low-credit limit, a measured one, a halved one), AIMD on the window, ratelimit-* hints."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from desktop_app.session.pacing import MARGIN, CreatePacer, stated_limit

LOW_CREDIT = ("Request was throttled. Your rate limit for creating predictions is reduced to 6 requests per minute "
              "with a burst of 1 requests while you have less than $5.0 in credit. Your rate limit resets in ~5s.")


class FakeTime:
    """A clock that only moves when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


def pacer(time: FakeTime, **kwargs: object) -> CreatePacer:
    return CreatePacer(clock=time.clock, sleep=time.sleep, **kwargs)  # type: ignore[arg-type]


def test_stated_limit_is_read_from_the_429_text() -> None:
    assert stated_limit(LOW_CREDIT) == (6.0, 1)
    assert stated_limit("reduced to 120 requests per second") == (7200.0, None)
    assert stated_limit("Request was throttled. Your rate limit resets in ~30s.") is None


async def test_creates_are_spaced_at_the_documented_rate() -> None:
    time = FakeTime()
    subject = pacer(time)
    sends = [await subject.turn() for _ in range(5)]
    gaps = [b.at - a.at for a, b in itertools.pairwise(sends)]
    assert gaps == pytest.approx([60 / (600 * (1 - MARGIN))] * 4)


async def test_low_credit_429_holds_then_paces_at_the_stated_limit() -> None:
    time = FakeTime()
    subject = pacer(time)
    first = await subject.turn()
    held = subject.throttled(first, retry_after=5, detail=LOW_CREDIT)
    assert held == 5
    assert subject.source == "stated"
    assert subject.per_minute == 6
    again = await subject.turn(first=True)
    after = await subject.turn()
    assert again.at == pytest.approx(5.0)
    assert after.at - again.at == pytest.approx(10 / (1 - MARGIN))
    assert subject.snapshot().throttled == 1


async def test_window_halves_once_per_episode_and_grows_back() -> None:
    time = FakeTime()
    subject = pacer(time, concurrency=8)
    sends = [await subject.turn() for _ in range(4)]  # four creates in flight
    for send in sends:  # all four come back throttled
        subject.throttled(send, retry_after=1, detail="Request was throttled.")
    assert subject.allowed == 4  # halved once, not four times
    assert subject.source == "reduced"
    assert subject.per_minute == 300
    for _ in range(5):  # additive increase: about one more per window's worth of accepted creates
        subject.accepted(await subject.turn())
    assert subject.allowed == 5
    for _ in range(30):
        subject.accepted(await subject.turn())
    assert subject.allowed == 8


async def test_unstated_limit_is_measured_between_two_episodes() -> None:
    time = FakeTime()
    subject = pacer(time)
    first = await subject.turn()
    subject.throttled(first, retry_after=1)
    for _ in range(30):  # 30 accepted over the next stretch, then throttled again
        subject.accepted(await subject.turn())
    second = await subject.turn()
    elapsed = time.now - 0.0
    subject.throttled(second, retry_after=1)
    assert subject.source == "measured"
    assert subject.per_minute == pytest.approx(min(300 + 30 * 600 / 500, 30 / elapsed * 60), rel=0.05)


async def test_remaining_zero_holds_the_next_create_until_reset() -> None:
    time = FakeTime()
    subject = pacer(time)
    first = await subject.turn()
    subject.answered(first, {"ratelimit-remaining": "0", "ratelimit-reset": "10"})
    subject.accepted(first)
    second = await subject.turn()
    assert second.at == pytest.approx(10.0)
    subject.answered(second, {"ratelimit-remaining": "5", "ratelimit-reset": "1"})
    third = await subject.turn()
    assert third.at - second.at == pytest.approx(subject.interval)


async def test_line_is_first_come_first_served_and_a_refused_create_goes_first() -> None:
    time = FakeTime()
    subject = pacer(time)
    order: list[str] = []

    async def take(name: str, first: bool = False) -> None:
        await subject.turn(first=first)
        order.append(name)

    head = await subject.turn()
    waiting = [asyncio.create_task(take(name)) for name in ("b", "c")]  # in line while the head is in flight
    subject.throttled(head, retry_after=3)  # the head's answer: a 429; it takes its turn again at once
    retry = asyncio.create_task(take("a-retry", first=True))
    await asyncio.gather(*waiting, retry)
    assert order == ["a-retry", "b", "c"]


def test_concurrency_setting_opens_the_window() -> None:
    subject = CreatePacer(2)
    subject.concurrency = 6
    assert subject.allowed == 6
    with pytest.raises(ValueError, match="at least 1"):
        subject.concurrency = 0
