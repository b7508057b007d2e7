"""Exact request shapes at the edge, pinned with aioresponses: where the token goes, Range on resume, redirects."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from yarl import URL

from desktop_app.replicate import ReplicateClient, UnexpectedResponse, download_output, download_to_file

BASE = "https://api.replicate.com/v1"
TOKEN = "r8_" + "Ab3dEf6hIj9lMn2pQr5tUv8xYz1bCd4fGh7jK"
CDN = "https://replicate.delivery/xezq/abc/out-0.png"
BODY = b"\x89PNG\r\n\x1a\n" + bytes(range(200))


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:
        yield http


async def no_sleep(_seconds: float) -> None:
    return None


def make_client(session: aiohttp.ClientSession) -> ReplicateClient:
    return ReplicateClient(session, token=TOKEN, base_url=BASE, sleep=no_sleep)


def sent(m: aioresponses, method: str, url: str) -> list[dict[str, Any]]:
    return [call.kwargs for call in m.requests.get((method, URL(url)), [])]


async def test_a_cdn_download_carries_no_token(session: aiohttp.ClientSession) -> None:
    with aioresponses() as m:
        m.get(CDN, body=BODY, headers={"Content-Type": "image/png"})
        file = await download_output(make_client(session), CDN)
    assert file.data == BODY
    (call,) = sent(m, "GET", CDN)
    assert "Authorization" not in call["headers"]
    assert call["headers"]["Accept-Encoding"] == "identity"
    assert call["allow_redirects"] is False


async def test_an_api_file_redirecting_to_the_cdn_sends_the_token_to_the_api_only(
    session: aiohttp.ClientSession,
) -> None:
    api_file = f"{BASE}/files/abc/download"
    with aioresponses() as m:
        m.get(api_file, status=302, headers={"Location": CDN})
        m.get(CDN, body=BODY, headers={"Content-Type": "image/png"})
        file = await download_output(make_client(session), api_file)
    assert file.data == BODY
    (first,) = sent(m, "GET", api_file)
    (second,) = sent(m, "GET", CDN)
    assert first["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert "Authorization" not in second["headers"]


async def test_a_short_body_is_resumed_with_range_and_if_range(session: aiohttp.ClientSession,
                                                               tmp_path: Path) -> None:
    with aioresponses() as m:
        m.get(CDN, body=BODY[:50], headers={"Content-Type": "image/png", "Content-Length": str(len(BODY)),
                                            "ETag": '"v1"'})
        m.get(CDN, status=206, body=BODY[50:], headers={
            "Content-Type": "image/png", "Content-Range": f"bytes 50-{len(BODY) - 1}/{len(BODY)}"})
        saved = await download_to_file(make_client(session), CDN, tmp_path / "out.png", sleep=no_sleep)
    assert saved.path.read_bytes() == BODY and saved.size == len(BODY)
    first, second = sent(m, "GET", CDN)
    assert "Range" not in first["headers"]
    assert second["headers"]["Range"] == "bytes=50-"
    assert second["headers"]["If-Range"] == '"v1"'


async def test_a_206_for_the_wrong_range_starts_over(session: aiohttp.ClientSession) -> None:
    with aioresponses() as m:
        m.get(CDN, body=BODY[:50], headers={"Content-Length": str(len(BODY)), "ETag": 'W/"weak"'})
        m.get(CDN, status=206, body=BODY[10:], headers={"Content-Range": f"bytes 10-{len(BODY) - 1}/{len(BODY)}"})
        m.get(CDN, body=BODY, headers={"Content-Type": "image/png"})
        file = await download_output(make_client(session), CDN, sleep=no_sleep)
    assert file.data == BODY
    _first, second, third = sent(m, "GET", CDN)
    assert "If-Range" not in second["headers"]  # a weak ETag cannot guard a range
    assert "Range" not in third["headers"]


async def test_the_api_client_does_not_follow_a_redirect_to_another_host(session: aiohttp.ClientSession) -> None:
    url = f"{BASE}/predictions/p1"
    with aioresponses() as m:
        m.get(url, status=307, headers={"Location": "https://collector.example/steal"})
        with pytest.raises(UnexpectedResponse, match=r"not followed, so the API token is sent to Replicate only"):
            await make_client(session).get_json("predictions/p1")
    assert list(m.requests) == [("GET", URL(url))]


async def test_the_api_client_does_not_send_the_token_to_a_url_on_another_host(
    session: aiohttp.ClientSession,
) -> None:
    with aioresponses() as m, pytest.raises(UnexpectedResponse, match=r"^Refused to send the API token to "
                                                                      r"https://evil\.example: "):
        await make_client(session).get_json("https://evil.example/v1/predictions/p1")
    assert not m.requests


async def test_a_downgrade_to_http_on_the_api_host_is_another_origin(session: aiohttp.ClientSession) -> None:
    with aioresponses() as m, pytest.raises(UnexpectedResponse, match="Refused to send the API token"):
        await make_client(session).get_json("http://api.replicate.com/v1/predictions/p1")
    assert not m.requests


async def test_a_stream_on_a_public_http_host_is_not_opened(session: aiohttp.ClientSession) -> None:
    with aioresponses() as m, pytest.raises(UnexpectedResponse, match="only https: and local http: locations"):
        async with make_client(session).open_stream("http://stream.example/v1/files/abc"):
            pass
    assert not m.requests


async def test_a_stream_redirected_off_the_api_host_loses_the_token(session: aiohttp.ClientSession) -> None:
    api_stream = f"{BASE}/streams/abc"
    other = "https://stream.replicate.com/v1/files/abc"
    with aioresponses() as m:
        m.get(api_stream, status=302, headers={"Location": other})
        m.get(other, body=b": hi\n\n", headers={"Content-Type": "text/event-stream"})
        async with make_client(session).open_stream(api_stream) as response:
            assert await response.content.read() == b": hi\n\n"
    assert sent(m, "GET", api_stream)[0]["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert "Authorization" not in sent(m, "GET", other)[0]["headers"]
