"""Sending a faulted answer on the wire: real headers with a chosen length, writes cut or paused at a byte,
TCP resets and clean closes, gzip bombs."""

from __future__ import annotations

import socket
import struct
import zlib
from collections.abc import Awaitable, Callable

from aiohttp import web
from multidict import CIMultiDict

MIB = 1024 * 1024
_DROPPED_HEADERS = ("Content-Length", "Transfer-Encoding")


async def start(request: web.Request, status: int, headers: CIMultiDict[str], length: int) -> web.StreamResponse:
    """Sends the status line and headers (the real ones, with ``length`` as Content-Length)."""
    kept = CIMultiDict((name, value) for name, value in headers.items() if name not in _DROPPED_HEADERS)
    response = web.StreamResponse(status=status, headers=kept)
    response.content_length = length
    await response.prepare(request)
    return response


async def send(request: web.Request, status: int, headers: CIMultiDict[str], body: bytes) -> web.StreamResponse:
    """Sends a whole answer (status, headers, ``body`` with its exact length)."""
    response = await start(request, status, headers, len(body))
    await response.write(body)
    return response


def wrap_writes(request: web.Request, response: web.StreamResponse, after: int,
                act: Callable[[web.Request], Awaitable[None] | None], *, then_continue: bool = False) -> None:
    """Makes a streamed response call ``act(request)`` once ``after`` body bytes have gone out."""
    original = response.write
    sent = 0
    done = False

    async def write(data: bytes | bytearray | memoryview) -> None:
        nonlocal sent, done
        if done:
            await original(data)
            return
        if sent + len(data) < after or (after == 0 and not data):
            sent += len(data)
            await original(data)
            return
        head, tail = bytes(data[:after - sent]), bytes(data[after - sent:])
        sent = after
        done = True
        if head:
            await original(head)
        acted = act(request)
        if acted is not None:
            await acted
        if not then_continue:
            raise ConnectionResetError("the fault ended this response")
        if tail:
            await original(tail)

    setattr(response, "write", write)  # noqa: B010 — replacing a method on this one object


def reset_connection(request: web.Request) -> None:
    """Closes the connection with a TCP RST (SO_LINGER 0) instead of a clean FIN."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


def close_connection(request: web.Request) -> None:
    """Closes the connection cleanly once what was written has gone out."""
    if request.transport is not None:
        request.transport.close()


def gzip_bomb(prefix: bytes, padding: int) -> bytes:
    """A gzip stream of ``prefix`` followed by ``padding`` spaces, about 1 KiB on the wire per MiB.

    Each MiB of spaces is deflated once, after a full flush (which forgets the history), so the same
    compressed block can be repeated instead of compressing every MiB again."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = b" " * MIB
    repeated = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    count, rest = divmod(padding, MIB)
    tail = compressor.compress(b" " * rest) + compressor.flush()
    crc = zlib.crc32(prefix)
    for _ in range(count):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(b" " * rest, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # gzip, deflate, no name, no time, max compression
    trailer = struct.pack("<II", crc, (len(prefix) + padding) & 0xFFFFFFFF)
    return header + head + repeated * count + tail + trailer
