"""Finding models on Replicate: search, collections, model cards and versions, with an offline disk cache."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar
from urllib.parse import quote, urlencode

from .bodies import RawBody
from .client import JSON, ReplicateClient
from .errors import (
    APIError,
    AuthenticationError,
    BillingRequiredError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    ReplicateError,
    UnexpectedResponse,
    excerpt,
)
from .files import download_output
from .models import model_path
from .schema import InputSchema, OutputKind, parse_input_schema, parse_output_kind

log = logging.getLogger(__name__)

T = TypeVar("T")
SEARCH_LIMIT = 24
MAX_COLLECTION_PAGES = 20
CACHE_FORMAT = 1
_NAME_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_FALLBACK_STATUSES = frozenset({400, 404, 405, 501})


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results; pass ``next_cursor`` back to get the next page (``None``: no more)."""

    items: list[T]
    next_cursor: str | None = None


@dataclass(frozen=True)
class ModelSummary:
    """What a result list shows of a model."""

    owner: str
    name: str
    description: str = ""
    run_count: int = 0
    cover_image_url: str | None = None
    url: str | None = None
    latest_version_id: str | None = None
    latest_version_created_at: str | None = None
    is_official: bool = False
    visibility: str = "public"
    tags: tuple[str, ...] = ()

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass(frozen=True)
class VersionSummary:
    """One published version of a model; its schema is parsed on demand."""

    id: str
    created_at: str | None = None
    cog_version: str | None = None
    openapi_schema: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)

    @property
    def input_schema(self) -> InputSchema:
        return parse_input_schema(self.openapi_schema)

    @property
    def output_kind(self) -> OutputKind:
        return parse_output_kind(self.openapi_schema)


@dataclass(frozen=True)
class ModelCard:
    """Everything the app shows about one model, and the form its latest version needs.

    ``raw`` is the model object as the API sent it (what the cache stores); ``fetched_at`` is the
    epoch time it came from the network, so an offline UI can say how old it is.
    """

    summary: ModelSummary
    github_url: str | None = None
    paper_url: str | None = None
    license_url: str | None = None
    input_schema: InputSchema = field(default_factory=InputSchema)
    output_kind: OutputKind = "unknown"
    versions: list[VersionSummary] = field(default_factory=list)
    fetched_at: float | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def full_name(self) -> str:
        return self.summary.full_name

    @property
    def latest_version(self) -> VersionSummary | None:
        return self.versions[0] if self.versions else None


@dataclass(frozen=True)
class CollectionSummary:
    """A collection as the list of collections shows it: its slug, name and description."""

    slug: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class Collection:
    """A collection with its models."""

    slug: str
    name: str
    description: str = ""
    full_description: str = ""
    models: list[ModelSummary] = field(default_factory=list)


# ---- parsing API objects ---------------------------------------------------------------------


def model_summary(model: Mapping[str, Any], *, metadata: Mapping[str, Any] | None = None) -> ModelSummary:
    """A :class:`ModelSummary` from a model object (``metadata`` from a search result adds tags)."""
    owner, name = _text(model.get("owner")), _text(model.get("name"))
    if not owner or not name:
        raise UnexpectedResponse(f"Replicate sent a model without owner/name: {excerpt(json.dumps(model))!r}")
    latest = model.get("latest_version")
    latest = latest if isinstance(latest, Mapping) else {}
    description = _text(model.get("description"))
    tags: tuple[str, ...] = ()
    if metadata:
        description = description or _text(metadata.get("generated_description"))
        raw_tags = metadata.get("tags")
        tags = tuple(str(tag) for tag in raw_tags) if isinstance(raw_tags, list) else ()
    run_count = model.get("run_count")
    return ModelSummary(
        owner=owner,
        name=name,
        description=description,
        run_count=run_count if isinstance(run_count, int) and not isinstance(run_count, bool) else 0,
        cover_image_url=_text(model.get("cover_image_url")) or None,
        url=_text(model.get("url")) or None,
        latest_version_id=_text(latest.get("id")) or None,
        latest_version_created_at=_text(latest.get("created_at")) or None,
        is_official=model.get("is_official") is True,
        visibility=_text(model.get("visibility")) or "public",
        tags=tags,
    )


