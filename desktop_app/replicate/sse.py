"""A small server-sent-events decoder for aiohttp response bodies."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass


@dataclass(frozen=True)
class SSEEvent:
    """One dispatched event: its name, its data (``data:`` lines joined by ``\\n``) and id."""

    event: str
    data: str
    id: str | None = None


class SSEDecoder:
    """Turns lines of an event stream into events, following the WHATWG rules that matter here."""

    def __init__(self) -> None:
        self._event = ""
        self._data: list[str] = []
        self._id: str | None = None
        self.last_event_id: str | None = None

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
    pending = b""
    async for chunk in chunks:
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for raw in lines:
            event = decoder.feed_line(raw.rstrip(b"\r").decode("utf-8", errors="replace"))
            if event is not None:
                yield event
