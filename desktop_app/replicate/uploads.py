"""File inputs: small files inline as ``data:`` URIs, larger ones uploaded to ``POST /v1/files``."""

from __future__ import annotations

import asyncio
import base64
import json
import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from .bodies import RawBody
from .client import JSON, ReplicateClient
from .errors import APIError, NetworkError, ReplicateError, UnexpectedResponse, excerpt

INLINE_LIMIT = 256 * 1024  # replicate-api.md §7: data URIs for files up to 256 KB
MAX_UPLOAD_BYTES = 100 * 1024 * 1024  # the Files API refuses files of 100 MB or more
DEFAULT_CONTENT_TYPE = "application/octet-stream"


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
    urls = body.get("urls")
    url = urls.get("get") if isinstance(urls, dict) else None
    if not isinstance(url, str) or not url.lower().startswith(("https://", "http://")):
        text = json.dumps(body, ensure_ascii=False)
        raise UnexpectedResponse(
            f"Replicate answered the upload with {status} but no file URL: {excerpt(text)!r}",
            status=status, excerpt=excerpt(text),
        )
    size = body.get("size")
    return UploadedFile(
        id=str(body.get("id") or ""),
        url=url,
        content_type=str(body.get("content_type") or DEFAULT_CONTENT_TYPE),
        size=size if isinstance(size, int) and not isinstance(size, bool) else None,
        expires_at=str(body["expires_at"]) if body.get("expires_at") else None,
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
