"""What a scripted fault does to one response: the fault kinds of `faults.py`, each a small declarative dataclass.

A kind either *replaces* the answer (the real handler never runs, so nothing happens on the server: no
prediction is created) or *rewrites* the real answer after the handler ran (so its side effects are real: a
create whose answer is cut off has still created the prediction). Rewriting kinds that can also act on a
streamed (SSE) answer say so with ``streams = True``.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from aiohttp import web
from multidict import CIMultiDict

from .fault_wire import MIB, close_connection, gzip_bomb, reset_connection, send, start, wrap_writes
from .recording import PROBLEM_JSON, error_response


@dataclass(frozen=True)
class Captured:
    """The real handler's answer, before anything of it was sent."""

    status: int
    headers: CIMultiDict[str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")


class FaultKind:
    """Base of every fault kind. ``replaces``: answers without running the real handler."""

    replaces: ClassVar[bool] = False
    streams: ClassVar[bool] = False

    def describe(self) -> str:
        """A few words for the reliability table."""
        raise NotImplementedError

    async def answer(self, request: web.Request, real: Captured | None) -> web.StreamResponse:
        """The response to send; ``real`` is None for kinds that replace the answer."""
        raise NotImplementedError

    async def on_stream(self, request: web.Request, response: web.StreamResponse) -> None:
        """For ``streams`` kinds: adjusts a streamed response before its headers go out (they are final
        except for values such as the content type; it may wrap ``response.write``)."""
        raise NotImplementedError


# ---- kinds that replace the answer ---------------------------------------------------------------


@dataclass(frozen=True)
class Status(FaultKind):
    """An HTTP error (or any status): ``body`` None sends the realistic default for ``status`` — problem+json,
    an HTML error page for ``text/html``, or a line of text."""

    code: int
    body: str | bytes | dict[str, Any] | None = None
    content_type: str = PROBLEM_JSON
    headers: Mapping[str, str] = field(default_factory=dict)
    label: str = ""  # said after the status in the table, e.g. what is special about the body
    replaces: ClassVar[bool] = True

    def describe(self) -> str:
        extra = "".join(f", {name}: {value}" for name, value in self.headers.items())
        return f"{self.code} {self.content_type.split(';')[0]}{extra}{', ' + self.label if self.label else ''}"

    async def answer(self, request: web.Request, real: Captured | None) -> web.StreamResponse:
        return error_response(self.code, self.body, self.content_type, dict(self.headers))


@dataclass(frozen=True)
class Body(FaultKind):
    """A scripted answer as it is: status, content type and raw bytes (e.g. a malformed event stream)."""

    body: bytes
    content_type: str = "text/event-stream"
    code: int = 200
    label: str = ""
    replaces: ClassVar[bool] = True

    def describe(self) -> str:
        return self.label or f"{self.code} {self.content_type} body of {len(self.body)} bytes"

    async def answer(self, request: web.Request, real: Captured | None) -> web.StreamResponse:
        return web.Response(status=self.code, body=self.body, headers={"Content-Type": self.content_type})


def malformed_sse() -> Body:
    """An event stream that breaks the rules: a field without colon, a NUL in an id, an unknown event, data
    with no event, broken JSON in ``done``, and no blank line after the last event."""
    raw = (b": hi\n\nevent output\ndata: half\n\nid: 1\x002\nevent: output\ndata: \xff\xfe\n\n"
           b"event: mystery\ndata: ?\n\ndata: orphan\n\nevent: done\ndata: {not json\n\nevent: output\ndata: tail")
    return Body(raw, label="malformed SSE (bad fields, invalid UTF-8, broken done)")


@dataclass(frozen=True)
class Redirect(FaultKind):
    """A redirect. ``location`` may use ``{root}`` (this fake's root URL) and ``{path}`` (the request's path
    and query); see the constructors for the kinds of places it can send a client."""

    location: str
    code: int = 302
    label: str = ""
    replaces: ClassVar[bool] = True

    @classmethod
    def https_elsewhere(cls, code: int = 302) -> Redirect:
        return cls("https://replicate-delivery.invalid{path}", code, "https, another host")

    @classmethod
    def http_remote(cls, code: int = 302) -> Redirect:
        return cls("http://replicate-delivery.invalid{path}", code, "plain http, not loopback")

    @classmethod
    def loopback(cls, code: int = 302, path: str = "{path}") -> Redirect:
        return cls("{root}" + path, code, "plain http, loopback")

    @classmethod
    def data(cls, payload: bytes = b"{}", content_type: str = "application/json", code: int = 302) -> Redirect:
        encoded = base64.b64encode(payload).decode("ascii")
        return cls(f"data:{content_type};base64,{encoded}", code, "a data: URI")

    def describe(self) -> str:
        return f"{self.code} redirect to {self.label or self.location}"

    async def answer(self, request: web.Request, real: Captured | None) -> web.StreamResponse:
        root = f"{request.scheme}://{request.host}"
        location = self.location.replace("{root}", root).replace("{path}", request.path_qs)
        return web.Response(status=self.code, headers={"Location": location, "Content-Type": "text/plain"},
                            text=f"Redirecting to {location}")


@dataclass(frozen=True)
class EchoHeaders(FaultKind):
    """An error whose detail repeats every request header back, ``Authorization`` included, as careless
    proxies and debug pages do."""

    code: int = 400
    content_type: str = PROBLEM_JSON
    replaces: ClassVar[bool] = True

    def describe(self) -> str:
        return f"{self.code} whose detail echoes the request headers (Authorization too)"

    async def answer(self, request: web.Request, real: Captured | None) -> web.StreamResponse:
        echoed = "; ".join(f"{name}: {value}" for name, value in request.headers.items())
        if "json" in self.content_type:
            body: str | dict[str, Any] = {"title": "Bad request", "status": self.code,
                                          "detail": f"Invalid request headers: {echoed}"}
        else:
            body = f"<html><body><h1>{self.code}</h1><pre>{echoed}</pre></body></html>"
        return error_response(self.code, body, self.content_type, {})


# ---- kinds that rewrite the real answer ----------------------------------------------------------


@dataclass(frozen=True)
class DataRedirect(FaultKind):
    """A redirect to a ``data:`` URI holding the real answer (its content type, its bytes in base64): the
    handler runs, so what the client decodes is exactly what it would have fetched. Keep bodies small: the URI
    travels in a header."""

    code: int = 302

    def describe(self) -> str:
        return f"{self.code} redirect to a data: URI of the real body"

    async def answer(self, request: web.Request, real: Captured | None) -> web.StreamResponse:
        assert real is not None
        kind = real.content_type.split(";")[0].strip() or "application/octet-stream"
        location = f"data:{kind};base64,{base64.b64encode(real.body).decode('ascii')}"
        return web.Response(status=self.code, headers={"Location": location, "Content-Type": "text/plain"},
                            text="Redirecting to a data: URI")


@dataclass(frozen=True)
class Reset(FaultKind):
    """Sends the status, the headers (with the full Content-Length) and ``after_bytes`` of the body, then
    resets the connection (TCP RST)."""

    after_bytes: int = 0
    streams: ClassVar[bool] = True

    def describe(self) -> str:
        return f"connection reset after {self.after_bytes} bytes of the body"

    async def answer(self, request: web.Request, real: Captured | None) -> web.StreamResponse:
        assert real is not None
        response = await start(request, real.status, real.headers, len(real.body))
        await response.write(real.body[:self.after_bytes])
        reset_connection(request)
        return response

    async def on_stream(self, request: web.Request, response: web.StreamResponse) -> None:
        wrap_writes(request, response, self.after_bytes, reset_connection)


@dataclass(frozen=True)
class Truncate(FaultKind):
    """Content-Length announces the whole body but only ``keep_bytes`` are sent before the server closes
    the connection cleanly. A stream (chunked) is closed after ``keep_bytes`` without its final chunk."""

    keep_bytes: int = 0
    streams: ClassVar[bool] = True

    def describe(self) -> str:
        return f"body truncated after {self.keep_bytes} bytes (Content-Length says more), then closed"

    async def answer(self, request: web.Request, real: Captured | None) -> web.StreamResponse:
        assert real is not None
        response = await start(request, real.status, real.headers, max(len(real.body), self.keep_bytes + 1))
        await response.write(real.body[:self.keep_bytes])
        close_connection(request)
        return response

    async def on_stream(self, request: web.Request, response: web.StreamResponse) -> None:
        wrap_writes(request, response, self.keep_bytes, close_connection)


@dataclass(frozen=True)
class Stall(FaultKind):
    """Silence for ``seconds``: before the status line (``after_bytes`` None), or after the headers and
    ``after_bytes`` of the body; then the rest follows as if nothing happened."""

    seconds: float
    after_bytes: int | None = None
    streams: ClassVar[bool] = True

    def describe(self) -> str:
        where = "before the headers" if self.after_bytes is None else f"after {self.after_bytes} bytes of the body"
        return f"stall of {self.seconds:g} s {where}"

    async def answer(self, request: web.Request, real: Captured | None) -> web.StreamResponse:
        assert real is not None
        if self.after_bytes is None:
            await asyncio.sleep(self.seconds)
        response = await start(request, real.status, real.headers, len(real.body))
        cut = self.after_bytes or 0
        if cut:
            await response.write(real.body[:cut])
        if self.after_bytes is not None:
            await asyncio.sleep(self.seconds)
        await response.write(real.body[cut:])
        return response

    async def on_stream(self, request: web.Request, response: web.StreamResponse) -> None:
        if self.after_bytes is None:
            await asyncio.sleep(self.seconds)
            return

        async def pause(_request: web.Request) -> None:
            await asyncio.sleep(self.seconds)

        wrap_writes(request, response, self.after_bytes, pause, then_continue=True)


@dataclass(frozen=True)
class WrongContentType(FaultKind):
    """The real body under another content type."""

    content_type: str = "text/html; charset=utf-8"
    streams: ClassVar[bool] = True

    def describe(self) -> str:
        return f"real body sent as {self.content_type}"

    async def answer(self, request: web.Request, real: Captured | None) -> web.StreamResponse:
        assert real is not None
        headers = CIMultiDict(real.headers)
        headers["Content-Type"] = self.content_type
        return await send(request, real.status, headers, real.body)

    async def on_stream(self, request: web.Request, response: web.StreamResponse) -> None:
        response.headers["Content-Type"] = self.content_type


@dataclass(frozen=True)
class MalformedJSON(FaultKind):
    """The first ``fraction`` of the real body, as a complete response: JSON that stops half-way."""

    fraction: float = 0.5

    def describe(self) -> str:
        return f"JSON cut at {self.fraction:.0%} (a complete response)"

    async def answer(self, request: web.Request, real: Captured | None) -> web.StreamResponse:
        assert real is not None
        return await send(request, real.status, real.headers, real.body[:max(1, int(len(real.body) * self.fraction))])


@dataclass(frozen=True)
class Oversized(FaultKind):
    """The real answer padded by ``mib`` MiB: a ``padding`` member in a JSON object (still valid JSON with
    every real field), else trailing bytes."""

    mib: float = 8

    def describe(self) -> str:
        return f"body padded by {self.mib:g} MiB"

    async def answer(self, request: web.Request, real: Captured | None) -> web.StreamResponse:
        assert real is not None
        size = int(self.mib * MIB)
        decoded = _json_object(real.body)
        if decoded is not None:
            body = json.dumps({"padding": " " * size, **decoded}, ensure_ascii=False).encode()
        else:
            body = real.body + (b" " if real.content_type.startswith(("text/", "application/json")) else b"\0") * size
        return await send(request, real.status, real.headers, body)


@dataclass(frozen=True)
class GzipBomb(FaultKind):
    """``Content-Encoding: gzip`` whose few KiB on the wire inflate to the real body plus ``mib`` MiB of
    trailing spaces (still valid JSON when the body is JSON)."""

    mib: float = 64

    def describe(self) -> str:
        return f"gzip body inflating to {self.mib:g} MiB"

    async def answer(self, request: web.Request, real: Captured | None) -> web.StreamResponse:
        assert real is not None
        headers = CIMultiDict(real.headers)
        headers["Content-Encoding"] = "gzip"
        return await send(request, real.status, headers, gzip_bomb(real.body, int(self.mib * MIB)))


@dataclass(frozen=True)
class MalformedPrediction(FaultKind):
    """The real prediction object with fields dropped (``drop``) or replaced by wrong types (``set``)."""

    drop: tuple[str, ...] = ()
    set: Mapping[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        parts = [f"without {name}" for name in self.drop]
        parts += [f"{name} = {json.dumps(value)}" for name, value in self.set.items()]
        return "prediction object " + ", ".join(parts)

    async def answer(self, request: web.Request, real: Captured | None) -> web.StreamResponse:
        assert real is not None
        decoded = _json_object(real.body)
        if decoded is None:
            raise TypeError(f"MalformedPrediction needs a JSON object, {request.path} answered {real.content_type}")
        changed = {key: value for key, value in decoded.items() if key not in self.drop}
        changed.update(self.set)
        return await send(request, real.status, real.headers, json.dumps(changed, ensure_ascii=False).encode())


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        decoded = json.loads(body)
    except ValueError:
        return None
    return decoded if isinstance(decoded, dict) else None
