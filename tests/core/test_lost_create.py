"""Finding a lost create among recent predictions: what counts as the same create, paging, and what is never taken."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from yarl import URL

from desktop_app.replicate import ReplicateClient, parse_model
from desktop_app.replicate.lost_create import CLOCK_SKEW, SentCreate, claim_prediction, find_lost_prediction, same_input

BASE = "https://api.replicate.com/v1"
SENT_AT = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
SENT = SentCreate("acme/painter", None, {"prompt": "a boat", "steps": 4, "image": "data:image/png;base64,AAAA"},
                  SENT_AT)


def listed(prediction_id: str, *, seconds: float = 1.0, model: str = "acme/painter", version: str = "hidden",
           model_input: dict[str, Any] | None = None) -> dict[str, Any]:
    created = (SENT_AT + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")
    return {"id": prediction_id, "model": model, "version": version, "status": "processing", "created_at": created,
            "input": SENT.model_input if model_input is None else model_input,
            "urls": {"get": f"{BASE}/predictions/{prediction_id}",
                     "cancel": f"{BASE}/predictions/{prediction_id}/cancel"}}


@pytest.mark.parametrize(
    ("sent", "echoed", "same"),
    [
        ({"a": 1, "b": [1, 2]}, {"b": [1, 2], "a": 1}, True),
        ({"a": 1.0}, {"a": 1}, True),  # JSON does not tell 1.0 from 1
        ({"a": True}, {"a": 1}, False),
        ({"a": 1}, {"a": True}, False),
        ({"img": "data:image/png;base64,AAAA"}, {"img": "https://replicate.delivery/x.png"}, True),
        ({"img": "data:image/png;base64,AAAA"}, {"img": None}, False),
        ({"a": "x"}, {"a": "x", "extra": 1}, False),
        ({"a": [1, 2]}, {"a": [1]}, False),
        ({"a": (1, 2)}, {"a": [1, 2]}, True),
    ],
)
def test_same_input(sent: dict[str, Any], echoed: dict[str, Any], same: bool) -> None:
    assert same_input(sent, echoed) is same


def test_what_matches_a_sent_create() -> None:
    assert SENT.matches(listed("a"))
    assert SENT.matches(listed("a", seconds=-CLOCK_SKEW.total_seconds() + 1))  # the clocks may disagree a little
    assert not SENT.matches(listed("a", seconds=-CLOCK_SKEW.total_seconds() - 1))
    assert not SENT.matches(listed("a", model="acme/other"))
    assert not SENT.matches(listed("a", model_input={"prompt": "a boat"}))
    assert not SENT.matches({**listed("a"), "input": None})
    assert not SENT.matches({**listed("a"), "created_at": "yesterday"})
    pinned = SentCreate("acme/painter", "v" * 64, SENT.model_input, SENT_AT)
    assert pinned.matches(listed("a", version="v" * 64)) and not pinned.matches(listed("a", version="w" * 64))


def test_a_sent_create_names_the_version_it_was_sent_with() -> None:
    assert SentCreate.of(parse_model("acme/painter:" + "c" * 64), {"p": 1}).version == "c" * 64
    assert SentCreate.of(parse_model("acme/painter"), {"p": 1}).version is None


async def test_the_oldest_match_across_pages_is_found_and_paging_stops_at_older_ones() -> None:
    page_2 = f"{BASE}/predictions?cursor=2"
    page_3 = f"{BASE}/predictions?cursor=3"
    with aioresponses() as mocked:
        mocked.get(f"{BASE}/predictions", payload={"next": page_2, "results": [
            listed("newest", seconds=9), listed("other", seconds=8, model="acme/other")]})
        mocked.get(page_2, payload={"next": page_3, "results": [
            listed("older", seconds=2), listed("ancient", seconds=-3600)]})
        async with aiohttp.ClientSession() as session:
            found = await find_lost_prediction(ReplicateClient(session, token="r8_x", base_url=BASE), SENT)
    assert found is not None and found["id"] == "older"
    assert ("GET", URL(page_3)) not in mocked.requests  # older than any create it could be


async def test_predictions_this_process_knows_and_excluded_ones_are_never_taken() -> None:
    claim_prediction("mine")
    with aioresponses() as mocked:
        mocked.get(f"{BASE}/predictions", payload={"next": None, "results": [
            listed("queued-job", seconds=3), listed("mine", seconds=2)]}, repeat=True)
        async with aiohttp.ClientSession() as session:
            client = ReplicateClient(session, token="r8_x", base_url=BASE)
            assert await find_lost_prediction(client, SENT, exclude={"queued-job"}) is None
            found = await find_lost_prediction(client, SENT)
    assert found is not None and found["id"] == "queued-job"


async def test_an_unusable_listed_prediction_is_skipped() -> None:
    broken = {**listed("broken", seconds=2), "status": 42}
    with aioresponses() as mocked:
        mocked.get(f"{BASE}/predictions",
                   payload={"next": None, "results": ["junk", broken, listed("good", seconds=3)]})
        async with aiohttp.ClientSession() as session:
            found = await find_lost_prediction(ReplicateClient(session, token="r8_x", base_url=BASE), SENT)
    assert found is not None and found["id"] == "good"
