"""Finding a create whose answer was lost: by model, version, the exact input and the time it was sent, across
pages of the account's predictions, never one that a job already owns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from desktop_app.replicate import ReplicateError
from desktop_app.session.lost_creates import SentCreate, find_sent, input_digest
from tests.fake_replicate import FakeReplicate
from tests.integration.helpers import make_client

FLUX = "black-forest-labs/flux-schnell"
SDXL = "bytedance/sdxl-lightning-4step"
SDXL_VERSION = "5f24084160c9089501c1b3545d9be3c27883ae2239b6f412990e82d4a6210f8f"


def test_digest_ignores_key_order_but_not_values() -> None:
    assert input_digest({"a": 1, "b": "x"}) == input_digest({"b": "x", "a": 1})
    assert input_digest({"a": 1}) != input_digest({"a": 2})
    assert input_digest({"a": 1}) != input_digest({"a": "1"})


async def test_finds_the_oldest_unowned_match_across_pages(http: aiohttp.ClientSession) -> None:
    fake = FakeReplicate(page_size=2)
    await fake.start()
    try:
        client = make_client(http, fake)
        sent_at = datetime.now(UTC)
        ids = []
        for prompt in ("same", "other", "same", "x", "y", "z"):
            _, created = await client.post_json(f"models/{FLUX}/predictions", {"input": {"prompt": prompt}})
            ids.append(created["id"])
        sent = SentCreate(FLUX, None, input_digest({"prompt": "same"}), sent_at)
        found = await find_sent(client, sent)
        assert found is not None and found["id"] == ids[0]  # the oldest of the two, three pages back
        again = await find_sent(client, sent, exclude={ids[0]})
        assert again is not None and again["id"] == ids[2]
        assert await find_sent(client, sent, exclude={ids[0], ids[2]}) is None
        later = SentCreate(FLUX, None, sent.digest, sent_at + timedelta(minutes=10))
        assert await find_sent(client, later) is None  # created long before that send: not it
        other_model = SentCreate(SDXL, SDXL_VERSION, sent.digest, sent_at)
        assert await find_sent(client, other_model) is None
    finally:
        await fake.close()


async def test_matches_the_version_it_named(fake_replicate: FakeReplicate, http: aiohttp.ClientSession) -> None:
    client = make_client(http, fake_replicate)
    _, created = await client.post_json("predictions", {"version": SDXL_VERSION, "input": {"prompt": "v"}})
    digest = input_digest({"prompt": "v"})
    now = datetime.now(UTC)
    found = await find_sent(client, SentCreate(SDXL, SDXL_VERSION, digest, now))
    assert found is not None and found["id"] == created["id"]
    assert await find_sent(client, SentCreate(SDXL, "0" * 64, digest, now)) is None


async def test_an_unreadable_list_is_an_error_not_a_none(fake_replicate: FakeReplicate,
                                                          http: aiohttp.ClientSession) -> None:
    fake_replicate.fail_next("GET", "/v1/predictions", 401)
    client = make_client(http, fake_replicate)
    with pytest.raises(ReplicateError):
        await find_sent(client, SentCreate(FLUX, None, "d", datetime.now(UTC)))
