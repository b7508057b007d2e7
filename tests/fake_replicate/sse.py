"""Server-sent events on the wire, formatted the way Replicate's stream host sends them (§5)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SSEEvent:
    """One event of a prediction's stream: `output`, `logs`, `error` or `done`, with its `ts:n` id."""

    event: str
    data: str
    id: str

    def encode(self) -> bytes:
        """The event as it appears on the wire, ending with the blank line that dispatches it."""
        return format_event(self.event, self.data, self.id)


def format_event(event: str, data: str, event_id: str | None = None) -> bytes:
    """`event:`, optional `id:`, and one `data:` line per line of `data`, then a blank line.

    Line breaks inside the data (LF, CRLF or CR) become separate `data:` lines, which a conforming
    client joins back with "\\n"; a single space follows each colon, which the client strips.
    """
    if "\n" in event or "\r" in event:
        raise ValueError("an event name cannot contain a line break")
    lines = [f"event: {event}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    normalized = data.replace("\r\n", "\n").replace("\r", "\n")
    lines.extend(f"data: {line}" for line in normalized.split("\n"))
    return ("\n".join(lines) + "\n\n").encode("utf-8")


def format_comment(text: str) -> bytes:
    """A comment line such as the `: hi` the stream opens with; clients ignore it."""
    return "".join(f": {line}\n" for line in text.split("\n")).encode("utf-8") + b"\n"
