"""API answers checked at the edge, against a hostile fake server: bombs, malformed predictions, echoed tokens."""

from __future__ import annotations

import logging
import traceback
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from desktop_app.replicate import (
    CogBackend,
    FollowPolicy,
    LogsAppended,
    MalformedPrediction,
    ServerError,
    UnexpectedResponse,
    generate,
    search_models,
)
from desktop_app.replicate.predictions import resume_prediction
from desktop_app.replicate.uploads import upload_file
from tests.fake_replicate import FakeReplicate, Script
from tests.fake_replicate.faults import GzipBomb, Oversized, Redirect
from tests.fake_replicate.hostile import (
    Answer,
    drop_fields,
    echo_authorization,
    gzip_bomb,
    set_fields,
    truncated_json,
    wrong_content_type,
)

from .helpers import LLAMA, Sleeps, collect, collect_until_error, make_client, started, texts

ECHO = "acme/echo"
POLLING = FollowPolicy(max_attempts=400, delay=0.05, min_interval=0.02)


def slow_echo(fake: FakeReplicate) -> None:
    """A text model that only polls (no stream) and runs long enough to be polled a few times."""
    fake.set_script(ECHO, Script(kind="text", stream=False, echo=True, token_interval=0.05))


def cancels(fake: FakeReplicate) -> list[str]:
    return [r.path for r in fake.requests_to("POST", "/v1/predictions/") if r.path.endswith("/cancel")]


def everything_said(error: BaseException, caplog: pytest.LogCaptureFixture) -> str:
    parts = ["".join(traceback.format_exception(error)), repr(error), repr(getattr(error, "body", "")),
             str(getattr(error, "excerpt", "")), caplog.text]
    return "\n".join(parts)


async def test_a_poll_answer_that_inflates_past_the_cap_stops_reading(fake_replicate: FakeReplicate,
                                                                       session: aiohttp.ClientSession) -> None:
    slow_echo(fake_replicate)
    fake_replicate.hostile.next_poll(gzip_bomb(40 * 1024 * 1024))  # 40 MiB inflated, ~40 kB on the wire
    client = make_client(session, fake_replicate)

    events, error = await collect_until_error(generate(client, ECHO, [], prompt="a b c d e f g", policy=POLLING))

    assert isinstance(error, UnexpectedResponse)
    assert str(error) == "Replicate answered 200 with more than 32 MiB of data; stopped reading it."
    begun = started(events)
    assert len(fake_replicate.requests_to("GET", f"/v1/predictions/{begun.prediction_id}")) == 1  # not retried
    assert cancels(fake_replicate) == [f"/v1/predictions/{begun.prediction_id}/cancel"]


async def test_a_bomb_below_the_cap_is_read_whole(fake_replicate: FakeReplicate,
                                                  session: aiohttp.ClientSession) -> None:
    slow_echo(fake_replicate)
    fake_replicate.hostile.next_poll(gzip_bomb(2 * 1024 * 1024))  # big logs, but an honest answer
    client = make_client(session, fake_replicate)

    events = await collect(generate(client, ECHO, [], prompt="still fine", policy=POLLING))

    assert "".join(texts(events)) == "still fine"


@pytest.mark.parametrize(
    ("answer", "sentence"),
    [
        (drop_fields("id"), "Replicate answered with a prediction that has no id, so it cannot be followed."),
        (set_fields(id="../account"), "whose id field is the text '../account' instead of a prediction id."),
        (drop_fields("status"), "but without its status."),
        (set_fields(status=7), "whose status field is the number 7 instead of a status name."),
        (set_fields(logs=["a", "b"]), "whose logs field is a list instead of text."),
        (set_fields(urls="https://api.replicate.com"), "whose urls field is the text 'https://api.replicate.com' "
                                                       "instead of an object of links."),
        (set_fields(urls={"get": 5}), "whose urls.get field is the number 5 instead of an http(s) URL."),
        (set_fields(metrics=[1.5]), "whose metrics field is a list instead of an object."),
        (set_fields(metrics={"predict_time": "fast"}), "whose metrics.predict_time field is the text 'fast' "
                                                       "instead of a number of seconds."),
    ],
)
async def test_a_malformed_poll_answer_is_one_sentence_and_the_run_is_canceled(
    fake_replicate: FakeReplicate, session: aiohttp.ClientSession, answer: Answer, sentence: str
) -> None:
    slow_echo(fake_replicate)
    fake_replicate.hostile.next_poll(answer)
    client = make_client(session, fake_replicate)

    events, error = await collect_until_error(generate(client, ECHO, [], prompt="a b c d e f g", policy=POLLING))

    assert isinstance(error, MalformedPrediction)
    assert str(error).endswith(sentence) and str(error).startswith("Replicate answered with")
    assert "\n" not in str(error)
    begun = started(events)
    assert cancels(fake_replicate) == [f"/v1/predictions/{begun.prediction_id}/cancel"]


