"""Opt-in misbehaviour for the fake server: what a broken proxy, a bad CDN or a buggy API release could send.

Nothing here happens unless a test asks for it, so the fake keeps behaving like the real API by default.

    fake.hostile.next_poll(gzip_bomb(1 << 30))           # the next GET /v1/predictions/{id} inflates to 1 GiB
    fake.hostile.next_create(drop_fields("id"))          # the next create answer has no id
    url = fake.hostile.add_file("a.png", png, fail_first=1)           # 503 once, then the file
    url = fake.hostile.add_redirect("hop", "http://192.0.2.1/x.png")  # 302 to a public http host
"""

from __future__ import annotations

import functools
import json
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .fault_kinds import Captured, FaultKind

if TYPE_CHECKING:
    from .server import FakeReplicate

# An answer: (the request, the real prediction object) → the response sent instead.
Answer = Callable[[web.Request, dict[str, Any]], web.StreamResponse]
_RANGE = re.compile(r"^bytes=(\d+)-$")


@dataclass
class HostileFile:
    """How one file under ``/hostile/files/{key}`` (or ``/v1/hostile/files/{key}``) is served."""

    data: bytes = b""
    content_type: str = "image/png"
    redirect_to: str | None = None
    redirect_status: int = 302
    fail_first: int = 0  # answer the first N requests with fail_status
    fail_status: int = 503
    reset_after: int | None = None  # cut the connection after this many body bytes ...
    resets: int = 1  # ... on this many requests
    honour_range: bool = True
    etag: str | None = '"hostile-v1"'
    served: int = 0


class HostileBehaviours:
    """Scripted misbehaviour of one FakeReplicate: poll and create answers replaced (as rules of its fault
    framework, see faults.py), hostile file routes."""

    def __init__(self, fake: FakeReplicate) -> None:
        self._fake = fake
        self.files: dict[str, HostileFile] = {}

    def add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/hostile/files/{key}", self._file)
        router.add_get("/v1/hostile/files/{key}", self._file)  # on the API host: needs the token

    # ---- scripting answers -------------------------------------------------------------------------

    def next_poll(self, answer: Answer, *, times: int = 1, prediction_id: str | None = None) -> None:
        """The next ``times`` ``GET /v1/predictions/{id}`` (of ``prediction_id``, or any) get ``answer``."""
        path = rf"/v1/predictions/{re.escape(prediction_id) if prediction_id else '[^/]+'}"
        self._fake.faults.add(None, Answered(answer), times=times, method="GET", path=path)

    def next_create(self, answer: Answer, *, times: int = 1) -> None:
        """The next ``times`` create requests create the prediction as usual but answer with ``answer``."""
        self._fake.faults.add("create", Answered(answer), times=times)

    # ---- hostile files -----------------------------------------------------------------------------

    def add_file(self, key: str, data: bytes, content_type: str = "image/png", *, api_host: bool = False,
                 **behaviour: Any) -> str:
        """Serves ``data`` at a new URL with the given :class:`HostileFile` behaviour; returns the URL."""
        self.files[key] = HostileFile(data=data, content_type=content_type, **behaviour)
        return self.url(key, api_host=api_host)

    def add_redirect(self, key: str, location: str, status: int = 302, *, api_host: bool = False) -> str:
        """A URL that answers ``status`` with ``Location: location``; returns the URL."""
        self.files[key] = HostileFile(redirect_to=location, redirect_status=status)
        return self.url(key, api_host=api_host)

    def url(self, key: str, *, api_host: bool = False, host: str | None = None) -> str:
        root = self._fake.root_url if host is None else self._fake.root_url.replace("127.0.0.1", host)
        return f"{root}{'/v1' if api_host else ''}/hostile/files/{key}"

    async def _file(self, request: web.Request) -> web.StreamResponse:
        found = self.files.get(request.match_info["key"])
        if found is None:
            return web.Response(status=404, text="Not Found")
        found.served += 1
        if found.redirect_to is not None:
            return web.Response(status=found.redirect_status, headers={"Location": found.redirect_to})
        if found.served <= found.fail_first:
            return web.Response(status=found.fail_status, text=f"<html><body>{found.fail_status}</body></html>",
                                content_type="text/html")
        headers = {"Content-Type": found.content_type, "Accept-Ranges": "bytes" if found.honour_range else "none"}
        if found.etag:
            headers["ETag"] = found.etag
        start = _range_start(request, found)
        status = 200
        if start is not None:
            if start >= len(found.data):
                return web.Response(status=416, headers={"Content-Range": f"bytes */{len(found.data)}"})
            status = 206
            headers["Content-Range"] = f"bytes {start}-{len(found.data) - 1}/{len(found.data)}"
        body = found.data[start or 0:]
        response = web.StreamResponse(status=status, headers=headers)
        response.content_length = len(body)
        await response.prepare(request)
        if found.reset_after is not None and found.resets > 0:
            found.resets -= 1
            await response.write(body[:found.reset_after])
            if request.transport is not None:
                request.transport.abort()  # a reset in the middle of the body
            return response
        await response.write(body)
        await response.write_eof()
        return response


