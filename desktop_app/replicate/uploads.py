"""File inputs: small files inline as ``data:`` URIs, larger ones uploaded to ``POST /v1/files``."""

from __future__ import annotations

import asyncio
import base64
import json
import mimetypes
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractStreamWriter
from aiohttp.payload import Payload

from .bodies import MAX_ERROR_BYTES, MAX_JSON_BYTES, RawBody, parse_json_object, read_text
from .client import JSON, ReplicateClient
from .errors import APIError, NetworkError, ReplicateError, UnexpectedResponse, api_error_from_response, excerpt

INLINE_LIMIT = 256 * 1024  # replicate-api.md §7: data URIs for files up to 256 KB
MAX_UPLOAD_BYTES = 100 * 1024 * 1024  # the Files API refuses files of 100 MB or more
DEFAULT_CONTENT_TYPE = "application/octet-stream"
UPLOAD_CHUNK = 1024 * 1024  # read from disk in a worker thread, one piece at a time

SentProgress = Callable[[int, int], None]  # (bytes handed to the connection, total bytes of the file)


class UploadTooLarge(ReplicateError):
    """The file is too big for Replicate's Files API (100 MB)."""

    def __init__(self, size: int | None, *, filename: str = "", detail: str = "") -> None:
        self.size = size
        self.filename = filename
        shown = f"{filename} is {size / 1_000_000:.1f} MB" if size is not None and filename else "The file is too big"
        server = f" (Replicate said: {detail})" if detail else ""
        super().__init__(f"{shown}: files must be less than 100 MB{server}. Use a smaller file or pass a URL.")


class FileInputError(ReplicateError):
    """A local file chosen as an input could not be read."""


@dataclass(frozen=True)
class UploadedFile:
    """A file stored by the Files API; ``url`` (its ``urls.get``) is what goes into a model input."""

    id: str
    url: str
    content_type: str
    size: int | None = None
    expires_at: str | None = None
    sha256: str | None = None  # ``checksums.sha256`` as Replicate computed it


async def file_input_value(
    client: ReplicateClient,
    source: Path | bytes,
    *,
    content_type: str | None = None,
    filename: str | None = None,
    inline_limit: int = INLINE_LIMIT,
    metadata: Mapping[str, Any] | None = None,
) -> str:
    """The value to put in a ``file`` input for ``source`` (a path or bytes).

    Up to ``inline_limit`` bytes: a ``data:<type>;base64,…`` URI (nothing is stored on Replicate).
    Larger: uploaded with :func:`upload_file`, and its URL returned. The type defaults to one guessed
    from the file name. Reading a path happens in a worker thread.
    """
    data, name = await _read_source(source, filename)
    mime = content_type or guess_content_type(name)
    if len(data) <= inline_limit:
        return data_uri(data, mime)
    uploaded = await upload_file(client, data, content_type=mime, filename=name, metadata=metadata)
    return uploaded.url


def data_uri(data: bytes, content_type: str = DEFAULT_CONTENT_TYPE) -> str:
    return f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"


def guess_content_type(filename: str | None) -> str:
    guessed = mimetypes.guess_type(filename or "", strict=False)[0]
    return guessed or DEFAULT_CONTENT_TYPE


async def upload_file(
    client: ReplicateClient,
    data: bytes,
    *,
    content_type: str = DEFAULT_CONTENT_TYPE,
    filename: str = "file",
    metadata: Mapping[str, Any] | None = None,
    read_timeout: float = 300.0,
) -> UploadedFile:
    """``POST /v1/files`` as ``multipart/form-data`` (``content``, ``type``, ``metadata``).

    Files of 100 MB or more are refused before sending, and a 413 from the server becomes the same
    :class:`UploadTooLarge`. The request goes through the client like any other: its answer is read under the
    JSON cap, a redirect is followed only on the API's own origin, and only a 429 is sent again (a POST that
    failed otherwise might have stored the file)."""
    if len(data) >= MAX_UPLOAD_BYTES:
        raise UploadTooLarge(len(data), filename=filename)
    form = aiohttp.FormData()
    form.add_field("content", data, filename=_safe_filename(filename), content_type=content_type)
    form.add_field("type", content_type)
    if metadata is not None:
        form.add_field("metadata", json.dumps(dict(metadata)), content_type="application/json")
    writer = form()
    body = RawBody(await writer.as_bytes(), writer.content_type)
    try:
        status, answer = await client.post_json("files", body, read_timeout=read_timeout)
    except APIError as error:
        if error.status == 413:
            raise UploadTooLarge(len(data), filename=filename, detail=error.detail) from None
        raise
    except NetworkError as error:
        raise NetworkError(f"Uploading {filename} failed: {error}") from error
    return _uploaded(answer, status)


