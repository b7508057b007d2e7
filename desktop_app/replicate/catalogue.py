"""Finding models on Replicate: search, collections, model cards and versions, with an offline disk cache."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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
    UnexpectedResponse,
    excerpt,
)
from .models import model_path
from .schema import InputSchema, OutputKind, parse_input_schema, parse_output_kind

log = logging.getLogger(__name__)

T = TypeVar("T")
SEARCH_LIMIT = 24
MAX_COLLECTION_PAGES = 20
CACHE_FORMAT = 1
NAME_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
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
    owner, name = text_of(model.get("owner")), text_of(model.get("name"))
    if not owner or not name:
        raise UnexpectedResponse(f"Replicate sent a model without owner/name: {excerpt(json.dumps(model))!r}")
    latest = model.get("latest_version")
    latest = latest if isinstance(latest, Mapping) else {}
    description = text_of(model.get("description"))
    tags: tuple[str, ...] = ()
    if metadata:
        description = description or text_of(metadata.get("generated_description"))
        raw_tags = metadata.get("tags")
        tags = tuple(str(tag) for tag in raw_tags) if isinstance(raw_tags, list) else ()
    run_count = model.get("run_count")
    return ModelSummary(
        owner=owner,
        name=name,
        description=description,
        run_count=run_count if isinstance(run_count, int) and not isinstance(run_count, bool) else 0,
        cover_image_url=text_of(model.get("cover_image_url")) or None,
        url=text_of(model.get("url")) or None,
        latest_version_id=text_of(latest.get("id")) or None,
        latest_version_created_at=text_of(latest.get("created_at")) or None,
        is_official=model.get("is_official") is True,
        visibility=text_of(model.get("visibility")) or "public",
        tags=tags,
    )


def version_summary(version: Mapping[str, Any]) -> VersionSummary:
    schema = version.get("openapi_schema")
    return VersionSummary(
        id=text_of(version.get("id")),
        created_at=text_of(version.get("created_at")) or None,
        cog_version=text_of(version.get("cog_version")) or None,
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
        github_url=text_of(model.get("github_url")) or None,
        paper_url=text_of(model.get("paper_url")) or None,
        license_url=text_of(model.get("license_url")) or None,
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
            slug = text_of(item.get("slug"))
            if slug:
                collections.append(CollectionSummary(slug, text_of(item.get("name")) or slug,
                                                     text_of(item.get("description"))))
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
        slug=text_of(found.get("slug")) or slug,
        name=text_of(found.get("name")) or slug,
        description=text_of(found.get("description")),
        full_description=text_of(found.get("full_description")),
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


def text_of(value: Any) -> str:
    return value if isinstance(value, str) else ""


# ---- disk cache ------------------------------------------------------------------------------