async def test_a_malformed_create_answer_cancels_the_prediction_it_names(fake_replicate: FakeReplicate,
                                                                         session: aiohttp.ClientSession) -> None:
    slow_echo(fake_replicate)
    fake_replicate.hostile.next_create(set_fields(logs={"line": 1}))
    client = make_client(session, fake_replicate)

    events, error = await collect_until_error(generate(client, ECHO, [], prompt="a b c d e f g", policy=POLLING))

    assert isinstance(error, MalformedPrediction)
    assert "whose logs field is an object instead of text." in str(error)
    (prediction_id,) = fake_replicate.predictions
    assert error.prediction_id == prediction_id
    assert cancels(fake_replicate) == [f"/v1/predictions/{prediction_id}/cancel"]
    assert fake_replicate.predictions[prediction_id].status == "canceled"
    assert [type(event).__name__ for event in events] == ["Progress"]


async def test_an_unknown_status_is_followed_as_not_finished(fake_replicate: FakeReplicate,
                                                             session: aiohttp.ClientSession,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    slow_echo(fake_replicate)
    fake_replicate.hostile.next_poll(set_fields(status="paused"), times=2)
    client = make_client(session, fake_replicate)

    events = await collect(generate(client, ECHO, [], prompt="patience pays", policy=POLLING))

    assert "".join(texts(events)) == "patience pays"
    assert "unknown status 'paused'; following it as not finished" in caplog.text


@pytest.mark.parametrize(
    ("answer", "sentence"),
    [(truncated_json(), "Replicate answered 200 with broken JSON: "),
     (wrong_content_type(), "Replicate answered 200 with text/html; charset=utf-8 instead of JSON: ")],
)
async def test_truncated_or_mislabelled_poll_answers_stop_and_cancel(
    fake_replicate: FakeReplicate, session: aiohttp.ClientSession, answer: Answer, sentence: str
) -> None:
    slow_echo(fake_replicate)
    fake_replicate.hostile.next_poll(answer)
    client = make_client(session, fake_replicate)

    events, error = await collect_until_error(generate(client, ECHO, [], prompt="a b c d e f g", policy=POLLING))

    assert isinstance(error, UnexpectedResponse) and str(error).startswith(sentence)
    assert cancels(fake_replicate) == [f"/v1/predictions/{started(events).prediction_id}/cancel"]


async def test_an_echoed_authorization_header_never_reaches_the_user(fake_replicate: FakeReplicate,
                                                                     session: aiohttp.ClientSession,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    slow_echo(fake_replicate)
    fake_replicate.hostile.next_poll(echo_authorization(502), times=10)
    client = make_client(session, fake_replicate, sleep=Sleeps(fake_replicate))

    _events, error = await collect_until_error(generate(client, ECHO, [], prompt="a b c", policy=POLLING))

    assert isinstance(error, ServerError)
    assert str(error) == ("Replicate had a server error (502): upstream refused the request with headers "
                          "Authorization: Bearer [redacted] (token [redacted])")
    said = everything_said(error, caplog)
    token = fake_replicate.token
    assert token not in said and token[8:24] not in said
    echoed = fake_replicate.requests_to("GET", "/v1/predictions/")
    assert all(request.header("Authorization") == f"Bearer {token}" for request in echoed)  # the echo is real


async def test_resume_checks_the_answer_too(fake_replicate: FakeReplicate, session: aiohttp.ClientSession) -> None:
    slow_echo(fake_replicate)
    client = make_client(session, fake_replicate)
    events, _error = await collect_until_error(generate(client, ECHO, [], prompt="x", policy=POLLING))
    prediction_id = started(events).prediction_id
    fake_replicate.hostile.next_poll(set_fields(urls=[]), prediction_id=prediction_id)

    with pytest.raises(MalformedPrediction, match=r"whose urls field is a list instead of an object of links\.$"):
        await collect(resume_prediction(client, prediction_id, kind="text", policy=POLLING))


async def test_the_api_client_refuses_a_redirect_to_another_host(fake_replicate: FakeReplicate,
                                                                 session: aiohttp.ClientSession) -> None:
    elsewhere = fake_replicate.hostile.add_file("stolen", b"{}", "application/json").replace("127.0.0.1", "localhost")
    fake_replicate.hostile.add_redirect("moved", elsewhere, api_host=True)
    client = make_client(session, fake_replicate)

    with pytest.raises(UnexpectedResponse, match=r"redirected /v1/hostile/files/moved to http://localhost:\d+; "
                                                 r"not followed, so the API token is sent to Replicate only\."):
        await client.get_json("hostile/files/moved")
    assert not [r for r in fake_replicate.requests if r.path.endswith("/stolen")]


async def test_the_api_client_follows_a_redirect_on_its_own_host(fake_replicate: FakeReplicate,
                                                                 session: aiohttp.ClientSession) -> None:
    fake_replicate.hostile.add_redirect("account-moved", f"{fake_replicate.base_url}/account", status=301,
                                        api_host=True)
    client = make_client(session, fake_replicate)

    account: dict[str, Any] = await client.get_json("hostile/files/account-moved")

    assert account["username"] == "fake-user"
    (hop,) = fake_replicate.requests_to("GET", "/v1/account")
    assert hop.header("Authorization") == f"Bearer {fake_replicate.token}"


async def test_a_prediction_url_on_another_host_gets_no_token(fake_replicate: FakeReplicate,
                                                              session: aiohttp.ClientSession) -> None:
    slow_echo(fake_replicate)
    other = fake_replicate.base_url.replace("127.0.0.1", "localhost")

    def elsewhere(request: web.Request, prediction: dict[str, Any]) -> web.StreamResponse:
        moved = {**prediction["urls"], "get": f"{other}/predictions/{prediction['id']}"}
        return set_fields(urls=moved)(request, prediction)

    fake_replicate.hostile.next_create(elsewhere)
    client = make_client(session, fake_replicate)

    _events, error = await collect_until_error(generate(client, ECHO, [], prompt="a b c", policy=POLLING))

    assert isinstance(error, UnexpectedResponse)
    assert str(error).startswith("Refused to send the API token to http://localhost:")
    assert not [r for r in fake_replicate.requests if (r.header("Host") or "").startswith("localhost")]
    assert cancels(fake_replicate)  # the run it could not follow is not left running


async def test_stream_events_are_scrubbed_before_they_reach_events_or_logs(
    fake_replicate: FakeReplicate, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    """A model that prints the token (its prompt, its reply): the stream's logs and output events are scrubbed as
    every API answer is, so the token reaches no event and no log record."""
    caplog.set_level(logging.DEBUG)
    token = fake_replicate.token
    fake_replicate.set_script(LLAMA, Script(kind="text", official=True, chunks=["key", f" {token}", " ok"]))
    client = make_client(session, fake_replicate)

    events = await collect(generate(client, LLAMA, [], prompt=f"repeat {token}", policy=POLLING))

    said = " ".join(repr(event) for event in events) + caplog.text
    assert token not in said
    assert "".join(texts(events)) == "key [redacted] ok"
    logs = "".join(event.text for event in events if isinstance(event, LogsAppended))
    assert "Formatted prompt: `repeat [redacted]`" in logs
    streamed = [r for r in fake_replicate.requests if r.path.startswith("/stream/")]
    assert streamed  # the events came over the stream, not only from GETs


async def test_uploads_and_model_queries_keep_the_token_on_the_api_origin(
    fake_replicate: FakeReplicate, session: aiohttp.ClientSession
) -> None:
    other = fake_replicate.root_url.replace("127.0.0.1", "localhost")
    fake_replicate.faults.add("upload", Redirect(f"{other}/v1/files", 307))
    fake_replicate.faults.add(None, Redirect(f"{other}/v1/models", 307), method="QUERY", path="/v1/models")
    client = make_client(session, fake_replicate)

    with pytest.raises(UnexpectedResponse, match=r"redirected /v1/files to http://localhost:\d+; not followed"):
        await upload_file(client, b"x" * 300_000, filename="clip.bin")
    with pytest.raises(UnexpectedResponse, match=r"redirected /v1/models to http://localhost:\d+; not followed"):
        await search_models(client, "flux", cursor=f"{fake_replicate.base_url}/models")

    assert not [r for r in fake_replicate.requests if (r.header("Host") or "").startswith("localhost")]


async def test_upload_and_query_answers_are_read_under_the_cap(fake_replicate: FakeReplicate,
                                                               session: aiohttp.ClientSession) -> None:
    fake_replicate.faults.add("upload", Oversized(40))
    fake_replicate.faults.add(None, GzipBomb(64), method="QUERY", path="/v1/models")
    client = make_client(session, fake_replicate)

    with pytest.raises(UnexpectedResponse, match=r"more than 32 MiB of data; stopped reading it\.$"):
        await upload_file(client, b"x" * 300_000, filename="clip.bin")
    with pytest.raises(UnexpectedResponse, match=r"more than 32 MiB of data; stopped reading it\.$"):
        await search_models(client, "flux", cursor=f"{fake_replicate.base_url}/models")


async def test_an_endless_cog_answer_is_read_only_up_to_the_cap(session: aiohttp.ClientSession) -> None:
    """A server on a Cog port that never stops answering: the app reads 32 MiB of it, then says so."""

    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        await response.write(b'{"status": "READY", "padding": "')
        for _ in range(64):
            await response.write(b" " * (1024 * 1024))
        return response

    app = web.Application()
    app.router.add_get("/health-check", endless)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        with pytest.raises(UnexpectedResponse, match=r"more than 32 MiB of data; stopped reading it\.$"):
            await CogBackend(session, f"http://127.0.0.1:{runner.addresses[0][1]}").health()
    finally:
        await runner.cleanup()