async def upload_path(
    client: ReplicateClient,
    path: Path,
    *,
    content_type: str = DEFAULT_CONTENT_TYPE,
    filename: str | None = None,
    progress: SentProgress | None = None,
    read_timeout: float = 300.0,
) -> UploadedFile:
    """``POST /v1/files`` of the file at ``path``, streamed from disk (read piece by piece in a worker thread, so
    a large file neither sits in memory nor stalls the loop) with a known length. ``progress`` hears how many
    bytes went out. One attempt: see :func:`~desktop_app.replicate.upload_once.upload_file_once` for retries."""
    name = filename or path.name
    try:
        size = await asyncio.to_thread(lambda: path.stat().st_size)
    except OSError as error:
        raise FileInputError(f"Could not read {path.name}: {error.strerror or error}") from error
    if size >= MAX_UPLOAD_BYTES:
        raise UploadTooLarge(size, filename=name)
    body = aiohttp.MultipartWriter("form-data")
    part = body.append_payload(_FileChunks(path, size, content_type, progress))
    part.set_content_disposition("form-data", name="content", filename=_safe_filename(name))
    body.append(content_type).set_content_disposition("form-data", name="type")
    url = client.url_for("files")
    timeout = aiohttp.ClientTimeout(total=None, connect=15.0, sock_connect=15.0, sock_read=read_timeout)
    client.request_count += 1
    try:
        async with client.session.post(  # never redirected: the body would be sent again, maybe elsewhere
            url, data=body, headers=client.headers(json_body=False), proxy=client.proxy, timeout=timeout,
            allow_redirects=False,
        ) as response:
            if response.status >= 400:
                text = client.scrub(await read_text(response, MAX_ERROR_BYTES, truncate=True))
                refusal = api_error_from_response(response.status, text, response.headers)
                if response.status == 413:
                    detail = refusal.detail if isinstance(refusal, APIError) else ""
                    raise UploadTooLarge(size, filename=name, detail=detail)
                raise refusal
            text = client.scrub(await read_text(response, MAX_JSON_BYTES))
            answer = parse_json_object(response.status, text, response.headers.get("Content-Type", ""))
            return _uploaded(answer, response.status)
    except ReplicateError:
        raise
    except (TimeoutError, aiohttp.ClientError) as error:
        raise NetworkError(
            f"Uploading {name} to {urlsplit(url).netloc} failed: {excerpt(str(error) or type(error).__name__)}"
        ) from error
    except OSError as error:  # the file could not be read while it was sent
        raise FileInputError(f"Could not read {path.name} while uploading it: {error.strerror or error}") from error


class _FileChunks(Payload):
    """A file's bytes for a request body, read in :data:`UPLOAD_CHUNK` pieces off the loop thread."""

    def __init__(self, path: Path, size: int, content_type: str, progress: SentProgress | None) -> None:
        super().__init__(path, content_type=content_type)
        self._size = size
        self._total = size
        self._path = path
        self._progress = progress

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        raise TypeError("an upload's bytes are never decoded as text")

    async def write(self, writer: AbstractStreamWriter) -> None:
        file = await asyncio.to_thread(self._path.open, "rb")
        try:
            sent = 0
            while sent < self._total:
                chunk = await asyncio.to_thread(file.read, min(UPLOAD_CHUNK, self._total - sent))
                if not chunk:
                    raise OSError(f"{self._path.name} became shorter while it was uploaded")
                await writer.write(chunk)
                sent += len(chunk)
                if self._progress is not None:
                    self._progress(sent, self._total)
        finally:
            await asyncio.to_thread(file.close)


async def _read_source(source: Path | bytes, filename: str | None) -> tuple[bytes, str]:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source), filename or "file"
    path = Path(source)
    try:
        size = await asyncio.to_thread(lambda: path.stat().st_size)
        if size >= MAX_UPLOAD_BYTES:
            raise UploadTooLarge(size, filename=path.name)
        data = await asyncio.to_thread(path.read_bytes)
    except OSError as error:
        raise FileInputError(f"Could not read {path.name}: {error.strerror or error}") from error
    return data, filename or path.name


def _uploaded(body: JSON, status: int) -> UploadedFile:
    uploaded = file_object(body)
    if uploaded is None or not uploaded.url.lower().startswith(("https://", "http://")):
        text = json.dumps(body, ensure_ascii=False)
        raise UnexpectedResponse(
            f"Replicate answered the upload with {status} but no file URL: {excerpt(text)!r}",
            status=status, excerpt=excerpt(text),
        )
    return uploaded


def file_object(body: object) -> UploadedFile | None:
    """An :class:`UploadedFile` from a Files API file object, or ``None`` when it has no ``urls.get``."""
    urls = body.get("urls") if isinstance(body, dict) else None
    url = urls.get("get") if isinstance(urls, dict) else None
    if not isinstance(body, dict) or not isinstance(url, str) or not url:
        return None
    size = body.get("size")
    checksums = body.get("checksums")
    sha256 = checksums.get("sha256") if isinstance(checksums, dict) else None
    return UploadedFile(
        id=str(body.get("id") or ""),
        url=url,
        content_type=str(body.get("content_type") or DEFAULT_CONTENT_TYPE),
        size=size if isinstance(size, int) and not isinstance(size, bool) else None,
        expires_at=str(body["expires_at"]) if body.get("expires_at") else None,
        sha256=sha256 if isinstance(sha256, str) and sha256 else None,
    )


def _safe_filename(name: str) -> str:
    """At most 255 bytes of UTF-8, as the Files API allows, keeping the extension."""
    name = name.replace("/", "_").replace("\\", "_") or "file"
    if len(name.encode("utf-8")) <= 255:
        return name
    stem, dot, suffix = name.rpartition(".")
    suffix = f".{suffix}" if dot and len(suffix) <= 16 else ""
    stem = stem if dot else name
    while len((stem + suffix).encode("utf-8")) > 255:
        stem = stem[:-1]
    return stem + suffix
