"""The fake server's opt-in misbehaviour does what it says, seen with plain aiohttp (no app code)."""

from __future__ import annotations

import gzip
import json

import aiohttp
import pytest

from .helpers import auth, create
from .hostile import drop_fields, echo_authorization, gzip_bomb
from .server import FakeReplicate

MODEL = "meta/meta-llama-3-70b-instruct"  # official: created by name


async def test_nothing_is_hostile_unless_asked(fake_replicate: FakeReplicate) -> None:
    async with aiohttp.ClientSession() as session:
        _status, created = await create(session, fake_replicate, MODEL)
        async with session.get(created["urls"]["get"], headers=auth(fake_replicate)) as response:
            assert response.headers.get("Content-Encoding") is None
            assert (await response.json())["id"] == created["id"]


async def test_a_gzip_bomb_is_small_on_the_wire_and_valid_json_inflated(fake_replicate: FakeReplicate) -> None:
    fake_replicate.hostile.next_poll(gzip_bomb(8 * 1024 * 1024))
    async with aiohttp.ClientSession(auto_decompress=False) as session:
        _status, created = await create(session, fake_replicate, MODEL)
        async with session.get(created["urls"]["get"], headers=auth(fake_replicate)) as response:
            assert response.headers["Content-Encoding"] == "gzip"
            wire = await response.read()
        async with session.get(created["urls"]["get"], headers=auth(fake_replicate)) as response:
            assert response.headers.get("Content-Encoding") is None  # only the next poll was scripted
    assert len(wire) < 64 * 1024
    inflated = json.loads(gzip.decompress(wire))
    assert len(inflated["logs"]) == 8 * 1024 * 1024 and inflated["id"] == created["id"]


async def test_scripted_answers_can_target_one_prediction(fake_replicate: FakeReplicate) -> None:
    async with aiohttp.ClientSession() as session:
        _status, first = await create(session, fake_replicate, MODEL)
        _status, second = await create(session, fake_replicate, MODEL)
        fake_replicate.hostile.next_poll(drop_fields("id"), prediction_id=second["id"])
        async with session.get(first["urls"]["get"], headers=auth(fake_replicate)) as response:
            assert "id" in await response.json()
        async with session.get(second["urls"]["get"], headers=auth(fake_replicate)) as response:
            assert "id" not in await response.json()


async def test_an_echoing_gateway_quotes_the_authorization_header(fake_replicate: FakeReplicate) -> None:
    fake_replicate.hostile.next_create(echo_authorization(401))
    async with aiohttp.ClientSession() as session:
        url = f"{fake_replicate.base_url}/models/{MODEL}/predictions"
        async with session.post(url, json={"input": {"prompt": "x"}}, headers=auth(fake_replicate)) as response:
            assert response.status == 401
            assert fake_replicate.token in (await response.json())["detail"]


async def test_a_file_reset_mid_body_then_served_by_range(fake_replicate: FakeReplicate) -> None:
    data = bytes(range(256)) * 64
    url = fake_replicate.hostile.add_file("cut.bin", data, "application/octet-stream", reset_after=100)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientPayloadError):
            async with session.get(url) as response:
                await response.read()
        async with session.get(url, headers={"Range": "bytes=100-", "If-Range": '"hostile-v1"'}) as response:
            assert response.status == 206
            assert response.headers["Content-Range"] == f"bytes 100-{len(data) - 1}/{len(data)}"
            assert await response.read() == data[100:]
        async with session.get(url, headers={"Range": "bytes=100-", "If-Range": '"other"'}) as response:
            assert response.status == 200 and await response.read() == data


async def test_redirects_and_first_failures(fake_replicate: FakeReplicate) -> None:
    url = fake_replicate.hostile.add_file("flaky.bin", b"ok", "text/plain", fail_first=1, fail_status=503)
    hop = fake_replicate.hostile.add_redirect("hop", url, status=308)
    async with aiohttp.ClientSession() as session:
        async with session.get(hop, allow_redirects=False) as response:
            assert (response.status, response.headers["Location"]) == (308, url)
        async with session.get(url) as response:
            assert response.status == 503
        async with session.get(url) as response:
            assert (response.status, await response.read()) == (200, b"ok")