def _range_start(request: web.Request, found: HostileFile) -> int | None:
    match = _RANGE.match(request.headers.get("Range", ""))
    if match is None or not found.honour_range:
        return None
    if_range = request.headers.get("If-Range")
    if if_range is not None and if_range != found.etag:
        return None  # the file changed since the part the client has: send all of it
    return int(match.group(1))


@dataclass(frozen=True)
class Answered(FaultKind):
    """A fault kind (faults.py) that rewrites a prediction answer with an :data:`Answer`: the request was handled
    (a create created its prediction), then the client gets what ``make`` does with the real prediction object."""

    make: Answer

    def describe(self) -> str:
        return "the prediction object as a hostile answer leaves it"

    async def answer(self, request: web.Request, real: Captured | None) -> web.StreamResponse:
        assert real is not None
        return self.make(request, json.loads(real.body))


# ---- answers ------------------------------------------------------------------------------------------


def gzip_bomb(inflated_bytes: int) -> Answer:
    """A valid prediction JSON whose ``logs`` are ``inflated_bytes`` of ``a``, sent gzip-compressed (~1000:1)."""

    def answer(_request: web.Request, prediction: dict[str, Any]) -> web.StreamResponse:
        prefix, state = _bomb_prefix(inflated_bytes)
        compressor = state.copy()
        rest = {key: value for key, value in prediction.items() if key != "logs"}
        tail = ('"' + (", " + json.dumps(rest)[1:] if rest else "}")).encode()
        body = prefix + compressor.compress(tail) + compressor.flush()
        return web.Response(body=body, headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})

    return answer


def prepare_gzip_bomb(inflated_bytes: int) -> int:
    """Compresses the bomb of this size now (it takes seconds per GiB) and returns its size on the wire."""
    return len(_bomb_prefix(inflated_bytes)[0])


@functools.cache
def _bomb_prefix(inflated_bytes: int) -> tuple[bytes, Any]:
    """The compressed start ``{"logs": "aaa…`` and the compressor state after it (computed once per size)."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    parts = [compressor.compress(b'{"logs": "')]
    block = b"a" * (1 << 20)
    left = inflated_bytes
    while left > 0:
        parts.append(compressor.compress(block[:left]))
        left -= len(block)
    return b"".join(parts), compressor


def malformed(mutate: Callable[[dict[str, Any]], Any]) -> Answer:
    """The prediction object as ``mutate`` leaves it (or returns it), sent as ordinary JSON."""

    def answer(_request: web.Request, prediction: dict[str, Any]) -> web.StreamResponse:
        changed = mutate(prediction)
        return web.json_response(prediction if changed is None else changed)

    return answer


def drop_fields(*names: str) -> Answer:
    return malformed(lambda prediction: [prediction.pop(name, None) for name in names] and None)


def set_fields(**values: Any) -> Answer:
    return malformed(lambda prediction: prediction.update(values))


def truncated_json() -> Answer:
    """The first half of the real JSON, still labelled ``application/json``."""

    def answer(_request: web.Request, prediction: dict[str, Any]) -> web.StreamResponse:
        text = json.dumps(prediction)
        return web.Response(text=text[: len(text) // 2], content_type="application/json")

    return answer


def wrong_content_type() -> Answer:
    """A 200 HTML page, as a captive portal or a misrouted proxy sends."""

    def answer(_request: web.Request, _prediction: dict[str, Any]) -> web.StreamResponse:
        return web.Response(text="<html><body>Please log in to the Wi-Fi</body></html>", content_type="text/html")

    return answer


def echo_authorization(status: int = 502) -> Answer:
    """A problem body that quotes the request's ``Authorization`` header back, as a careless gateway does."""

    def answer(request: web.Request, _prediction: dict[str, Any]) -> web.StreamResponse:
        sent = request.headers.get("Authorization", "")
        body = {"title": "Bad gateway", "status": status,
                "detail": f"upstream refused the request with headers Authorization: {sent} (token {sent[7:]})"}
        return web.json_response(body, status=status, content_type="application/problem+json")

    return answer
