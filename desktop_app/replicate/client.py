"""ReplicateClient: the one place that speaks HTTP to Replicate (auth, retries, error mapping)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import platform
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from .. import __version__
from .errors import (
    MissingTokenError,
    NetworkError,
    RateLimitedError,
    ReplicateError,
    ServerError,
    UnexpectedResponse,
    api_error_from_response,
    excerpt,
)

DEFAULT_BASE_URL = "https://api.replicate.com/v1"
USER_AGENT = f"ReplicateDesktop/{__version__} (+replicate-http; python/{platform.python_version()})"
MAX_RETRY_AFTER = 60.0

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
JSON = dict[str, Any]


class ReplicateClient:
    """Authenticated JSON requests to the Replicate API over a shared aiohttp session.

    GETs are retried on dropped connections, 429 and 5xx with bounded exponential backoff;
    POSTs are only repeated after a 429, where the server says it did not act on them.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        token: str | None,
        base_url: str = DEFAULT_BASE_URL,
        proxy: str | None = None,
        max_retries: int = 4,
        backoff_base: float = 0.25,
        backoff_cap: float = 8.0,
        sleep: Sleep = asyncio.sleep,
        accept_language: str = "en-US,en;q=0.9",
    ) -> None:
        self.session = session
        self._token = (token or "").strip() or None
        self.base_url = base_url.rstrip("/")
        self.proxy = proxy or None
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.sleep = sleep
        self.accept_language = accept_language
        self.request_count = 0

    @classmethod
    def from_env(
        cls,
        session: aiohttp.ClientSession,
        *,
        token: str | None = None,
        base_url: str | None = None,
        proxy: str | None = None,
        env: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> ReplicateClient:
        """Token from ``REPLICATE_API_TOKEN`` and base URL from ``REPLICATE_API_BASE_URL`` unless given."""
        env = os.environ if env is None else env
        return cls(
            session,
            token=token or env.get("REPLICATE_API_TOKEN"),
            base_url=base_url or env.get("REPLICATE_API_BASE_URL") or DEFAULT_BASE_URL,
            proxy=proxy,
            **kwargs,
        )

    def __repr__(self) -> str:  # never show the token
        return f"ReplicateClient(base_url={self.base_url!r}, token={'set' if self._token else 'missing'})"

    @property
    def has_token(self) -> bool:
        return self._token is not None

    def require_token(self) -> None:
        """Raises :class:`MissingTokenError` when no token is configured."""
        if self._token is None:
            raise MissingTokenError()

    def url_for(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return f"{self.base_url}/{path_or_url.lstrip('/')}"

    def headers(self, extra: Mapping[str, str] | None = None, *, json_body: bool = True) -> dict[str, str]:
        self.require_token()
        headers = {
            "Accept": "application/json",
            "Accept-Language": self.accept_language,
            "User-Agent": USER_AGENT,
            "Authorization": f"Bearer {self._token}",
        }
        if json_body:
            headers["Content-Type"] = "application/json"
        headers.update(extra or {})
        return headers

    def is_api_url(self, url: str) -> bool:
        """Whether ``url`` points at the configured API host (the only host that gets the token)."""
        return urlsplit(url).netloc == urlsplit(self.base_url).netloc

    async def get_json(self, path_or_url: str, *, read_timeout: float = 30.0) -> JSON:
        return (await self.request_json("GET", path_or_url, read_timeout=read_timeout))[1]

    async def post_json(
        self,
        path_or_url: str,
        body: JSON | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        read_timeout: float = 30.0,
    ) -> tuple[int, JSON]:
        return await self.request_json("POST", path_or_url, body=body, headers=headers, read_timeout=read_timeout)

    async def request_json(
        self,
        method: str,
        path_or_url: str,
        *,
        body: JSON | None = None,
        headers: Mapping[str, str] | None = None,
        read_timeout: float = 30.0,
    ) -> tuple[int, JSON]:
        """Sends one API request (with retries where safe) and returns ``(status, json_object)``."""
        self.require_token()
        url = self.url_for(path_or_url)
        idempotent = method in {"GET", "HEAD", "OPTIONS"}
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._send_once(method, url, body, headers, read_timeout)
            except RateLimitedError as error:
                if attempt > self.max_retries:
                    raise
                delay = min(error.retry_after if error.retry_after is not None else self._backoff(attempt),
                            MAX_RETRY_AFTER)
                log.info("Rate limited on %s %s; retrying in %.1f s", method, _path(url), delay)
            except (ServerError, NetworkError, UnexpectedResponse) as error:
                retryable = idempotent and _is_transient(error)
                if not retryable or attempt > self.max_retries:
                    raise
                delay = self._backoff(attempt)
                log.info("%s %s failed (%s); retry %d in %.2f s", method, _path(url), error, attempt, delay)
            await self.sleep(delay)

    async def _send_once(
        self, method: str, url: str, body: JSON | None, headers: Mapping[str, str] | None, read_timeout: float
    ) -> tuple[int, JSON]:
        timeout = aiohttp.ClientTimeout(total=None, connect=15.0, sock_connect=15.0, sock_read=read_timeout)
        data = json.dumps(body).encode() if body is not None else None
        self.request_count += 1
        try:
            async with self.session.request(
                method, url, data=data, headers=self.headers(headers, json_body=data is not None),
                proxy=self.proxy, timeout=timeout,
            ) as response:
                text = await response.text(errors="replace")
                status = response.status
                content_type = response.headers.get("Content-Type", "")
                if status >= 400:
                    raise api_error_from_response(status, text, response.headers)
                return status, _parse_json_object(status, text, content_type)
        except ReplicateError:
            raise
        except (TimeoutError, aiohttp.ClientError) as error:
            raise NetworkError(f"Could not reach {urlsplit(url).netloc}: {_describe(error)}") from error

    def _backoff(self, attempt: int) -> float:
        delay: float = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        return delay * random.uniform(0.9, 1.1)

    @asynccontextmanager
    async def open_stream(self, url: str, last_event_id: str | None = None) -> AsyncIterator[aiohttp.ClientResponse]:
        """Opens a server-sent-events stream at ``url`` (used verbatim)."""
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-store", "User-Agent": USER_AGENT}
        if self.is_api_url(url):
            headers.update({"Authorization": f"Bearer {self._token}"})
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        timeout = aiohttp.ClientTimeout(total=None, connect=15.0, sock_connect=15.0, sock_read=300.0)
        self.request_count += 1
        try:
            async with self.session.get(url, headers=headers, proxy=self.proxy, timeout=timeout) as response:
                if response.status >= 400:
                    text = await response.text(errors="replace")
                    raise api_error_from_response(response.status, text, response.headers)
                content_type = response.headers.get("Content-Type", "")
                if not content_type.startswith("text/event-stream"):
                    text = await response.text(errors="replace")
                    raise UnexpectedResponse(
                        f"The stream answered {content_type or 'no content type'} instead of an event stream: "
                        f"{excerpt(text)!r}",
                        status=response.status,
                        excerpt=excerpt(text),
                    )
                yield response
        except ReplicateError:
            raise
        except (TimeoutError, aiohttp.ClientError) as error:
            raise NetworkError(f"The stream from {urlsplit(url).netloc} broke: {_describe(error)}") from error


def _parse_json_object(status: int, text: str, content_type: str) -> JSON:
    if "json" not in content_type.lower():
        raise UnexpectedResponse(
            f"Replicate answered {status} with {content_type or 'no content type'} instead of JSON: "
            f"{excerpt(text)!r}",
            status=status,
            excerpt=excerpt(text),
        )
    try:
        parsed = json.loads(text)
    except ValueError:
        raise UnexpectedResponse(
            f"Replicate answered {status} with broken JSON: {excerpt(text)!r}", status=status, excerpt=excerpt(text)
        ) from None
    if not isinstance(parsed, dict):
        raise UnexpectedResponse(
            f"Replicate answered {status} with JSON that is not an object: {excerpt(text)!r}",
            status=status,
            excerpt=excerpt(text),
        )
    return parsed


def _is_transient(error: ReplicateError) -> bool:
    if isinstance(error, NetworkError | ServerError):
        return True
    return isinstance(error, UnexpectedResponse) and (error.status or 0) >= 500


def _describe(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "the request timed out"
    text = str(error) or type(error).__name__
    return excerpt(text, 160)


def _path(url: str) -> str:
    return urlsplit(url).path
