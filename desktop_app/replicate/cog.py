"""A local Cog server (``cog serve`` / ``docker run -p 5001:5000 …``) as a backend: health, schema, predictions.

Cog's HTTP API is not Replicate's (replicate-api.md §12): no token, synchronous ``POST /predictions``,
its own event stream (cog ≥ 0.21, ``@streaming`` models), no ``GET /predictions/{id}`` — a prediction
cannot be polled by id — and cancel only for predictions started with a client-chosen id.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncGenerator, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp

from .bodies import MAX_ERROR_BYTES, MAX_JSON_BYTES, MIB, read_text
from .client import USER_AGENT, Sleep
from .cog_errors import (
    FAILED_STATUSES,
    CogHealth,
    CogNotReady,
    CogSetupFailed,
    error_for,
)
from .cog_run import CogRun
from .errors import (
    NetworkError,
    ReplicateError,
    UnexpectedResponse,
    excerpt,
)
from .events import PredictionEvent, Started
from .schema import InputSchema, OutputSpec, parse_input_schema, parse_output
from .sse import SSEDecoder, iter_sse

log = logging.getLogger(__name__)
# A synchronous prediction answers with its files inline as base64 data: URIs, so it may be large.
COG_PREDICTION_BYTES = 1024 * MIB

JSON = dict[str, Any]


@dataclass(frozen=True)
class CogCapabilities:
    """What a backend can do, for the UI to enable or explain controls."""

    poll_by_id: bool
    cancel: str
    stream: str
    progress: str
    notes: tuple[str, ...] = ()


CAPABILITIES = CogCapabilities(
    poll_by_id=False,
    cancel="only predictions started with a client-chosen id (predict(..., prediction_id=…))",
    stream="text streams live on cog ≥ 0.21 for @streaming models; otherwise the result arrives at the end",
    progress="log lines and tqdm progress only while streaming; a synchronous run shows nothing until it ends",
    notes=(
        "Cog cannot poll a prediction by id: if the connection drops, the result is lost.",
        "Cancel works only for predictions started with an id; closing a synchronous run just drops the "
        "connection, and the model may keep running until it finishes.",
        "One prediction runs at a time unless the model declares more; another request gets 409 Conflict.",
        "File outputs come back inline as data: URIs unless the server runs with --upload-url.",
    ),
)


def describe_capabilities() -> list[str]:
    """The limits of a local Cog server, as sentences for the UI."""
    return list(CAPABILITIES.notes)


class CogBackend:
    """Talks to one Cog server at ``base_url`` over the app's session (no token, no proxy).

    Every wait is bounded: each request by ``request_timeout`` (connect and read), a prediction's
    read by ``predict_timeout``, :meth:`wait_until_ready` by its ``timeout``.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        *,
        request_timeout: float = 10.0,
        predict_timeout: float = 3600.0,
        cancel_timeout: float = 5.0,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.request_timeout = request_timeout
        self.predict_timeout = predict_timeout
        self.cancel_timeout = cancel_timeout
        self.sleep = sleep
        self.clock = clock
        self.capabilities = CAPABILITIES
        self._openapi: JSON | None = None

    def __repr__(self) -> str:
        return f"CogBackend({self.base_url!r})"

    async def health(self) -> CogHealth:
        """One ``GET /health-check``; raises when nothing answers or the answer is not Cog's."""
        body = await self._get_json("/health-check")
        status = body.get("status")
        if not isinstance(status, str) or not status:
            raise self._not_cog("its /health-check answer has no status")
        setup = body.get("setup")
        setup = setup if isinstance(setup, Mapping) else {}
        version = body.get("version")
        cog_version = version.get("cog") if isinstance(version, Mapping) else None
        error = body.get("user_healthcheck_error")
        return CogHealth(
            status=status.upper(),
            setup_status=str(setup["status"]) if setup.get("status") else None,
            setup_logs=str(setup.get("logs") or ""),
            cog_version=str(cog_version) if cog_version else None,
            user_healthcheck_error=str(error) if error else None,
            raw=body,
        )

    async def wait_until_ready(
        self,
        *,
        timeout: float = 300.0,  # noqa: ASYNC109 — measured on the injectable clock, with injectable sleeps
        poll_interval: float = 1.0,
        on_status: Callable[[CogHealth], None] | None = None,
        connect_grace: float = 0.0,
    ) -> CogHealth:
        """Polls ``/health-check`` until READY (or BUSY) and returns that answer.

        ``on_status`` hears every change of status or setup logs. SETUP_FAILED / DEFUNCT raise
        :class:`CogSetupFailed` with the setup logs; still STARTING (or UNHEALTHY) after ``timeout``
        raises :class:`CogNotReady`. A refused connection raises :class:`NetworkError` at once,
        unless ``connect_grace`` seconds are given for a container that is still starting.
        """
        start = self.clock()
        deadline = start + timeout
        last: CogHealth | None = None
        while True:
            try:
                health = await self.health()
            except NetworkError:
                now = self.clock()
                if now - start >= connect_grace or now >= deadline:
                    raise
                await self.sleep(min(poll_interval, max(0.0, deadline - now)))
                continue
            if on_status is not None and (last is None or (health.status, health.setup_logs) !=
                                          (last.status, last.setup_logs)):
                on_status(health)
            last = health
            if health.is_up:
                return health
            if health.status in FAILED_STATUSES:
                raise CogSetupFailed(health, self.base_url)
            now = self.clock()
            if now >= deadline:
                raise CogNotReady(health, self.base_url, timeout)
            await self.sleep(min(poll_interval, max(0.0, deadline - now)))

    async def discovery(self) -> JSON:
        """``GET /``: ``cog_version`` and the server's URLs."""
        return await self._get_json("/")

    async def openapi(self) -> JSON:
        """``GET /openapi.json`` (remembered: :meth:`predict` uses it to tell text from images)."""
        self._openapi = await self._get_json("/openapi.json")
        return self._openapi

    async def schema(self) -> InputSchema:
        """The model's input fields, parsed from ``/openapi.json``."""
        return parse_input_schema(await self.openapi())

    @property
    def output(self) -> OutputSpec:
        """The output shape from the last :meth:`openapi` read (``unknown`` before one)."""
        return parse_output(self._openapi)

    async def predict(
        self,
        model_input: Mapping[str, Any],
        *,
        stream: bool = False,
        prediction_id: str | None = None,
        alt: str = "",
    ) -> AsyncGenerator[PredictionEvent, None]:
        """Runs one prediction and yields the same events as a hosted one.

        ``stream=False``: one synchronous request, then the result. ``stream=True``: Cog's event
        stream (text as it comes, logs, progress); a model or server that cannot stream (406) is
        run synchronously instead. ``prediction_id`` uses ``PUT /predictions/{id}``, which lets
        closing this iterator early send ``POST /predictions/{id}/cancel``; without an id an early
        close only drops the connection (Cog cannot poll or cancel an anonymous prediction).
        """
        run = CogRun(self.base_url, prediction_id, "stream" if stream else "wait", alt, self.clock, self.clock())
        body: JSON = {"input": dict(model_input)}
        if prediction_id:
            body["id"] = prediction_id
        yield run.progress()
        yield Started(prediction_id or "", f"cog:{urlsplit(self.base_url).netloc}", self._kind(stream), "starting")
        try:
            if stream:
                async for event in self._predict_stream(run, body):
                    yield event
            if run.final is None:  # not streamed, or the model cannot stream (406)
                run.mode = "wait"
                run.status = "processing"
                final = await self._predict_sync(body, prediction_id)
                for event in run.finish(final):
                    yield event
        finally:
            if run.final is None and prediction_id:
                await self._cancel_quietly(prediction_id)

    async def cancel(self, prediction_id: str) -> bool:
        """``POST /predictions/{id}/cancel``: True if the server knew the prediction, False on 404."""
        url = f"{self.base_url}/predictions/{quote(prediction_id, safe='')}/cancel"
        try:
            async with self.session.post(url, headers=self._headers(), timeout=self._timeout()) as response:
                text = await read_text(response, MAX_ERROR_BYTES, truncate=True)
                if response.status == 404:
                    return False
                if response.status >= 400:
                    raise error_for(response.status, text, self.base_url)
                return True
        except ReplicateError:
            raise
        except (TimeoutError, aiohttp.ClientError) as error:
            raise self._unreachable(error) from error

    # ---- running ---------------------------------------------------------------------------------

    async def _predict_sync(self, body: JSON, prediction_id: str | None) -> JSON:
        method, url = self._prediction_target(prediction_id)
        timeout = aiohttp.ClientTimeout(total=None, connect=self.request_timeout, sock_connect=self.request_timeout,
                                        sock_read=self.predict_timeout)
        try:
            async with self.session.request(method, url, json=body, headers=self._headers(), timeout=timeout) as r:
                text = await read_text(r, MAX_ERROR_BYTES if r.status >= 400 else COG_PREDICTION_BYTES,
                                       truncate=r.status >= 400)
                if r.status >= 400:
                    raise error_for(r.status, text, self.base_url)
                return self._json_object(text, r.headers.get("Content-Type", ""), "/predictions")
        except ReplicateError:
            raise
        except (TimeoutError, aiohttp.ClientError) as error:
            raise self._unreachable(error, during="the prediction") from error

    async def _predict_stream(self, run: CogRun, body: JSON) -> AsyncGenerator[PredictionEvent, None]:
        """Yields nothing when the server answered 406 (no streaming): the caller runs it synchronously."""
        method, url = self._prediction_target(run.prediction_id)
        timeout = aiohttp.ClientTimeout(total=None, connect=self.request_timeout, sock_connect=self.request_timeout,
                                        sock_read=self.predict_timeout)
        headers = self._headers({"Accept": "text/event-stream", "Cache-Control": "no-store"})
        try:
            async with self.session.request(method, url, json=body, headers=headers, timeout=timeout) as response:
                if response.status == 406:
                    log.info("The Cog model at %s does not stream (406); running it synchronously", self.base_url)
                    return
                content_type = response.headers.get("Content-Type", "")
                if response.status >= 400 or not content_type.startswith("text/event-stream"):
                    failed = response.status >= 400
                    text = await read_text(response, MAX_ERROR_BYTES if failed else COG_PREDICTION_BYTES,
                                           truncate=failed)
                    if failed:
                        raise error_for(response.status, text, self.base_url)
                    for event in run.finish(self._json_object(text, content_type, "/predictions")):
                        yield event  # an older Cog that ignores Accept answers synchronously
                    return
                run.status = "processing"
                async for sse in iter_sse(response.content.iter_any(), SSEDecoder()):
                    for event in run.on_event(sse):
                        yield event
                    if run.final is not None:
                        return
        except ReplicateError:
            raise
        except (TimeoutError, aiohttp.ClientError) as error:
            raise self._unreachable(error, during="the prediction's stream") from error
        raise NetworkError(
            f"The Cog server at {self.base_url} closed the stream before the prediction completed; "
            "Cog cannot look a prediction up by id, so its result is lost."
        )

    async def _cancel_quietly(self, prediction_id: str) -> None:
        try:
            await asyncio.wait_for(asyncio.shield(self.cancel(prediction_id)), self.cancel_timeout)
            log.info("Asked the Cog server to cancel %s", prediction_id)
        except (ReplicateError, TimeoutError, asyncio.CancelledError) as error:
            log.warning("Could not cancel Cog prediction %s: %s", prediction_id, error)

    def _prediction_target(self, prediction_id: str | None) -> tuple[str, str]:
        if prediction_id:
            return "PUT", f"{self.base_url}/predictions/{quote(prediction_id, safe='')}"
        return "POST", f"{self.base_url}/predictions"

    def _kind(self, stream: bool) -> str:
        kind = self.output.kind
        if kind == "files":
            return "image"
        if kind == "text" or stream:
            return "text"
        return "unknown"

    # ---- plumbing --------------------------------------------------------------------------------

    async def _get_json(self, path: str) -> JSON:
        url = self.base_url + path
        try:
            async with self.session.get(url, headers=self._headers(), timeout=self._timeout()) as response:
                failed = response.status >= 400
                text = await read_text(response, MAX_ERROR_BYTES if failed else MAX_JSON_BYTES, truncate=failed)
                content_type = response.headers.get("Content-Type", "")
                if response.status == 404:
                    raise self._not_cog(f"{path} answered 404 Not Found")
                if response.status >= 400:
                    if "json" not in content_type.lower():
                        raise self._not_cog(f"{path} answered {response.status} with {excerpt(text, 80)!r}")
                    raise error_for(response.status, text, self.base_url)
                return self._json_object(text, content_type, path)
        except ReplicateError:
            raise
        except (TimeoutError, aiohttp.ClientError) as error:
            raise self._unreachable(error) from error

    def _json_object(self, text: str, content_type: str, path: str) -> JSON:
        if "json" not in content_type.lower():
            kind = "an HTML page" if "html" in content_type.lower() else (content_type or "no content type")
            raise self._not_cog(f"{path} answered {kind}")
        try:
            parsed = json.loads(text)
        except ValueError:
            raise self._not_cog(f"{path} answered broken JSON ({excerpt(text, 80)!r})") from None
        if not isinstance(parsed, dict):
            raise self._not_cog(f"{path} answered JSON that is not an object")
        return parsed

    def _headers(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        return {"Accept": "application/json", "User-Agent": USER_AGENT, **(extra or {})}

    def _timeout(self) -> aiohttp.ClientTimeout:
        return aiohttp.ClientTimeout(total=self.request_timeout, connect=self.request_timeout,
                                     sock_read=self.request_timeout)

    def _not_cog(self, why: str) -> UnexpectedResponse:
        return UnexpectedResponse(f"{self.base_url} is not a Cog server: {why}.")

    def _unreachable(self, error: BaseException, during: str = "") -> NetworkError:
        reason = "it did not answer in time" if isinstance(error, TimeoutError) else _describe(error)
        if during:
            return NetworkError(f"The connection to the Cog server at {self.base_url} broke during {during}: {reason}.")
        return NetworkError(
            f"Nothing answers at {self.base_url} ({reason}); is the Cog server running (cog serve, or docker run -p)?"
        )


def _describe(error: BaseException) -> str:
    if isinstance(error, aiohttp.ClientConnectorError):
        return "connection refused" if isinstance(error.os_error, ConnectionRefusedError) else str(error.os_error)
    return excerpt(str(error) or type(error).__name__, 160)
