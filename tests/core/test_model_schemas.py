"""Knowing a model before running it: schemas from memory, the disk store, then the API, each for as long as
it can be trusted; look-up failures that must not stop a run, and the ones that must."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from yarl import URL

from desktop_app.replicate import (
    AuthenticationError,
    FollowPolicy,
    ModelSchemas,
    NotFoundError,
    ReplicateClient,
    parse_model,
)
from desktop_app.replicate.models import ModelKind
from desktop_app.replicate.policy import FollowPlan, plan_follow
from desktop_app.replicate.schema import OutputSpec
from desktop_app.storage.schema_cache import SchemaCache

BASE = "https://api.replicate.com/v1"
VERSION = "b" * 64
OLDER = "c" * 64
TEXT = {"components": {"schemas": {"Output": {"type": "array", "items": {"type": "string"},
                                              "x-cog-array-type": "iterator", "x-cog-array-display": "concatenate"}}}}
FILES = {"components": {"schemas": {"Output": {"type": "string", "format": "uri"}}}}


def model(name: str, schema: Mapping[str, Any] | None, *, official: bool, version: str = VERSION) -> dict[str, Any]:
    owner, short = name.split("/")
    return {"owner": owner, "name": short, "is_official": official,
            "latest_version": {"id": version, "openapi_schema": schema}}


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def no_sleep(_: float) -> None:
    return None


@pytest.fixture
async def client() -> AsyncIterator[ReplicateClient]:
    async with aiohttp.ClientSession() as session:
        yield ReplicateClient(session, token="r8_unit_test_token_abcdefghijklmnop", base_url=BASE, sleep=no_sleep)


def gets(m: aioresponses, path: str) -> int:
    return len(m.requests.get(("GET", URL(f"{BASE}/{path}")), []))


async def test_an_official_model_is_read_once_then_known_from_disk_for_a_day(
    client: ReplicateClient, tmp_path: Path
) -> None:
    clock = Clock()
    with aioresponses() as m:
        m.get(f"{BASE}/models/acme/painter", payload=model("acme/painter", FILES, official=True), repeat=True)
        first = await ModelSchemas(SchemaCache(tmp_path), clock=clock).target(client, parse_model("acme/painter"))
        # a new app start: a new ModelSchemas on the same cache folder asks nothing
        later = ModelSchemas(SchemaCache(tmp_path), clock=clock)
        clock.now += 23 * 3600
        again = await later.target(client, parse_model("acme/painter"))
        assert gets(m, "models/acme/painter") == 1
        clock.now += 2 * 3600  # more than a day old: read again
        await later.target(client, parse_model("acme/painter"))
        assert gets(m, "models/acme/painter") == 2
    assert first == again
    assert (first.output, first.official, first.version) == (OutputSpec("files"), True, None)


async def test_a_community_model_is_run_by_its_latest_version_read_at_most_a_minute_before(
    client: ReplicateClient, tmp_path: Path
) -> None:
    clock = Clock()
    schemas = ModelSchemas(SchemaCache(tmp_path), clock=clock)
    with aioresponses() as m:
        m.get(f"{BASE}/models/acme/chat", payload=model("acme/chat", TEXT, official=False, version=OLDER))
        m.get(f"{BASE}/models/acme/chat", payload=model("acme/chat", TEXT, official=False))
        first = await schemas.target(client, parse_model("acme/chat"))
        clock.now += 30
        soon = await schemas.target(client, parse_model("acme/chat"))
        clock.now += 31
        later = await schemas.target(client, parse_model("acme/chat"))
        assert gets(m, "models/acme/chat") == 2
    assert (first.version, soon.version, later.version) == (OLDER, OLDER, VERSION)
    assert first.output == OutputSpec("text", many=True, iterator=True, concatenate=True)
    assert first.official is False


async def test_a_pinned_version_reads_its_own_schema_once_ever(client: ReplicateClient, tmp_path: Path) -> None:
    with aioresponses() as m:
        m.get(f"{BASE}/models/acme/chat/versions/{OLDER}", payload={"id": OLDER, "openapi_schema": FILES})
        first = await ModelSchemas(SchemaCache(tmp_path)).target(client, parse_model(f"acme/chat:{OLDER}"))
        again = await ModelSchemas(SchemaCache(tmp_path)).target(client, parse_model(f"acme/chat:{OLDER}"))
        assert gets(m, f"models/acme/chat/versions/{OLDER}") == 1
        assert gets(m, "models/acme/chat") == 0  # never the model's latest
    assert first == again
    assert (first.output, first.version) == (OutputSpec("files"), OLDER)


async def test_many_runs_of_one_model_at_once_share_one_look_up(client: ReplicateClient) -> None:
    schemas = ModelSchemas()
    with aioresponses() as m:
        m.get(f"{BASE}/models/acme/chat", payload=model("acme/chat", TEXT, official=False), repeat=True)
        targets = await asyncio.gather(*(schemas.target(client, parse_model("acme/chat")) for _ in range(20)))
        assert gets(m, "models/acme/chat") == 1
    assert {target.version for target in targets} == {VERSION}


async def test_a_failed_look_up_leaves_the_output_unknown_and_the_route_to_try(client: ReplicateClient) -> None:
    with aioresponses() as m:
        m.get(f"{BASE}/models/acme/chat", status=503, body="<html>down</html>", content_type="text/html",
              repeat=True)
        target = await ModelSchemas().target(client, parse_model("acme/chat"))
    assert (target.output, target.official, target.version) == (None, None, None)


async def test_a_failed_look_up_falls_back_on_what_was_known(client: ReplicateClient, tmp_path: Path) -> None:
    clock = Clock()
    schemas = ModelSchemas(SchemaCache(tmp_path), clock=clock)
    with aioresponses() as m:
        m.get(f"{BASE}/models/acme/chat", payload=model("acme/chat", TEXT, official=False))
        m.get(f"{BASE}/models/acme/chat", exception=aiohttp.ClientConnectionError("offline"), repeat=True)
        await schemas.target(client, parse_model("acme/chat"))
        clock.now += 120
        stale = await schemas.target(client, parse_model("acme/chat"))
    # the kind is still known; the version may be old, so the create finds the current one itself
    assert (stale.output, stale.official, stale.version) == (OutputSpec("text", True, True, True), None, None)


@pytest.mark.parametrize(("status", "error", "text"), [
    (404, NotFoundError, "acme/ghost does not exist or is private"),
    (401, AuthenticationError, "Invalid token"),
])
async def test_look_up_errors_that_the_create_would_meet_too_stop_the_run(
    client: ReplicateClient, status: int, error: type[Exception], text: str
) -> None:
    with aioresponses() as m:
        m.get(f"{BASE}/models/acme/ghost", status=status, payload={"detail": "Invalid token" if status == 401
                                                                  else "Not found", "status": status})
        with pytest.raises(error, match=text):
            await ModelSchemas().target(client, parse_model("acme/ghost"))


async def test_a_community_model_without_a_version_cannot_run(client: ReplicateClient) -> None:
    with aioresponses() as m:
        m.get(f"{BASE}/models/acme/empty", payload={"owner": "acme", "name": "empty", "is_official": False,
                                                    "latest_version": None})
        with pytest.raises(NotFoundError, match="acme/empty has no published version to run"):
            await ModelSchemas().target(client, parse_model("acme/empty"))


async def test_a_damaged_cache_file_counts_as_missing(client: ReplicateClient, tmp_path: Path) -> None:
    cache = SchemaCache(tmp_path)
    cache.save("model/acme/painter", {"fetched_at": 1.0, "official": True, "openapi_schema": FILES})
    damage_every_file(tmp_path)
    assert cache.load("model/acme/painter") is None
    with aioresponses() as m:
        m.get(f"{BASE}/models/acme/painter", payload=model("acme/painter", FILES, official=True))
        target = await ModelSchemas(cache).target(client, parse_model("acme/painter"))
    assert target.output == OutputSpec("files")
    assert cache.load("model/acme/painter") is not None  # written again


def damage_every_file(folder: Path) -> None:
    for path in folder.iterdir():
        path.write_text("{not json", encoding="utf-8")


def test_the_cache_keeps_keys_apart_and_survives_an_unwritable_folder(tmp_path: Path) -> None:
    cache = SchemaCache(tmp_path / "schemas")
    cache.save("version/a", {"openapi_schema": {"x": 1}})
    cache.save("version/b", {"openapi_schema": {"x": 2}})
    assert cache.load("version/a") == {"openapi_schema": {"x": 1}}
    assert cache.load("version/b") == {"openapi_schema": {"x": 2}}
    assert cache.load("version/c") is None
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    schemas = ModelSchemas(SchemaCache(blocked / "schemas"))
    schemas.remember_model(model("acme/painter", FILES, official=True))  # logs, does not raise


@pytest.mark.parametrize(("known", "output", "policy", "kind", "held"), [
    ("text", None, FollowPolicy(), "text", None),  # built in: text streams
    ("image", None, FollowPolicy(), "image", 60),  # built in: images are held
    (None, OutputSpec("text", many=True, iterator=True, concatenate=True), FollowPolicy(), "text", None),
    (None, OutputSpec("files", many=True, iterator=True), FollowPolicy(), "image", None),  # a file stream
    (None, OutputSpec("files", many=True), FollowPolicy(wait_seconds=30), "image", 30),
    (None, OutputSpec("text"), FollowPolicy(), "text", 60),  # one string: nothing to stream
    (None, OutputSpec("json"), FollowPolicy(), None, 60),  # classified by what it returns
    (None, None, FollowPolicy(), None, 60),  # schema unknown: held, as a careful client would
    (None, OutputSpec("text", many=True, iterator=True), FollowPolicy(use_stream=False, wait_seconds=None), "text",
     None),
])
def test_the_fastest_way_follows_from_the_kind_or_the_schema(
    known: ModelKind | None, output: OutputSpec | None, policy: FollowPolicy, kind: ModelKind | None, held: int | None
) -> None:
    assert plan_follow(known, output, policy) == FollowPlan(kind, held)
