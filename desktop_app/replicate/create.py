"""Creating and canceling predictions on the three create routes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .client import JSON, AnswerHook, ReplicateClient
from .errors import NotFoundError, ReplicateError
from .model_schemas import ModelTarget
from .models import ModelRef, model_path
from .parse import parse_prediction

log = logging.getLogger(__name__)


async def create_prediction(
    client: ReplicateClient,
    ref: ModelRef,
    model_input: Mapping[str, Any],
    *,
    wait_seconds: int | None,
    cancel_after: str | None = None,
    target: ModelTarget | None = None,
    retry_throttled: bool = True,
    on_answer: AnswerHook | None = None,
) -> JSON:
    """Creates a prediction: by version when one is pinned or known (a community model's latest), on the
    official-model route when the model is known to have one; otherwise that route is tried first, falling
    back to the model's latest version when it does not exist for the model.

    ``wait_seconds`` holds the request (``Prefer: wait=N``) until the run ends or N seconds pass;
    ``cancel_after`` is the run's deadline (``Cancel-After``), measured by Replicate from creation.
    ``retry_throttled`` and ``on_answer`` go to the client (see :meth:`ReplicateClient.request_json`)."""
    headers: dict[str, str] = {}
    if wait_seconds:
        headers["Prefer"] = f"wait={wait_seconds}"
    if cancel_after:
        headers["Cancel-After"] = cancel_after
    # The server answers at the end of the hold; a little more than N covers the trip back. A timeout here
    # would lose a prediction that runs (and is billed), so the margin is generous.
    read_timeout = wait_seconds + 5.0 if wait_seconds else 30.0
    body: JSON = {"input": dict(model_input)}
    version = ref.version or (target.version if target is not None else None)

    async def by_version(version: str) -> JSON:
        _, created = await client.post_json(
            "predictions", {"version": version, **body}, headers=headers or None, read_timeout=read_timeout,
            retry_throttled=retry_throttled, on_answer=on_answer,
        )
        return parse_prediction(created)

    if version:
        return await by_version(version)
    try:
        _, created = await client.post_json(
            f"{model_path(ref.owner, ref.name)}/predictions", body, headers=headers or None, read_timeout=read_timeout,
            retry_throttled=retry_throttled, on_answer=on_answer,
        )
        return parse_prediction(created)
    except NotFoundError:
        log.info("%s has no official-model route; looking up its latest version", ref.full_name)
    return await by_version(await latest_version(client, ref))


@dataclass(frozen=True)
class CreateCall:
    """One create as :func:`~desktop_app.replicate.predictions.run_prediction` would send it. A create step
    (``run_prediction(create=...)``) decides when to :meth:`send` it and what to do when it is throttled or
    its answer is lost; the request itself is always built here."""

    client: ReplicateClient
    ref: ModelRef
    model_input: Mapping[str, Any]
    wait_seconds: int | None
    cancel_after: str | None
    target: ModelTarget | None

    @property
    def version(self) -> str | None:
        """The version the create names (pinned, or a community model's latest), ``None`` on the model route."""
        return self.ref.version or (self.target.version if self.target is not None else None)

    async def send(self, *, retry_throttled: bool = True, on_answer: AnswerHook | None = None) -> JSON:
        """Sends the create once (the client's own retries aside) and returns the checked prediction."""
        return await create_prediction(self.client, self.ref, self.model_input, wait_seconds=self.wait_seconds,
                                       cancel_after=self.cancel_after, target=self.target,
                                       retry_throttled=retry_throttled, on_answer=on_answer)


CreateStep = Callable[[CreateCall], Awaitable[JSON]]


async def send_create(call: CreateCall) -> JSON:
    """The default create step: send it, with the client's usual retries."""
    return await call.send()


async def latest_version(client: ReplicateClient, ref: ModelRef) -> str:
    try:
        model = await client.get_json(model_path(ref.owner, ref.name))
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
