"""Settings, shortcuts, model changes and layout restore in the real window."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QTextCursor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QDialogButtonBox, QLabel, QPushButton

from desktop_app.storage.settings import Settings, SettingsStore
from desktop_app.ui.dialogs.settings import SettingsDialog
from tests.fake_replicate import FakeReplicate, Script
from tests.ui.harness import Harness, child, make_harness, until

LLAMA = "meta/meta-llama-3-70b-instruct"


@pytest_asyncio.fixture
async def harness(fake_replicate: FakeReplicate, tmp_path: Path) -> AsyncIterator[Harness]:
    h = await make_harness(fake_replicate, tmp_path)
    await until(lambda: "fake-user" in h.window.account_label.text(), message="the account check")
    yield h
    await h.close()


def _open_settings(h: Harness) -> SettingsDialog:
    h.window.settings_action.trigger()
    dialog = h.window.findChild(SettingsDialog)
    assert dialog is not None
    assert dialog.isVisible()
    return dialog


def _save_button(dialog: SettingsDialog) -> QPushButton:
    box = dialog.findChild(QDialogButtonBox)
    assert box is not None
    button = box.button(QDialogButtonBox.StandardButton.Save)
    assert button is not None
    return button


async def test_settings_are_kept_across_restarts(harness: Harness) -> None:
    assert harness.window.settings_action.shortcut() in (QKeySequence("Ctrl+,"), QKeySequence.StandardKey.Preferences)
    dialog = _open_settings(harness)
    assert "private file" in child(dialog, QLabel, "tokenBackendLabel").text()
    dialog.delay_spin.setValue(2.5)
    dialog.attempts_spin.setValue(77)
    dialog.proxy_edit.setText("http://127.0.0.1:3128")
    dialog.output_edit.setText(str(harness.paths.data_dir / "out"))
    dialog.theme_combo.setCurrentIndex(dialog.theme_combo.findData("dark"))
    _save_button(dialog).click()
    try:
        saved = SettingsStore(harness.paths.settings_file).load()
        assert (saved.poll_delay, saved.max_attempts, saved.proxy, saved.theme) == (
            2.5, 77, "http://127.0.0.1:3128", "dark")
        assert saved.output_dir == str(harness.paths.data_dir / "out")
        assert harness.services.account.client.proxy == "http://127.0.0.1:3128"
    finally:
        from desktop_app.ui.shell.theme import apply_theme

        app = QApplication.instance()
        assert isinstance(app, QApplication)
        apply_theme(app, "light")


async def test_invalid_settings_are_refused_in_place(harness: Harness) -> None:
    dialog = _open_settings(harness)
    dialog.base_url_edit.setText("not a url")
    _save_button(dialog).click()
    assert dialog.isVisible()
    assert "https://" in dialog.error_label.text()
    assert SettingsStore(harness.paths.settings_file).load().base_url == Settings().base_url
    dialog.reject()


async def test_new_token_from_settings_is_checked_and_stored(harness: Harness) -> None:
    dialog = _open_settings(harness)
    dialog.token_edit.setText(harness.fake.token)
    _save_button(dialog).click()
    token_file = harness.paths.config_dir / "token"
    await until(token_file.exists, message="the stored token")
    assert token_file.read_text().strip() == harness.fake.token
    assert harness.fake.token not in harness.paths.settings_file.read_text()


async def test_keyboard_shortcuts(harness: Harness) -> None:
    harness.fake.set_script(LLAMA, Script(kind="text", chunks=["Hi", "!"]))
    harness.choose("llama-3-70b")
    harness.send("hello")
    await harness.wait_idle()
    assert len(harness.window.chat.turns()) == 2

    QTest.keySequence(harness.window, QKeySequence("Ctrl+L"))
    await until(lambda: harness.prompt_box.hasFocus() or QApplication.focusWidget() is harness.prompt_box,
                message="focus on the prompt")
    QTest.keySequence(harness.window, QKeySequence.StandardKey.New)
    await until(lambda: harness.window.chat.turns() == [], message="a new chat")

    harness.prompt_box.setPlainText("line one")
    harness.prompt_box.moveCursor(QTextCursor.MoveOperation.End)
    QTest.keyClick(harness.prompt_box, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert harness.prompt_box.toPlainText() == "line one\n"
    QTest.keyClick(harness.prompt_box, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    await harness.wait_idle()
    assert harness.window.chat.turns()[0].text == "line one"


async def test_escape_stops_a_running_reply(harness: Harness) -> None:
    import asyncio

    gate = asyncio.Event()
    harness.fake.set_script(LLAMA, Script(kind="text", chunks=["a", "b", "c"], gate=gate, gate_after=1))
    harness.choose("llama-3-70b")
    harness.send("go")
    await until(lambda: harness.last_turn().text == "a", message="the first chunk")
    QTest.keyClick(harness.prompt_box, Qt.Key.Key_Escape)
    await harness.wait_idle()
    assert harness.last_turn().state == "stopped"
    gate.set()


async def test_changing_model_mid_conversation_is_noted_and_remembered(harness: Harness) -> None:
    harness.fake.set_script(LLAMA, Script(kind="text", chunks=["Hi"]))
    harness.choose("llama-3-70b")
    harness.send("hello")
    await harness.wait_idle()
    combo = harness.window.model_picker.findChild(QComboBox, "model_picker_combo")
    assert combo is not None
    index = combo.findText("gemma-2b", Qt.MatchFlag.MatchStartsWith)
    assert index >= 0
    combo.setCurrentIndex(index)  # as a user picking it from the popup: the index changes, then activated
    combo.activated.emit(index)
    await until(lambda: any("gemma-2b" in t.text for t in harness.window.chat.turns() if t.role == "system-note"),
                message="the model change note")
    assert SettingsStore(harness.paths.settings_file).load().last_model == "gemma-2b"


async def test_custom_models_are_kept(harness: Harness) -> None:
    assert harness.window.model_picker.set_current_model("acme/painter")
    await until(lambda: "acme/painter" in SettingsStore(harness.paths.settings_file).load().custom_models,
                message="the custom model saved")


async def test_layout_is_restored_on_start(fake_replicate: FakeReplicate, tmp_path: Path) -> None:
    first = await make_harness(fake_replicate, tmp_path)
    first.window.resize(780, 560)  # inside the offscreen screen (800 × 600), which restoreGeometry clamps to
    first.window.splitter.setSizes([300, 460])
    sizes = first.window.splitter.sizes()
    await first.close()
    second = await make_harness(fake_replicate, tmp_path)
    try:
        assert (second.window.width(), second.window.height()) == (780, 560)
        assert second.window.splitter.sizes() == sizes
    finally:
        await second.close()


def test_help_lists_the_options_and_a_bad_model_is_refused() -> None:
    help_text = subprocess.run([sys.executable, "-m", "desktop_app", "--help"], capture_output=True, text=True,
                               timeout=60)
    assert help_text.returncode == 0
    for option in ("--model", "--version", "generate"):
        assert option in help_text.stdout
    bad = subprocess.run([sys.executable, "-m", "desktop_app", "--model", "gpt-4"], capture_output=True, text=True,
                         timeout=60, env={"PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen"})
    assert bad.returncode == 2
    assert "Unknown model 'gpt-4'" in bad.stderr
    assert "flux-schnell" in bad.stderr
