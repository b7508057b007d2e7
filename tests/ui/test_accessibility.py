"""Keyboard and screen-reader access to the main window, and rendering at 200 % scale.

Tab reaches every control with a visible focus frame, symbol-only buttons ("−", "+", "✕", "⋯", "»") have
accessible names, and a real window started with ``QT_SCALE_FACTOR=2`` renders twice as many pixels.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QToolButton,
    QWidget,
)

from desktop_app.ui.viewer.toolbar import ImageToolbar
from tests.fake_replicate import FakeReplicate, Script
from tests.ui.harness import Harness, child, make_harness, until
from tests.ui.scaled_app import run_scaled

ROOT = Path(__file__).resolve().parents[2]
LLAMA = "meta/meta-llama-3-70b-instruct"
FLUX = "black-forest-labs/flux-schnell"
INTERACTIVE = (QAbstractButton, QComboBox, QLineEdit, QAbstractSpinBox, QAbstractItemView, QPlainTextEdit, QTextEdit)


@pytest_asyncio.fixture
async def harness(fake_replicate: FakeReplicate, tmp_path: Path) -> AsyncIterator[Harness]:
    """The window after an image generation (so the viewer's actions are enabled), with the history sidebar, a
    custom model (so the picker's remove button shows) and keyboard focus in the prompt."""
    fake_replicate.set_script(FLUX, Script(kind="image", images=[("webp", 96, 64), ("png", 64, 64)], stream=True))
    h = await make_harness(fake_replicate, tmp_path, history=True)
    try:
        await until(lambda: "fake-user" in h.window.account_label.text(), message="the account check")
        h.choose("flux-schnell")
        h.send("a red fox in snow")
        await until(lambda: h.window.viewer.image_count() == 2 and h.window.viewer.current_image() is not None,
                    message="the images")
        await h.wait_idle()
        conversations = child(h.window.sidebar, QAbstractItemView, "history_list")
        # the sidebar refreshes a moment after history changes: its list shows once the conversation is in it
        await until(conversations.isVisible, message="the conversation in the history list")
        assert h.window.model_picker.set_current_model("someone/their-model")
        h.window.activateWindow()
        await until(lambda: QApplication.activeWindow() is h.window, message="the window to be active")
        h.prompt_box.setFocus(Qt.FocusReason.OtherFocusReason)
        await until(lambda: QApplication.focusWidget() is h.prompt_box, message="focus in the prompt")
        yield h
    finally:
        await h.close()


def _describe(widget: QWidget | None) -> str:
    if widget is None:
        return "None"
    text = widget.text() if isinstance(widget, QAbstractButton) else ""
    return f"{type(widget).__name__}#{widget.objectName()}" + (f" {text!r}" if text else "")


def _lost_focus(widget: QWidget) -> bool:
    return not widget.hasFocus()


def _is_qt_internal(widget: QWidget) -> bool:
    return widget.objectName().startswith(("qt_", "_q_"))


async def _tab_cycle(h: Harness, limit: int = 200) -> list[QWidget]:
    """Presses Tab from the prompt until focus comes back to it; returns each widget focus visited, in order."""
    visited: list[QWidget] = []
    for _ in range(limit):
        widget = QApplication.focusWidget()
        assert widget is not None, f"focus vanished after {[_describe(w) for w in visited[-3:]]}"
        if widget is h.prompt_box and visited:
            return visited
        visited.append(widget)
        QTest.keyClick(widget, Qt.Key.Key_Tab)
        await until(lambda: True)
    raise AssertionError(f"Tab never came back to the prompt: {[_describe(w) for w in visited[-10:]]}")


async def test_tab_moves_through_every_control(harness: Harness) -> None:
    visited = await _tab_cycle(harness)
    window = harness.window
    toolbar = window.viewer.findChild(ImageToolbar)
    assert toolbar is not None
    expected = {
        "the prompt": harness.prompt_box,
        "Send": harness.send_button,
        "the model picker": child(window.model_picker, QComboBox, "model_picker_combo"),
        "the picker's remove button": child(window.model_picker, QToolButton, "model_picker_remove_button"),
        "the sidebar search": child(window.sidebar, QLineEdit, "history_search"),
        "the conversation list": child(window.sidebar, QAbstractItemView, "history_list"),
        "New chat": child(window.sidebar, QToolButton, "history_new_chat"),
        "Settings": child(window, QToolButton, "settingsButton"),
    }
    for action in (toolbar.fit_action, toolbar.actual_action, toolbar.zoom_out_action, toolbar.zoom_in_action,
                   toolbar.copy_action, toolbar.save_action, toolbar.save_all_action):
        buttons = [b for b in toolbar.findChildren(QToolButton) if b.defaultAction() is action and b.isVisible()]
        assert buttons, action.text()
        expected[f"the viewer's {action.text()!r}"] = buttons[0]
    missed = [name for name, widget in expected.items() if widget not in visited]
    assert not missed, f"Tab never reaches {missed}; it visits {[_describe(w) for w in visited]}"

    reachable = [w for w in window.findChildren(QWidget) if isinstance(w, INTERACTIVE) and w.isVisible()
                 and w.isEnabled() and not _is_qt_internal(w) and not isinstance(w.parent(), QComboBox | QLineEdit)
                 and w.focusPolicy() != Qt.FocusPolicy.NoFocus and w.focusProxy() is None]
    unreached = [_describe(w) for w in reachable if w not in visited]
    assert not unreached, f"visible controls Tab never reaches: {unreached}"


async def test_interactive_widgets_take_keyboard_focus(harness: Harness) -> None:
    window = harness.window
    refusing = [_describe(w) for w in window.findChildren(QWidget) if isinstance(w, INTERACTIVE)
                and not _is_qt_internal(w) and not isinstance(w.parent(), QComboBox | QLineEdit)
                and not w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.focusProxy() is None]
    assert not refusing, f"controls the keyboard cannot reach: {refusing}"


async def test_focused_controls_draw_a_focus_frame(harness: Harness) -> None:
    """What Tab focuses looks different from the same control unfocused (Fusion draws a highlight frame)."""
    unchanged = []
    checked = 0
    for _ in range(60):
        widget = QApplication.focusWidget()
        assert widget is not None
        if isinstance(widget, QAbstractButton | QComboBox):
            focused = widget.grab().toImage()
            QTest.keyClick(widget, Qt.Key.Key_Tab)
            await until(functools.partial(_lost_focus, widget), message="focus to move on")
            checked += 1
            if widget.grab().toImage() == focused:
                unchanged.append(_describe(widget))
        else:
            QTest.keyClick(widget, Qt.Key.Key_Tab)
            await until(lambda: True)
        if QApplication.focusWidget() is harness.prompt_box:
            break
    assert checked >= 10
    assert not unchanged, f"no visible focus on {unchanged}"


async def test_symbol_buttons_have_accessible_names(harness: Harness) -> None:
    window = harness.window
    buttons = [b for b in window.findChildren(QAbstractButton)  # a line edit's clear button is Qt's own
               if not _is_qt_internal(b) and not isinstance(b.parent(), QLineEdit)]
    buttons += [b for b in window.findChildren(QToolButton, "qt_toolbar_ext_button")]  # the toolbar's "»"
    symbols = [b for b in buttons if not any(character.isalpha() for character in b.text())]
    names = {b.text(): b.accessibleName() for b in symbols if b.text()}
    assert {"−", "+", "100 %", "✕", "⋯"} <= set(names), names
    unnamed = [_describe(b) for b in symbols if not b.accessibleName().strip()]
    assert not unnamed, f"buttons a screen reader can only call 'button': {unnamed}"
    assert names["−"] == "Zoom out" and names["+"] == "Zoom in"


# ------------------------------------------------------------------------------------------------- 200 % scale

_DRIVE = r'''
import asyncio
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPlainTextEdit


async def drive(window, facts):
    box = window.findChild(QPlainTextEdit, "chat_prompt")
    box.setPlainText("Write a Python function that reverses the words of a sentence.")
    QTest.keyClick(box, Qt.Key.Key_Return)
    while not (window.chat.turns() and window.chat.turns()[-1].state == "done"):
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.2)
'''


@pytest.mark.e2e
def test_the_window_renders_sharp_at_200_percent(tmp_path: Path, screenshots: Path) -> None:
    facts, shot = run_scaled(tmp_path, "llama-3-70b", _DRIVE, setup=lambda fake: fake.set_script(
        LLAMA, Script(kind="text", chunks=["Here", " is", " `reverse()`."])))
    assert facts["pixmap_ratio"] == facts["image_ratio"] == facts["window_ratio"] == 2.0, facts
    assert facts["logical"] == [1280, 800], facts
    assert facts["pixels"] == [2560, 1600], facts
    (screenshots / "chat-200.png").write_bytes(shot.read_bytes())
