"""ReplicateClient: the one place that speaks HTTP to Replicate (auth, retries, error mapping)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import platform
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp

from .. import __version__
from .bodies import MAX_ERROR_BYTES, MAX_JSON_BYTES, MIB, RawBody, parse_json_object, read_body, read_text
from .errors import (
    MissingTokenError,
    NetworkError,
    RateLimitedError,
    ReplicateError,
    ServerError,
    UnexpectedResponse,
    UnsafeOutputURLError,
    api_error_from_response,
    excerpt,
    scrub,
)
from .locations import check_network_url

DEFAULT_BASE_URL = "https://api.replicate.com/v1"
USER_AGENT = f"ReplicateDesktop/{__version__} (+replicate-http; python/{platform.python_version()})"
MAX_RETRY_AFTER = 60.0
MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
HopCheck = Callable[[str, str], str]  # (from URL, redirect target) → the URL to request next; raises to refuse
JSON = dict[str, Any]
AnswerHook = Callable[[int, Mapping[str, str]], None]  # (status, headers) of each answer, errors included



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
    def account_key(self) -> str:
        """Which account this client speaks for (API host and token) as a digest; the token itself is not kept."""
        return hashlib.sha256(f"{self.base_url}\n{self._token or ''}".encode()).hexdigest()

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
        """Whether ``url`` is on the API's origin (scheme, host and port): the only one that gets the token."""
        return _origin(url) == _origin(self.base_url)

    async def get_json(self, path_or_url: str, *, read_timeout: float = 30.0) -> JSON:
        return (await self.request_json("GET", path_or_url, read_timeout=read_timeout))[1]

    async def post_json(
        self,
        path_or_url: str,
        body: JSON | RawBody | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        read_timeout: float = 30.0,
        retry_throttled: bool = True,
        on_answer: AnswerHook | None = None,
    ) -> tuple[int, JSON]:
        return await self.request_json("POST", path_or_url, body=body, headers=headers, read_timeout=read_timeout,
                                       retry_throttled=retry_throttled, on_answer=on_answer)

    async def request_json(
        self,
        method: str,
        path_or_url: str,
        *,
        body: JSON | RawBody | None = None,
        headers: Mapping[str, str] | None = None,
        read_timeout: float = 30.0,
        safe_to_repeat: bool = False,
        retry_throttled: bool = True,
        on_answer: AnswerHook | None = None,
    ) -> tuple[int, JSON]:
        """Sends one API request (with retries where safe) and returns ``(status, json_object)``.

        ``safe_to_repeat`` marks a POST that may be sent again after a 5xx or a dropped answer (a cancel: asking
        twice does no harm), as GETs are; other POSTs are repeated only after a 429. ``retry_throttled`` False
        leaves every 429 to the caller (a queue that paces its own creates); ``on_answer`` hears the status and
        headers of each answer (``ratelimit-*`` hints), errors included."""
        self.require_token()
        url = self.url_for(path_or_url)
        idempotent = safe_to_repeat or method in {"GET", "HEAD", "OPTIONS"}
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._send_once(method, url, body, headers, read_timeout, on_answer)
            except RateLimitedError as error:
                if not retry_throttled or attempt > self.max_retries:
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
        self, method: str, url: str, body: JSON | RawBody | None, headers: Mapping[str, str] | None,
        read_timeout: float, on_answer: AnswerHook | None = None,
    ) -> tuple[int, JSON]:
        if not self.is_api_url(url):
            raise UnexpectedResponse(
                f"Refused to send the API token to {_origin(url)}: Replicate's answer pointed at a host other than "
                f"{_origin(self.base_url)}."
            )
        timeout = aiohttp.ClientTimeout(total=None, connect=15.0, sock_connect=15.0, sock_read=read_timeout)
        if isinstance(body, RawBody):
            data: bytes | None = body.data
            sent = self.headers({"Content-Type": body.content_type, **(headers or {})}, json_body=False)
        else:
            data = json.dumps(body).encode() if body is not None else None
            sent = self.headers(headers, json_body=data is not None)
        try:
            response = await self.open_following(
                method, url, headers=sent, data=data,
                client_timeout=timeout, check_hop=self._same_origin_hop,
            )
            async with response:
                status = response.status
                if on_answer is not None:
                    on_answer(status, response.headers)
                if status >= 400:
                    text = await read_text(response, MAX_ERROR_BYTES, truncate=True)
                    raise api_error_from_response(status, text, response.headers, secrets=(self._token,))
                raw = await read_body(response, MAX_JSON_BYTES)
                if raw is None:
                    raise UnexpectedResponse(
                        f"Replicate answered {status} with more than {MAX_JSON_BYTES // MIB} MiB of data; "
                        "stopped reading it.",
                        status=status,
                    )
                text = self.scrub(raw.decode("utf-8", errors="replace"))
                return status, parse_json_object(status, text, response.headers.get("Content-Type", ""))
        except ReplicateError:
            raise
        except (TimeoutError, aiohttp.ClientError) as error:
            raise NetworkError(f"Could not reach {urlsplit(url).netloc}: {_describe(error)}") from error

    async def open_following(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        client_timeout: aiohttp.ClientTimeout,
        check_hop: HopCheck,
        data: bytes | None = None,
    ) -> aiohttp.ClientResponse:
        """Sends one request and follows up to :data:`MAX_REDIRECTS` redirects by hand.

        Each redirect target goes through ``check_hop(from_url, to_url)``, which returns the URL to request or
        raises to refuse it; the ``Authorization`` header goes only to the API's own origin, whatever the caller
        passed in ``headers``. The caller closes the returned response (``async with response``).
        """
        for _ in range(MAX_REDIRECTS + 1):
            hop_headers = {key: value for key, value in headers.items() if key.lower() != "authorization"}
            if self._token is not None and self.is_api_url(url):
                hop_headers["Authorization"] = f"Bearer {self._token}"
            self.request_count += 1
            response = await self.session.request(
                method, url, data=data, headers=hop_headers, proxy=self.proxy, timeout=client_timeout,
                allow_redirects=False,
            )
            location = response.headers.get("Location")
            if response.status not in REDIRECT_STATUSES or not location:
                return response
            response.release()
            url = check_hop(url, urljoin(url, location))
            if response.status == 303 or (response.status in (301, 302) and method == "POST"):
                method, data = "GET", None  # what browsers do; the body is not sent again
                headers = {key: value for key, value in headers.items() if key.lower() != "content-type"}
        raise UnexpectedResponse(f"{_origin(url)} redirected more than {MAX_REDIRECTS} times; stopped following.")

    def scrub(self, text: str) -> str:
        """``text`` without this client's token, ``Authorization`` values or token-shaped strings."""
        return scrub(text, (self._token,))

    def _same_origin_hop(self, source: str, target: str) -> str:
        if _origin(target) != _origin(source):
            where = "a data: URI" if target.lower().startswith("data:") else _origin(target)
            raise UnexpectedResponse(
                f"Replicate redirected {_path(source)} to {where}; not followed, so the API token is "
                "sent to Replicate only."
            )
        return target

    def _backoff(self, attempt: int) -> float:
        delay: float = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        return delay * random.uniform(0.9, 1.1)

    @asynccontextmanager
    async def open_stream(self, url: str, last_event_id: str | None = None) -> AsyncIterator[aiohttp.ClientResponse]:
        """Opens a server-sent-events stream at ``url`` (used verbatim; https or local http only)."""
        _stream_hop(url, url)
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-store", "User-Agent": USER_AGENT}
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        timeout = aiohttp.ClientTimeout(total=None, connect=15.0, sock_connect=15.0, sock_read=300.0)
        try:
            response = await self.open_following(
                "GET", url, headers=headers, client_timeout=timeout, check_hop=_stream_hop
            )
            async with response:
                if response.status >= 400:
                    text = await read_text(response, MAX_ERROR_BYTES, truncate=True)
                    raise api_error_from_response(response.status, text, response.headers, secrets=(self._token,))
                content_type = response.headers.get("Content-Type", "")
                if not content_type.startswith("text/event-stream"):
                    text = self.scrub(await read_text(response, MAX_ERROR_BYTES, truncate=True))
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


def _stream_hop(_source: str, target: str) -> str:
    try:
        return check_network_url(target)
    except UnsafeOutputURLError as error:  # the caller falls back to polling on UnexpectedResponse
        raise UnexpectedResponse(str(error)) from None


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


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"
