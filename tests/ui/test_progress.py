"""Tests for the progress panel: attempts, percent from logs, busy modes, ticking time, batched logs."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QPlainTextEdit, QProgressBar, QToolButton
from pytestqt.qtbot import QtBot

from desktop_app.ui.shell.progress import MAX_LOG_LINES, ProgressPanel


@pytest.fixture
def panel(qtbot: QtBot) -> ProgressPanel:
    widget = ProgressPanel()
    qtbot.addWidget(widget)
    widget.resize(640, 60)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def bar_of(panel: ProgressPanel) -> QProgressBar:
    bar = panel.findChild(QProgressBar, "progress_bar")
    assert bar is not None
    return bar


def logs_of(panel: ProgressPanel) -> QPlainTextEdit:
    logs = panel.findChild(QPlainTextEdit, "progress_logs")
    assert logs is not None
    return logs


def test_the_bar_never_shows_qts_minus_one(panel: ProgressPanel) -> None:
    assert QProgressBar().value() == -1  # what a fresh bar holds (trap 7)
    assert bar_of(panel).value() == 0
    panel.start("sdxl")
    panel.update_progress("processing", "poll", 3, 10, 1.0, 100.0, None)
    panel.finish("succeeded", None)
    panel.start("sdxl")
    assert (panel.bar_value(), panel.bar_range()) == (0, (0, 100))
    assert panel.status_text().startswith("sdxl · Starting · ")
    assert panel.is_running()


def test_polls_count_attempts_then_a_percent_takes_over(panel: ProgressPanel) -> None:
    panel.start("sdxl")
    for attempt in (1, 2, 3):
        panel.update_progress("processing", "poll", attempt, 60, attempt * 0.5, None, None)
        assert panel.bar_range() == (0, 60)
        assert panel.bar_value() == attempt
        assert bar_of(panel).format() == f"Polling: attempt {attempt} of 60"
    panel.update_progress("processing", "poll", 4, 60, 2.0, 45.3, " 45%|####      | 9/20")
    assert panel.bar_range() == (0, 100)
    assert panel.bar_value() == 45
    assert panel.progress_text() == "Generating: 45 % (from model logs)"
    assert bar_of(panel).toolTip() == " 45%|####      | 9/20"


@pytest.mark.parametrize(
    ("mode", "expected"), [("wait", "Waiting for the model… 3 s"), ("stream", "Streaming… 3 s")]
)
def test_waiting_and_streaming_show_a_busy_bar(panel: ProgressPanel, mode: str, expected: str) -> None:
    panel.start("llama-3-70b")
    panel.update_progress("processing", mode, 0, 60, 3.2, None, None)
    assert panel.is_busy()
    assert panel.bar_range() == (0, 0)
    assert panel.progress_text() == expected
    detail = panel.findChild(QLabel, "progress_detail")
    assert detail is not None
    assert detail.isVisible()
    panel.update_progress("processing", mode, 0, 60, 4.0, 12.0, None)
    assert not panel.is_busy()
    assert panel.bar_value() == 12


def test_the_status_line_shows_the_status_and_ticks_the_seconds(qtbot: QtBot, panel: ProgressPanel) -> None:
    panel.start("sdxl")
    panel.update_progress("processing", "wait", 0, 60, 5.0, None, None)
    assert panel.status_text() == "sdxl · Processing · 5 s"
    qtbot.waitUntil(lambda: panel.status_text() == "sdxl · Processing · 6 s", timeout=3000)
    assert panel.progress_text() == "Waiting for the model… 6 s"  # no event arrived in between


def test_finish_reports_the_model_time_and_fills_the_bar(qtbot: QtBot, panel: ProgressPanel) -> None:
    panel.start("sdxl")
    panel.update_progress("processing", "stream", 0, 60, 3.0, None, None)
    panel.finish("succeeded", 2.71)
    assert panel.status_text() == "Succeeded in 2.7 s (model time)"
    assert panel.bar_range() == (0, 100)
    assert panel.bar_value() == 100
    assert not panel.is_running()
    frozen = panel.elapsed()
    qtbot.wait(300)
    assert panel.elapsed() == frozen
    assert panel.status_text() == "Succeeded in 2.7 s (model time)"  # the clock stopped


def test_finish_without_model_time_uses_the_elapsed_time(panel: ProgressPanel) -> None:
    panel.start("sdxl")
    panel.update_progress("processing", "wait", 0, 60, 8.0, None, None)
    panel.finish("canceled", None)
    assert panel.status_text().startswith("Canceled after 8.")
    assert not panel.is_busy()  # a canceled run stops the busy animation, without looking complete
    assert panel.bar_value() < panel.bar_range()[1]


def test_fail_shows_the_message(panel: ProgressPanel) -> None:
    panel.start("sdxl")
    panel.update_progress("processing", "wait", 0, 60, 1.0, None, None)
    panel.fail("The model ran out of memory.")
    assert panel.status_text().startswith("Failed after ")
    detail = panel.findChild(QLabel, "progress_detail")
    assert detail is not None
    assert detail.isVisible()
    assert detail.text() == "The model ran out of memory."
    assert not panel.is_running()
    panel.reset()
    assert panel.status_text() == "Ready"
    assert not detail.isVisible()
    assert bar_of(panel).isVisible()


def test_logs_arrive_in_one_batch(qtbot: QtBot, panel: ProgressPanel) -> None:
    panel.start("sdxl")
    changes: list[int] = []
    logs_of(panel).document().contentsChange.connect(lambda position, _removed, _added: changes.append(position))
    for number in range(200):
        panel.append_logs(f"step {number}\n")
    assert panel.logs_text() == ""  # queued, not yet laid out
    qtbot.waitUntil(lambda: "step 199" in panel.logs_text())
    assert len(changes) == 1
    assert panel.logs_text().splitlines() == [f"step {number}" for number in range(200)]


def test_logs_keep_the_last_lines_only(qtbot: QtBot, panel: ProgressPanel) -> None:
    panel.start("sdxl")
    panel.append_logs("".join(f"line {number}\n" for number in range(MAX_LOG_LINES + 1000)))
    panel.finish("succeeded", 1.0)  # finishing writes what is still queued
    lines = panel.logs_text().splitlines()
    assert len(lines) <= MAX_LOG_LINES
    assert lines[-1] == f"line {MAX_LOG_LINES + 999}"
    assert "line 0" not in lines


def test_carriage_returns_become_lines(qtbot: QtBot, panel: ProgressPanel) -> None:
    panel.append_logs(" 10%|#   |\r 20%|##  |\r\ndone\n")
    qtbot.waitUntil(lambda: "done" in panel.logs_text())
    assert panel.logs_text().splitlines() == [" 10%|#   |", " 20%|##  |", "done"]


def test_the_logs_toggle_shows_and_hides_the_logs(qtbot: QtBot, panel: ProgressPanel) -> None:
    toggle = panel.findChild(QToolButton, "progress_logs_toggle")
    assert toggle is not None
    assert not logs_of(panel).isVisible()
    assert toggle.text() == "Logs ▸"
    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)
    assert logs_of(panel).isVisible()
    assert toggle.text() == "Logs ▾"
    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)
    assert not logs_of(panel).isVisible()


def test_many_void_qt_calls_do_not_kill_the_interpreter(qapp: QApplication) -> None:
    """Regression: PySide6 6.12.0 on Python < 3.12 aborts with none_dealloc (the dependency note in pyproject.toml)."""
    bar = QProgressBar()
    bar.setRange(0, 1000)
    for number in range(100_000):
        bar.setValue(number % 1000)
    assert bar.value() == 999
