"""The fault framework itself: each fault kind observed with a plain aiohttp client, exactly as scripted."""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
from typing import Any

import aiohttp
import pytest

from tests.fake_replicate import FakeReplicate, Script
from tests.fake_replicate.fault_wire import MIB
from tests.fake_replicate.faults import (
    PHASES,
    Body,
    EchoHeaders,
    GzipBomb,
    MalformedJSON,
    MalformedPrediction,
    Oversized,
    Phase,
    Redirect,
    Reset,
    Stall,
    Status,
    Truncate,
    WrongContentType,
    malformed_sse,
    phase_of,
)
from tests.fake_replicate.helpers import FLUX, auth, create, wait_terminal

SHORT_READ = aiohttp.ClientTimeout(sock_read=0.2)


class Target:
    """A finished prediction and how to send one request of each phase about it."""

    def __init__(self, fake: FakeReplicate, session: aiohttp.ClientSession, prediction: dict[str, Any]) -> None:
        self.fake, self.session, self.prediction = fake, session, prediction

    def url(self, phase: Phase) -> tuple[str, str, dict[str, Any]]:
        """(method, url, request keyword arguments) of a request in ``phase``."""
        fake, urls = self.fake, self.prediction["urls"]
        headers = auth(fake)
        if phase == "create":
            return "POST", f"{fake.base_url}/models/{FLUX}/predictions", {
                "headers": headers, "json": {"input": {"prompt": "a lighthouse"}}}
        if phase == "poll":
            return "GET", urls["get"], {"headers": headers}
        if phase == "stream":
            return "GET", urls["stream"], {"headers": {"Accept": "text/event-stream"}}
        if phase == "download":
            return "GET", self.prediction["output"][0], {}
        if phase == "cancel":
            return "POST", urls["cancel"], {"headers": headers}
        form = aiohttp.FormData()
        form.add_field("content", b"file bytes", filename="a.txt", content_type="text/plain")
        return "POST", f"{fake.base_url}/files", {"headers": headers, "data": form}

    async def raw(self, phase: Phase, **options: Any) -> tuple[int, dict[str, str], bytes]:
        method, url, kwargs = self.url(phase)
        async with self.session.request(method, url, allow_redirects=False, **kwargs, **options) as response:
            return response.status, dict(response.headers), await response.read()


@pytest.fixture
async def target(fake_replicate: FakeReplicate, session: aiohttp.ClientSession) -> Target:
    """A finished image prediction that streams (so every phase has a URL), with its answers now stable."""
    fake_replicate.set_script(FLUX, Script(kind="image", official=True, stream=True, steps=2, step_time=0.01))
    _, created = await create(session, fake_replicate, FLUX)
    return Target(fake_replicate, session, await wait_terminal(session, fake_replicate, created))


def test_phases_are_recognised_by_route() -> None:
    cases = {
        ("POST", "/v1/predictions"): "create",
        ("POST", "/v1/models/acme/echo/predictions"): "create",
        ("POST", "/v1/deployments/acme/echo/predictions"): "create",
        ("GET", "/v1/predictions/abc"): "poll",
        ("GET", "/v1/predictions"): "poll",
        ("GET", "/stream/abc"): "stream",
        ("GET", "/files/abc/out-0.png"): "download",
        ("POST", "/v1/files"): "upload",
        ("POST", "/v1/predictions/abc/cancel"): "cancel",
        ("GET", "/v1/account"): None,
        ("GET", "/v1/files/abc"): None,
        ("GET", "/v1/models/acme/echo"): None,
        ("DELETE", "/v1/predictions/abc"): None,
    }
    assert {key: phase_of(*key) for key in cases} == cases


@pytest.mark.parametrize("phase", PHASES)
async def test_a_status_fault_answers_in_every_phase_and_runs_nothing(target: Target, phase: Phase) -> None:
    target.fake.faults.add(phase, Status(503, headers={"Retry-After": "7"}))
    predictions_before = len(target.fake.predictions)

    status, headers, body = await target.raw(phase)

    assert (status, headers["Retry-After"], headers["Content-Type"]) == (503, "7", "application/problem+json")
    assert json.loads(body) == {"title": "Service Unavailable", "status": 503,
                                "detail": "An unexpected error occurred. Please try again."}
    assert len(target.fake.predictions) == predictions_before  # a replacing fault never reaches the handler
    assert target.fake.catalogue.files == {}
    (applied,) = target.fake.faults.applied
    assert (applied.phase, applied.describe()) == (phase, "503 application/problem+json, Retry-After: 7")
    status, _, _ = await target.raw(phase)  # the fault was for one request only
    assert status < 400


