"""Downloads against a hostile fake server: redirects checked hop by hop, retries, Range resume, caps, data: URIs."""

from __future__ import annotations

import base64
import hashlib
import logging
from pathlib import Path

import aiohttp
import pytest

from desktop_app.replicate import (
    NetworkError,
    UnexpectedResponse,
    UnsafeOutputURLError,
    download_output,
    download_to_file,
)
from tests.fake_replicate import FakeReplicate
from tests.fake_replicate.faults import GzipBomb
from tests.fake_replicate.images import make_png

from .helpers import Sleeps, make_client

# a real PNG header, then 100 kB that do not compress: big enough to be cut in the middle
PNG = make_png(8, 8, 3) + b"".join(hashlib.sha256(bytes([i % 256, i // 256])).digest() for i in range(3200))


def file_requests(fake: FakeReplicate, key: str) -> list[dict[str, str]]:
    return [request.headers for request in fake.requests if request.path.endswith(f"/hostile/files/{key}")]


async def test_a_503_once_is_retried_with_backoff(fake_replicate: FakeReplicate,
                                                  session: aiohttp.ClientSession) -> None:
    url = fake_replicate.hostile.add_file("once.png", PNG, fail_first=1, fail_status=503)
    sleeps = Sleeps()

    file = await download_output(make_client(session, fake_replicate), url, sleep=sleeps)

    assert file.data == PNG
    assert len(file_requests(fake_replicate, "once.png")) == 2
    assert len(sleeps.calls) == 1 and 0.4 <= sleeps.calls[0] <= 0.6


async def test_a_404_is_not_retried(fake_replicate: FakeReplicate, session: aiohttp.ClientSession) -> None:
    url = fake_replicate.hostile.add_file("gone.png", PNG, fail_first=5, fail_status=404)
    sleeps = Sleeps()

    with pytest.raises(NetworkError, match=r"failed: the server answered 404"):
        await download_output(make_client(session, fake_replicate), url, sleep=sleeps)

    assert len(file_requests(fake_replicate, "gone.png")) == 1
    assert sleeps.calls == []


async def test_lasting_5xx_gives_up_after_four_attempts_with_one_sentence(
    fake_replicate: FakeReplicate, session: aiohttp.ClientSession
) -> None:
    url = fake_replicate.hostile.add_file("down.png", PNG, fail_first=10, fail_status=502)
    sleeps = Sleeps()

    with pytest.raises(NetworkError) as caught:
        await download_output(make_client(session, fake_replicate), url, sleep=sleeps)

    assert "failed after 4 attempts" in str(caught.value) and "502" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert len(file_requests(fake_replicate, "down.png")) == 4
    assert len(sleeps.calls) == 3
    for delay, expected in zip(sleeps.calls, (0.5, 1.0, 2.0), strict=True):  # doubling, with ±10 % jitter
        assert expected * 0.9 <= delay <= expected * 1.1


async def test_a_reset_mid_body_resumes_with_range(fake_replicate: FakeReplicate, session: aiohttp.ClientSession,
                                                   tmp_path: Path) -> None:
    url = fake_replicate.hostile.add_file("cut.png", PNG, reset_after=1000)
    progress: list[tuple[int, int | None]] = []

    saved = await download_to_file(make_client(session, fake_replicate), url, tmp_path / "cut.png",
                                   on_progress=lambda got, total: progress.append((got, total)), sleep=Sleeps())

    assert saved.path.read_bytes() == PNG and saved.size == len(PNG)
    assert saved.content_type == "image/png"
    first, second = file_requests(fake_replicate, "cut.png")
    assert "Range" not in first
    assert second["Range"] == f"bytes={1000}-"
    assert second["If-Range"] == '"hostile-v1"'
    assert progress[-1] == (len(PNG), len(PNG))
    assert (1000, len(PNG)) in progress  # the second attempt starts where the first stopped


async def test_a_server_without_range_restarts_cleanly(fake_replicate: FakeReplicate,
                                                       session: aiohttp.ClientSession) -> None:
    url = fake_replicate.hostile.add_file("norange.png", PNG, reset_after=1000, honour_range=False)

    file = await download_output(make_client(session, fake_replicate), url, sleep=Sleeps())

    assert file.data == PNG  # not the first 1000 bytes twice
    assert len(file_requests(fake_replicate, "norange.png")) == 2


async def test_a_changed_file_is_fetched_whole_again(fake_replicate: FakeReplicate,
                                                     session: aiohttp.ClientSession) -> None:
    url = fake_replicate.hostile.add_file("changed.png", PNG, reset_after=1000)
    sleeps = Sleeps()

    async def change_file(seconds: float) -> None:
        await sleeps(seconds)
        fake_replicate.hostile.files["changed.png"].etag = '"hostile-v2"'  # If-Range no longer matches

    file = await download_output(make_client(session, fake_replicate), url, sleep=change_file)

    assert file.data == PNG
    assert file_requests(fake_replicate, "changed.png")[1]["If-Range"] == '"hostile-v1"'


async def test_a_download_over_the_cap_stops_and_leaves_no_file(fake_replicate: FakeReplicate,
                                                                session: aiohttp.ClientSession,
                                                                tmp_path: Path) -> None:
    url = fake_replicate.hostile.add_file("big.bin", b"x" * 300_000, "application/octet-stream")
    target = tmp_path / "big.bin"

    with pytest.raises(UnexpectedResponse, match=r"is larger than 0 MiB; stopped"):
        await download_to_file(make_client(session, fake_replicate), url, target, max_bytes=200_000)

    assert not target.exists()


async def test_redirect_to_a_public_http_host_is_refused(fake_replicate: FakeReplicate,
                                                         session: aiohttp.ClientSession, tmp_path: Path) -> None:
    url = fake_replicate.hostile.add_redirect("to-http", "http://192.0.2.7/out.png")
    target = tmp_path / "out.png"

    with pytest.raises(UnsafeOutputURLError, match=r"only https:, data: and local http:"):
        await download_to_file(make_client(session, fake_replicate), url, target)

    assert not target.exists()
    assert len(file_requests(fake_replicate, "to-http")) == 1


async def test_redirect_to_loopback_http_is_followed(fake_replicate: FakeReplicate,
                                                     session: aiohttp.ClientSession) -> None:
    final = fake_replicate.hostile.add_file("final.png", PNG)
    url = fake_replicate.hostile.add_redirect("to-local", final, status=307)

    file = await download_output(make_client(session, fake_replicate), url)

    assert file.data == PNG and file.content_type == "image/png"


async def test_the_token_stays_on_the_api_host_across_a_redirect(fake_replicate: FakeReplicate,
                                                                  session: aiohttp.ClientSession) -> None:
    elsewhere = fake_replicate.hostile.add_file("elsewhere.png", PNG)
    elsewhere = elsewhere.replace("127.0.0.1", "localhost")  # same server, another host name: another origin
    url = fake_replicate.hostile.add_redirect("signed", elsewhere, api_host=True)

    file = await download_output(make_client(session, fake_replicate), url)

    assert file.data == PNG
    (on_api,) = [r.headers for r in fake_replicate.requests if r.path == "/v1/hostile/files/signed"]
    (on_other,) = file_requests(fake_replicate, "elsewhere.png")
    assert on_api["Authorization"] == f"Bearer {fake_replicate.token}"
    assert "Authorization" not in on_other
    assert on_other["Host"].startswith("localhost:")


async def test_redirect_to_a_data_uri_is_decoded_strictly(fake_replicate: FakeReplicate,
                                                          session: aiohttp.ClientSession) -> None:
    small = make_png(8, 8, 1)  # a Location header holds up to 8 kB
    good = fake_replicate.hostile.add_redirect("to-data", "data:image/png;base64," + base64.b64encode(small).decode())
    bad = fake_replicate.hostile.add_redirect("to-bad-data", "data:image/png;base64,@@not-base64@@")
    client = make_client(session, fake_replicate)

    file = await download_output(client, good)
    assert (file.data, file.content_type) == (small, "image/png")
    with pytest.raises(UnexpectedResponse, match=r"not valid base64"):
        await download_output(client, bad)


async def test_a_redirect_loop_ends_in_one_sentence(fake_replicate: FakeReplicate,
                                                    session: aiohttp.ClientSession) -> None:
    url = fake_replicate.hostile.url("loop")
    fake_replicate.hostile.add_redirect("loop", url)

    with pytest.raises(UnexpectedResponse, match=r"redirected more than 5 times; stopped following\.$"):
        await download_output(make_client(session, fake_replicate), url)
    assert len(file_requests(fake_replicate, "loop")) == 6


async def test_download_errors_never_show_the_token(fake_replicate: FakeReplicate, session: aiohttp.ClientSession,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    token = fake_replicate.token
    url = fake_replicate.hostile.add_file("echo.png", f"denied for Bearer {token}".encode(), "text/plain",
                                          fail_first=1, fail_status=403)
    with pytest.raises(NetworkError) as caught:
        await download_output(make_client(session, fake_replicate), url)
    assert "403" in str(caught.value)
    assert token not in str(caught.value) and token not in caplog.text


async def test_a_compressed_file_is_refused_before_it_is_read(fake_replicate: FakeReplicate,
                                                              session: aiohttp.ClientSession,
                                                              tmp_path: Path) -> None:
    """Files are asked for as they are (Accept-Encoding: identity); a body compressed anyway says nothing of what
    it inflates to, so it is not saved, and not retried."""
    url = f"{fake_replicate.root_url}/covers/acme/echo.png"  # a model's cover: any file route will do
    fake_replicate.faults.add(None, GzipBomb(mib=64), path=r"/covers/acme/echo\.png", times=99)
    destination = tmp_path / "out.png"
    client = make_client(session, fake_replicate)

    with pytest.raises(UnexpectedResponse, match=r"compressed \(gzip\) although the app asked for the file as it "
                                                 r"is; not saved\.$"):
        await download_to_file(client, url, destination)

    assert not destination.exists()
    (request,) = [r for r in fake_replicate.requests if r.path == "/covers/acme/echo.png"]
    assert request.header("Accept-Encoding") == "identity"