def version_summary(version: Mapping[str, Any]) -> VersionSummary:
    schema = version.get("openapi_schema")
    return VersionSummary(
        id=_text(version.get("id")),
        created_at=_text(version.get("created_at")) or None,
        cog_version=_text(version.get("cog_version")) or None,
        openapi_schema=schema if isinstance(schema, Mapping) else None,
    )


def model_card(
    model: Mapping[str, Any], versions: Sequence[Mapping[str, Any]] = (), *, fetched_at: float | None = None
) -> ModelCard:
    """A :class:`ModelCard` from a model object; the schema is the latest version's."""
    latest = model.get("latest_version")
    parsed = [version_summary(v) for v in versions if isinstance(v, Mapping)]
    if isinstance(latest, Mapping) and not any(v.id == latest.get("id") for v in parsed):
        parsed.insert(0, version_summary(latest))
    schema = parsed[0].openapi_schema if parsed else None
    input_schema = parse_input_schema(schema)
    if not parsed:
        input_schema = InputSchema(problems=["This model has no published version yet, so it cannot be run."])
    return ModelCard(
        summary=model_summary(model),
        github_url=_text(model.get("github_url")) or None,
        paper_url=_text(model.get("paper_url")) or None,
        license_url=_text(model.get("license_url")) or None,
        input_schema=input_schema,
        output_kind=parse_output_kind(schema),
        versions=parsed,
        fetched_at=fetched_at,
        raw=dict(model),
    )


# ---- requests --------------------------------------------------------------------------------


async def search_models(
    client: ReplicateClient, query: str, *, cursor: str | None = None, limit: int = SEARCH_LIMIT
) -> Page[ModelSummary]:
    """Models matching ``query``: ``GET /v1/search`` (one page), else ``QUERY /v1/models``.

    The fallback runs when ``/search`` is missing or refuses the request (400/404/405/501), sends
    something that is not its JSON, or keeps failing with 5xx. Authentication, billing, throttling
    and network errors are raised as they are (the fallback would only fail the same way). A
    ``cursor`` is a page's ``next`` URL, requested verbatim. An empty query browses all models
    (:func:`list_models`).
    """
    query = query.strip()
    if not query:
        return await list_models(client, cursor=cursor)
    if cursor is not None:
        return _models_page(await _query_models(client, query, cursor))
    path = "search?" + urlencode({"query": query, "limit": max(1, min(50, limit))})
    try:
        found = await client.get_json(path)
    except (AuthenticationError, BillingRequiredError, RateLimitedError, NetworkError):
        raise
    except (APIError, UnexpectedResponse) as error:
        if isinstance(error, APIError) and error.status < 500 and error.status not in _FALLBACK_STATUSES:
            raise
        log.info("Search endpoint unavailable (%s); falling back to QUERY /v1/models", error)
        try:
            return _models_page(await _query_models(client, query, "models"))
        except APIError as fallback_error:
            if fallback_error.status in _FALLBACK_STATUSES:
                raise error from fallback_error  # neither way works: the first answer explains more
            raise
    results = found.get("models")
    if not isinstance(results, list):
        raise UnexpectedResponse(f"Replicate's search answer has no model list: {excerpt(json.dumps(found))!r}")
    items = []
    for result in results:
        if isinstance(result, Mapping) and isinstance(result.get("model"), Mapping):
            metadata = result.get("metadata")
            items.append(model_summary(result["model"], metadata=metadata if isinstance(metadata, Mapping) else None))
        elif isinstance(result, Mapping) and "owner" in result:  # a bare model object
            items.append(model_summary(result))
    return Page(items, None)


