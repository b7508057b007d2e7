"""The chat pane replacing a reply's text (the core's ``TextReplaced``): one cheap re-render of that reply."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.ui.chat.pane import ChatPane
from desktop_app.ui.chat.transcript import STREAM_BLOCK_LIMIT

from .test_chat_pane import shown_text, stream, view_of


@pytest.fixture
def pane(qtbot: QtBot) -> ChatPane:
    widget = ChatPane()
    qtbot.addWidget(widget)
    widget.resize(640, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_a_streaming_reply_is_replaced_buffer_and_all_and_streams_on(qtbot: QtBot, pane: ChatPane) -> None:
    pane.add_user_turn("a story", "llama-3-70b")
    turn = pane.begin_assistant_turn("llama-3-70b")
    stream(qtbot, pane, turn, "Once", " upon", " aOnce", " upon")
    pane.append_text(turn, " still buffered")
    document = view_of(pane).document()
    changes: list[tuple[int, int, int]] = []
    document.contentsChange.connect(lambda *change: changes.append(change))
    before = document.find("a story").position()

    pane.replace_text(turn, "Once upon a time")

    assert pane.turns()[-1].text == "Once upon a time"
    assert "aOnce" not in shown_text(pane) and "buffered" not in shown_text(pane)
    assert "Once upon a time" in shown_text(pane)
    assert len(changes) == 1 and changes[0][0] > before  # one edit, inside this reply only
    qtbot.wait(60)  # the flush timer's tick has nothing left to write
    assert pane.turns()[-1].text == "Once upon a time"
    stream(qtbot, pane, turn, ", a fox")
    assert pane.turns()[-1].text == "Once upon a time, a fox"
    assert pane.turns()[-1].state == "streaming"


def test_a_finished_reply_is_rendered_again_as_markdown(qtbot: QtBot, pane: ChatPane) -> None:
    turn = pane.begin_assistant_turn("llama-3-70b")
    pane.append_text(turn, "**bold** **bold** text")
    pane.finish_turn(turn)
    pane.replace_text(turn, "**bold** text")
    assert pane.turns()[-1].text == "**bold** text"
    assert pane.turns()[-1].state == "done"
    assert "bold text" in shown_text(pane) and "**" not in shown_text(pane)
    assert "Copy" in shown_text(pane)


def test_a_long_replacement_is_laid_out_in_blocks_but_keeps_every_character(qtbot: QtBot, pane: ChatPane) -> None:
    turn = pane.begin_assistant_turn("llama-3-70b")
    stream(qtbot, pane, turn, "x")
    text = "".join(f"w{number} " for number in range(STREAM_BLOCK_LIMIT)) + "\nlast line"
    pane.replace_text(turn, text)
    assert pane.turns()[-1].text == text
    lines = shown_text(pane).splitlines()
    assert max(len(line) for line in lines) <= STREAM_BLOCK_LIMIT + 8
    assert "last line" in lines
    pane.finish_turn(turn)
    assert text.split("\n")[0].strip() in shown_text(pane)  # one paragraph again once rendered


def test_replacing_unknown_turns_or_user_turns_does_nothing(qtbot: QtBot, pane: ChatPane) -> None:
    user = pane.add_user_turn("question", "llama-3-70b")
    pane.replace_text(user, "changed")
    pane.replace_text(999, "changed")
    assert [turn.text for turn in pane.turns()] == ["question"]
