"""Knowing a model before running it: what it returns (from its schema) and how to create it, from memory, a
disk store passed in by the app, or the API."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

from .client import JSON, ReplicateClient
from .errors import NetworkError, NotFoundError, RateLimitedError, ServerError, UnexpectedResponse
from .models import ModelRef
from .schema import OutputSpec, parse_output

log = logging.getLogger(__name__)

OFFICIAL_MAX_AGE = 24 * 3600.0  # an official model's schema is trusted this long before it is read again
LATEST_MAX_AGE = 60.0  # a community model's latest version is looked up again after this
# A failed look-up does not stop the run: the create still works, and the output then tells the kind.
_SOFT_ERRORS = (NetworkError, ServerError, UnexpectedResponse, RateLimitedError)


class SchemaStore(Protocol):
    """Keeps small JSON objects between runs of the app (the storage layer's ``SchemaCache``)."""

    def load(self, key: str) -> Mapping[str, Any] | None: ...

    def save(self, key: str, value: Mapping[str, Any]) -> None: ...


@dataclass(frozen=True)
class ModelTarget:
    """How to create a prediction of a model, and what it will return.

    ``output`` is ``None`` when no schema could be read; ``official`` is ``None`` when it is not known whether
    the model has the official-model route (then that route is tried first); ``version`` is the version to
    create by: the pinned one, or a community model's latest.
    """

    output: OutputSpec | None = None
    official: bool | None = None
    version: str | None = None


@dataclass(frozen=True)
class _Entry:
    """One model's cached facts: official or not, its latest version, its output, and when they were read."""

    fetched_at: float
    official: bool
    latest_version: str | None
    output: OutputSpec | None


class ModelSchemas:
    """Reads models' schemas for runs: memory first, then ``store`` (on disk), then ``GET /v1/models/…``.

    One per app, shared by every run. A pinned version's schema never changes, so it is kept for good; an
    official model's for ``official_max_age`` seconds. A community model has no route without a version, so
    its latest version (and schema with it) is read at most ``latest_max_age`` seconds before a run — the
    one request the create needed anyway, without the official route's 404 before it.
    """

    def __init__(
        self,
        store: SchemaStore | None = None,
        *,
        clock: Callable[[], float] = time.time,
        official_max_age: float = OFFICIAL_MAX_AGE,
        latest_max_age: float = LATEST_MAX_AGE,
    ) -> None:
        self.store = store
        self.clock = clock
        self.official_max_age = official_max_age
        self.latest_max_age = latest_max_age
        self._models: dict[str, _Entry] = {}
        self._versions: dict[str, OutputSpec | None] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def target(self, client: ReplicateClient, ref: ModelRef) -> ModelTarget:
        """What ``ref`` returns and how to create it. Raises :class:`NotFoundError` for a model that does not
        exist (or has no version to run); network trouble only makes the answer less complete."""
        if ref.version:
            async with self._locks.setdefault(f"version/{ref.version}", asyncio.Lock()):
                return ModelTarget(await self._version_output(client, ref), None, ref.version)
        key = f"model/{ref.owner}/{ref.name}"
        async with self._locks.setdefault(key, asyncio.Lock()):  # many runs of one model: one look-up
            entry = self._models.get(key) or self._load_model(key)
            if entry is not None and self._fresh(entry):
                return _target(ref, entry)
            try:
                model = await client.get_json(f"models/{quote(ref.owner, safe='')}/{quote(ref.name, safe='')}")
            except NotFoundError as error:
                raise NotFoundError(
                    404, f"the model {ref.full_name} does not exist or is private to another account", body=error.body
                ) from None
            except _SOFT_ERRORS as error:
                log.warning("Could not read the schema of %s (%s); the output will tell its kind", ref, error)
                if entry is None:
                    return ModelTarget()
                return ModelTarget(entry.output, True if entry.official else None)
            return _target(ref, self._remember(key, model))

    def remember_model(self, model: Mapping[str, Any]) -> None:
        """Keeps what a model object (``GET /v1/models/{owner}/{name}``, e.g. read for a model card) says."""
        self._remember(f"model/{model.get('owner')}/{model.get('name')}", model)

    def _remember(self, key: str, model: Mapping[str, Any]) -> _Entry:
        latest = model.get("latest_version")
        latest = latest if isinstance(latest, Mapping) else {}
        schema = latest.get("openapi_schema")
        version = latest.get("id")
        entry = _Entry(
            fetched_at=self.clock(),
            official=model.get("is_official") is True,
            latest_version=version if isinstance(version, str) and version else None,
            output=parse_output(schema) if isinstance(schema, Mapping) else None,
        )
        self._models[key] = entry
        if isinstance(entry.latest_version, str) and isinstance(schema, Mapping):
            self._versions.setdefault(entry.latest_version, entry.output)
        self._save(key, {"fetched_at": entry.fetched_at, "official": entry.official,
                         "latest_version": entry.latest_version,
                         "openapi_schema": dict(schema) if isinstance(schema, Mapping) else None})
        return entry

    def _fresh(self, entry: _Entry) -> bool:
        age = self.clock() - entry.fetched_at
        limit = self.official_max_age if entry.official else self.latest_max_age
        return 0 <= age < limit

    async def _version_output(self, client: ReplicateClient, ref: ModelRef) -> OutputSpec | None:
        assert ref.version is not None
        if ref.version in self._versions:
            return self._versions[ref.version]
        key = f"version/{ref.version}"
        stored = self._load(key)
        if stored is not None and isinstance(stored.get("openapi_schema"), Mapping):
            output = parse_output(stored["openapi_schema"])
            self._versions[ref.version] = output
            return output
        path = f"models/{quote(ref.owner, safe='')}/{quote(ref.name, safe='')}/versions/{quote(ref.version, safe='')}"
        try:
            version = await client.get_json(path)
        except (NotFoundError, *_SOFT_ERRORS) as error:
            # The create will say clearly if the version does not exist; without its schema, the output tells.
            log.warning("Could not read the schema of %s (%s); the output will tell its kind", ref, error)
            return None
        schema = version.get("openapi_schema")
        if not isinstance(schema, Mapping):
            return None
        output = parse_output(schema)
        self._versions[ref.version] = output
        self._save(key, {"fetched_at": self.clock(), "openapi_schema": dict(schema)})
        return output

    def _load_model(self, key: str) -> _Entry | None:
        stored = self._load(key)
        if stored is None:
            return None
        fetched_at, official, latest = stored.get("fetched_at"), stored.get("official"), stored.get("latest_version")
        schema = stored.get("openapi_schema")
        if not isinstance(fetched_at, int | float) or not isinstance(official, bool):
            return None
        entry = _Entry(float(fetched_at), official, latest if isinstance(latest, str) and latest else None,
                       parse_output(schema) if isinstance(schema, Mapping) else None)
        self._models[key] = entry
        return entry

    def _load(self, key: str) -> Mapping[str, Any] | None:
        if self.store is None:
            return None
        try:
            return self.store.load(key)
        except Exception as error:  # a broken cache must never stop a run
            log.warning("Ignoring the schema cache for %s: %s", key, error)
            return None

    def _save(self, key: str, value: JSON) -> None:
        if self.store is None:
            return
        try:
            self.store.save(key, value)
        except Exception as error:  # a full disk only costs a look-up next time
            log.warning("Could not cache the schema for %s: %s", key, error)


def _target(ref: ModelRef, entry: _Entry) -> ModelTarget:
    if entry.official:
        return ModelTarget(entry.output, True, None)
    if entry.latest_version is None:
        raise NotFoundError(404, f"the model {ref.full_name} has no published version to run")
    return ModelTarget(entry.output, False, entry.latest_version)