async def list_models(client: ReplicateClient, *, cursor: str | None = None) -> Page[ModelSummary]:
    """Public models, most recently updated first (``GET /v1/models``); ``cursor`` is a ``next`` URL."""
    return _models_page(await client.get_json(cursor or "models"))


async def list_collections(client: ReplicateClient) -> list[CollectionSummary]:
    """Every collection (following ``next`` links, at most 20 pages)."""
    collections: list[CollectionSummary] = []
    url: str | None = "collections"
    for _ in range(MAX_COLLECTION_PAGES):
        if url is None:
            break
        page = await client.get_json(url)
        for item in _results(page):
            slug = _text(item.get("slug"))
            if slug:
                collections.append(CollectionSummary(slug, _text(item.get("name")) or slug,
                                                     _text(item.get("description"))))
        url = _next(page)
    return collections


async def get_collection(client: ReplicateClient, slug: str) -> Collection:
    """One collection with its models (``GET /v1/collections/{slug}``)."""
    try:
        found = await client.get_json(f"collections/{quote(slug, safe='')}")
    except NotFoundError as error:
        raise NotFoundError(404, f"there is no collection called {slug!r}", body=error.body) from None
    models = found.get("models")
    return Collection(
        slug=_text(found.get("slug")) or slug,
        name=_text(found.get("name")) or slug,
        description=_text(found.get("description")),
        full_description=_text(found.get("full_description")),
        models=[model_summary(m) for m in models if isinstance(m, Mapping)] if isinstance(models, list) else [],
    )


async def get_model_card(
    client: ReplicateClient, owner: str, name: str, *, with_versions: bool = False
) -> ModelCard:
    """``GET /v1/models/{owner}/{name}``; ``with_versions`` also reads the first page of versions
    (official models have none to list: then only the latest is known)."""
    try:
        model = await client.get_json(model_path(owner, name))
    except NotFoundError as error:
        raise NotFoundError(
            404, f"the model {owner}/{name} does not exist or is private to another account", body=error.body
        ) from None
    versions: list[Mapping[str, Any]] = []
    if with_versions and model.get("is_official") is not True:
        page = await client.get_json(f"{model_path(owner, name)}/versions")
        versions = _results(page)
    return model_card(model, versions, fetched_at=time.time())


async def list_versions(
    client: ReplicateClient, owner: str, name: str, cursor: str | None = None
) -> Page[VersionSummary]:
    """A page of versions, newest first (``GET /v1/models/{owner}/{name}/versions``)."""
    path = cursor or f"{model_path(owner, name)}/versions"
    try:
        page = await client.get_json(path)
    except NotFoundError as error:
        raise NotFoundError(404, f"no versions can be listed for {owner}/{name}: {error.detail}",
                            body=error.body) from None
    return Page([version_summary(v) for v in _results(page)], _next(page))


async def _query_models(client: ReplicateClient, query: str, path_or_url: str) -> JSON:
    """``QUERY /v1/models`` with the query as a plain-text body; QUERY is safe, so it is retried like a GET."""
    body = RawBody(query.encode("utf-8"), "text/plain; charset=utf-8")
    return (await client.request_json("QUERY", path_or_url, body=body, safe_to_repeat=True))[1]


def _models_page(page: Mapping[str, Any]) -> Page[ModelSummary]:
    return Page([model_summary(item) for item in _results(page)], _next(page))


