"""Model objects → summaries and cards, exact catalogue request shapes, and the offline disk cache."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from yarl import URL

from desktop_app.replicate import ReplicateClient, UnexpectedResponse, ValidationError
from desktop_app.replicate.catalogue import (
    ModelCard,
    model_card,
    model_summary,
    search_models,
)
from desktop_app.replicate.catalogue_cache import CatalogueCache
from desktop_app.replicate.uploads import (
    FileInputError,
    _safe_filename,
    data_uri,
    file_input_value,
    guess_content_type,
)
from desktop_app.storage.atomic import write_atomically

BASE = "https://api.replicate.com/v1"
TOKEN = "r8_unit_test_token_abcdefghijklmnop"
VERSION = "c" * 64

SCHEMA = {
    "openapi": "3.0.2",
    "components": {"schemas": {
        "Input": {"type": "object", "required": ["image"], "properties": {
            "image": {"type": "string", "format": "uri", "title": "Image", "x-order": 0},
            "scale": {"allOf": [{"$ref": "#/components/schemas/scale"}], "default": 4, "x-order": 1},
        }},
        "scale": {"type": "integer", "enum": [2, 4], "title": "scale"},
        "Output": {"type": "string", "format": "uri"},
    }},
}


def model(owner: str = "nightmareai", name: str = "real-esrgan", **overrides: Any) -> dict[str, Any]:
    """A model object shaped like `GET /v1/models/{owner}/{name}` answers it."""
    base: dict[str, Any] = {
        "url": f"https://replicate.com/{owner}/{name}", "owner": owner, "name": name,
        "description": "Real-ESRGAN with optional face correction and adjustable upscale",
        "visibility": "public", "github_url": "https://github.com/xinntao/Real-ESRGAN",
        "paper_url": "https://arxiv.org/abs/2107.10833", "license_url": None, "run_count": 62_345_678,
        "cover_image_url": "https://tjzk.replicate.delivery/models_models_cover_image/esrgan.png",
        "default_example": None, "is_official": False,
        "latest_version": {"id": VERSION, "created_at": "2023-09-04T15:05:10.123Z", "cog_version": "0.8.6",
                           "openapi_schema": SCHEMA},
    }
    base.update(overrides)
    return base


async def _no_sleep(seconds: float) -> None:
    return None


def client(session: aiohttp.ClientSession) -> ReplicateClient:
    return ReplicateClient(session, token=TOKEN, base_url=BASE, sleep=_no_sleep, max_retries=0)


# ---- parsing -----------------------------------------------------------------------------------


def test_model_summary_reads_every_field() -> None:
    summary = model_summary(model())
    assert summary.full_name == "nightmareai/real-esrgan"
    assert summary.run_count == 62_345_678
    assert summary.latest_version_id == VERSION
    assert summary.latest_version_created_at == "2023-09-04T15:05:10.123Z"
    assert summary.cover_image_url == "https://tjzk.replicate.delivery/models_models_cover_image/esrgan.png"
    assert summary.url == "https://replicate.com/nightmareai/real-esrgan"
    assert not summary.is_official
    assert summary.tags == ()


def test_model_summary_tolerates_nulls_and_uses_search_metadata() -> None:
    bare = model(description=None, run_count=None, cover_image_url=None, latest_version=None, is_official=None)
    summary = model_summary(bare, metadata={"generated_description": "Upscales images 4x", "tags": ["upscale"],
                                            "score": 0.9})
    assert summary.description == "Upscales images 4x"
    assert summary.tags == ("upscale",)
    assert (summary.run_count, summary.cover_image_url, summary.latest_version_id) == (0, None, None)
    assert summary.is_official is False
    with pytest.raises(UnexpectedResponse, match="without owner/name"):
        model_summary({"name": "x"})


def test_model_card_parses_links_schema_and_output() -> None:
    card = model_card(model(), fetched_at=123.0)
    assert (card.github_url, card.paper_url, card.license_url) == (
        "https://github.com/xinntao/Real-ESRGAN", "https://arxiv.org/abs/2107.10833", None)
    assert [f.name for f in card.input_schema.fields] == ["image", "scale"]
    assert card.output_kind == "files"
    assert card.latest_version is not None
    assert card.latest_version.cog_version == "0.8.6"
    assert card.fetched_at == 123.0
    older = {"id": "d" * 64, "created_at": "2022-01-01T00:00:00Z", "cog_version": "0.3.0", "openapi_schema": None}
    listed = model_card(model(), [model()["latest_version"], older])
    assert [v.id for v in listed.versions] == [VERSION, "d" * 64]


def test_model_card_without_a_version_says_it_cannot_run() -> None:
    card = model_card(model(latest_version=None))
    assert card.input_schema.fields == []
    assert card.input_schema.problems == ["This model has no published version yet, so it cannot be run."]
    assert card.output_kind == "unknown"
    assert card.latest_version is None


# ---- request shapes ----------------------------------------------------------------------------


async def test_search_request_shape(session: aiohttp.ClientSession) -> None:
    with aioresponses() as m:
        m.get(f"{BASE}/search?query=upscale+faces&limit=10",
              payload={"query": "upscale faces", "models": [{"model": model(), "metadata": {"tags": ["x"]}}],
                       "collections": [], "pages": []})
        page = await search_models(client(session), "upscale faces", limit=10)
    assert [item.full_name for item in page.items] == ["nightmareai/real-esrgan"]
    (call,) = m.requests[("GET", URL(f"{BASE}/search?limit=10&query=upscale+faces"))]  # aioresponses sorts
    assert call.kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"


async def test_query_fallback_sends_the_query_as_plain_text(session: aiohttp.ClientSession) -> None:
    next_url = f"{BASE}/models?cursor=abc"
    with aioresponses() as m:
        m.get(f"{BASE}/search?query=esrgan&limit=24", status=404, payload={"detail": "Not found", "status": 404})
        m.add(f"{BASE}/models", "QUERY", payload={"next": next_url, "previous": None, "results": [model()]})
        m.add(next_url, "QUERY", payload={"next": None, "previous": None, "results": [model(name="other")]})
        page = await search_models(client(session), "esrgan")
        second = await search_models(client(session), "esrgan", cursor=page.next_cursor)
    assert page.next_cursor == next_url
    assert [s.name for s in page.items + second.items] == ["real-esrgan", "other"]
    (call,) = m.requests[("QUERY", URL(f"{BASE}/models"))]
    assert call.kwargs["data"] == b"esrgan"
    assert call.kwargs["headers"]["Content-Type"] == "text/plain; charset=utf-8"
    assert call.kwargs["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert ("QUERY", URL(next_url)) in m.requests


async def test_search_does_not_fall_back_on_validation_errors_and_rejects_odd_answers(
    session: aiohttp.ClientSession,
) -> None:
    with aioresponses() as m:
        m.get(f"{BASE}/search?query=x&limit=24", status=422, payload={"detail": "limit too large", "status": 422})
        with pytest.raises(ValidationError):
            await search_models(client(session), "x")
        m.get(f"{BASE}/search?query=x&limit=24", payload={"query": "x", "models": "nope"})
        with pytest.raises(UnexpectedResponse, match="no model list"):
            await search_models(client(session), "x")
        m.get(f"{BASE}/search?query=y&limit=24", status=404, payload={"detail": "Not found", "status": 404})
        m.add(f"{BASE}/models", "QUERY", body="<html>gateway</html>", content_type="text/html")
        with pytest.raises(UnexpectedResponse, match="instead of JSON"):
            await search_models(client(session), "y")


# ---- cache -------------------------------------------------------------------------------------


def test_cache_round_trip_keeps_versions_and_fetch_time(tmp_path: Path) -> None:
    cache = CatalogueCache(tmp_path, write=write_atomically)
    older = {"id": "d" * 64, "created_at": "2022-01-01T00:00:00Z", "cog_version": "0.3.0", "openapi_schema": None}
    card = model_card(model(), [model()["latest_version"], older], fetched_at=1000.0)
    assert cache.get("nightmareai", "real-esrgan") is None
    cache.put(card)
    restored = cache.get("nightmareai", "real-esrgan")
    assert restored == card
    assert restored is not None
    assert [v.id for v in restored.versions] == [VERSION, "d" * 64]
    assert restored.versions[0].openapi_schema == SCHEMA
    assert sorted(p.name for p in (tmp_path / "models" / "nightmareai").iterdir()) == ["real-esrgan.json"]


def test_cache_lists_newest_first_and_handles_odd_names(tmp_path: Path) -> None:
    cache = CatalogueCache(tmp_path, write=write_atomically)
    cache.put(model_card(model(), fetched_at=1.0))
    cache.put(model_card(model(owner="..", name="a/b"), fetched_at=3.0))
    cache.put(model_card(model(owner="acme", name="fast"), fetched_at=2.0))
    assert [c.full_name for c in cache.cards()] == ["../a/b", "acme/fast", "nightmareai/real-esrgan"]
    odd = cache.get("..", "a/b")
    assert odd is not None
    assert odd.summary.name == "a/b"
    assert all(tmp_path in path.parents for path in tmp_path.rglob("*.json"))
    assert not (tmp_path.parent / "a").exists()


@pytest.mark.parametrize(
    "content",
    ["{not json", json.dumps([1, 2]), json.dumps({"format": 99, "model": model()}),
     json.dumps({"format": 1, "model": "x"}), json.dumps({"format": 1, "model": {"name": "no owner"}})],
)
def test_unreadable_cache_files_count_as_missing(tmp_path: Path, content: str) -> None:
    cache = CatalogueCache(tmp_path, write=write_atomically)
    path = tmp_path / "models" / "nightmareai" / "real-esrgan.json"
    path.parent.mkdir(parents=True)
    path.write_text(content)
    assert cache.get("nightmareai", "real-esrgan") is None
    assert cache.cards() == []


def test_cache_refuses_cards_without_their_raw_object_and_stores_covers(tmp_path: Path) -> None:
    cache = CatalogueCache(tmp_path, write=write_atomically)
    with pytest.raises(ValueError, match="raw model object"):
        cache.put(ModelCard(model_summary(model())))
    url = "https://tjzk.replicate.delivery/cover.png"
    assert cache.cover_path(url) is None
    path = cache.put_cover(url, b"\x89PNG...")
    assert cache.cover_path(url) == path
    assert path.read_bytes() == b"\x89PNG..."
    assert cache.cover_path(url + "?v=2") is None
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary files left behind


# ---- upload helpers ----------------------------------------------------------------------------


def test_upload_helpers() -> None:
    assert data_uri(b"hi", "text/plain") == "data:text/plain;base64,aGk="
    assert guess_content_type("photo.JPG") == "image/jpeg"
    assert guess_content_type("weights.unknownext") == "application/octet-stream"
    assert guess_content_type(None) == "application/octet-stream"
    long_name = "é" * 200 + ".png"
    safe = _safe_filename(long_name)
    assert safe.endswith(".png")
    assert len(safe.encode()) <= 255
    assert _safe_filename("../etc/passwd") == ".._etc_passwd"


async def test_a_missing_file_is_a_clear_error(session: aiohttp.ClientSession, tmp_path: Path) -> None:
    with pytest.raises(FileInputError, match=r"Could not read missing\.png"):
        await file_input_value(client(session), tmp_path / "missing.png")
