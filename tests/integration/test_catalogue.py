"""Finding models and uploading input files, against the fake Replicate server."""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
import pytest_asyncio

from desktop_app.replicate import (
    AuthenticationError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    ReplicateClient,
)
from desktop_app.replicate.catalogue import (
    get_collection,
    get_model_card,
    list_collections,
    list_models,
    list_versions,
    search_models,
)
from desktop_app.replicate.catalogue_cache import CatalogueCache, cached_cover
from desktop_app.replicate.uploads import UploadTooLarge, file_input_value, upload_file
from desktop_app.storage.atomic import write_atomically
from tests.fake_replicate import FakeReplicate
from tests.fake_replicate.schemas import ASPECT_RATIOS

FLUX = "black-forest-labs/flux-schnell"
SDXL = "bytedance/sdxl-lightning-4step"
LLAMA = "meta/meta-llama-3-70b-instruct"


async def _no_sleep(seconds: float) -> None:
    return None


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def client_for(http: aiohttp.ClientSession, fake: FakeReplicate, **kwargs: Any) -> ReplicateClient:
    kwargs.setdefault("token", fake.token)
    return ReplicateClient(http, base_url=fake.base_url, sleep=_no_sleep, **kwargs)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---- search ------------------------------------------------------------------------------------


async def test_search_uses_the_search_endpoint_and_reads_models_with_metadata(
    http: aiohttp.ClientSession, fake_replicate: FakeReplicate
) -> None:
    page = await search_models(client_for(http, fake_replicate), "  flux  ")
    assert [item.full_name for item in page.items] == [FLUX]
    assert page.next_cursor is None
    (flux,) = page.items
    model = fake_replicate.models[FLUX]
    assert flux.is_official
    assert flux.run_count == model.run_count
    assert flux.latest_version_id == model.version
    assert flux.latest_version_created_at == model.created_at
    assert flux.cover_image_url == f"{fake_replicate.root_url}/covers/black-forest-labs/flux-schnell.png"
    assert flux.url == f"https://replicate.com/{FLUX}"
    assert flux.description == model.description
    assert flux.tags == ("image", "official")
    (request,) = fake_replicate.requests_to("GET", "/v1/search")
    assert request.query == {"query": "flux", "limit": "24"}
    assert request.header("Authorization") == f"Bearer {fake_replicate.token}"
    assert fake_replicate.requests_to("QUERY", "/v1/models") == []


async def test_search_falls_back_to_query_when_the_search_endpoint_is_missing(
    http: aiohttp.ClientSession, fake_replicate: FakeReplicate
) -> None:
    fake_replicate.fail_next("GET", "/v1/search", 404)
    page = await search_models(client_for(http, fake_replicate), "llama")
    assert [item.full_name for item in page.items] == [LLAMA]
    (query,) = fake_replicate.requests_to("QUERY", "/v1/models")
    assert query.body == b"llama"
    assert query.header("Content-Type") == "text/plain; charset=utf-8"
    assert query.header("Authorization") == f"Bearer {fake_replicate.token}"


async def test_query_pages_are_followed_with_the_next_url_verbatim(
    http: aiohttp.ClientSession, fake_replicate: FakeReplicate
) -> None:
    fake_replicate.page_size = 3
    fake_replicate.fail_next("GET", "/v1/search", 405)
    client = client_for(http, fake_replicate)
    page = await search_models(client, "model")
    seen = [item.full_name for item in page.items]
    cursors = []
    while page.next_cursor is not None:
        cursors.append(page.next_cursor)
        page = await search_models(client, "model", cursor=page.next_cursor)
        seen += [item.full_name for item in page.items]
    expected = [model.full_name for model, _ in fake_replicate.catalogue.matching("model")]
    assert len(expected) > 6  # three pages at least
    assert seen == expected
    queries = fake_replicate.requests_to("QUERY", "/v1/models")
    assert len(queries) == len(cursors) + 1
    for request, cursor in zip(queries[1:], cursors, strict=True):
        assert request.body == b"model"
        assert request.query == {key: values[0] for key, values in parse_qs(urlsplit(cursor).query).items()}
    assert len(fake_replicate.requests_to("GET", "/v1/search")) == 1  # later pages never retry /search


async def test_search_falls_back_after_server_errors_but_raises_auth_and_throttling(
    http: aiohttp.ClientSession, fake_replicate: FakeReplicate
) -> None:
    fake_replicate.fail_next("GET", "/v1/search", 503, times=2)
    page = await search_models(client_for(http, fake_replicate, max_retries=1), "sdxl")
    assert [item.full_name for item in page.items] == [SDXL]

    with pytest.raises(AuthenticationError, match="token was refused"):
        await search_models(client_for(http, fake_replicate, token="r8_wrong"), "sdxl")
    fake_replicate.fail_next("GET", "/v1/search", 429, times=3)
    with pytest.raises(RateLimitedError, match="throttling"):
        await search_models(client_for(http, fake_replicate, max_retries=2), "sdxl")
    assert len(fake_replicate.requests_to("QUERY", "/v1/models")) == 1  # only the 503 fell back


