"""Bodies on the wire: answers read under a cap (after decompression), JSON objects checked, non-JSON requests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiohttp

from .errors import UnexpectedResponse, excerpt

MIB = 1024 * 1024
MAX_JSON_BYTES = 32 * MIB  # a JSON answer, measured after decompression
MAX_ERROR_BYTES = MIB  # of an error body only the start is read: it ends up as a one-line excerpt
READ_CHUNK = 64 * 1024


@dataclass(frozen=True)
class RawBody:
    """A request body that is not JSON (a multipart upload, a plain-text query), sent as these bytes."""

    data: bytes
    content_type: str


async def read_body(response: aiohttp.ClientResponse, limit: int) -> bytes | None:
    """The body after decompression, read piece by piece; ``None`` as soon as it grows past ``limit`` bytes
    (the rest is never read, so a small answer that inflates to gigabytes costs at most ``limit``)."""
    declared = response.content_length
    if declared is not None and declared > limit:
        return None
    body = bytearray()
    async for chunk in response.content.iter_chunked(READ_CHUNK):
        if len(body) + len(chunk) > limit:
            return None
        body += chunk
    return bytes(body)


async def read_text(response: aiohttp.ClientResponse, limit: int, *, truncate: bool = False) -> str:
    """The body as text (invalid UTF-8 replaced): at most ``limit`` bytes of it with ``truncate``, else
    an :class:`UnexpectedResponse` when it is longer."""
    body = bytearray()
    async for chunk in response.content.iter_chunked(READ_CHUNK):
        if len(body) + len(chunk) > limit:
            if truncate:
                body += chunk[: limit - len(body)]
                break
            raise UnexpectedResponse(
                f"The server answered {response.status} with more than {limit // MIB or 1} MiB of data; "
                "stopped reading it.",
                status=response.status,
            )
        body += chunk
    return body.decode("utf-8", errors="replace")


def parse_json_object(status: int, text: str, content_type: str) -> dict[str, Any]:
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
