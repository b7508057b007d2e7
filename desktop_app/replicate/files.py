"""Output files: strict ``data:`` decoding and downloads (streamed under a cap, retried, resumed, every hop checked)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote_to_bytes

import aiohttp

from .client import ReplicateClient, Sleep
from .download_attempt import DownloadAttempt, TransientDownloadError, backoff, is_transient
from .errors import NetworkError, UnexpectedResponse, excerpt
from .locations import check_output_url, is_file_output, is_loopback_host, looks_like_location

__all__ = [
    "DOWNLOAD_ATTEMPTS",
    "MAX_OUTPUT_BYTES",
    "DownloadProgress",
    "DownloadedFile",
    "SavedDownload",
    "check_output_url",
    "decode_data_uri",
    "download_output",
    "download_to_file",
    "is_file_output",
    "is_loopback_host",
    "looks_like_location",
]

log = logging.getLogger(__name__)

DownloadProgress = Callable[[int, int | None], None]
MAX_OUTPUT_BYTES = 512 * 1024 * 1024
DOWNLOAD_ATTEMPTS = 4  # one try and three retries after a 5xx, a reset or a timeout


@dataclass(frozen=True)
class DownloadedFile:
    """The bytes of one output with the content type the server declared."""

    url: str
    data: bytes
    content_type: str | None


@dataclass(frozen=True)
class SavedDownload:
    """One output streamed to ``path`` (the caller's file), with its size and declared content type."""

    url: str
    path: Path
    size: int
    content_type: str | None


class _DataLocation(Exception):
    """A redirect pointed at a ``data:`` URI, which is decoded locally instead of requested."""

    def __init__(self, url: str) -> None:
        super().__init__("redirected to a data: URI")
        self.url = url


def decode_data_uri(url: str, *, max_bytes: int = MAX_OUTPUT_BYTES) -> DownloadedFile:
    """Decodes a ``data:[<type>][;base64],<payload>`` URI strictly: bad base64 or an empty payload is an
    :class:`UnexpectedResponse`, never an empty file."""
    header, sep, payload = url[5:].partition(",")
    if not sep:
        raise UnexpectedResponse("An output data: URI has no comma before its payload, so it holds no file.")
    params = [param.strip().lower() for param in header.split(";")]
    content_type = header.split(";")[0].strip() or "text/plain"
    if len(payload) > max_bytes * 4 // 3 + 4:
        raise UnexpectedResponse(f"An output data: URI is larger than {max_bytes // (1024 * 1024)} MiB; not decoded.")
    raw = unquote_to_bytes(payload)
    if "base64" in params[1:]:
        try:
            data = base64.b64decode(b"".join(raw.split()), validate=True)
        except (binascii.Error, ValueError):
            raise UnexpectedResponse("An output data: URI says base64 but its payload is not valid base64.") from None
    else:
        data = raw
    if not data:
        raise UnexpectedResponse("An output data: URI has an empty payload, so there is no file to save.")
    return DownloadedFile(url, data, content_type)


async def download_output(
    client: ReplicateClient,
    url: str,
    *,
    on_progress: DownloadProgress | None = None,
    chunk_size: int = 64 * 1024,
    max_bytes: int = MAX_OUTPUT_BYTES,
    sleep: Sleep = asyncio.sleep,
) -> DownloadedFile:
    """Fetches one output into memory (for callers that need the bytes: the viewer, covers, the library).

    It streams into a temporary file first (retried and resumed as :func:`download_to_file`), then reads it
    back once, so the bytes are in memory once, only when complete.
    """
    check_output_url(url)
    if url.startswith("data:"):
        return _decoded(url, on_progress, max_bytes)
    with tempfile.TemporaryFile() as sink:
        try:
            content_type = await _fetch(client, url, sink, on_progress, chunk_size, max_bytes, sleep)
        except _DataLocation as target:
            return _decoded(target.url, on_progress, max_bytes)
        sink.seek(0)
        return DownloadedFile(url, await asyncio.to_thread(sink.read), content_type)


async def download_to_file(
    client: ReplicateClient,
    url: str,
    destination: Path,
    *,
    on_progress: DownloadProgress | None = None,
    chunk_size: int = 64 * 1024,
    max_bytes: int = MAX_OUTPUT_BYTES,
    sleep: Sleep = asyncio.sleep,
) -> SavedDownload:
    """Streams one output into ``destination`` (created or replaced) without holding it in memory.

    Transient failures (5xx, 408, 429, a reset, a timeout) are retried with backoff, resuming with ``Range``
    when the server honours it. On any failure ``destination`` is removed and a :class:`ReplicateError` says why.
    """
    check_output_url(url)
    try:
        sink = await asyncio.to_thread(destination.open, "w+b")
        with sink:
            try:
                if url.startswith("data:"):
                    raise _DataLocation(url)
                content_type = await _fetch(client, url, sink, on_progress, chunk_size, max_bytes, sleep)
            except _DataLocation as target:
                content_type = _write_decoded(sink, target.url, on_progress, max_bytes)
            size = sink.tell()
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(destination)
        raise
    return SavedDownload(url, destination, size, content_type)


def _decoded(url: str, on_progress: DownloadProgress | None, max_bytes: int) -> DownloadedFile:
    file = decode_data_uri(url, max_bytes=max_bytes)
    if len(file.data) > max_bytes:
        raise UnexpectedResponse(f"An output data: URI is larger than {max_bytes // (1024 * 1024)} MiB; not decoded.")
    if on_progress:
        on_progress(len(file.data), len(file.data))
    return file


def _write_decoded(sink: BinaryIO, url: str, on_progress: DownloadProgress | None, max_bytes: int) -> str | None:
    file = _decoded(url, on_progress, max_bytes)
    sink.seek(0)
    sink.truncate()
    sink.write(file.data)
    return file.content_type


async def _fetch(
    client: ReplicateClient,
    url: str,
    sink: BinaryIO,
    on_progress: DownloadProgress | None,
    chunk_size: int,
    max_bytes: int,
    sleep: Sleep,
) -> str | None:
    """Writes the body at ``url`` into ``sink`` (retrying and resuming); returns the declared content type.
    A redirect to a ``data:`` URI raises :class:`_DataLocation`."""
    attempt = DownloadAttempt(client, url, sink, on_progress, chunk_size, max_bytes, _check_hop)
    for number in range(1, DOWNLOAD_ATTEMPTS + 1):
        try:
            return await attempt.run()
        except (TransientDownloadError, aiohttp.ClientError, TimeoutError, ConnectionError) as error:
            if not is_transient(error):
                raise NetworkError(f"Downloading {excerpt(url, 80)} failed: {_describe(error)}.") from error
            if number == DOWNLOAD_ATTEMPTS:
                raise NetworkError(
                    f"Downloading {excerpt(url, 80)} failed after {DOWNLOAD_ATTEMPTS} attempts: {_describe(error)}."
                ) from error
            delay = backoff(number, error)
            log.info("Download of %s failed (%s); retry %d in %.1f s", excerpt(url, 80), _describe(error), number,
                     delay)
            await sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def _check_hop(_source: str, target: str) -> str:
    check_output_url(target)
    if target.startswith("data:"):
        raise _DataLocation(target)
    return target


def _describe(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "the server stopped sending"
    return excerpt(str(error) or type(error).__name__, 120).rstrip(".")