async def test_search_raises_the_first_error_when_neither_way_exists(
    http: aiohttp.ClientSession, fake_replicate: FakeReplicate
) -> None:
    fake_replicate.fail_next("GET", "/v1/search", 404)
    fake_replicate.fail_next("QUERY", "/v1/models", 405)
    with pytest.raises(NotFoundError, match="could not be found"):
        await search_models(client_for(http, fake_replicate), "flux")


async def test_search_against_an_unreachable_server_is_a_network_error(http: aiohttp.ClientSession) -> None:
    client = ReplicateClient(http, token="r8_x", base_url=f"http://127.0.0.1:{free_port()}/v1",
                             sleep=_no_sleep, max_retries=1)
    with pytest.raises(NetworkError, match=r"Could not reach 127\.0\.0\.1"):
        await search_models(client, "flux")


async def test_an_empty_query_browses_all_models(http: aiohttp.ClientSession, fake_replicate: FakeReplicate) -> None:
    fake_replicate.page_size = 4
    client = client_for(http, fake_replicate)
    page = await search_models(client, "   ")
    assert len(page.items) == 4
    assert page.next_cursor is not None
    rest = await search_models(client, "", cursor=page.next_cursor)
    assert rest.items == (await list_models(client, cursor=page.next_cursor)).items
    names = {item.full_name for item in page.items + rest.items}
    assert len(names) == 8
    assert fake_replicate.requests_to("GET", "/v1/search") == []


# ---- collections, cards, versions ----------------------------------------------------------------


async def test_collections_are_listed_across_pages_and_opened(
    http: aiohttp.ClientSession, fake_replicate: FakeReplicate
) -> None:
    fake_replicate.page_size = 1
    client = client_for(http, fake_replicate)
    collections = await list_collections(client)
    assert [c.slug for c in collections] == ["language-models", "text-to-image", "official"]
    assert collections[1].name == "Generate images"
    assert len(fake_replicate.requests_to("GET", "/v1/collections")) == 3

    images = await get_collection(client, "text-to-image")
    assert images.full_description == "Turn a prompt into a picture."
    expected = [m.full_name for m in fake_replicate.models.values() if m.script.kind == "image"]
    assert [m.full_name for m in images.models] == expected
    assert all(m.latest_version_id for m in images.models)
    with pytest.raises(NotFoundError, match="no collection called 'nope'"):
        await get_collection(client, "nope")


async def test_model_card_carries_the_parsed_schema_of_the_latest_version(
    http: aiohttp.ClientSession, fake_replicate: FakeReplicate
) -> None:
    client = client_for(http, fake_replicate)
    card = await get_model_card(client, "black-forest-labs", "flux-schnell", with_versions=True)
    assert card.full_name == FLUX
    assert card.summary.is_official
    assert [f.name for f in card.input_schema.fields] == [
        "prompt", "aspect_ratio", "num_outputs", "num_inference_steps", "seed", "output_format",
        "disable_safety_checker",
    ]
    aspect = card.input_schema.get("aspect_ratio")
    assert aspect is not None
    assert aspect.kind == "enum"
    assert aspect.choices == ASPECT_RATIOS
    assert card.input_schema.required == {"prompt"}
    assert card.output_kind == "files"
    assert [v.id for v in card.versions] == [fake_replicate.models[FLUX].version]
    assert fake_replicate.requests_to("GET", f"/v1/models/{FLUX}/versions") == []  # official: nothing to list
    assert card.fetched_at is not None

    llama = await get_model_card(client, "meta", "meta-llama-3-70b-instruct")
    assert llama.output_kind == "text"
    assert llama.input_schema.prompt_field is not None
    assert llama.input_schema.prompt_field.name == "prompt"

    with pytest.raises(NotFoundError, match="nobody/nothing does not exist or is private"):
        await get_model_card(client, "nobody", "nothing")


async def test_versions_are_listed_for_community_models(
    http: aiohttp.ClientSession, fake_replicate: FakeReplicate
) -> None:
    client = client_for(http, fake_replicate)
    page = await list_versions(client, "bytedance", "sdxl-lightning-4step")
    assert [v.id for v in page.items] == [fake_replicate.models[SDXL].version]
    assert page.next_cursor is None
    assert page.items[0].cog_version == "0.9.6"
    assert page.items[0].output_kind == "files"
    assert page.items[0].input_schema.get("seed") is not None
    card = await get_model_card(client, "bytedance", "sdxl-lightning-4step", with_versions=True)
    assert len(card.versions) == 1  # the latest is not listed twice
    with pytest.raises(NotFoundError, match="no versions can be listed for black-forest-labs/flux-schnell"):
        await list_versions(client, "black-forest-labs", "flux-schnell")


