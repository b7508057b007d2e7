"""The fake's catalogue and Files API routes: search, `QUERY /v1/models`, model lists, collections (§8), files (§7)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .prediction import new_prediction_id
from .recording import problem
from .schemas import model_object
from .scripts import FakeModel

if TYPE_CHECKING:
    from .server import FakeReplicate

_WORD = re.compile(r"[a-z0-9]+")


@dataclass
class FakeCollection:
    """A collection: its text, and the full names of its models (in order)."""

    slug: str
    name: str
    description: str
    full_description: str = ""
    models: list[str] = field(default_factory=list)


@dataclass
class FakeFile:
    """A file stored through `POST /v1/files`."""

    id: str
    filename: str
    content_type: str
    data: bytes
    metadata: Any
    created_at: datetime

    def to_json(self, base_url: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.filename,
            "content_type": self.content_type,
            "size": len(self.data),
            "checksums": {"sha256": hashlib.sha256(self.data).hexdigest()},
            "metadata": self.metadata,
            "created_at": _iso(self.created_at),
            "expires_at": _iso(self.created_at + timedelta(hours=24)),
            "urls": {"get": f"{base_url}/files/{self.id}"},
        }


def default_collections(models: list[FakeModel]) -> dict[str, FakeCollection]:
    """`language-models`, `text-to-image` and `official`, filled from the registered models."""
    text = [m.full_name for m in models if m.script.kind == "text"]
    image = [m.full_name for m in models if m.script.kind == "image"]
    official = [m.full_name for m in models if m.official]
    collections = [
        FakeCollection("language-models", "Language models", "Models that can understand and generate text",
                       "Chat with them, summarise, translate.", text),
        FakeCollection("text-to-image", "Generate images", "Models that generate images from text prompts",
                       "Turn a prompt into a picture.", image),
        FakeCollection("official", "Official models", "Official models are always on and have stable APIs",
                       "Maintained by Replicate.", official),
    ]
    return {collection.slug: collection for collection in collections}


class FakeCatalogue:
    """Routes and state for finding models and storing input files; owned by a `FakeReplicate`.

    `collections` (slug → `FakeCollection`) and `files` (id → `FakeFile`) can be edited by tests;
    uploads of `fake.max_upload_bytes` or more get the real 413. Pages hold `fake.page_size` items.
    """

    def __init__(self, fake: FakeReplicate) -> None:
        self.fake = fake
        self.collections = default_collections(list(fake.models.values()))
        self.files: dict[str, FakeFile] = {}

    def add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/v1/search", self._search)
        router.add_get("/v1/models", self._list_models)
        router.add_route("QUERY", "/v1/models", self._query_models)
        router.add_get("/v1/collections", self._list_collections)
        router.add_get("/v1/collections/{slug}", self._get_collection)
        router.add_post("/v1/files", self._create_file)
        router.add_get("/v1/files", self._list_files)
        router.add_get("/v1/files/{id}", self._get_file)
        router.add_delete("/v1/files/{id}", self._delete_file)

    # ---- search and lists ------------------------------------------------------------------------

    def matching(self, query: str) -> list[tuple[FakeModel, float]]:
        """Models whose name or description contains every word of `query`, best first."""
        words = _WORD.findall(query.lower())
        found = []
        for model in self.fake.models.values():
            name = model.full_name.lower()
            haystack = f"{name} {model.description.lower()}"
            if words and all(word in haystack for word in words):
                score = sum(2.0 if word in name else 1.0 for word in words) / len(words)
                found.append((model, score))
        return sorted(found, key=lambda pair: (-pair[1], -pair[0].run_count, pair[0].full_name))

    async def _search(self, request: web.Request) -> web.StreamResponse:
        query = request.query.get("query", "")
        if not query.strip():
            return problem(400, {"title": "Bad request", "detail": "query is required", "status": 400})
        try:
            limit = int(request.query.get("limit", "20"))
        except ValueError:
            limit = 0
        if not 1 <= limit <= 50:
            return problem(400, {"title": "Bad request", "detail": "limit must be between 1 and 50", "status": 400})
        hits = self.matching(query)[:limit]
        words = set(_WORD.findall(query.lower()))
        return web.json_response({
            "query": query,
            "models": [
                {"model": model_object(model, self.fake.root_url),
                 "metadata": {"generated_description": f"A {model.script.kind} model by {model.owner}",
                              "tags": [model.script.kind, "official" if model.official else "community"],
                              "score": round(score, 3)}}
                for model, score in hits
            ],
            "collections": [
                {"name": c.name, "slug": c.slug, "description": c.description, "models": list(c.models)}
                for c in self.collections.values() if words & set(_WORD.findall(c.slug))
            ],
            "pages": [],
        })

    async def _query_models(self, request: web.Request) -> web.StreamResponse:
        content_type = request.headers.get("Content-Type", "")
        if not content_type.startswith("text/plain"):
            return problem(400, {"title": "Bad request", "status": 400,
                                 "detail": "The search query must be sent as text/plain"})
        query = (await request.read()).decode("utf-8", errors="replace")
        models = [model for model, _ in self.matching(query)]
        return self._model_page(request, models)

    async def _list_models(self, request: web.Request) -> web.StreamResponse:
        models = sorted(self.fake.models.values(), key=lambda m: (m.created_at, m.full_name), reverse=True)
        return self._model_page(request, models)

    def _model_page(self, request: web.Request, models: list[FakeModel]) -> web.StreamResponse:
        page = self._page(request, models)
        if isinstance(page, web.Response):
            return page
        items, next_url, previous_url = page
        return web.json_response({"next": next_url, "previous": previous_url,
                                  "results": [model_object(m, self.fake.root_url) for m in items]})

    def _page(self, request: web.Request, items: list[Any]) -> tuple[list[Any], str | None, str | None] | web.Response:
        try:
            offset = int(base64.urlsafe_b64decode(request.query.get("cursor", "") + "==").decode() or 0)
        except ValueError:
            return problem(400, {"title": "Bad request", "detail": "Invalid cursor", "status": 400})
        size = self.fake.page_size

        def link(start: int) -> str:
            cursor = base64.urlsafe_b64encode(str(start).encode()).decode().rstrip("=")
            return f"{self.fake.root_url}{request.path}?cursor={cursor}"

        next_url = link(offset + size) if offset + size < len(items) else None
        previous_url = link(max(0, offset - size)) if offset > 0 else None
        return items[offset:offset + size], next_url, previous_url

    # ---- collections -----------------------------------------------------------------------------

    async def _list_collections(self, request: web.Request) -> web.StreamResponse:
        page = self._page(request, list(self.collections.values()))
        if isinstance(page, web.Response):
            return page
        items, next_url, previous_url = page
        return web.json_response({"next": next_url, "previous": previous_url, "results": [
            {"name": c.name, "slug": c.slug, "description": c.description} for c in items
        ]})

    async def _get_collection(self, request: web.Request) -> web.StreamResponse:
        collection = self.collections.get(request.match_info["slug"])
        if collection is None:
            return problem(404, {"detail": "Not found.", "status": 404})
        models = [self.fake.models[name] for name in collection.models if name in self.fake.models]
        return web.json_response({
            "name": collection.name, "slug": collection.slug, "description": collection.description,
            "full_description": collection.full_description,
            "models": [model_object(model, self.fake.root_url) for model in models],
        })

    # ---- files -----------------------------------------------------------------------------------

    async def _create_file(self, request: web.Request) -> web.StreamResponse:
        parts = parse_multipart(request.headers.get("Content-Type", ""), await request.read())
        if parts is None or "content" not in parts:
            return problem(400, {"title": "Bad request", "status": 400,
                                 "detail": "The request must be multipart/form-data with a content file"})
        headers, data = parts["content"]
        if len(data) >= self.fake.max_upload_bytes:
            return problem(413)
        filename = _disposition_param(headers.get("content-disposition", ""), "filename") or "file"
        if len(filename.encode()) > 255:
            return problem(422, {"title": "Invalid filename", "status": 422,
                                 "detail": "The filename must be at most 255 bytes"})
        content_type = (parts["type"][1].decode() if "type" in parts else "") or "application/octet-stream"
        metadata: Any = None
        if "metadata" in parts:
            try:
                metadata = json.loads(parts["metadata"][1] or b"null")
            except ValueError:
                return problem(422, {"title": "Invalid metadata", "status": 422, "detail": "metadata is not JSON"})
        stored = FakeFile(new_prediction_id(), filename, content_type, data, metadata, datetime.now(UTC))
        self.files[stored.id] = stored
        return web.json_response(stored.to_json(self.fake.base_url), status=201)

    async def _list_files(self, request: web.Request) -> web.StreamResponse:
        newest = sorted(self.files.values(), key=lambda f: f.created_at, reverse=True)
        page = self._page(request, newest)
        if isinstance(page, web.Response):
            return page
        items, next_url, previous_url = page
        return web.json_response({"next": next_url, "previous": previous_url,
                                  "results": [f.to_json(self.fake.base_url) for f in items]})

    async def _get_file(self, request: web.Request) -> web.StreamResponse:
        stored = self.files.get(request.match_info["id"])
        if stored is None:
            return problem(404, {"detail": "Not found.", "status": 404})
        return web.json_response(stored.to_json(self.fake.base_url))

    async def _delete_file(self, request: web.Request) -> web.StreamResponse:
        if self.files.pop(request.match_info["id"], None) is None:
            return problem(404, {"detail": "Not found.", "status": 404})
        return web.Response(status=204)


def parse_multipart(content_type: str, body: bytes) -> dict[str, tuple[dict[str, str], bytes]] | None:
    """Field name → (lower-cased part headers, bytes) of a `multipart/form-data` body; None if it is not one.

    The fake's middleware has already read the body, so aiohttp's own reader cannot be used.
    """
    if not content_type.lower().startswith("multipart/form-data"):
        return None
    boundary = _disposition_param(content_type, "boundary")
    if not boundary:
        return None
    delimiter = b"--" + boundary.encode()
    parts: dict[str, tuple[dict[str, str], bytes]] = {}
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, sep, data = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not sep:
            return None
        headers = {}
        for line in head.decode("utf-8", errors="replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        name = _disposition_param(headers.get("content-disposition", ""), "name")
        if name:
            parts[name] = (headers, data.removesuffix(b"\r\n"))
    return parts


def _disposition_param(header: str, key: str) -> str | None:
    match = re.search(rf'(?:^|;)\s*{key}="([^"]*)"', header) or re.search(rf"(?:^|;)\s*{key}=([^;\s]+)", header)
    return match.group(1) if match else None


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
