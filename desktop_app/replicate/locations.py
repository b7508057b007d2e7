"""Which locations the app fetches outputs and streams from: ``https:``, ``data:`` and ``http:`` to loopback."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from .errors import UnsafeOutputURLError, excerpt

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


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


def check_network_url(url: str) -> str:
    """Accepts ``https:`` and ``http:`` to loopback for something read over the network (an event stream)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "https" or (scheme == "http" and is_loopback_host(parts.hostname)):
        return url
    raise UnsafeOutputURLError(
        f"Refused to open {excerpt(url, 80)!r}: only https: and local http: locations are accepted."
    )


def is_file_output(value: object) -> bool:
    """Whether an output value looks like a file location rather than text."""
    return isinstance(value, str) and value.startswith(("https://", "http://", "data:"))


def looks_like_location(value: object) -> bool:
    """Whether an output value is a URL of any scheme (to be checked before fetching)."""
    return isinstance(value, str) and bool(_SCHEME.match(value)) and ("://" in value or value.startswith("data:"))
