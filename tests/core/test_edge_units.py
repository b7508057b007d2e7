"""Edge checks without a network: scrubbing, the prediction parse layer, strict data: URIs, event-stream caps."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from desktop_app.replicate import (
    MalformedPrediction,
    PredictionFailed,
    ReplicateError,
    UnexpectedResponse,
    parse_prediction,
    scrub,
)
from desktop_app.replicate.errors import api_error_from_response
from desktop_app.replicate.files import decode_data_uri
from desktop_app.replicate.sse import SSEDecoder, iter_sse

TOKEN = "r8_" + "Ab3dEf6hIj9lMn2pQr5tUv8xYz1bCd4fGh7jK"  # the real shape: r8_ and 37 letters and digits
LEGACY = "legacy-secret-0123456789"


# ---- scrub ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Authorization: Bearer {TOKEN}", "Authorization: Bearer [redacted]"),
        (f"'authorization': 'Token {LEGACY}'", "'authorization': 'Token [redacted]'"),
        ('{"Authorization": "Basic dXNlcjpwYXNzd29yZA=="}', '{"Authorization": "Basic [redacted]"}'),
        ("Proxy-Authorization: secret", "Proxy-Authorization: [redacted]"),
        (f"sent Token {LEGACY} twice", "sent Token [redacted] twice"),
        (f"bearer {LEGACY}", "bearer [redacted]"),
        (f"a bare {TOKEN} in text", "a bare r8_… in text"),
        # ordinary words and placeholders stay
        ("You did not pass a valid authentication token", "You did not pass a valid authentication token"),
        ("Token expired; sampling token 512 of 1024", "Token expired; sampling token 512 of 1024"),
        ("Missing Bearer token", "Missing Bearer token"),
        ('-H "Authorization: Bearer $REPLICATE_API_TOKEN"', '-H "Authorization: Bearer $REPLICATE_API_TOKEN"'),
    ],
)
def test_scrub_hides_credentials_and_keeps_prose(text: str, expected: str) -> None:
    assert scrub(text) == expected
    assert scrub(expected) == expected  # idempotent


def test_scrub_hides_a_given_secret_of_any_shape() -> None:
    assert scrub("the key abc-123-xyz was refused", ["abc-123-xyz", None, ""]) == "the key [redacted] was refused"
    assert scrub("a b c", ["a"]) == "a b c"  # too short to be a secret; would blank out words


def test_every_replicate_error_is_scrubbed_whoever_built_it() -> None:
    error = ReplicateError(f"proxy said Authorization: Bearer {TOKEN}")
    assert TOKEN not in str(error) and "Bearer [redacted]" in str(error)
    failed = PredictionFailed(f"crashed with token {TOKEN}", logs=f"env: Authorization=Token {LEGACY}\n")
    assert TOKEN not in str(failed) and LEGACY not in failed.logs
    unexpected = UnexpectedResponse("odd", excerpt=f"Bearer {LEGACY}")
    assert unexpected.excerpt == "Bearer [redacted]"


def test_error_bodies_are_scrubbed_of_the_client_secret_before_parsing() -> None:
    body = f'{{"detail": "bad key {LEGACY} for Authorization: Token {LEGACY}", "status": 401}}'
    error = api_error_from_response(401, body, {}, secrets=[LEGACY])
    assert LEGACY not in str(error) and LEGACY not in repr(getattr(error, "body", ""))
    assert "bad key [redacted]" in str(error)


@pytest.mark.parametrize(
    ("status", "detail", "expected"),
    [
        (422, "- input: prompt is required\n",
         "Replicate rejected the input: input: prompt is required (fields: input)"),
        (422, "- input.steps: must be at most 8\n- input.seed: must be an integer\n",
         "Replicate rejected the input: input.steps: must be at most 8; input.seed: must be an integer "
         "(fields: input)"),
        (500, "upstream said:\r\n  connection refused\n\n", "Replicate had a server error (500): upstream said: "
                                                          "connection refused"),
        (400, "- a single line with a dash", "Replicate answered 400: - a single line with a dash"),
    ],
)
def test_an_error_from_a_multi_line_detail_is_one_line(status: int, detail: str, expected: str) -> None:
    body = {"detail": detail, "status": status, "invalid_fields": [{"field": "input"}]}
    error = api_error_from_response(status, json.dumps(body), {})
    assert str(error) == expected
    assert "\n" not in getattr(error, "detail", "")


def test_every_error_message_is_one_line_whoever_built_it() -> None:
    failed = PredictionFailed("Traceback (most recent call last):\n  File x\nRuntimeError: CUDA out of memory\n")
    assert str(failed) == "The model failed: Traceback (most recent call last): File x RuntimeError: CUDA out of memory"
    assert "\n" in failed.model_error  # the model's own text is kept as it was, for the logs view
    assert str(ReplicateError("one\r\ntwo\rthree")) == "one two three"


# ---- parse layer ---------------------------------------------------------------------------------------------


def good(**changes: Any) -> dict[str, Any]:
    prediction: dict[str, Any] = {
        "id": "q7x2m4k9abcd1234efgh5678ij", "status": "processing", "logs": "step 1\n", "output": ["a"],
        "metrics": {"predict_time": 1.5, "custom": "x"},
        "urls": {"get": "https://api.replicate.com/v1/predictions/q7x2", "cancel": "https://api.replicate.com/c",
                 "web": "https://replicate.com/p/q7x2", "stream": None},
    }
    prediction.update(changes)
    return prediction


@pytest.mark.parametrize(
    "prediction",
    [good(), good(logs=None, metrics=None, urls=None, output=None), good(output={"any": ["json", 1]}),
     good(status="aborted"), good(status="queued-for-a-while")],
)
def test_usable_predictions_pass_unchanged(prediction: dict[str, Any]) -> None:
    assert parse_prediction(prediction) is prediction


@pytest.mark.parametrize(
    ("prediction", "fragment", "prediction_id"),
    [
        ("not an object", "with the text 'not an object' instead of a prediction object.", None),
        (good(id=""), "whose id field is the text '' instead of a prediction id.", None),
        (good(id="a b"), "whose id field is the text 'a b' instead of a prediction id.", None),
        (good(status=None), "but without its status.", "q7x2m4k9abcd1234efgh5678ij"),
        (good(status=True), "whose status field is a true/false value instead of a status name.",
         "q7x2m4k9abcd1234efgh5678ij"),
        (good(metrics={"total_time": True}), "metrics.total_time field is a true/false value",
         "q7x2m4k9abcd1234efgh5678ij"),
        (good(urls={"stream": "ftp://x"}), "urls.stream field is the text 'ftp://x' instead of an http(s) URL.",
         "q7x2m4k9abcd1234efgh5678ij"),
    ],
)
def test_malformed_predictions_are_one_sentence(prediction: Any, fragment: str, prediction_id: str | None) -> None:
    with pytest.raises(MalformedPrediction) as caught:
        parse_prediction(prediction)
    assert fragment in str(caught.value)
    assert str(caught.value).startswith("Replicate answered with") and str(caught.value).endswith(".")
    assert caught.value.prediction_id == prediction_id


# ---- data: URIs ----------------------------------------------------------------------------------------------


def test_data_uris_decode_base64_and_percent_encoding() -> None:
    payload = base64.b64encode(b"\x89PNG fake").decode()
    assert decode_data_uri(f"data:image/png;base64,{payload}").data == b"\x89PNG fake"
    wrapped = payload[:4] + "\n" + payload[4:].replace("=", "%3D")
    assert decode_data_uri(f"data:image/png;base64,{wrapped}").data == b"\x89PNG fake"
    file = decode_data_uri("data:,hello%20world")
    assert (file.data, file.content_type) == (b"hello world", "text/plain")


@pytest.mark.parametrize(
    ("uri", "sentence"),
    [
        ("data:image/png;base64,iVBORw0K!!!", "An output data: URI says base64 but its payload is not valid base64."),
        ("data:image/png;base64,iVBORw0", "An output data: URI says base64 but its payload is not valid base64."),
        ("data:image/png;base64,", "An output data: URI has an empty payload, so there is no file to save."),
        ("data:image/png,", "An output data: URI has an empty payload, so there is no file to save."),
        ("data:image/png;base64", "An output data: URI has no comma before its payload, so it holds no file."),
    ],
)
def test_bad_data_uris_are_refused_not_saved_empty(uri: str, sentence: str) -> None:
    with pytest.raises(UnexpectedResponse) as caught:
        decode_data_uri(uri)
    assert str(caught.value) == sentence


def test_a_data_uri_over_the_cap_is_not_decoded() -> None:
    uri = "data:application/octet-stream;base64," + base64.b64encode(b"x" * 3000).decode()
    with pytest.raises(UnexpectedResponse, match="larger than"):
        decode_data_uri(uri, max_bytes=1000)


# ---- event-stream caps ---------------------------------------------------------------------------------------


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def test_an_endless_line_stops_the_stream_at_the_cap() -> None:
    decoder = SSEDecoder(max_event_bytes=1000)
    with pytest.raises(UnexpectedResponse, match=r"^The event stream sent an event larger than 1000 bytes"):
        _ = [event async for event in iter_sse(chunks(b"data: ", *[b"x" * 300] * 5), decoder)]


async def test_an_event_of_many_lines_stops_at_the_cap_but_small_events_pass() -> None:
    decoder = SSEDecoder(max_event_bytes=1000)
    events = [event async for event in iter_sse(chunks(b"event: output\ndata: hi\n\n" * 50), decoder)]
    assert [event.data for event in events] == ["hi"] * 50
    with pytest.raises(UnexpectedResponse):
        _ = [event async for event in iter_sse(chunks(b"data: " + b"y" * 100 + b"\n", *[b"data: z\n"] * 600),
                                               SSEDecoder(max_event_bytes=1000))]
