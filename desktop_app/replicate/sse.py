"""A small server-sent-events decoder for aiohttp response bodies, with a bound on what it buffers."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass

from .errors import UnexpectedResponse

MAX_EVENT_BYTES = 32 * 1024 * 1024  # one line or one event's data, after decompression (as for JSON answers)


@dataclass(frozen=True)
class SSEEvent:
    """One dispatched event: its name, its data (``data:`` lines joined by ``\\n``) and its own ``id:``
    (``None`` when the event carried none; the last id seen is kept in ``SSEDecoder.last_event_id``)."""

    event: str
    data: str
    id: str | None = None


class SSEDecoder:
    """Turns the bytes of an event stream into events, following the WHATWG rules that matter here.

    Lines may end in CRLF, LF or CR, split anywhere between chunks; the result never depends on the
    chunking. No line and no event may exceed ``max_event_bytes``: a bigger one stops the decoder (see
    :meth:`feed`) instead of growing the buffer without bound.
    """

    def __init__(self, max_event_bytes: int = MAX_EVENT_BYTES) -> None:
        self.max_event_bytes = max_event_bytes
        self.last_event_id: str | None = None
        self._event = ""
        self._data: list[str] = []
        self._id: str | None = None
        self._event_bytes = 0  # bytes of the lines of the event being read
        self._partial: list[bytes] = []  # an unfinished line
        self._partial_bytes = 0
        self._after_cr = False  # the last chunk ended in CR: a LF opening the next one belongs to it
        self._first_line = True
        self.error: UnexpectedResponse | None = None

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        """Consumes the next bytes of the stream; returns the events they complete, in order.

        When a line or event goes over the limit, the events completed before it are still returned, ``error``
        holds the :class:`UnexpectedResponse` that says so, and every later call raises it."""
        if self.error is not None:
            raise self.error
        events: list[SSEEvent] = []
        if chunk:
            try:
                self._feed(chunk, events)
            except UnexpectedResponse as error:
                self.error = error
        return events

    def _feed(self, chunk: bytes, events: list[SSEEvent]) -> None:
        if self._after_cr and chunk[:1] == b"\n":
            chunk = chunk[1:]  # the LF of a CRLF that was split between two chunks
        self._after_cr = chunk[-1:] == b"\r"
        if not chunk:
            return
        lines = chunk.splitlines(keepends=True)  # bytes split at CR, LF and CRLF only: exactly SSE's line ends
        unfinished = lines.pop() if not lines[-1].endswith((b"\n", b"\r")) else None
        limit = self.max_event_bytes
        for raw in lines:
            raw = raw[:-2] if raw.endswith(b"\r\n") else raw[:-1]
            if self._partial:
                raw = b"".join((*self._partial, raw))
                self._partial.clear()
                self._partial_bytes = 0
            if not raw:
                self._event_bytes = 0
                self._first_line = False
                event = self._dispatch()
                if event is not None:
                    events.append(event)
                continue
            self._event_bytes += len(raw) + 1
            if self._event_bytes > limit:
                self._check(self._event_bytes)
            line = raw.decode("utf-8", errors="replace")
            if self._first_line:
                self._first_line = False
                line = line.removeprefix("\ufeff")  # a byte-order mark may open the stream
            self.feed_line(line)
        if unfinished is not None:
            self._check(self._partial_bytes + len(unfinished) + self._event_bytes)
            self._partial.append(unfinished)
            self._partial_bytes += len(unfinished)

    def feed_line(self, line: str) -> SSEEvent | None:
        """Consumes one line (without its line ending); returns an event when a blank line ends one."""
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None  # a comment, e.g. the ": hi" that opens Replicate streams
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        elif name == "id" and "\0" not in value:
            self._id = value
        return None

    def _check(self, size: int) -> None:
        if size > self.max_event_bytes:
            limit = f"{self.max_event_bytes / (1024 * 1024):g} MiB" if self.max_event_bytes >= 1024 * 1024 \
                else f"{self.max_event_bytes} bytes"
            raise UnexpectedResponse(f"The event stream sent an event larger than {limit}; stopped reading it.")

    def _dispatch(self) -> SSEEvent | None:
        if self._id is not None:
            self.last_event_id = self._id
        if not self._data and not self._event:
            self._id = None
            return None
        event = SSEEvent(self._event or "message", "\n".join(self._data), self._id)
        self._event, self._data, self._id = "", [], None
        return event


async def iter_sse(chunks: AsyncIterable[bytes], decoder: SSEDecoder | None = None) -> AsyncIterator[SSEEvent]:
    """Decodes a byte stream (any chunking) into events; a final event without blank line is dropped."""
    decoder = decoder or SSEDecoder()
    async for chunk in chunks:
        for event in decoder.feed(chunk):
            yield event
        if decoder.error is not None:
            raise decoder.error
