"""The fake account's rate limits, seen with a plain aiohttp client: a token bucket per route kind, a 429 with
``retry_after`` that creates nothing, the low-credit text, ``ratelimit-*`` hints, and a faster profile."""

from __future__ import annotations

import aiohttp

from tests.fake_replicate import FakeReplicate
from tests.fake_replicate.helpers import FLUX, auth, create
from tests.fake_replicate.rate_limits import CreateLimit


async def test_creates_past_the_burst_get_429_with_retry_after_and_make_nothing(
        fake_replicate: FakeReplicate) -> None:
    fake_replicate.rate_limits.create = CreateLimit(per_minute=6, burst=2)
    async with aiohttp.ClientSession() as session:
        statuses = [(await create(session, fake_replicate, FLUX, {"prompt": str(i)}))[0] for i in range(3)]
        status, body = await create(session, fake_replicate, FLUX, {"prompt": "again"})
    assert statuses == [201, 201, 429]
    assert status == 429
    assert body["status"] == 429
    assert isinstance(body["retry_after"], int) and 1 <= body["retry_after"] <= 10
    assert body["detail"] == f"Request was throttled. Your rate limit resets in ~{body['retry_after']}s."
    assert len(fake_replicate.predictions) == 2  # a throttled create is not acted on
    assert fake_replicate.rate_limits.throttled == {"create": 2, "other": 0}
    assert fake_replicate.rate_limits.accepted["create"] == 2


async def test_low_credit_429_names_the_reduced_limit_and_speed_keeps_its_shape(
        fake_replicate: FakeReplicate) -> None:
    fake_replicate.rate_limits.create = CreateLimit.low_credit(speed=10)
    async with aiohttp.ClientSession() as session:
        first, _ = await create(session, fake_replicate, FLUX)
        second, body = await create(session, fake_replicate, FLUX)
    assert (first, second) == (201, 429)
    assert "reduced to 60 requests per minute with a burst of 1 requests while you have less than $5.0 in " \
           "credit" in body["detail"]
    assert body["retry_after"] == 1  # whole seconds: one token every second at 10× speed
    assert CreateLimit.low_credit().per_minute == 6


async def test_answers_carry_ratelimit_hints_unless_turned_off(fake_replicate: FakeReplicate) -> None:
    fake_replicate.rate_limits.create = CreateLimit(per_minute=60, burst=3)
    async with aiohttp.ClientSession() as session:
        url = f"{fake_replicate.base_url}/models/{FLUX}/predictions"
        async with session.post(url, json={"input": {"prompt": "x"}}, headers=auth(fake_replicate)) as response:
            assert response.headers["ratelimit-remaining"] == "2"
            assert response.headers["ratelimit-reset"] == "1"
        async with session.get(f"{fake_replicate.base_url}/account", headers=auth(fake_replicate)) as response:
            assert int(response.headers["ratelimit-remaining"]) > 2000  # the other routes' own bucket
        fake_replicate.rate_limits.hints = False
        async with session.post(url, json={"input": {"prompt": "y"}}, headers=auth(fake_replicate)) as response:
            assert "ratelimit-remaining" not in response.headers


async def test_other_routes_have_their_own_limit(fake_replicate: FakeReplicate) -> None:
    fake_replicate.rate_limits.other = CreateLimit(per_minute=60, burst=1)
    async with aiohttp.ClientSession() as session:
        url = f"{fake_replicate.base_url}/account"
        async with session.get(url, headers=auth(fake_replicate)) as response:
            assert response.status == 200
        async with session.get(url, headers=auth(fake_replicate)) as response:
            assert response.status == 429
            assert "retry_after" in await response.json()
        status, _ = await create(session, fake_replicate, FLUX)
    assert status == 201


async def test_limits_can_be_lifted(fake_replicate: FakeReplicate) -> None:
    fake_replicate.rate_limits.create = None
    async with aiohttp.ClientSession() as session:
        statuses = {(await create(session, fake_replicate, FLUX, {"prompt": str(i)}))[0] for i in range(5)}
    assert statuses == {201}
