"""Creating and canceling predictions on the three create routes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .client import JSON, AnswerHook, ReplicateClient
from .errors import MalformedPrediction, NetworkError, NotFoundError, ReplicateError, ServerError, UnexpectedResponse
from .lost_create import SentCreate, claim_prediction, find_lost_prediction
from .model_schemas import ModelTarget
from .models import ModelRef, model_path
from .parse import parse_prediction
from .policy import TERMINAL

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


async def create_tracked(
    client: ReplicateClient,
    ref: ModelRef,
    model_input: Mapping[str, Any],
    *,
    wait_seconds: int | None,
    cancel_after: str | None = None,
    target: ModelTarget | None = None,
    cancel_timeout: float = 5.0,
) -> JSON:
    """:func:`create_prediction`, never losing sight of a prediction it may have made.

    When the answer is lost after the request left (a reset, a timeout, a 5xx from a gateway, a body that is
    not the promised JSON), the account's recent predictions are searched for it
    (:func:`find_lost_prediction`) and the one found is returned to be followed; nothing is sent again. When
    the run is stopped while the create is held (its task cancelled), or the answer names no usable id, the
    prediction is found the same way and canceled, so nobody pays for a run nobody watches."""
    sent = SentCreate.of(ref, model_input, target)
    try:
        created = await create_prediction(client, ref, model_input, wait_seconds=wait_seconds,
                                          cancel_after=cancel_after, target=target)
    except MalformedPrediction as error:  # it may run on Replicate but cannot be followed
        if not error.prediction_id:  # one with an id is canceled by run_prediction, whatever step created it
            await cancel_lost(client, sent, cancel_timeout)
        raise
    except asyncio.CancelledError:
        await cancel_lost(client, sent, cancel_timeout)
        raise
    except (NetworkError, ServerError, UnexpectedResponse) as error:
        lost = error
    else:
        claim_prediction(str(created["id"]))
        return created
    found: JSON | None = None
    try:
        found = await _find_quietly(client, sent)
        if found is None:
            raise lost
        log.warning("The answer to a create was lost (%s); following prediction %s found among recent ones",
                    lost, found["id"])
        return await _read_again(client, found)
    except asyncio.CancelledError:  # stopped while looking: what was found, or may yet be, is canceled
        if found is not None:
            await cancel_quietly(client, found, cancel_timeout)
        else:
            await cancel_lost(client, sent, cancel_timeout)
        raise


async def cancel_lost(client: ReplicateClient, sent: SentCreate, limit: float) -> None:
    """Finds the prediction ``sent`` made (looking twice: the server may still be taking the request in) and
    cancels it; best effort within ``limit`` seconds, never masking the reason we are leaving."""

    async def find_and_cancel() -> str | None:
        for pause in (0.0, min(1.0, limit / 4)):
            await asyncio.sleep(pause)
            found = await find_lost_prediction(client, sent)
            if found is not None:
                if found.get("status") not in TERMINAL:
                    await cancel_prediction(client, found)
                return str(found["id"])
        return None

    try:
        found_id = await asyncio.wait_for(asyncio.shield(find_and_cancel()), limit)
    except (ReplicateError, TimeoutError, asyncio.CancelledError) as error:
        log.warning("Could not cancel the prediction a stopped create may have made: %s", error)
        return
    if found_id is None:
        log.info("A stopped create of %s left no prediction behind", sent.model)
    else:
        log.info("Canceled prediction %s, made by a create that was stopped", found_id)


async def _read_again(client: ReplicateClient, listed: JSON) -> JSON:
    """The prediction as ``GET`` by id answers it (a list may leave out what a full object holds, such as a long
    output); the listed object when that GET fails, since following it will read it again anyway."""
    urls = listed.get("urls")
    target = urls.get("get") if isinstance(urls, dict) else None
    try:
        return parse_prediction(await client.get_json(str(target or f"predictions/{listed['id']}")))
    except ReplicateError as error:
        log.info("Could not read prediction %s again (%s); following it from the list", listed["id"], error)
        return listed


async def _find_quietly(client: ReplicateClient, sent: SentCreate) -> JSON | None:
    try:
        return await find_lost_prediction(client, sent)
    except ReplicateError as error:
        log.warning("Could not look for the prediction a lost create may have made: %s", error)
        return None


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
    cancel_timeout: float = 5.0

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
    """The default create step: send it with the client's usual retries, and never lose sight of a prediction
    it may have made (:func:`create_tracked`)."""
    return await create_tracked(call.client, call.ref, call.model_input, wait_seconds=call.wait_seconds,
                                cancel_after=call.cancel_after, target=call.target,
                                cancel_timeout=call.cancel_timeout)


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
    """``POST …/cancel``, retried like a GET after a 5xx or a dropped answer: canceling twice is harmless."""
    urls = prediction.get("urls") or {}
    target = urls.get("cancel") if isinstance(urls, dict) else None
    await client.request_json("POST", str(target or f"predictions/{prediction['id']}/cancel"), safe_to_repeat=True)


async def cancel_quietly(client: ReplicateClient, prediction: JSON, limit: float) -> None:
    """Best-effort cancel on the way out; never masks the reason we are leaving."""
    try:
        await asyncio.wait_for(asyncio.shield(cancel_prediction(client, prediction)), limit)
        log.info("Canceled prediction %s on the server", prediction.get("id"))
    except (ReplicateError, TimeoutError, asyncio.CancelledError) as error:
        log.warning("Could not cancel prediction %s: %s", prediction.get("id"), error)
