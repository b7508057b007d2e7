"""Unexpected errors: the excepthook logs and reports them on the GUI thread, the crash dialog shows them."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop_app.logs import describe_exception, install_asyncio_handler, setup_logging, teardown_logging
from desktop_app.ui.dialogs.crash import MAX_SHOWN_PROBLEMS, CrashDialog
from desktop_app.ui.shell.excepthook import ExceptHook, install_excepthook

TOKEN = "r8_" + "Zx9Yw8Vu7T" * 4
BEARER = "Authorization: Bearer xyz-bearer-value-42"
CUSTOM_SECRET = "plain-custom-token-0042"


@pytest.fixture
def log_dir(tmp_path: Path) -> Iterator[Path]:
    root = logging.getLogger()
    level = root.level
    folder = tmp_path / "log"
    setup_logging(folder, secrets=lambda: [CUSTOM_SECRET])
    yield folder
    teardown_logging()
    root.setLevel(level)


@pytest.fixture
def opened() -> list[QUrl]:
    return []


@pytest.fixture
def dialog(qtbot: QtBot, log_dir: Path, opened: list[QUrl]) -> CrashDialog:
    crash_dialog = CrashDialog(log_dir, open_url=opened.append)
    qtbot.addWidget(crash_dialog)
    return crash_dialog


@pytest.fixture
def hook(dialog: CrashDialog) -> Iterator[ExceptHook]:
    installed = install_excepthook(dialog.report)
    yield installed
    installed.uninstall()


def _raise_with_secrets() -> None:
    raise ValueError(f"upload failed for {TOKEN} with {BEARER} and {CUSTOM_SECRET}")


def _log_text(log_dir: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return (log_dir / "replicate-desktop.log").read_text(encoding="utf-8")


def test_a_raising_slot_is_logged_and_reported_and_the_app_keeps_running(
    qtbot: QtBot, hook: ExceptHook, dialog: CrashDialog, log_dir: Path
) -> None:
    assert sys.excepthook == hook.handle
    QTimer.singleShot(0, _raise_with_secrets)
    qtbot.waitUntil(dialog.isVisible)

    assert dialog.windowTitle() == "Something went wrong"
    assert not dialog.isModal()
    assert dialog.summary_label.text() == (
        "ValueError: upload failed for r8_… with Authorization: Bearer [redacted] and [redacted]"
    )
    details = dialog.details_text()
    assert "Traceback (most recent call last)" in details and "_raise_with_secrets" in details
    log_text = _log_text(log_dir)
    assert "Unexpected error" in log_text and "_raise_with_secrets" in log_text
    for shown in (dialog.summary_label.text(), details, log_text, QApplication.clipboard().text()):
        assert TOKEN not in shown and "xyz-bearer-value-42" not in shown and CUSTOM_SECRET not in shown

    ticks: list[int] = []  # the event loop still runs
    QTimer.singleShot(0, lambda: ticks.append(1))
    qtbot.waitUntil(lambda: ticks == [1])


def test_a_crash_in_a_thread_is_reported_on_the_gui_thread(qtbot: QtBot, log_dir: Path) -> None:
    reports: list[tuple[str, str, bool]] = []

    def report(summary: str, details: str) -> None:
        reports.append((summary, details, threading.current_thread() is threading.main_thread()))

    hook = install_excepthook(report)
    try:
        worker = threading.Thread(target=_raise_with_secrets, name="decoder")
        worker.start()
        worker.join()
        qtbot.waitUntil(lambda: len(reports) == 1)
    finally:
        hook.uninstall()
    summary, details, on_gui_thread = reports[0]
    assert on_gui_thread
    assert summary.startswith("ValueError: upload failed for r8_…") and TOKEN not in details
    assert "Unexpected error in thread decoder" in _log_text(log_dir)


def test_two_crashes_go_to_one_dialog(qtbot: QtBot, hook: ExceptHook, dialog: CrashDialog) -> None:
    def second() -> None:
        raise KeyError("second problem")

    QTimer.singleShot(0, _raise_with_secrets)
    QTimer.singleShot(0, second)
    qtbot.waitUntil(lambda: dialog.problem_count() == 2)
    assert len([w for w in QApplication.topLevelWidgets() if isinstance(w, CrashDialog) and w.isVisible()]) == 1
    details = dialog.details_text()
    assert "Problem 1" in details and "Problem 2" in details
    assert "ValueError: upload failed" in details and "KeyError: 'second problem'" in details
    assert dialog.summary_label.text() == "2 problems so far; the latest: KeyError: 'second problem'"


def test_the_same_crash_again_is_counted_not_repeated(dialog: CrashDialog) -> None:
    for _ in range(3):
        dialog.report("ValueError: x", "Traceback …\nValueError: x")
    assert dialog.problem_count() == 3
    assert dialog.details_text().count("ValueError: x") == 1
    assert "(happened 3 times)" in dialog.details_text()


def test_a_crash_loop_does_not_grow_the_dialog_without_bound(dialog: CrashDialog) -> None:
    for number in range(MAX_SHOWN_PROBLEMS + 30):
        dialog.report(f"E{number}", f"Traceback\nE{number}")
    assert dialog.problem_count() == MAX_SHOWN_PROBLEMS + 30
    assert f"E{MAX_SHOWN_PROBLEMS - 1}" in dialog.details_text()
    assert f"E{MAX_SHOWN_PROBLEMS}\n" not in dialog.details_text()
    assert "… and 30 more; the log file has them all." in dialog.details_text()


def test_a_crash_after_closing_starts_a_fresh_dialog(dialog: CrashDialog) -> None:
    dialog.report("ValueError: first", "first details")
    dialog.close_button.click()
    assert not dialog.isVisible()
    dialog.report("KeyError: second", "second details")
    assert dialog.isVisible()
    assert dialog.problem_count() == 1 and "first details" not in dialog.details_text()


def test_the_dialog_redacts_what_it_is_given(dialog: CrashDialog) -> None:
    dialog.report(f"oops {TOKEN}", f"{BEARER}\n{CUSTOM_SECRET}")
    text = dialog.summary_label.text() + dialog.details_text()
    assert TOKEN not in text and "xyz-bearer-value-42" not in text and CUSTOM_SECRET not in text


def test_details_expand_and_copy_to_the_clipboard(dialog: CrashDialog) -> None:
    dialog.report("ValueError: boom", "Traceback (most recent call last):\nValueError: boom")
    assert not dialog.details_edit.isVisible()
    dialog.details_button.click()
    assert dialog.details_edit.isVisible() and dialog.details_edit.isReadOnly()
    dialog.copy_button.click()
    copied = QGuiApplication.clipboard().text()
    assert "Traceback (most recent call last):\nValueError: boom" in copied
    assert copied.startswith("Replicate Desktop ") and "Python " in copied and "Qt " in copied
    assert dialog.status_label.text() == "The details are on the clipboard."


def test_open_log_folder_uses_the_injected_opener(dialog: CrashDialog, opened: list[QUrl], log_dir: Path) -> None:
    dialog.report("ValueError: boom", "details")
    dialog.log_button.click()
    assert opened == [QUrl.fromLocalFile(str(log_dir))]


def test_a_failing_opener_is_explained(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = CrashDialog(tmp_path / "log", open_url=lambda url: False)
    qtbot.addWidget(dialog)
    dialog.report("ValueError: boom", "details")
    assert dialog.open_log_folder() is False
    assert dialog.status_label.text() == f"Could not open {tmp_path / 'log'}"


def test_without_a_log_folder_the_button_is_hidden(qtbot: QtBot) -> None:
    dialog = CrashDialog()
    qtbot.addWidget(dialog)
    dialog.report("ValueError: boom", "details")
    assert not dialog.log_button.isVisible()


def test_a_failing_report_is_logged_once_not_looped(qtbot: QtBot, log_dir: Path) -> None:
    calls: list[str] = []

    def report(summary: str, details: str) -> None:
        calls.append(summary)
        raise RuntimeError("the dialog broke")

    hook = install_excepthook(report)
    try:
        QTimer.singleShot(0, _raise_with_secrets)
        qtbot.waitUntil(lambda: len(calls) == 1)
        ticks: list[int] = []
        QTimer.singleShot(20, lambda: ticks.append(1))
        qtbot.waitUntil(lambda: ticks == [1])
    finally:
        hook.uninstall()
    assert len(calls) == 1
    assert "Showing an unexpected error failed" in _log_text(log_dir)


def test_keyboard_interrupt_goes_to_the_previous_hook(qtbot: QtBot) -> None:
    previous: list[type[BaseException]] = []
    saved = sys.excepthook
    sys.excepthook = lambda exc_type, exc, tb: previous.append(exc_type)
    reports: list[str] = []
    hook = install_excepthook(lambda summary, details: reports.append(summary))
    try:
        hook.handle(KeyboardInterrupt, KeyboardInterrupt(), None)
    finally:
        hook.uninstall()
        restored = sys.excepthook
        sys.excepthook = saved
    assert previous == [KeyboardInterrupt] and reports == []
    assert restored is not hook.handle


def test_uninstall_restores_both_hooks(qtbot: QtBot) -> None:
    before = (sys.excepthook, threading.excepthook)
    hook = install_excepthook(lambda summary, details: None)
    assert (sys.excepthook, threading.excepthook) != before
    hook.uninstall()
    assert (sys.excepthook, threading.excepthook) == before


def test_screenshot(qtbot: QtBot, dialog: CrashDialog, screenshots: Path) -> None:
    try:
        _raise_with_secrets()
    except ValueError as error:
        summary, details = describe_exception(type(error), error, error.__traceback__)
    dialog.report(summary, details)
    dialog.report("KeyError: 'width'", "Traceback (most recent call last):\n  File \"x.py\", line 1\nKeyError: 'width'")
    dialog.set_details_visible(True)
    qtbot.waitExposed(dialog)
    image = dialog.grab().toImage()
    image.save(str(screenshots / "crash_dialog.png"))
    assert image.width() >= 520 and image.height() > 300


async def test_an_error_in_a_loop_callback_reaches_the_dialog_on_qasync(dialog: CrashDialog, log_dir: Path) -> None:
    loop = asyncio.get_running_loop()
    install_asyncio_handler(loop, report=dialog.report)
    loop.call_soon(_raise_with_secrets)
    for _ in range(100):  # no qtbot.wait* inside a coroutine on qasync
        if dialog.isVisible():
            break
        await asyncio.sleep(0.01)
    assert dialog.isVisible()
    assert dialog.summary_label.text().startswith("ValueError: upload failed for r8_…")
    assert "Exception in callback" in _log_text(log_dir)
    assert TOKEN not in _log_text(log_dir) + dialog.details_text()
