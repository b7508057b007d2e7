"""HTTP failures against the fake server: how each maps to an exception, and which are retried."""

from __future__ import annotations

import logging
import traceback

import aiohttp
import pytest

from desktop_app.replicate import (
    APP_POLICY,
    AuthenticationError,
    BillingRequiredError,
    EmptyPromptError,
    FollowPolicy,
    MissingTokenError,
    NotFoundError,
    ReplicateClient,
    UnexpectedResponse,
    UnknownModelError,
    ValidationError,
    generate,
)
from tests.fake_replicate import FakeReplicate, Script

from .helpers import Sleeps, collect, collect_until_error, make_client, skeleton, started, texts

FAST_POLLING = FollowPolicy(max_attempts=400, delay=0.05, min_interval=0.02)
CREATE_ROUTE = r"/v1/models/[^/]+/[^/]+/predictions"
WRONG_TOKEN = "r8_wrongSecretToken0123456789abcdefghij"


def everything_said(error: BaseException, caplog: pytest.LogCaptureFixture) -> str:
    """All text an error and the logs could show a user: messages, reprs, causes, tracebacks."""
    parts = ["".join(traceback.format_exception(error)), repr(error)]
    cause: BaseException | None = error
    while cause is not None:
        parts += [str(cause), repr(cause), repr(getattr(cause, "body", ""))]
        cause = cause.__cause__ or cause.__context__
    for record in caplog.records:
        parts += [record.getMessage(), str(record.args), record.exc_text or ""]
    parts.append(caplog.text)
    return "\n".join(parts)