async def test_cached_cards_and_covers_survive_the_server_going_away(
    http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    async with FakeReplicate() as fake:
        client = client_for(http, fake)
        card = await get_model_card(client, "bytedance", "sdxl-lightning-4step")
        cache = CatalogueCache(tmp_path / "catalogue", write=write_atomically)
        cache.put(card)
        assert card.summary.cover_image_url is not None
        cover = await cached_cover(client, cache, card.summary.cover_image_url)
        assert cover.read_bytes().startswith(b"\x89PNG")
        again = await cached_cover(client, cache, card.summary.cover_image_url)
        assert again == cover
        assert len(fake.requests_to("GET", "/covers/")) == 1
    offline = CatalogueCache(tmp_path / "catalogue", write=write_atomically)
    restored = offline.get("bytedance", "sdxl-lightning-4step")
    assert restored is not None
    assert restored.summary == card.summary
    assert restored.input_schema == card.input_schema
    assert restored.output_kind == card.output_kind == "files"
    assert restored.fetched_at == card.fetched_at
    assert [c.full_name for c in offline.cards()] == [SDXL]
    assert offline.cover_path(card.summary.cover_image_url) == cover
    with pytest.raises(NetworkError):
        await get_model_card(client, "bytedance", "sdxl-lightning-4step")


# ---- file inputs -------------------------------------------------------------------------------


async def test_small_files_go_inline_as_data_uris(http: aiohttp.ClientSession, fake_replicate: FakeReplicate,
                                                  tmp_path: Path) -> None:
    picture = tmp_path / "cat.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    value = await file_input_value(client_for(http, fake_replicate), picture)
    assert value.startswith("data:image/png;base64,")
    assert base64.b64decode(value.split(",", 1)[1]) == picture.read_bytes()
    assert fake_replicate.requests_to("POST", "/v1/files") == []


async def test_larger_files_are_uploaded_and_their_url_returned(
    http: aiohttp.ClientSession, fake_replicate: FakeReplicate, tmp_path: Path
) -> None:
    client = client_for(http, fake_replicate)
    data = bytes(range(256)) * 8  # 2 KiB of every byte value
    audio = tmp_path / "speech.wav"
    audio.write_bytes(data)
    url = await file_input_value(client, audio, inline_limit=1024, metadata={"src": "desktop"})
    (stored,) = fake_replicate.catalogue.files.values()
    assert url == f"{fake_replicate.base_url}/files/{stored.id}"
    assert (stored.data, stored.filename, stored.content_type, stored.metadata) == (
        data, "speech.wav", "audio/x-wav", {"src": "desktop"})
    (request,) = fake_replicate.requests_to("POST", "/v1/files")
    assert (request.header("Content-Type") or "").startswith("multipart/form-data; boundary=")
    assert request.header("Authorization") == f"Bearer {fake_replicate.token}"
    described = await client.get_json(url)
    assert described["size"] == len(data)
    assert described["urls"]["get"] == url

    uploaded = await upload_file(client, b"x" * 10, content_type="text/plain", filename="n" * 300 + ".txt")
    assert uploaded.size == 10
    assert uploaded.content_type == "text/plain"
    assert uploaded.expires_at is not None
    named = fake_replicate.catalogue.files[uploaded.id].filename
    assert named.endswith(".txt")
    assert len(named.encode()) <= 255


async def test_too_large_uploads_get_a_clear_error(http: aiohttp.ClientSession, fake_replicate: FakeReplicate,
                                                   tmp_path: Path) -> None:
    fake_replicate.max_upload_bytes = 4096
    client = client_for(http, fake_replicate)
    with pytest.raises(UploadTooLarge, match="files must be less than 100 MB") as caught:
        await file_input_value(client, b"y" * 5000, filename="big.bin", inline_limit=100)
    assert "Files must be less than 100MB" in str(caught.value)  # the server's own words
    assert fake_replicate.catalogue.files == {}

    huge = tmp_path / "huge.bin"
    with huge.open("wb") as handle:
        handle.truncate(100 * 1024 * 1024)  # sparse: nothing is read or sent
    before = len(fake_replicate.requests)
    with pytest.raises(UploadTooLarge, match=r"huge.bin is 104.9 MB: files must be less than 100 MB"):
        await file_input_value(client, huge)
    assert len(fake_replicate.requests) == before


async def test_uploaded_file_url_is_accepted_as_a_model_input(
    http: aiohttp.ClientSession, fake_replicate: FakeReplicate
) -> None:
    client = client_for(http, fake_replicate)
    url = await file_input_value(client, b"z" * 2048, filename="init.png", inline_limit=16)
    status, prediction = await client.post_json(
        "models/black-forest-labs/flux-schnell/predictions", {"input": {"prompt": "x", "image": url}}
    )
    assert status == 201
    assert prediction["input"]["image"] == url
    assert json.loads(fake_replicate.requests_to("POST", "/v1/models/")[0].body)["input"]["image"] == url