async def test_nth_and_times_pick_exactly_the_scripted_requests(target: Target) -> None:
    target.fake.faults.add("poll", Status(500, "boom", "text/plain"), nth=2, times=2)
    target.fake.faults.add("poll", Status(502, "", "text/plain"), nth=5)

    statuses = [(await target.raw("poll"))[0] for _ in range(6)]

    assert statuses == [200, 500, 500, 200, 502, 200]
    assert target.fake.faults.rules == []
    assert [applied.kind.describe() for applied in target.fake.faults.applied] == [
        "500 text/plain", "500 text/plain", "502 text/plain"]


async def test_method_and_path_narrow_a_rule_outside_the_phases(target: Target) -> None:
    target.fake.faults.add(None, Status(500), method="GET", path=r"/v1/account")

    async with target.session.get(f"{target.fake.base_url}/account", headers=auth(target.fake)) as response:
        assert response.status == 500
    assert (await target.raw("poll"))[0] == 200
    async with target.session.get(f"{target.fake.base_url}/account", headers=auth(target.fake)) as response:
        assert response.status == 200


async def _real(target: Target, phase: Phase) -> tuple[dict[str, str], bytes]:
    status, headers, body = await target.raw(phase)
    assert status == 200
    return headers, body


async def _partial_then_error(target: Target, phase: Phase) -> tuple[int, dict[str, str], bytes, BaseException]:
    method, url, kwargs = target.url(phase)
    received = b""
    async with target.session.request(method, url, **kwargs) as response:
        try:
            async for chunk in response.content.iter_any():
                received += chunk
        except aiohttp.ClientError as error:
            return response.status, dict(response.headers), received, error
    raise AssertionError(f"the body ended normally after {len(received)} bytes")


@pytest.mark.parametrize("phase", ["poll", "download"])
async def test_reset_sends_headers_and_part_of_the_body_then_a_tcp_reset(target: Target, phase: Phase) -> None:
    headers, real = await _real(target, phase)
    target.fake.faults.add(phase, Reset(after_bytes=30))

    status, got_headers, received, error = await _partial_then_error(target, phase)

    assert (status, got_headers["Content-Type"]) == (200, headers["Content-Type"])
    assert got_headers["Content-Length"] == str(len(real))
    assert received == real[:30]
    assert isinstance(error, aiohttp.ClientPayloadError)
    assert isinstance(error.__cause__ or error.__context__, ConnectionResetError) or "reset" in str(error).lower()


async def test_reset_after_a_create_leaves_the_prediction_created(target: Target) -> None:
    before = set(target.fake.predictions)
    target.fake.faults.add("create", Reset(after_bytes=10))

    status, _, received, _ = await _partial_then_error(target, "create")

    (created,) = set(target.fake.predictions) - before  # the answer was lost, the prediction is real
    assert (status, received) == (201, f'{{"id": "{created}'.encode()[:10])


async def test_a_stream_reset_counts_event_bytes(target: Target) -> None:
    _, real = await _real(target, "stream")
    target.fake.faults.add("stream", Reset(after_bytes=25))

    status, headers, received, error = await _partial_then_error(target, "stream")

    assert (status, headers["Content-Type"]) == (200, "text/event-stream")
    assert received == real[:25]
    assert isinstance(error, aiohttp.ClientPayloadError)


@pytest.mark.parametrize("phase", ["poll", "stream"])
async def test_truncate_announces_more_than_it_sends_and_closes(target: Target, phase: Phase) -> None:
    _, real = await _real(target, phase)
    target.fake.faults.add(phase, Truncate(keep_bytes=40))

    _, headers, received, error = await _partial_then_error(target, phase)

    assert received == real[:40]
    if phase == "poll":
        assert f"received 40 of {len(real)} bytes" in str(error)
    else:
        assert (headers["Transfer-Encoding"], "Content-Length" in headers) == ("chunked", False)
        assert "Not enough data to satisfy transfer length header" in str(error)


@pytest.mark.parametrize("phase", ["poll", "stream", "download"])
async def test_a_stall_before_the_headers_is_silence_then_the_real_answer(target: Target, phase: Phase) -> None:
    _, real = await _real(target, phase)
    target.fake.faults.add(phase, Stall(1.0), times=2)

    with pytest.raises(asyncio.TimeoutError):
        await target.raw(phase, timeout=SHORT_READ)
    _, _, body = await target.raw(phase)

    assert body == real


@pytest.mark.parametrize("phase", ["poll", "stream", "download"])
async def test_a_stall_mid_body_sends_the_first_bytes_then_goes_quiet(target: Target, phase: Phase) -> None:
    _, real = await _real(target, phase)
    target.fake.faults.add(phase, Stall(1.0, after_bytes=20))
    method, url, kwargs = target.url(phase)

    async with target.session.request(method, url, **kwargs) as response:
        assert await response.content.readexactly(20) == real[:20]
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(response.content.read(1), 0.2)
        rest = await response.content.read()

    assert real[:20] + rest == real


