"""The text of a reply as shown so far, kept equal to the model's output whatever its stream replays or repeats."""

from __future__ import annotations

import bisect
import json
from typing import Any

from .events import TextDelta, TextReplaced

ReplyEvent = TextDelta | TextReplaced


def join_text(output: Any) -> str:
    """A text model's output as one string: iterator and concatenate outputs are lists joined with ""."""
    if isinstance(output, list):
        return "".join(item if isinstance(item, str) else json.dumps(item) for item in output)
    if isinstance(output, str):
        return output
    return json.dumps(output)


class ShownText:
    """Text passed on so far, kept in pieces (joining on every token would be quadratic), with the offsets
    where output chunks began, which is where a replayed chunk may land."""

    def __init__(self) -> None:
        self._pieces: list[str] = []
        self._starts: list[int] = []
        self._length = 0
        self.boundaries: list[int] = [0]

    def __len__(self) -> int:
        return self._length

    def append(self, text: str) -> None:
        if text:
            self._pieces.append(text)
            self._starts.append(self._length)
            self._length += len(text)

    def mark(self, offset: int) -> None:
        """Remembers that an output chunk began at ``offset``."""
        if offset > self.boundaries[-1]:
            self.boundaries.append(offset)
            return
        index = bisect.bisect_left(self.boundaries, offset)
        if index == len(self.boundaries) or self.boundaries[index] != offset:
            self.boundaries.insert(index, offset)

    def slice(self, start: int, end: int) -> str:
        """``text()[start:end]``, reading only the pieces that overlap it."""
        end = min(end, self._length)
        if start >= end:
            return ""
        first = bisect.bisect_right(self._starts, start) - 1
        parts = []
        index = first
        while index < len(self._pieces) and self._starts[index] < end:
            parts.append(self._pieces[index])
            index += 1
        joined = "".join(parts)
        offset = self._starts[first]
        return joined[start - offset : end - offset]

    def text(self) -> str:
        if len(self._pieces) > 1:
            self._pieces, self._starts = ["".join(self._pieces)], [0]  # later joins and slices start from one piece
        return self._pieces[0] if self._pieces else ""

    def reset(self, text: str) -> None:
        self._pieces, self._starts, self._length = [], [], 0
        self.boundaries = [0]
        self.append(text)


class ReplyText:
    """Everything shown of one prediction's text reply, and the events that keep it exact.

    Each stream connection places its ``output`` events at text offsets: an event id seen before is a
    replay and is dropped; otherwise the event should land where the connection's previous one ended
    (at 0 for a connection that replays from the start, after the last delivered event for one that
    resumed by ``Last-Event-ID``). When the text already shown there differs, the event is placed at the
    nearest chunk start whose text it matches, or else at the end as new text. Prediction objects from
    the API are the authority: :meth:`reconcile` extends the reply from them, and replaces it with a
    :class:`TextReplaced` when it turns out to differ — for the final object, whenever it is not equal.
    """

    def __init__(self) -> None:
        self.shown = ShownText()
        self._ids: dict[str, int] = {}  # event id -> offset of its data
        self._cursor = 0  # where the current connection's next output should land
        self._stream_end = 0  # just after the last output event the stream delivered
        self._checked: tuple[Any, bool] | None = None

    @property
    def text(self) -> str:
        return self.shown.text()

    def begin_connection(self, *, resumed: bool) -> None:
        """A new stream connection: it replays from the start unless it was asked to resume."""
        self._cursor = self._stream_end if resumed else 0

    def on_stream_output(self, data: str, event_id: str | None) -> list[ReplyEvent]:
        """Places one ``output`` event; returns the text it adds, if any."""
        shown = len(self.shown)
        if event_id is not None:
            known = self._ids.get(event_id)
            if known is not None:  # a replay, or the same event sent twice
                self._cursor = self._stream_end = known + len(data)
                return []
        start = self._cursor if self._cursor == shown else self._place(data)  # the usual case: new text at the end
        if event_id is not None:
            self._ids[event_id] = start
        self._cursor = self._stream_end = start + len(data)
        self.shown.mark(start)
        if start + len(data) <= shown:
            return []
        tail = data[shown - start :]
        self.shown.append(tail)
        return [TextDelta(tail)]

    def reconcile(self, output: Any, *, final: bool) -> list[ReplyEvent]:
        """Brings the reply in line with a prediction object's ``output``; ``final`` for the terminal one.

        A partial output that the stream is already ahead of changes nothing; one that extends the reply
        adds its tail; one that contradicts it (or a final one that is not equal) replaces it. A partial output
        that is not text (an object, a number) is not shown: only a final one is the reply as it is."""
        if output is None or (self._checked is not None and self._checked[0] is output and self._checked[1] == final):
            return []
        if not final and not isinstance(output, str | list):
            return []
        self._checked = (output, final)
        full = join_text(output)
        shown = self.shown.text()
        events: list[ReplyEvent] = []
        if full.startswith(shown):
            if len(full) > len(shown):
                self.shown.append(full[len(shown) :])
                events.append(TextDelta(full[len(shown) :]))
        elif final or not shown.startswith(full):
            self.shown.reset(full)
            self._ids.clear()  # their offsets described the text that was wrong
            self._stream_end = min(self._stream_end, len(full))
            events.append(TextReplaced(full))
        if isinstance(output, list):
            offset, last = 0, self.shown.boundaries[-1]
            for item in output:
                if offset >= last:  # the chunk starts before were marked when they arrived
                    self.shown.mark(offset)
                offset += len(item) if isinstance(item, str) else len(json.dumps(item))
        return events

    def _place(self, data: str) -> int:
        if self._fits(self._cursor, data):
            return self._cursor
        candidates = [start for start in self.shown.boundaries if start != self._cursor and self._fits(start, data)]
        if not candidates:
            return len(self.shown)
        return min(candidates, key=lambda start: (abs(start - self._cursor), start))

    def _fits(self, start: int, data: str) -> bool:
        """Whether ``data`` at ``start`` agrees with the text shown there (running past its end is fine)."""
        shown = len(self.shown)
        if start > shown:
            return False
        overlap = min(len(data), shown - start)
        return self.shown.slice(start, start + overlap) == data[:overlap]
