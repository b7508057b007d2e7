"""Creating and canceling predictions on the three create routes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from .client import JSON, ReplicateClient
from .errors import NotFoundError, ReplicateError
from .models import ModelRef
from .parse import parse_prediction

log = logging.getLogger(__name__)


async def create_prediction(
    client: ReplicateClient, ref: ModelRef, model_input: Mapping[str, Any], *, wait_seconds: int | None
) -> JSON:
    """Creates a prediction: by version when pinned, else the official-model route, falling
    back to the model's latest version when that route does not exist for it."""
    headers = {"Prefer": f"wait={wait_seconds}"} if wait_seconds else None
    read_timeout = (wait_seconds or 0) + 15.0
    body: JSON = {"input": dict(model_input)}
    if ref.version:
        _, created = await client.post_json(
            "predictions", {"version": ref.version, **body}, headers=headers, read_timeout=read_timeout
        )
        return parse_prediction(created)
    try:
        _, created = await client.post_json(
            f"models/{ref.owner}/{ref.name}/predictions", body, headers=headers, read_timeout=read_timeout
        )
        return parse_prediction(created)
    except NotFoundError:
        log.info("%s has no official-model route; looking up its latest version", ref.full_name)
    version = await latest_version(client, ref)
    _, created = await client.post_json(
        "predictions", {"version": version, **body}, headers=headers, read_timeout=read_timeout
    )
    return parse_prediction(created)


async def latest_version(client: ReplicateClient, ref: ModelRef) -> str:
    try:
        model = await client.get_json(f"models/{ref.owner}/{ref.name}")
    except NotFoundError as error:
        raise NotFoundError(
            404, f"the model {ref.full_name} does not exist or is private to another account", body=error.body
        ) from None
    latest = model.get("latest_version")
    version = latest.get("id") if isinstance(latest, dict) else None
    if not isinstance(version, str) or not version:
        raise NotFoundError(404, f"the model {ref.full_name} has no published version to run")
    return version


async def cancel_prediction(client: ReplicateClient, prediction: JSON) -> None:
    urls = prediction.get("urls") or {}
    target = urls.get("cancel") if isinstance(urls, dict) else None
    await client.post_json(str(target or f"predictions/{prediction['id']}/cancel"))


async def cancel_quietly(client: ReplicateClient, prediction: JSON, limit: float) -> None:
    """Best-effort cancel on the way out; never masks the reason we are leaving."""
    try:
        await asyncio.wait_for(asyncio.shield(cancel_prediction(client, prediction)), limit)
        log.info("Canceled prediction %s on the server", prediction.get("id"))
    except (ReplicateError, TimeoutError, asyncio.CancelledError) as error:
        log.warning("Could not cancel prediction %s: %s", prediction.get("id"), error)
