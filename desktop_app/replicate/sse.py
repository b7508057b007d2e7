"""A small server-sent-events decoder for aiohttp response bodies."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass

from .errors import UnexpectedResponse

MAX_EVENT_BYTES = 32 * 1024 * 1024  # one line or one event's data, after decompression (as for JSON answers)


@dataclass(frozen=True)
class SSEEvent:
    """One dispatched event: its name, its data (``data:`` lines joined by ``\\n``) and id."""

    event: str
    data: str
    id: str | None = None


class SSEDecoder:
    """Turns lines of an event stream into events, following the WHATWG rules that matter here."""

    def __init__(self, max_event_bytes: int = MAX_EVENT_BYTES) -> None:
        self._event = ""
        self._data: list[str] = []
        self._size = 0
        self._id: str | None = None
        self.last_event_id: str | None = None
        self.max_event_bytes = max_event_bytes

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
            self._size += len(value) + 1
            if self._size > self.max_event_bytes:
                raise _too_large(self.max_event_bytes)
            self._data.append(value)
        elif name == "id" and "\0" not in value:
            self._id = value
        return None

    def _dispatch(self) -> SSEEvent | None:
        if self._id is not None:
            self.last_event_id = self._id
        if not self._data and not self._event:
            self._id = None
            return None
        event = SSEEvent(self._event or "message", "\n".join(self._data), self._id)
        self._event, self._data, self._size, self._id = "", [], 0, None
        return event


async def iter_sse(chunks: AsyncIterable[bytes], decoder: SSEDecoder | None = None) -> AsyncIterator[SSEEvent]:
    """Decodes a byte stream (any chunking) into events; a final event without blank line is dropped."""
    decoder = decoder or SSEDecoder()
    pending = bytearray()
    async for chunk in chunks:
        pending += chunk
        if b"\n" in chunk:
            *lines, rest = bytes(pending).split(b"\n")
            pending = bytearray(rest)
        else:
            lines = []
        if len(pending) > decoder.max_event_bytes:  # a line that never ends
            raise _too_large(decoder.max_event_bytes)
        for raw in lines:
            event = decoder.feed_line(raw.rstrip(b"\r").decode("utf-8", errors="replace"))
            if event is not None:
                yield event


def _too_large(limit: int) -> UnexpectedResponse:
    return UnexpectedResponse(
        f"The event stream sent an event larger than {limit // (1024 * 1024)} MiB; stopped reading it."
    )
