"""Exact request shapes and error mapping of the core, pinned with aioresponses."""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from yarl import URL

from desktop_app.replicate import (
    AuthenticationError,
    BillingRequiredError,
    Completed,
    FollowPolicy,
    ImageResponse,
    Message,
    MissingTokenError,
    NotFoundError,
    PredictionAborted,
    PredictionCanceled,
    PredictionFailed,
    PredictionTimeout,
    Progress,
    RateLimitedError,
    ReplicateClient,
    ServerError,
    Started,
    TextDelta,
    UnexpectedResponse,
    UnsafeOutputURLError,
    ValidationError,
    generate,
    parse_model,
)
from desktop_app.replicate.predictions import run_prediction

BASE = "https://api.replicate.com/v1"
TOKEN = "r8_unit_test_token_abcdefghijklmnop"
LLAMA = "meta/meta-llama-3-70b-instruct"
VERSION = "a" * 64


def prediction(status: str, output: Any = None, *, id_: str = "p1", logs: str = "", error: Any = None) -> dict:
    return {
        "id": id_, "model": LLAMA, "version": "hidden", "input": {}, "output": output, "logs": logs,
        "error": error, "status": status,
        "urls": {"get": f"{BASE}/predictions/{id_}", "cancel": f"{BASE}/predictions/{id_}/cancel",
                 "web": f"https://replicate.com/p/{id_}"},
        "metrics": {"predict_time": 1.5} if status == "succeeded" else {},
    }


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def make_client(session: aiohttp.ClientSession, sleeps: Sleeps | None = None, **kw: Any) -> ReplicateClient:
    return ReplicateClient(session, token=TOKEN, base_url=BASE, sleep=sleeps or Sleeps(), **kw)


async def collect(events: AsyncIterator[Any]) -> list[Any]:
    return [event async for event in events]


def calls(m: aioresponses, method: str, url: str) -> list[Any]:
    return m.requests.get((method, URL(url)), [])


TEXT_SCHEMA = {"components": {"schemas": {"Output": {
    "type": "array", "items": {"type": "string"}, "x-cog-array-type": "iterator", "x-cog-array-display": "concatenate",
}}}}
IMAGE_SCHEMA = {"components": {"schemas": {"Output": {"type": "array", "items": {"type": "string", "format": "uri"}}}}}


def model_object(full_name: str, schema: dict | None, *, official: bool = True) -> dict:
    """``GET /v1/models/{owner}/{name}`` as the core reads it before running a model outside the alias table."""
    owner, name = full_name.split("/")
    return {"owner": owner, "name": name, "is_official": official,
            "latest_version": {"id": VERSION, "openapi_schema": schema}}