def _results(page: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    results = page.get("results")
    if not isinstance(results, list):
        raise UnexpectedResponse(f"Replicate sent a page without results: {excerpt(json.dumps(page))!r}")
    return [item for item in results if isinstance(item, Mapping)]


def _next(page: Mapping[str, Any]) -> str | None:
    value = page.get("next")
    return value if isinstance(value, str) and value else None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


# ---- disk cache ------------------------------------------------------------------------------


class CatalogueCache:
    """Model cards and cover images on disk, so the app can show them offline.

    ``models/<owner>/<name>.json`` holds ``{"format", "fetched_at", "model", "versions"}`` (the API
    objects, parsed again on read); ``covers/<sha256 of the URL>`` holds cover image bytes. Files are written
    with ``write`` (the app passes storage's atomic write; the core does not import storage); unreadable files
    count as missing. Nothing here touches the network.
    """

    def __init__(self, directory: Path, *, write: Callable[[Path, bytes], None]) -> None:
        self.directory = directory
        self._write = write

    def get(self, owner: str, name: str) -> ModelCard | None:
        """The cached card of ``owner/name``, or ``None`` when there is none (or it is unreadable)."""
        return self._read(self._card_path(owner, name))

    def put(self, card: ModelCard) -> None:
        """Stores ``card`` (its raw model object and any extra versions), replacing an older copy."""
        if not card.raw:
            raise ValueError("a ModelCard without its raw model object cannot be cached")
        latest = card.raw.get("latest_version")
        latest_id = _text(latest.get("id")) if isinstance(latest, Mapping) else ""
        versions = [
            {"id": v.id, "created_at": v.created_at, "cog_version": v.cog_version,
             "openapi_schema": dict(v.openapi_schema) if v.openapi_schema is not None else None}
            for v in card.versions if v.id != latest_id
        ]
        payload = {"format": CACHE_FORMAT, "fetched_at": card.fetched_at or time.time(), "model": dict(card.raw),
                   "versions": versions}
        path = self._card_path(card.summary.owner, card.summary.name)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._write(path, json.dumps(payload, ensure_ascii=False).encode("utf-8"))

    def cards(self) -> list[ModelCard]:
        """Every cached card, most recently fetched first."""
        found = []
        for path in sorted((self.directory / "models").glob("*/*.json")):
            card = self._read(path)
            if card is not None:
                found.append(card)
        return sorted(found, key=lambda card: card.fetched_at or 0.0, reverse=True)

    def cover_path(self, url: str) -> Path | None:
        """Where the cover image of ``url`` is cached, or ``None`` when it is not."""
        path = self._cover_file(url)
        return path if path.is_file() else None

    def put_cover(self, url: str, data: bytes) -> Path:
        path = self._cover_file(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._write(path, data)
        return path

    def _read(self, path: Path) -> ModelCard | None:
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            log.warning("Ignoring unreadable cached model card %s: %s", path, error)
            return None
        try:
            if not isinstance(stored, dict) or stored.get("format") != CACHE_FORMAT:
                return None
            if not isinstance(stored.get("model"), Mapping):
                raise ValueError("no model object")
            versions = stored.get("versions")
            fetched_at = stored.get("fetched_at")
            return model_card(
                stored["model"],
                [v for v in versions if isinstance(v, Mapping)] if isinstance(versions, list) else [],
                fetched_at=float(fetched_at) if isinstance(fetched_at, int | float) else None,
            )
        except (KeyError, TypeError, ValueError, ReplicateError) as error:
            log.warning("Ignoring malformed cached model card %s: %s", path, error)
            return None

    def _card_path(self, owner: str, name: str) -> Path:
        if _NAME_PART.match(owner) and _NAME_PART.match(name):
            return self.directory / "models" / owner / f"{name}.json"
        digest = hashlib.sha256(f"{owner}/{name}".encode()).hexdigest()[:32]
        return self.directory / "models" / "_" / f"{digest}.json"

    def _cover_file(self, url: str) -> Path:
        return self.directory / "covers" / hashlib.sha256(url.encode("utf-8")).hexdigest()[:40]


async def cached_cover(client: ReplicateClient, cache: CatalogueCache, url: str) -> Path:
    """The cover image of ``url`` on disk: from the cache, else downloaded (https, data: or loopback)."""
    path = cache.cover_path(url)
    if path is not None:
        return path
    downloaded = await download_output(client, url)
    return cache.put_cover(url, downloaded.data)
