"""One attempt at downloading an output: the request (each redirect hop checked), ``Range`` resume, a capped body."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import BinaryIO

import aiohttp

from .bodies import read_text
from .client import USER_AGENT, HopCheck, ReplicateClient
from .errors import NetworkError, UnexpectedResponse, excerpt, retry_after_seconds

_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)
MAX_RETRY_DELAY = 30.0


class TransientDownloadError(Exception):
    """A failure worth another attempt: a 5xx/408/429 answer, or a body that ended before its length."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class DownloadAttempt:
    """Downloads ``url`` into ``sink``; called again after a transient failure, it asks for the rest only.

    The sink's position is the number of bytes already kept. A ``206`` whose ``Content-Range`` starts there
    continues the file; a ``200`` (the server ignores ``Range``, or ``If-Range`` saw the file change) starts it over.
    """

    def __init__(
        self,
        client: ReplicateClient,
        url: str,
        sink: BinaryIO,
        on_progress: Callable[[int, int | None], None] | None,
        chunk_size: int,
        max_bytes: int,
        check_hop: HopCheck,
    ) -> None:
        self.client = client
        self.url = url
        self.sink = sink
        self.on_progress = on_progress
        self.chunk_size = chunk_size
        self.max_bytes = max_bytes
        self.check_hop = check_hop
        self.content_type: str | None = None
        self.validator: str | None = None  # a strong ETag or Last-Modified of the part kept, for If-Range

    async def run(self) -> str | None:
        """One request; returns the declared content type once the whole body is in the sink."""
        offset = self.sink.tell()
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}  # ranges count unencoded bytes
        if offset:
            headers["Range"] = f"bytes={offset}-"
            if self.validator:
                headers["If-Range"] = self.validator
        timeout = aiohttp.ClientTimeout(total=None, connect=15.0, sock_connect=15.0, sock_read=60.0)
        response = await self.client.open_following(
            "GET", self.url, headers=headers, client_timeout=timeout, check_hop=self.check_hop
        )
        async with response:
            status = response.status
            if status == 416 and offset:
                self._restart()
                raise TransientDownloadError("the server no longer has the part that was missing")
            if status >= 400:
                await self._fail(response)
            total = self._start(response, offset)
            if total is not None and total > self.max_bytes:
                raise self._too_large()
            received = self.sink.tell()
            if self.on_progress:
                self.on_progress(received, total)
            async for chunk in response.content.iter_chunked(self.chunk_size):
                if received + len(chunk) > self.max_bytes:
                    raise self._too_large()
                self.sink.write(chunk)
                received += len(chunk)
                if self.on_progress:
                    self.on_progress(received, total)
            if total is not None and received < total:
                raise TransientDownloadError(f"the download broke off after {received} of {total} bytes")
            return self.content_type

    def _start(self, response: aiohttp.ClientResponse, offset: int) -> int | None:
        """Positions the sink for this response's body and returns the full size, when known.

        A file is asked for as it is (``Accept-Encoding: identity``): a body compressed anyway is refused before
        any of it is read, since its size on the wire says nothing of what it inflates to (a gzip bomb)."""
        coding = response.headers.get("Content-Encoding", "identity").strip().lower()
        if coding not in ("", "identity"):
            raise UnexpectedResponse(
                f"The server sent {excerpt(self.url, 80)} compressed ({excerpt(coding, 20)}) although the app "
                "asked for the file as it is; not saved."
            )
        match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
        if response.status == 206 and offset and match and int(match.group(1)) == offset:
            whole = match.group(3)
            total = int(whole) if whole.isdigit() else None
        else:
            if response.status == 206:  # a part we did not ask for: start over without Range
                self._restart()
                raise TransientDownloadError("the server sent a different part of the file than asked")
            self._restart()
            total = response.content_length
        self.content_type = response.headers.get("Content-Type") or self.content_type
        etag = response.headers.get("ETag")
        self.validator = etag if etag and not etag.startswith("W/") else response.headers.get("Last-Modified")
        return total

    def _restart(self) -> None:
        self.sink.seek(0)
        self.sink.truncate()

    async def _fail(self, response: aiohttp.ClientResponse) -> None:
        body = self.client.scrub(await read_text(response, 4096, truncate=True))
        status = response.status
        message = f"Downloading {excerpt(self.url, 80)} failed: the server answered {status} ({excerpt(body, 80)})."
        if status >= 500 or status in (408, 429):
            raise TransientDownloadError(message, retry_after_seconds(response.headers, {}))
        raise NetworkError(message)

    def _too_large(self) -> UnexpectedResponse:
        return UnexpectedResponse(
            f"The output at {excerpt(self.url, 80)} is larger than {self.max_bytes // (1024 * 1024)} MiB; stopped."
        )


def is_transient(error: BaseException) -> bool:
    """Whether another attempt may succeed: a transient answer, a reset or broken body, a timeout."""
    if isinstance(error, aiohttp.ClientSSLError | aiohttp.InvalidURL):
        return False
    return isinstance(
        error,
        TransientDownloadError | aiohttp.ClientPayloadError | aiohttp.ClientConnectionError | TimeoutError
        | ConnectionError,
    )


def backoff(attempt: int, error: BaseException, base: float = 0.5, cap: float = 8.0) -> float:
    """Seconds before attempt ``attempt + 1``: the server's ``Retry-After`` (bounded), else exponential with jitter."""
    retry_after = getattr(error, "retry_after", None)
    if isinstance(retry_after, float):
        return min(retry_after, MAX_RETRY_DELAY)
    return float(min(cap, base * 2 ** (attempt - 1)) * random.uniform(0.9, 1.1))