class FakeClock:
    """A clock that only the injected sleep moves."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


async def test_image_create_uses_official_route_with_wait_and_all_headers(session: aiohttp.ClientSession) -> None:
    with aioresponses() as m:
        done = prediction("succeeded", ["https://replicate.delivery/x/out-0.webp"])
        m.post(f"{BASE}/models/stability-ai/stable-diffusion-3/predictions", status=201, payload=done)
        client = make_client(session, proxy="http://proxy.local:3128")
        events = await collect(generate(client, "sd-3", [Message("user", "A cat")]))
        (call,) = calls(m, "POST", f"{BASE}/models/stability-ai/stable-diffusion-3/predictions")
        headers = call.kwargs["headers"]
        assert headers["Authorization"] == f"Bearer {TOKEN}"
        assert headers["Accept"] == "application/json"
        assert headers["Content-Type"] == "application/json"
        assert headers["Accept-Language"].startswith("en")
        assert headers["User-Agent"].startswith("ReplicateDesktop/")
        assert headers["Prefer"] == "wait=60"
        assert call.kwargs["proxy"] == "http://proxy.local:3128"
        assert json.loads(call.kwargs["data"]) == {"input": {"prompt": "A cat"}}
    images = [e for e in events if isinstance(e, ImageResponse)]
    assert images == [ImageResponse(["https://replicate.delivery/x/out-0.webp"], alt="A cat")]
    assert isinstance(events[-1], Completed)
    assert events[-1].predict_time == 1.5


async def test_pinned_version_uses_predictions_route(session: aiohttp.ClientSession) -> None:
    with aioresponses() as m:
        m.get(f"{BASE}/models/acme/chat/versions/{VERSION}", payload={"id": VERSION, "openapi_schema": TEXT_SCHEMA})
        m.post(f"{BASE}/predictions", status=201, payload=prediction("succeeded", ["Hi"]))
        events = await collect(generate(make_client(session), f"acme/chat:{VERSION}", [Message("user", "Hello")]))
        (call,) = calls(m, "POST", f"{BASE}/predictions")
        assert json.loads(call.kwargs["data"]) == {"version": VERSION, "input": {"prompt": "Hello"}}
        assert "Prefer" not in call.kwargs["headers"]  # its version's schema says it streams: not held
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["Hi"]


async def test_model_whose_schema_cannot_be_read_is_held_and_classified_by_its_output(
    session: aiohttp.ClientSession,
) -> None:
    with aioresponses() as m:
        m.get(f"{BASE}/models/acme/chat/versions/{VERSION}", status=503, body="<html>down</html>",
              content_type="text/html", repeat=True)
        m.post(f"{BASE}/predictions", status=201, payload=prediction("succeeded", ["https://x.test/a.png"]))
        events = await collect(generate(make_client(session), f"acme/chat:{VERSION}", [Message("user", "Hello")]))
        (call,) = calls(m, "POST", f"{BASE}/predictions")
        assert call.kwargs["headers"]["Prefer"] == "wait=60"  # unknown: held, as a careful client would
    assert [e for e in events if isinstance(e, ImageResponse)] == [ImageResponse(["https://x.test/a.png"], "Hello")]


@pytest.mark.parametrize(("schema", "held"), [(IMAGE_SCHEMA, True), (TEXT_SCHEMA, False)])
async def test_community_model_is_read_first_and_created_by_its_latest_version(
    session: aiohttp.ClientSession, schema: dict, held: bool
) -> None:
    with aioresponses() as m:
        m.get(f"{BASE}/models/acme/thing", payload=model_object("acme/thing", schema, official=False))
        m.post(f"{BASE}/predictions", status=201, payload=prediction("succeeded", ["https://x.test/a.png"]))
        await collect(generate(make_client(session), "acme/thing", [Message("user", "x")]))
        (call,) = calls(m, "POST", f"{BASE}/predictions")
        assert json.loads(call.kwargs["data"]) == {"version": VERSION, "input": {"prompt": "x"}}
        assert call.kwargs["headers"].get("Prefer") == ("wait=60" if held else None)
        assert calls(m, "POST", f"{BASE}/models/acme/thing/predictions") == []  # no 404 round trip first


async def test_missing_official_route_falls_back_to_latest_version(session: aiohttp.ClientSession) -> None:
    with aioresponses() as m:
        m.post(f"{BASE}/models/acme/painter/predictions", status=404,
               body=json.dumps({"detail": "Not found", "status": 404}), content_type="application/problem+json")
        m.get(f"{BASE}/models/acme/painter", payload={"owner": "acme", "name": "painter",
                                                     "latest_version": {"id": VERSION}})
        m.post(f"{BASE}/predictions", status=201, payload=prediction("succeeded", ["https://x.test/a.png"]))
        events = await collect(generate(make_client(session), "acme/painter", [Message("user", "a fox")]))
        (call,) = calls(m, "POST", f"{BASE}/predictions")
        assert json.loads(call.kwargs["data"])["version"] == VERSION
    assert isinstance(events[-2], ImageResponse)


async def test_unknown_model_is_a_not_found_error(session: aiohttp.ClientSession) -> None:
    with aioresponses() as m:
        problem = json.dumps({"detail": "Not found", "status": 404})
        m.post(f"{BASE}/models/acme/ghost/predictions", status=404, body=problem,
               content_type="application/problem+json")
        m.get(f"{BASE}/models/acme/ghost", status=404, body=problem, content_type="application/problem+json")
        with pytest.raises(NotFoundError, match="acme/ghost does not exist"):
            await collect(generate(make_client(session), "acme/ghost", [Message("user", "x")]))


async def test_missing_token_sends_nothing(session: aiohttp.ClientSession) -> None:
    with aioresponses() as m:
        client = ReplicateClient(session, token=None, base_url=BASE)
        with pytest.raises(MissingTokenError, match="REPLICATE_API_TOKEN"):
            await collect(generate(client, "sd-3", [Message("user", "x")]))
        assert m.requests == {}


@pytest.mark.parametrize(
    ("status", "body", "error", "text"),
    [
        (401, {"title": "Unauthenticated", "detail": "You did not pass a valid authentication token", "status": 401},
         AuthenticationError, "valid authentication token"),
        (402, {"title": "Billing required", "detail": "You need to set up billing", "status": 402},
         BillingRequiredError, "set up billing"),
        (422, {"detail": "Invalid input", "status": 422,
               "invalid_fields": [{"type": "required", "field": "input.prompt", "description": "missing"}]},
         ValidationError, "input.prompt"),
    ],
)
async def test_http_errors_become_distinct_errors(
    session: aiohttp.ClientSession, status: int, body: dict, error: type[Exception], text: str
) -> None:
    with aioresponses() as m:
        m.post(f"{BASE}/models/{LLAMA}/predictions", status=status, body=json.dumps(body),
               content_type="application/problem+json")
        with pytest.raises(error, match=text) as caught:
            await collect(generate(make_client(session), "llama-3-70b", [Message("user", "x")]))
        assert TOKEN not in str(caught.value)
        assert len(calls(m, "POST", f"{BASE}/models/{LLAMA}/predictions")) == 1  # POSTs are never repeated


async def test_post_is_not_repeated_on_500(session: aiohttp.ClientSession) -> None:
    with aioresponses() as m:
        m.post(f"{BASE}/models/{LLAMA}/predictions", status=500, body=json.dumps({"detail": "boom"}),
               content_type="application/json")
        with pytest.raises(ServerError, match="boom"):
            await collect(generate(make_client(session), "llama-3-70b", [Message("user", "x")]))
        assert len(calls(m, "POST", f"{BASE}/models/{LLAMA}/predictions")) == 1


async def test_429_honours_retry_after_header_then_body(session: aiohttp.ClientSession) -> None:
    sleeps = Sleeps()
    with aioresponses() as m:
        url = f"{BASE}/predictions/p1"
        m.get(url, status=429, body=json.dumps({"detail": "throttled"}), headers={"Retry-After": "3"},
              content_type="application/problem+json")
        m.get(url, status=429, body=json.dumps({"detail": "throttled", "retry_after": 7}),
              content_type="application/problem+json")
        m.get(url, payload=prediction("processing"))
        result = await make_client(session, sleeps).get_json(url)
    assert result["status"] == "processing"
    assert sleeps.calls == [3.0, 7.0]


async def test_429_gives_up_after_bounded_retries(session: aiohttp.ClientSession) -> None:
    sleeps = Sleeps()
    with aioresponses() as m:
        m.get(f"{BASE}/account", status=429, body=json.dumps({"detail": "slow down"}), repeat=True,
              content_type="application/problem+json")
        with pytest.raises(RateLimitedError, match="slow down"):
            await make_client(session, sleeps, max_retries=2).get_json("account")
    assert len(sleeps.calls) == 2


async def test_get_retries_5xx_and_dropped_connections_with_backoff(session: aiohttp.ClientSession) -> None:
    sleeps = Sleeps()
    with aioresponses() as m:
        url = f"{BASE}/account"
        m.get(url, status=503, body="<html>Service Unavailable</html>", content_type="text/html")
        m.get(url, exception=aiohttp.ServerDisconnectedError())
        m.get(url, payload={"username": "me"})
        assert (await make_client(session, sleeps).get_json(url))["username"] == "me"
    assert len(sleeps.calls) == 2
    assert 0.2 < sleeps.calls[0] < 0.3
    assert 0.45 < sleeps.calls[1] < 0.55


@pytest.mark.parametrize(
    ("body", "content_type", "fragment"),
    [
        ("<html><body>Bad gateway</body></html>", "text/html", "text/html instead of JSON"),
        ('{"id": "p1", "status": "proc', "application/json", "broken JSON"),
        ("[1, 2]", "application/json", "not an object"),
    ],
)
async def test_non_json_bodies_are_unexpected_responses(
    session: aiohttp.ClientSession, body: str, content_type: str, fragment: str
) -> None:
    with aioresponses() as m:
        m.get(f"{BASE}/account", status=200, body=body, content_type=content_type)
        with pytest.raises(UnexpectedResponse, match=fragment) as caught:
            await make_client(session).get_json("account")
    assert body[:10] in str(caught.value)


async def test_polling_yields_only_new_text_and_counts_delay_periods(session: aiohttp.ClientSession) -> None:
    clock = FakeClock()
    with aioresponses() as m:
        m.get(f"{BASE}/models/acme/echo", payload=model_object("acme/echo", TEXT_SCHEMA))
        m.post(f"{BASE}/models/acme/echo/predictions", status=201, payload=prediction("starting"))
        m.get(f"{BASE}/predictions/p1", payload=prediction("processing", ["Hel"]))
        m.get(f"{BASE}/predictions/p1", payload=prediction("processing", ["Hel", "lo"]))
        m.get(f"{BASE}/predictions/p1", payload=prediction("processing", ["Hel", "lo"]))
        m.get(f"{BASE}/predictions/p1", payload=prediction("succeeded", ["Hel", "lo", "!"]))
        policy = FollowPolicy(max_attempts=10, delay=0.25)
        events = await collect(run_prediction(make_client(session), parse_model("acme/echo"), {"prompt": "hi"},
                                              kind=None, policy=policy, sleep=clock.sleep, clock=clock))
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["Hel", "lo", "!"]
    polls = [e for e in events if isinstance(e, Progress) and e.mode == "poll"]
    # no logs to go by: as often as the budget allows, one poll every 0.102 s; attempts count 0.25 s periods
    assert clock.sleeps == [pytest.approx(0.102)] * 4
    assert [p.attempt for p in polls] == [1, 1, 1, 2]  # 0.25 s periods begun since the first poll
    assert {p.max_attempts for p in polls} == {10}
    assert isinstance(events[1], Started)
    assert events[1].web_url == "https://replicate.com/p/p1"
    assert events[1].kind == "text"


async def test_poll_interval_shortens_when_tqdm_predicts_the_end(session: aiohttp.ClientSession) -> None:
    clock = FakeClock()
    logs = "  50%|█████     | 10/20 [00:01<00:01, 20.0it/s]\n"
    with aioresponses() as m:
        m.get(f"{BASE}/models/acme/painter", payload=model_object("acme/painter", IMAGE_SCHEMA))
        m.post(f"{BASE}/models/acme/painter/predictions", status=202, payload=prediction("processing", logs=logs))
        m.get(f"{BASE}/predictions/p1", payload=prediction("succeeded", ["https://x.test/a.png"], logs=logs))
        policy = FollowPolicy(max_attempts=5, delay=5.0)
        events = await collect(run_prediction(make_client(session), parse_model("acme/painter"), {"prompt": "x"},
                                              kind=None, policy=policy, sleep=clock.sleep, clock=clock))
    # 10 steps left at 20 it/s = 0.5 s, started one step (0.05 s) early, instead of the 5 s delay
    assert clock.sleeps == [pytest.approx(0.45)]
    percents = [e.percent for e in events if isinstance(e, Progress) and e.percent is not None]
    assert percents
    assert percents[0] == 50.0


@pytest.mark.parametrize(
    ("final", "error", "text"),
    [
        (prediction("failed", error="CUDA out of memory"), PredictionFailed, "CUDA out of memory"),
        (prediction("canceled"), PredictionCanceled, "canceled"),
        (prediction("aborted"), PredictionAborted, "stopped before it started.*Aborted runs are not charged"),
    ],
)
async def test_unsuccessful_ends(
    session: aiohttp.ClientSession, final: dict, error: type[Exception], text: str
) -> None:
    with aioresponses() as m:
        m.get(f"{BASE}/models/acme/echo", payload=model_object("acme/echo", TEXT_SCHEMA))
        m.post(f"{BASE}/models/acme/echo/predictions", status=201, payload=prediction("starting"))
        m.get(f"{BASE}/predictions/p1", payload=final)
        with pytest.raises(error, match=text):
            await collect(generate(make_client(session), "acme/echo", [Message("user", "x")],
                                   policy=FollowPolicy(delay=0.1), sleep=Sleeps()))
        assert calls(m, "POST", f"{BASE}/predictions/p1/cancel") == []


async def test_attempts_exhausted_is_a_timeout_that_states_the_budget(session: aiohttp.ClientSession) -> None:
    clock = FakeClock()
    with aioresponses() as m:
        m.get(f"{BASE}/models/acme/echo", payload=model_object("acme/echo", TEXT_SCHEMA))
        m.post(f"{BASE}/models/acme/echo/predictions", status=201, payload=prediction("starting"))
        m.get(f"{BASE}/predictions/p1", payload=prediction("processing"), repeat=True)
        m.post(f"{BASE}/predictions/p1/cancel", payload=prediction("canceled"))
        with pytest.raises(PredictionTimeout, match=r"3 attempts × 2 s = 6 s"):
            await collect(run_prediction(make_client(session), parse_model("acme/echo"), {"prompt": "x"}, kind=None,
                                         policy=FollowPolicy(max_attempts=3, delay=2), sleep=clock.sleep,
                                         clock=clock))
        polls = len(calls(m, "GET", f"{BASE}/predictions/p1"))
        # 3 × 2 s of polling, one poll every 0.102 s: it gives up with the first poll at or after 6 s
        assert polls == math.ceil(6 / 0.102)
        assert clock.now == pytest.approx(polls * 0.102)
        assert len(calls(m, "POST", f"{BASE}/predictions/p1/cancel")) == 1  # nobody pays for abandoned work


async def test_held_request_returning_processing_is_followed_to_the_end(session: aiohttp.ClientSession) -> None:
    with aioresponses() as m:
        partial = prediction("processing", ["https://x.test/a.png"])
        m.post(f"{BASE}/models/stability-ai/stable-diffusion-3/predictions", status=202, payload=partial)
        m.get(f"{BASE}/predictions/p1", payload=prediction("succeeded", ["https://x.test/a.png", "https://x.test/b.png"]))
        events = await collect(generate(make_client(session), "sd-3", [Message("user", "x")],
                                        policy=FollowPolicy(delay=0.1), sleep=Sleeps()))
    (image,) = [e for e in events if isinstance(e, ImageResponse)]
    assert image.images == ("https://x.test/a.png", "https://x.test/b.png")


async def test_closing_the_generator_cancels_on_the_server(session: aiohttp.ClientSession) -> None:
    with aioresponses() as m:
        m.get(f"{BASE}/models/acme/echo", payload=model_object("acme/echo", TEXT_SCHEMA))
        m.post(f"{BASE}/models/acme/echo/predictions", status=201, payload=prediction("starting"))
        m.get(f"{BASE}/predictions/p1", payload=prediction("processing", ["partial"]), repeat=True)
        m.post(f"{BASE}/predictions/p1/cancel", payload=prediction("canceled"))
        events = generate(make_client(session), "acme/echo", [Message("user", "x")],
                          policy=FollowPolicy(delay=0.1), sleep=Sleeps())
        async with contextlib.aclosing(events):
            async for event in events:
                if isinstance(event, TextDelta):
                    break
        (cancel,) = calls(m, "POST", f"{BASE}/predictions/p1/cancel")
        assert cancel.kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize("url", ["ftp://x.test/a.png", "http://example.com/a.png", "file:///etc/passwd"])
async def test_unsafe_output_locations_are_refused(session: aiohttp.ClientSession, url: str) -> None:
    with aioresponses() as m:
        m.post(f"{BASE}/models/stability-ai/stable-diffusion-3/predictions", status=201,
               payload=prediction("succeeded", [url]))
        with pytest.raises(UnsafeOutputURLError, match="Refused"):
            await collect(generate(make_client(session), "sd-3", [Message("user", "x")]))
