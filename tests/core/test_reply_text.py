"""ReplyText: placing stream output by id and position, and reconciling with prediction objects."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_app.replicate.events import TextDelta, TextReplaced
from desktop_app.replicate.reply_text import ReplyEvent, ReplyText, ShownText, join_text


class Window:
    """Applies reply events the way the chat window does."""

    def __init__(self) -> None:
        self.text = ""
        self.replaced = 0

    def apply(self, events: list[ReplyEvent]) -> None:
        for event in events:
            if isinstance(event, TextReplaced):
                self.text, self.replaced = event.text, self.replaced + 1
            else:
                self.text += event.text


def stream(reply: ReplyText, window: Window, chunks: list[str], ids: Sequence[str | None]) -> None:
    for chunk, event_id in zip(chunks, ids, strict=True):
        window.apply(reply.on_stream_output(chunk, event_id))


CHUNKS = ["Once", " upon", " a", " time", ",", " a", " fox"]
IDS = [f"1717000000:{index}" for index in range(len(CHUNKS))]


def test_replays_by_id_and_by_position_show_nothing_twice() -> None:
    reply, window = ReplyText(), Window()
    reply.begin_connection(resumed=False)
    stream(reply, window, CHUNKS[:3], IDS[:3])
    reply.begin_connection(resumed=True)  # a server that ignores Last-Event-ID: from the start, same ids
    stream(reply, window, CHUNKS[:5], IDS[:5])
    assert window.text == "".join(CHUNKS[:5])
    reply.begin_connection(resumed=False)  # no ids at all: placed by position from the start
    stream(reply, window, CHUNKS, [None] * len(CHUNKS))
    assert (window.text, window.replaced) == ("".join(CHUNKS), 0)


def test_resumed_stream_after_a_get_that_showed_more() -> None:
    reply, window = ReplyText(), Window()
    stream(reply, window, CHUNKS[:2], IDS[:2])
    window.apply(reply.reconcile(CHUNKS[:4], final=False))  # the confirming GET is ahead of the stream
    assert window.text == "".join(CHUNKS[:4])
    reply.begin_connection(resumed=True)
    stream(reply, window, CHUNKS[2:], [None] * 5)  # resumed where asked, ids now missing
    assert (window.text, window.replaced) == ("".join(CHUNKS), 0)


def test_a_partial_object_behind_the_stream_changes_nothing() -> None:
    reply, window = ReplyText(), Window()
    stream(reply, window, CHUNKS, IDS)
    assert reply.reconcile(CHUNKS[:2], final=False) == []
    assert reply.reconcile(None, final=False) == []
    assert reply.reconcile(CHUNKS, final=True) == []
    assert window.text == "".join(CHUNKS)


def test_contradiction_mid_run_and_a_longer_reply_at_the_end_are_replaced() -> None:
    reply, window = ReplyText(), Window()
    stream(reply, window, ["Once", " Once", " upon"], [None] * 3)  # doubled, without ids
    window.apply(reply.reconcile(["Once", " upon", " a"], final=False))
    assert (window.text, window.replaced) == ("Once upon a", 1)
    stream(reply, window, [" time", " time"], [None, None])
    window.apply(reply.reconcile(["Once", " upon", " a", " time"], final=True))
    assert (window.text, window.replaced) == ("Once upon a time", 2)


def test_string_and_odd_outputs_join_like_the_api() -> None:
    assert join_text(["a", "b"]) == "ab"
    assert join_text("whole") == "whole"
    assert join_text(["a", 1]) == "a1"
    reply, window = ReplyText(), Window()
    stream(reply, window, ["He", "llo"], ["1:0", "1:1"])
    window.apply(reply.reconcile("Hello!", final=True))  # a model whose output is one string
    assert (window.text, window.replaced) == ("Hello!", 0)


def test_a_partial_output_that_is_not_text_is_not_shown_but_a_final_one_is() -> None:
    reply, window = ReplyText(), Window()
    window.apply(reply.reconcile({"a": 1}, final=False))  # e.g. a create answer from a misbehaving server
    window.apply(reply.reconcile(7, final=False))
    assert window.text == ""
    stream(reply, window, ["He", "llo"], ["1:0", "1:1"])
    window.apply(reply.reconcile(["He", "llo"], final=True))
    assert (window.text, window.replaced) == ("Hello", 0)
    window.apply(reply.reconcile({"a": 1}, final=True))  # a final object is the reply, whatever it holds
    assert (window.text, window.replaced) == ('{"a": 1}', 1)


def test_the_same_object_is_only_checked_once() -> None:
    reply = ReplyText()
    output = ["a", "b"]
    assert reply.reconcile(output, final=False) == [TextDelta("ab")]
    assert reply.reconcile(output, final=False) == []
    assert reply.reconcile(output, final=True) == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=5), max_size=12), st.integers(0, 70), st.integers(0, 70), st.booleans())
def test_shown_text_slices_like_a_string(pieces: list[str], start: int, end: int, join_first: bool) -> None:
    shown = ShownText()
    for piece in pieces:
        shown.append(piece)
    whole = "".join(pieces)
    if join_first:
        assert shown.text() == whole
    assert len(shown) == len(whole)
    assert shown.slice(start, end) == whole[start:end]
