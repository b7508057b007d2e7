"""Output files: which locations are safe to fetch, and downloading them (``https:``, ``data:``)."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes, urlsplit

import aiohttp

from .client import USER_AGENT, ReplicateClient
from .errors import NetworkError, ReplicateError, UnexpectedResponse, UnsafeOutputURLError, excerpt

DownloadProgress = Callable[[int, int | None], None]
MAX_OUTPUT_BYTES = 512 * 1024 * 1024
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True)
class DownloadedFile:
    """The bytes of one output with the content type the server declared."""

    url: str
    data: bytes
    content_type: str | None


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_output_url(url: str) -> str:
    """Accepts ``https:``, ``data:`` and ``http:`` to loopback; refuses anything else."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in {"https", "data"} or (scheme == "http" and is_loopback_host(parts.hostname)):
        return url
    raise UnsafeOutputURLError(
        f"Refused to fetch an output from {excerpt(url, 80)!r}: only https:, data: and local http: "
        "locations are accepted."
    )


def is_file_output(value: object) -> bool:
    """Whether an output value looks like a file location rather than text."""
    return isinstance(value, str) and value.startswith(("https://", "http://", "data:"))


def looks_like_location(value: object) -> bool:
    """Whether an output value is a URL of any scheme (to be checked before fetching)."""
    return isinstance(value, str) and bool(_SCHEME.match(value)) and ("://" in value or value.startswith("data:"))


def decode_data_uri(url: str) -> DownloadedFile:
    """Decodes a ``data:[<type>][;base64],<payload>`` URI locally."""
    header, sep, payload = url[5:].partition(",")
    if not sep:
        raise UnexpectedResponse("An output data: URI has no payload.")
    params = header.split(";")
    content_type = params[0] or "text/plain"
    try:
        data = base64.b64decode(payload, validate=False) if "base64" in params[1:] else unquote_to_bytes(payload)
    except (binascii.Error, ValueError) as error:
        raise UnexpectedResponse(f"An output data: URI could not be decoded: {error}") from None
    return DownloadedFile(url, data, content_type)


async def download_output(
    client: ReplicateClient,
    url: str,
    *,
    on_progress: DownloadProgress | None = None,
    chunk_size: int = 64 * 1024,
) -> DownloadedFile:
    """Fetches one output file through the client's session and proxy, reporting progress."""
    check_output_url(url)
    if url.startswith("data:"):
        file = decode_data_uri(url)
        if on_progress:
            on_progress(len(file.data), len(file.data))
        return file
    headers = {"User-Agent": USER_AGENT}
    if client.is_api_url(url):
        headers = client.headers(json_body=False)
    timeout = aiohttp.ClientTimeout(total=None, connect=15.0, sock_read=60.0)
    try:
        async with client.session.get(url, headers=headers, proxy=client.proxy, timeout=timeout) as response:
            if response.status >= 400:
                body = await response.text(errors="replace")
                raise NetworkError(
                    f"Downloading {_short(url)} failed: the server answered {response.status} ({excerpt(body, 80)})."
                )
            total = response.content_length
            received = bytearray()
            if on_progress:
                on_progress(0, total)
            async for chunk in response.content.iter_chunked(chunk_size):
                received += chunk
                if len(received) > MAX_OUTPUT_BYTES:
                    raise UnexpectedResponse(f"The output at {_short(url)} is larger than 512 MiB; stopped.")
                if on_progress:
                    on_progress(len(received), total)
            if total is not None and len(received) < total:
                raise NetworkError(f"Downloading {_short(url)} broke off after {len(received)} of {total} bytes.")
            return DownloadedFile(url, bytes(received), response.headers.get("Content-Type"))
    except ReplicateError:
        raise
    except (TimeoutError, aiohttp.ClientError) as error:
        raise NetworkError(f"Downloading {_short(url)} failed: {error or type(error).__name__}") from error


def _short(url: str) -> str:
    return excerpt(url, 80)
