"""Tests for the chat pane: streamed turns, markdown at the end, the prompt box and per-turn actions."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPalette, QTextCursor, QTextDocument
from PySide6.QtWidgets import QLabel, QMenu, QPlainTextEdit, QPushButton, QTextBrowser
from pytestqt.qtbot import QtBot

from desktop_app.ui.chat.pane import ChatPane
from desktop_app.ui.chat.transcript import STREAM_BLOCK_LIMIT, is_code_block

REPLY = "Use slicing:\n\n```python\nprint(items[::-1])\n```\n\nDone."


@pytest.fixture
def pane(qtbot: QtBot) -> ChatPane:
    widget = ChatPane()
    qtbot.addWidget(widget)
    widget.resize(640, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def view_of(pane: ChatPane) -> QTextBrowser:
    view = pane.findChild(QTextBrowser, "chat_view")
    assert view is not None
    return view


def prompt_of(pane: ChatPane) -> QPlainTextEdit:
    prompt = pane.findChild(QPlainTextEdit, "chat_prompt")
    assert prompt is not None
    return prompt


def send_button_of(pane: ChatPane) -> QPushButton:
    button = pane.findChild(QPushButton, "chat_send_button")
    assert button is not None
    return button


def shown_text(pane: ChatPane) -> str:
    return view_of(pane).toPlainText()


def anchor_position(document: QTextDocument, href_prefix: str) -> int:
    """The position of the middle of the first link whose target starts with ``href_prefix``."""
    block = document.begin()
    while block.isValid():
        iterator = block.begin()
        while not iterator.atEnd():
            fragment = iterator.fragment()
            char_format = fragment.charFormat()
            if char_format.isAnchor() and char_format.anchorHref().startswith(href_prefix):
                return fragment.position() + fragment.length() // 2
            iterator += 1
        block = block.next()
    raise AssertionError(f"no link to {href_prefix!r} in the transcript")


def has_anchor(pane: ChatPane, href_prefix: str) -> bool:
    try:
        anchor_position(view_of(pane).document(), href_prefix)
    except AssertionError:
        return False
    return True


def click_link(qtbot: QtBot, pane: ChatPane, href_prefix: str) -> None:
    """Clicks a link with the mouse, where it is drawn."""
    view = view_of(pane)
    cursor = QTextCursor(view.document())
    cursor.setPosition(anchor_position(view.document(), href_prefix))
    view.setTextCursor(cursor)
    view.ensureCursorVisible()
    rect = view.cursorRect(cursor)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def stream(qtbot: QtBot, pane: ChatPane, turn_id: int, *tokens: str) -> None:
    for token in tokens:
        pane.append_text(turn_id, token)
    qtbot.waitUntil(lambda: tokens[-1].strip() in shown_text(pane))


# --- streaming and rendering ----------------------------------------------------------------------------------


def test_streamed_text_is_shown_before_the_turn_finishes(qtbot: QtBot, pane: ChatPane) -> None:
    pane.add_user_turn("How do I reverse a list?", "llama-3-70b")
    turn = pane.begin_assistant_turn("llama-3-70b")
    pane.append_text(turn, "Use ")
    pane.append_text(turn, "slicing")
    assert "slicing" not in shown_text(pane)  # buffered until the timer's tick
    qtbot.waitUntil(lambda: "Use slicing" in shown_text(pane))
    assert pane.turns()[-1].state == "streaming"
    assert pane.turns()[-1].text == "Use slicing"


def test_each_tick_writes_the_buffer_with_one_change(qtbot: QtBot, pane: ChatPane) -> None:
    turn = pane.begin_assistant_turn("llama-3-70b")
    stream(qtbot, pane, turn, "first ")  # replaces the "…" placeholder
    changes: list[tuple[int, int, int]] = []
    view_of(pane).document().contentsChange.connect(lambda *change: changes.append(change))
    tokens = [f"word{number} " for number in range(50)]
    stream(qtbot, pane, turn, *tokens)
    assert len(changes) == 1
    assert changes[0][2] == len("".join(tokens))


def test_finish_renders_markdown_code_in_monospace_on_a_tint(qtbot: QtBot, pane: ChatPane) -> None:
    turn = pane.begin_assistant_turn("llama-3-70b")
    stream(qtbot, pane, turn, *REPLY.split(" "))
    assert "```" in shown_text(pane)  # still the raw text while streaming
    pane.finish_turn(turn, predict_time=2.71)
    document = view_of(pane).document()
    assert "```" not in shown_text(pane)
    block = document.find("print(items[::-1])").block()
    assert is_code_block(block.blockFormat())
    assert block.begin().fragment().charFormat().fontFixedPitch()
    frame_format = document.find("print(items[::-1])").currentFrame().frameFormat()
    assert frame_format.background().color().alpha() > 0
    assert not is_code_block(document.find("Done.").block().blockFormat())
    assert "2.7 s" in shown_text(pane)
    assert pane.turns()[-1].state == "done"
    assert pane.turns()[-1].predict_time == pytest.approx(2.71)


def test_finish_rerenders_only_its_own_turn(qtbot: QtBot, pane: ChatPane) -> None:
    pane.add_user_turn("first question", "llama-3-70b")
    first = pane.begin_assistant_turn("llama-3-70b")
    pane.append_text(first, "first **answer**")
    pane.finish_turn(first)
    pane.add_user_turn("second question", "llama-3-70b")
    second = pane.begin_assistant_turn("llama-3-70b")
    stream(qtbot, pane, second, "second ", "*answer*")
    document = view_of(pane).document()
    earlier_end = document.find("second question").position()
    changes: list[int] = []
    document.contentsChange.connect(lambda position, _removed, _added: changes.append(position))
    pane.finish_turn(second)
    assert changes
    assert min(changes) > earlier_end
    assert "first answer" in shown_text(pane)


def test_a_reply_starting_with_a_code_fence_keeps_its_code_styling(qtbot: QtBot, pane: ChatPane) -> None:
    turn = pane.begin_assistant_turn("llama-3-70b")
    pane.append_text(turn, "```\nfirst_line()\nsecond_line()\n```\ntext")
    pane.finish_turn(turn)
    document = view_of(pane).document()
    assert is_code_block(document.find("first_line()").block().blockFormat())
    assert is_code_block(document.find("second_line()").block().blockFormat())


def test_a_long_paragraph_streams_in_pieces_but_keeps_every_character(qtbot: QtBot, pane: ChatPane) -> None:
    turn = pane.begin_assistant_turn("llama-3-70b")
    words = [f"w{number} " for number in range(STREAM_BLOCK_LIMIT // 2)]
    for start in range(0, len(words), 100):
        stream(qtbot, pane, turn, *words[start : start + 100])
    assert pane.turns()[-1].text == "".join(words)
    longest = max(len(line) for line in shown_text(pane).splitlines())
    assert len("".join(words)) > 2 * STREAM_BLOCK_LIMIT
    assert longest <= STREAM_BLOCK_LIMIT + len(words[-1])
    pane.finish_turn(turn)
    assert "".join(words).strip() in shown_text(pane)  # one paragraph again


def test_links_in_a_reply_are_handed_to_the_window_and_html_stays_text(qtbot: QtBot, pane: ChatPane) -> None:
    turn = pane.begin_assistant_turn("llama-3-70b")
    pane.append_text(turn, "See [the docs](https://replicate.com/docs) and <b>this</b>.")
    pane.finish_turn(turn)
    assert "<b>this</b>" in shown_text(pane)
    with qtbot.waitSignal(pane.link_clicked) as blocker:
        click_link(qtbot, pane, "https://replicate.com/docs")
    assert blocker.args == ["https://replicate.com/docs"]


def test_text_for_unknown_or_finished_turns_is_ignored(qtbot: QtBot, pane: ChatPane) -> None:
    turn = pane.begin_assistant_turn("llama-3-70b")
    pane.append_text(turn, "kept")
    pane.finish_turn(turn)
    pane.append_text(turn, " late")
    pane.append_text(999, "stray")
    qtbot.wait(80)
    assert pane.turns()[-1].text == "kept"
    assert "late" not in shown_text(pane)
    assert "stray" not in shown_text(pane)


def test_the_view_follows_new_text_only_while_at_the_bottom(qtbot: QtBot, pane: ChatPane) -> None:
    bar = view_of(pane).verticalScrollBar()
    turn = pane.begin_assistant_turn("llama-3-70b")
    stream(qtbot, pane, turn, *(f"line {number}\n" for number in range(120)))
    assert bar.maximum() > 0
    assert bar.value() == bar.maximum()
    bar.setValue(0)  # the user scrolls up to read
    stream(qtbot, pane, turn, *(f"more {number}\n" for number in range(40)))
    assert bar.value() == 0


# --- the prompt box --------------------------------------------------------------------------------------------


def test_enter_sends_and_clears_the_box(qtbot: QtBot, pane: ChatPane) -> None:
    prompt = prompt_of(pane)
    qtbot.keyClicks(prompt, "hello there")
    with qtbot.waitSignal(pane.prompt_submitted) as blocker:
        qtbot.keyClick(prompt, Qt.Key.Key_Return)
    assert blocker.args == ["hello there"]
    assert prompt.toPlainText() == ""


def test_ctrl_enter_sends_and_shift_enter_adds_a_line(qtbot: QtBot, pane: ChatPane) -> None:
    prompt = prompt_of(pane)
    sent: list[str] = []
    pane.prompt_submitted.connect(sent.append)
    qtbot.keyClicks(prompt, "line one")
    qtbot.keyClick(prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(prompt, "line two")
    assert sent == []
    assert prompt.toPlainText() == "line one\nline two"
    qtbot.keyClick(prompt, Qt.Key.Key_Enter, Qt.KeyboardModifier.ControlModifier)
    assert sent == ["line one\nline two"]


def test_an_empty_prompt_is_not_sent_and_a_hint_shows(qtbot: QtBot, pane: ChatPane) -> None:
    sent: list[str] = []
    pane.prompt_submitted.connect(sent.append)
    prompt = prompt_of(pane)
    hint = pane.findChild(QLabel, "chat_prompt_hint")
    assert hint is not None
    assert not hint.isVisible()
    qtbot.keyClicks(prompt, "   ")
    qtbot.keyClick(prompt, Qt.Key.Key_Return)
    qtbot.mouseClick(send_button_of(pane), Qt.MouseButton.LeftButton)
    assert sent == []
    assert hint.isVisible()
    assert hint.text() == "Type a prompt first"
    qtbot.keyClicks(prompt, "x")
    assert not hint.isVisible()


def test_send_becomes_stop_while_busy(qtbot: QtBot, pane: ChatPane) -> None:
    button = send_button_of(pane)
    sent: list[str] = []
    stops: list[bool] = []
    pane.prompt_submitted.connect(sent.append)
    pane.stop_requested.connect(lambda: stops.append(True))
    assert button.text() == "Send"
    pane.set_busy(True)
    assert button.text() == "Stop"
    qtbot.keyClicks(prompt_of(pane), "next question")
    qtbot.keyClick(prompt_of(pane), Qt.Key.Key_Return)
    assert sent == []  # not while a reply is coming
    assert prompt_of(pane).toPlainText() == "next question"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert stops == [True]
    pane.set_busy(False)
    assert button.text() == "Send"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert sent == ["next question"]
    assert stops == [True]


def test_escape_requests_a_stop_only_while_busy(qtbot: QtBot, pane: ChatPane) -> None:
    stops: list[bool] = []
    pane.stop_requested.connect(lambda: stops.append(True))
    qtbot.keyClick(prompt_of(pane), Qt.Key.Key_Escape)
    assert stops == []
    pane.set_busy(True)
    qtbot.keyClick(prompt_of(pane), Qt.Key.Key_Escape)
    qtbot.keyClick(view_of(pane), Qt.Key.Key_Escape)
    assert stops == [True, True]


def test_focus_prompt_gives_the_box_the_focus(qtbot: QtBot, pane: ChatPane) -> None:
    pane.activateWindow()
    view_of(pane).setFocus()
    pane.focus_prompt()
    qtbot.waitUntil(lambda: prompt_of(pane).hasFocus())


# --- end states and actions ------------------------------------------------------------------------------------


def test_mark_stopped_keeps_the_partial_text(qtbot: QtBot, pane: ChatPane) -> None:
    turn = pane.begin_assistant_turn("llama-3-70b")
    pane.append_text(turn, "Once upon a time")
    pane.mark_stopped(turn)
    assert "Once upon a time" in shown_text(pane)
    assert "Stopped" in shown_text(pane)
    assert pane.turns()[-1].state == "stopped"
    assert pane.turns()[-1].text == "Once upon a time"


def test_an_error_shows_its_sentence_and_retry_emits(qtbot: QtBot, pane: ChatPane) -> None:
    turn = pane.begin_assistant_turn("llama-3-70b")
    pane.append_text(turn, "partial")
    assert pane.show_error(turn, "The model crashed (500).") == turn
    assert "The model crashed (500)." in shown_text(pane)
    assert "partial" in shown_text(pane)
    assert not has_anchor(pane, "action:settings")
    assert pane.turns()[-1].state == "failed"
    assert pane.turns()[-1].error == "The model crashed (500)."
    with qtbot.waitSignal(pane.retry_requested):
        click_link(qtbot, pane, "action:retry")


def test_an_auth_error_offers_the_settings(qtbot: QtBot, pane: ChatPane) -> None:
    turn = pane.begin_assistant_turn("llama-3-70b")
    pane.show_error(turn, "The API token was refused.", auth=True)
    assert "Open settings" in shown_text(pane)
    with qtbot.waitSignal(pane.settings_requested):
        click_link(qtbot, pane, "action:settings")


def test_an_error_without_a_turn_becomes_a_note(qtbot: QtBot, pane: ChatPane) -> None:
    note = pane.show_error(None, "No Replicate API token is set.", auth=True)
    turn = pane.turns()[-1]
    assert (turn.turn_id, turn.role, turn.state) == (note, "system-note", "failed")
    assert "No Replicate API token is set." in shown_text(pane)
    with qtbot.waitSignal(pane.retry_requested):
        click_link(qtbot, pane, "action:retry")


def test_copy_puts_the_turn_text_on_the_clipboard(qtbot: QtBot, pane: ChatPane) -> None:
    user = pane.add_user_turn("what is **2+2**?", "llama-3-70b")
    reply = pane.begin_assistant_turn("llama-3-70b")
    pane.append_text(reply, "It is **4**.")
    pane.finish_turn(reply)
    pane.copy_turn(user)
    assert QGuiApplication.clipboard().text() == "what is **2+2**?"
    QGuiApplication.clipboard().clear()
    click_link(qtbot, pane, f"action:copy/{reply}")
    assert QGuiApplication.clipboard().text() == "It is **4**."


def test_regenerate_is_offered_on_the_last_reply_only_when_idle(qtbot: QtBot, pane: ChatPane) -> None:
    first = pane.begin_assistant_turn("llama-3-70b")
    pane.finish_turn(first)
    assert has_anchor(pane, f"action:regenerate/{first}")
    second = pane.begin_assistant_turn("llama-3-70b")
    assert not has_anchor(pane, "action:regenerate")  # the newest reply is still streaming
    pane.append_text(second, "again")
    pane.finish_turn(second)
    assert not has_anchor(pane, f"action:regenerate/{first}")
    assert has_anchor(pane, f"action:regenerate/{second}")
    pane.set_busy(True)
    assert not has_anchor(pane, "action:regenerate")
    pane.set_busy(False)
    with qtbot.waitSignal(pane.regenerate_requested):
        click_link(qtbot, pane, f"action:regenerate/{second}")


def test_the_context_menu_copies_the_turn_under_the_pointer(qtbot: QtBot, pane: ChatPane) -> None:
    pane.add_user_turn("the question", "llama-3-70b")
    reply = pane.begin_assistant_turn("llama-3-70b")
    pane.append_text(reply, "the answer")
    pane.finish_turn(reply)
    view = view_of(pane)
    cursor = view.document().find("the answer")
    point: QPoint = view.cursorRect(cursor).center()
    view.customContextMenuRequested.emit(point)
    menu = pane.findChild(QMenu, "chat_context_menu")
    assert menu is not None
    actions = {action.text(): action for action in menu.actions()}
    assert actions["Regenerate last reply"].isEnabled()
    actions["Copy this message"].trigger()
    assert QGuiApplication.clipboard().text() == "the answer"
    menu.close()


def test_notes_images_removal_and_clear(qtbot: QtBot, pane: ChatPane) -> None:
    note = pane.add_note("Model changed to sdxl")
    assert "Model changed to sdxl" in shown_text(pane)
    reply = pane.begin_assistant_turn("sdxl")
    image = QImage(1024, 512, QImage.Format.Format_RGB32)
    image.fill(QColor("teal"))
    pane.add_image_turn(reply, image, 0)
    pane.finish_turn(reply)
    assert [(turn.role, turn.image_count) for turn in pane.turns()] == [("system-note", 0), ("assistant", 1)]
    sizes = _image_sizes(view_of(pane).document())
    assert sizes == [(256.0, 128.0)]
    with qtbot.waitSignal(pane.image_clicked) as blocker:
        click_link(qtbot, pane, f"action:image/{reply}/0")
    assert blocker.args == [reply, 0]
    pane.remove_turn(note)
    assert "Model changed" not in shown_text(pane)
    assert [turn.turn_id for turn in pane.turns()] == [reply]
    pane.clear()
    assert pane.turns() == []
    assert shown_text(pane).strip() == ""
    assert pane.add_user_turn("new chat", "sdxl") > reply  # ids never repeat


def test_a_palette_change_redraws_every_turn(qtbot: QtBot, pane: ChatPane) -> None:
    pane.add_user_turn("question", "llama-3-70b")
    reply = pane.begin_assistant_turn("llama-3-70b")
    pane.append_text(reply, "streaming `code`")
    palette = QPalette(pane.palette())
    palette.setColor(QPalette.ColorRole.Base, QColor("#101010"))
    palette.setColor(QPalette.ColorRole.Text, QColor("#eeeeee"))
    pane.setPalette(palette)
    assert "question" in shown_text(pane)
    assert "streaming `code`" in shown_text(pane)
    stream(qtbot, pane, reply, " more")
    assert pane.turns()[-1].text == "streaming `code` more"


def _image_sizes(document: QTextDocument) -> list[tuple[float, float]]:
    sizes = []
    block = document.begin()
    while block.isValid():
        iterator = block.begin()
        while not iterator.atEnd():
            char_format = iterator.fragment().charFormat()
            if char_format.isImageFormat():
                image_format = char_format.toImageFormat()
                sizes.append((image_format.width(), image_format.height()))
            iterator += 1
        block = block.next()
    return sizes
