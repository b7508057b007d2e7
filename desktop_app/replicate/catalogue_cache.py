"""The catalogue's disk cache: model cards and covers kept for offline use and quick starts."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from .catalogue import CACHE_FORMAT, NAME_PART, ModelCard, model_card, text_of
from .client import ReplicateClient
from .errors import ReplicateError
from .files import download_output

log = logging.getLogger(__name__)


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
        latest_id = text_of(latest.get("id")) if isinstance(latest, Mapping) else ""
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
        if NAME_PART.match(owner) and NAME_PART.match(name):
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