async def test_oversized_pads_valid_json_that_keeps_every_field(target: Target) -> None:
    _, real = await _real(target, "poll")
    target.fake.faults.add("poll", Oversized(mib=3))

    _, headers, body = await target.raw("poll")

    assert len(body) >= 3 * MIB
    assert headers["Content-Length"] == str(len(body))
    decoded = json.loads(body)
    assert decoded.pop("padding") == " " * 3 * MIB
    assert decoded == json.loads(real)


async def test_a_gzip_bomb_is_small_on_the_wire_and_inflates_to_valid_json(target: Target) -> None:
    _, real = await _real(target, "poll")
    target.fake.faults.add("poll", GzipBomb(mib=64))

    _, headers, wire = await target.raw("poll", auto_decompress=False)

    assert headers["Content-Encoding"] == "gzip"
    assert headers["Content-Length"] == str(len(wire))
    assert len(wire) < 128 * 1024
    inflated = gzip.decompress(wire)
    assert len(inflated) == len(real) + 64 * MIB
    assert json.loads(inflated) == json.loads(real)


async def test_a_wrong_content_type_keeps_the_real_body(target: Target) -> None:
    _, real = await _real(target, "poll")
    target.fake.faults.add("poll", WrongContentType("text/html; charset=utf-8"))
    target.fake.faults.add("stream", WrongContentType("application/json"))

    _, headers, body = await target.raw("poll")
    _, stream_headers, _ = await target.raw("stream")

    assert (headers["Content-Type"], body) == ("text/html; charset=utf-8", real)
    assert stream_headers["Content-Type"] == "application/json"


async def test_malformed_json_is_a_complete_answer_that_stops_half_way(target: Target) -> None:
    _, real = await _real(target, "poll")
    target.fake.faults.add("poll", MalformedJSON())

    status, headers, body = await target.raw("poll")

    assert (status, headers["Content-Length"], body) == (200, str(len(body)), real[:len(real) // 2])
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)


async def test_a_malformed_prediction_drops_and_mistypes_fields(target: Target) -> None:
    _, real = await _real(target, "poll")
    target.fake.faults.add("poll", MalformedPrediction(drop=("status", "urls"), set={"output": 42, "id": None}))

    _, _, body = await target.raw("poll")

    expected = {key: value for key, value in json.loads(real).items() if key not in ("status", "urls")}
    assert json.loads(body) == {**expected, "output": 42, "id": None}


@pytest.mark.parametrize(("redirect", "location"), [
    (Redirect.https_elsewhere(), "https://replicate-delivery.invalid{path}"),
    (Redirect.http_remote(307), "http://replicate-delivery.invalid{path}"),
    (Redirect.loopback(), "{root}{path}"),
    (Redirect.loopback(301, "/files/elsewhere.png"), "{root}/files/elsewhere.png"),
    (Redirect.data(b'{"ok": true}'), "data:application/json;base64," + base64.b64encode(b'{"ok": true}').decode()),
])
async def test_redirects_point_where_they_were_scripted(target: Target, redirect: Redirect, location: str) -> None:
    target.fake.faults.add("download", redirect)
    path = target.prediction["output"][0].removeprefix(target.fake.root_url)

    status, headers, _ = await target.raw("download")

    assert status == redirect.code
    assert headers["Location"] == location.replace("{root}", target.fake.root_url).replace("{path}", path)


async def test_echo_headers_repeats_the_token(target: Target) -> None:
    target.fake.faults.add("poll", EchoHeaders())

    status, _, body = await target.raw("poll")

    assert status == 400
    assert f"Authorization: Bearer {target.fake.token}" in json.loads(body)["detail"]


async def test_a_scripted_body_is_sent_byte_for_byte(target: Target) -> None:
    bad = malformed_sse()
    target.fake.faults.add("stream", bad)
    target.fake.faults.add("poll", Body(b"\x00\x01", "application/octet-stream", 299))

    _, stream_headers, stream_body = await target.raw("stream")
    status, _, body = await target.raw("poll")

    assert (stream_headers["Content-Type"], stream_body) == ("text/event-stream", bad.body)
    assert (status, body) == (299, b"\x00\x01")


def test_rules_refuse_what_they_cannot_do(fake_replicate: FakeReplicate) -> None:
    with pytest.raises(ValueError, match="cannot rewrite a streamed answer"):
        fake_replicate.faults.add("stream", MalformedJSON())
    with pytest.raises(ValueError, match="phase must be one of"):
        fake_replicate.faults.add("everything", Status(500))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="count from 1"):
        fake_replicate.faults.add("poll", Status(500), times=0)