async def test_wrong_token_is_401_and_never_shown(fake_replicate: FakeReplicate, session: aiohttp.ClientSession,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client(session, fake_replicate, token=WRONG_TOKEN)

    events, error = await collect_until_error(generate(client, "flux-schnell", [], prompt="x", policy=APP_POLICY))

    assert isinstance(error, AuthenticationError)
    assert error.status == 401
    assert "You did not pass a valid authentication token" in str(error)
    assert skeleton(events) == []
    said = everything_said(error, caplog)
    assert WRONG_TOKEN not in said
    assert WRONG_TOKEN[3:20] not in said
    assert fake_replicate.token not in said
    assert WRONG_TOKEN not in repr(client)
    (request,) = fake_replicate.requests  # a refused token is not retried
    assert request.header("Authorization") == f"Bearer {WRONG_TOKEN}"


async def test_wrong_token_on_a_later_request_is_not_shown_either(
    fake_replicate: FakeReplicate, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_replicate.set_script("acme/echo", Script(kind="text", stream=False, echo=True, token_interval=0.05))
    client = make_client(session, fake_replicate)
    fake_replicate.fail_next("GET", r"/v1/predictions/\w+", 401)

    _, error = await collect_until_error(generate(client, "acme/echo", [], prompt="a b c", policy=FAST_POLLING))

    assert isinstance(error, AuthenticationError)
    said = everything_said(error, caplog)
    assert fake_replicate.token not in said
    assert len(fake_replicate.requests_to("POST", "/v1/predictions/")) == 1  # the abandoned run was canceled


async def test_missing_token_empty_prompt_and_unknown_model_send_nothing(
    fake_replicate: FakeReplicate, session: aiohttp.ClientSession
) -> None:
    no_token = ReplicateClient(session, token="  ", base_url=fake_replicate.base_url)
    with pytest.raises(MissingTokenError):
        await collect(generate(no_token, "flux-schnell", [], prompt="x"))
    client = make_client(session, fake_replicate)
    with pytest.raises(EmptyPromptError):
        await collect(generate(client, "flux-schnell", [], prompt="   "))
    with pytest.raises(EmptyPromptError):
        await collect(generate(client, "llama-3-70b", []))
    with pytest.raises(UnknownModelError):
        await collect(generate(client, "not a model", [], prompt="x"))
    assert fake_replicate.requests == []


async def test_402_billing_required(fake_replicate: FakeReplicate, session: aiohttp.ClientSession) -> None:
    fake_replicate.fail_next("POST", CREATE_ROUTE, 402)
    client = make_client(session, fake_replicate)

    _, error = await collect_until_error(generate(client, "flux-schnell", [], prompt="x", policy=APP_POLICY))

    assert isinstance(error, BillingRequiredError)
    assert (error.status, error.title, error.exit_code) == (402, "Billing required", 3)
    assert "replicate.com/account/billing" in str(error)
    assert len(fake_replicate.requests) == 1


async def test_404_unknown_model(fake_replicate: FakeReplicate, session: aiohttp.ClientSession) -> None:
    client = make_client(session, fake_replicate)

    events, error = await collect_until_error(generate(client, "nobody/nothing", [], prompt="x", policy=APP_POLICY))

    assert isinstance(error, NotFoundError)
    assert error.status == 404
    assert "nobody/nothing" in str(error)
    assert skeleton(events) == []
    # the model is read (for its schema) before anything is created: nothing is created for a missing one
    assert [(request.method, request.path) for request in fake_replicate.requests] == [
        ("GET", "/v1/models/nobody/nothing"),
    ]


@pytest.mark.parametrize(
    ("model", "extra", "field"),
    [("flux-schnell", {"num_outputs": 9}, "input.num_outputs"),
     ("llama-3-70b", {"temperature": True}, "input.temperature")],
)
async def test_422_names_the_invalid_field(fake_replicate: FakeReplicate, session: aiohttp.ClientSession,
                                           model: str, extra: dict[str, object], field: str) -> None:
    client = make_client(session, fake_replicate)

    _, error = await collect_until_error(generate(client, model, [], prompt="x", extra_input=extra,
                                                  policy=APP_POLICY))

    assert isinstance(error, ValidationError)
    assert error.invalid_fields == [field]
    assert field in str(error)
    assert fake_replicate.predictions == {}
    assert len(fake_replicate.requests) == 1


@pytest.mark.parametrize("where", ["header", "body"])
async def test_429_waits_as_told_then_succeeds(fake_replicate: FakeReplicate, session: aiohttp.ClientSession,
                                               where: str) -> None:
    if where == "header":
        fake_replicate.fail_next("POST", CREATE_ROUTE, 429, headers={"Retry-After": "3"})
    else:
        fake_replicate.fail_next("POST", CREATE_ROUTE, 429, body={
            "title": "Request was throttled", "status": 429, "retry_after": 2.5,
            "detail": "Request was throttled. Your rate limit resets in ~3s.",
        })
    sleeps = Sleeps(fake_replicate)
    client = make_client(session, fake_replicate, sleep=sleeps)

    events = await collect(generate(client, "flux-schnell", [], prompt="x", policy=APP_POLICY))

    assert skeleton(events) == ["Started", "ImageResponse", "Completed"]
    assert sleeps.calls == [3.0 if where == "header" else 2.5]
    assert sleeps.requests_before == [1]  # it waited after the throttled POST, before the second one
    creates = fake_replicate.requests_to("POST", "/v1/models/")
    assert len(creates) == 2
    assert creates[0].json == creates[1].json
    assert len(fake_replicate.predictions) == 1


async def test_500_on_a_poll_is_retried(fake_replicate: FakeReplicate, session: aiohttp.ClientSession) -> None:
    fake_replicate.set_script("acme/echo", Script(kind="text", stream=False, echo=True, token_interval=0.03))
    fake_replicate.fail_next("GET", r"/v1/predictions/\w+", 500)
    sleeps = Sleeps(fake_replicate)
    client = make_client(session, fake_replicate, sleep=sleeps)

    events = await collect(generate(client, "acme/echo", [], prompt="still here", policy=FAST_POLLING))

    assert "".join(texts(events)) == "still here"
    assert skeleton(events)[-1] == "Completed"
    assert len(sleeps.calls) == 1
    assert 0.2 <= sleeps.calls[0] <= 0.3  # the first backoff step, with jitter
    begun = started(events)
    gets = fake_replicate.requests_to("GET", f"/v1/predictions/{begun.prediction_id}")
    assert len(gets) >= 2
    assert sleeps.requests_before[0] == fake_replicate.requests.index(gets[0]) + 1


async def test_html_error_page_on_create_is_an_unexpected_response(fake_replicate: FakeReplicate,
                                                                   session: aiohttp.ClientSession) -> None:
    fake_replicate.fail_next("POST", CREATE_ROUTE, 502, content_type="text/html")
    client = make_client(session, fake_replicate)

    _, error = await collect_until_error(generate(client, "flux-schnell", [], prompt="x", policy=APP_POLICY))

    assert isinstance(error, UnexpectedResponse)
    assert error.status == 502
    assert "<h1>502 Bad Gateway</h1>" in error.excerpt
    assert "\n" not in error.excerpt
    assert len(error.excerpt) <= 200
    assert "502 Bad Gateway" in str(error)
    # a create is never repeated after a 5xx; the account's recent predictions are read once, in case the
    # gateway answered after Replicate had made it
    assert [(r.method, r.path) for r in fake_replicate.requests] == [
        ("POST", "/v1/models/black-forest-labs/flux-schnell/predictions"), ("GET", "/v1/predictions")]


async def test_html_error_page_on_a_poll_is_retried(fake_replicate: FakeReplicate,
                                                    session: aiohttp.ClientSession) -> None:
    fake_replicate.set_script("acme/echo", Script(kind="text", stream=False, echo=True, token_interval=0.03))
    fake_replicate.fail_next("GET", r"/v1/predictions/\w+", 503, content_type="text/html", times=2)
    sleeps = Sleeps(fake_replicate)
    client = make_client(session, fake_replicate, sleep=sleeps)

    events = await collect(generate(client, "acme/echo", [], prompt="through the storm", policy=FAST_POLLING))

    assert "".join(texts(events)) == "through the storm"
    assert len(sleeps.calls) == 2
    assert sleeps.calls[1] > sleeps.calls[0]  # exponential backoff


async def test_html_instead_of_json_on_success_stops_and_cancels(fake_replicate: FakeReplicate,
                                                                 session: aiohttp.ClientSession) -> None:
    fake_replicate.set_script("acme/echo", Script(kind="text", stream=False, echo=True, token_interval=0.05))
    fake_replicate.fail_next("GET", r"/v1/predictions/\w+", 200, content_type="text/html",
                             body="<html><body>Please sign in to the Wi-Fi</body></html>")
    client = make_client(session, fake_replicate)

    events, error = await collect_until_error(generate(client, "acme/echo", [], prompt="a b c d e f",
                                                       policy=FAST_POLLING))

    assert isinstance(error, UnexpectedResponse)
    assert "Please sign in to the Wi-Fi" in str(error)
    begun = started(events)
    assert [request.path for request in fake_replicate.requests_to("POST", "/v1/predictions/")] == [
        f"/v1/predictions/{begun.prediction_id}/cancel"
    ]
    assert fake_replicate.predictions[begun.prediction_id].status == "canceled"

