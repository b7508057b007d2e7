"""The edge check for prediction objects: each field the follow code uses has its type, or one sentence says not."""

from __future__ import annotations

import logging
import re
from typing import Any

from .errors import MalformedPrediction, excerpt

log = logging.getLogger(__name__)

KNOWN_STATUSES = frozenset({"starting", "processing", "succeeded", "failed", "canceled", "aborted"})
URL_KEYS = ("get", "cancel", "stream", "web")
# Replicate's ids are 26 lowercase base32 characters; allow a little more, but nothing that changes a URL path.
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_NUMERIC_METRICS = ("predict_time", "total_time")


def parse_prediction(value: object) -> dict[str, Any]:
    """Returns ``value`` (the same dict) once it is a usable prediction object, else raises
    :class:`MalformedPrediction` (an :class:`UnexpectedResponse`) naming the first field that is missing or
    of the wrong type.

    Checked: ``id`` (a non-empty id without ``/`` or spaces), ``status`` (text), ``logs`` (text or null),
    ``output`` (any JSON, as the API documents it), ``metrics`` (an object whose times are numbers) and
    ``urls`` (an object of ``http(s)`` URLs). An unknown ``status`` string is accepted and followed as not yet
    finished: a status Replicate adds later must not break every run, and following stays bounded by the policy.
    """
    if not isinstance(value, dict):
        raise MalformedPrediction(f"Replicate answered with {describe_value(value)} instead of a prediction object.")
    prediction_id = value.get("id")
    if prediction_id is None:
        raise MalformedPrediction("Replicate answered with a prediction that has no id, so it cannot be followed.")
    if not isinstance(prediction_id, str) or not ID_PATTERN.match(prediction_id):
        raise _wrong(None, "id", prediction_id, "a prediction id")
    status = value.get("status")
    if status is None:
        raise MalformedPrediction(f"Replicate answered with prediction {prediction_id} but without its status.",
                                  prediction_id=prediction_id)
    if not isinstance(status, str) or not status.strip():
        raise _wrong(prediction_id, "status", status, "a status name")
    if status not in KNOWN_STATUSES:
        log.warning("Prediction %s has the unknown status %r; following it as not finished", prediction_id,
                    excerpt(status, 40))
    logs = value.get("logs")
    if logs is not None and not isinstance(logs, str):
        raise _wrong(prediction_id, "logs", logs, "text")
    _check_metrics(prediction_id, value.get("metrics"))
    _check_urls(prediction_id, value.get("urls"))
    return value


def _check_metrics(prediction_id: str, metrics: object) -> None:
    if metrics is None:
        return
    if not isinstance(metrics, dict):
        raise _wrong(prediction_id, "metrics", metrics, "an object")
    for key in _NUMERIC_METRICS:
        number = metrics.get(key)
        if number is not None and (isinstance(number, bool) or not isinstance(number, int | float)):
            raise _wrong(prediction_id, f"metrics.{key}", number, "a number of seconds")


def _check_urls(prediction_id: str, urls: object) -> None:
    if urls is None:
        return
    if not isinstance(urls, dict):
        raise _wrong(prediction_id, "urls", urls, "an object of links")
    for key in URL_KEYS:
        link = urls.get(key)
        if link is None:
            continue
        if not isinstance(link, str) or not link.lower().startswith(("https://", "http://")):
            raise _wrong(prediction_id, f"urls.{key}", link, "an http(s) URL")


def _wrong(prediction_id: str | None, field: str, value: object, expected: str) -> MalformedPrediction:
    which = f"prediction {prediction_id}" if prediction_id else "a prediction"
    return MalformedPrediction(
        f"Replicate answered with {which} whose {field} field is {describe_value(value)} instead of {expected}.",
        prediction_id=prediction_id,
    )


def describe_value(value: object) -> str:
    """A JSON value as a few words for a sentence: 'the number 7', 'the text \'…\'', 'a list'."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a true/false value"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {excerpt(value, 40)!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
