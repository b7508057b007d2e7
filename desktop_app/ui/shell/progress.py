"""Progress of the running prediction: a status line, a progress bar and the model's logs."""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QLocale, QTimer
from PySide6.QtGui import QFontDatabase, QPalette, QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

TICK_INTERVAL_MS = 250
LOG_FLUSH_INTERVAL_MS = 100
MAX_LOG_LINES = 5000


class ProgressPanel(QWidget):
    """One compact row (status, bar, detail, "Logs" toggle) above a collapsible log pane.

    Fed with the core's ``Progress`` events through ``update_progress``: polls count attempts,
    a percent read from the model's logs fills the bar, and waiting or streaming shows a busy
    bar. Elapsed seconds keep ticking between events.

    Signals: none (the panel only displays).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = ""
        self._status = ""
        self._mode = ""
        self._attempt = 0
        self._max_attempts = 0
        self._percent: float | None = None
        self._running = False
        self._elapsed_base = 0.0
        self._clock = QElapsedTimer()
        self._log_pending: list[str] = []
        self._setup_ui()
        self.reset()

    # ----------------------------------------------------------------- public API

    def start(self, model: str) -> None:
        """Resets the panel for a new prediction of ``model`` and starts the elapsed clock."""
        self.reset()
        self._model = model
        self._status = "starting"
        self._running = True
        self._clock.start()
        self._tick_timer.start()
        self._refresh()

    def update_progress(
        self,
        status: str,
        mode: str,
        attempt: int,
        max_attempts: int,
        elapsed: float,
        percent: float | None = None,
        log_line: str | None = None,
    ) -> None:
        """Shows one ``Progress`` event (the fields of :class:`desktop_app.replicate.events.Progress`)."""
        self._status, self._mode = status, mode
        self._attempt, self._max_attempts, self._percent = attempt, max_attempts, percent
        self._elapsed_base = elapsed
        self._clock.start()
        if not self._running:
            self._running = True
            self._tick_timer.start()
        self._bar.setToolTip(log_line or "")
        self._refresh()

    def append_logs(self, text: str) -> None:
        """Queues log text; it reaches the log pane in batches, a few times a second."""
        if text:
            self._log_pending.append(text)
            if not self._log_timer.isActive():
                self._log_timer.start()

    def finish(self, status: str, predict_time: float | None = None, cost: str | None = None) -> None:
        """Shows the end: "Succeeded in 2.7 s (model time) · ~$0.0030 (estimate)" and a full bar, or how it
        ended."""
        self._stop(status)
        seconds = self.elapsed()
        word = self._status_word()
        if predict_time is not None:
            text = self.tr("%1 in %2 s (model time)").replace("%1", word).replace("%2", _seconds(predict_time))
        else:
            text = self.tr("%1 after %2 s").replace("%1", word).replace("%2", _seconds(seconds))
        self._status_label.setText(text + (f" · {cost}" if cost else ""))
        if status == "succeeded":
            self._set_bar(0, 100, 100, self.tr("Done"))
        else:
            self._freeze_bar(word)

    def fail(self, message: str) -> None:
        """Shows that the prediction failed, with ``message`` (one sentence) beside the bar."""
        self._stop("failed")
        self._status_label.setText(
            self.tr("Failed after %1 s").replace("%1", _seconds(self.elapsed()))
        )
        self._freeze_bar(self.tr("Failed"))
        self._detail.setText(message)
        self._detail.setToolTip(message)
        self._detail.setStyleSheet(f"color: {self._error_color()};")
        self._detail.show()
        self._bar.hide()  # the message needs the room more than a stopped bar does

    def reset(self) -> None:
        """Back to idle: empty bar at 0 (not Qt's −1), no logs, no clock."""
        self._tick_timer.stop()
        self._log_timer.stop()
        self._log_pending.clear()
        self._logs.clear()
        self._running = False
        self._model, self._status, self._mode = "", "", ""
        self._attempt = self._max_attempts = 0
        self._percent = None
        self._elapsed_base = 0.0
        self._clock.invalidate()
        self._status_label.setText(self.tr("Ready"))
        self._detail.setStyleSheet("")
        self._detail.hide()
        self._bar.setToolTip("")
        self._set_bar(0, 100, 0, "")

    def status_text(self) -> str:
        return self._status_label.text()

    def progress_text(self) -> str:
        """What the bar stands for right now ("Polling: attempt 3 of 60", "Streaming… 4 s" …)."""
        return self._bar.format() if not self.is_busy() else self._detail.text()

    def bar_range(self) -> tuple[int, int]:
        return self._bar.minimum(), self._bar.maximum()

    def bar_value(self) -> int:
        return self._bar.value()

    def is_busy(self) -> bool:
        """Whether the bar is indeterminate (range 0..0)."""
        return self._bar.minimum() == self._bar.maximum() == 0

    def is_running(self) -> bool:
        return self._running

    def elapsed(self) -> float:
        """Seconds since the start, as last reported plus what the clock measured since."""
        extra = self._clock.elapsed() / 1000 if self._clock.isValid() else 0.0
        return self._elapsed_base + extra

    def logs_text(self) -> str:
        return self._logs.toPlainText()

    # ------------------------------------------------------------------ set-up

    def _setup_ui(self) -> None:
        self._status_label = QLabel(self)
        self._status_label.setObjectName("progress_status")
        self._status_label.setMinimumWidth(self._status_label.fontMetrics().horizontalAdvance("M" * 16))
        self._bar = QProgressBar(self)
        self._bar.setObjectName("progress_bar")
        self._bar.setTextVisible(True)
        self._bar.setMinimumWidth(160)
        self._bar.setMaximumHeight(self._bar.fontMetrics().height() + 6)
        self._detail = QLabel(self)
        self._detail.setObjectName("progress_detail")
        self._detail.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._detail.setWordWrap(True)
        self._logs_toggle = QToolButton(self)
        self._logs_toggle.setObjectName("progress_logs_toggle")
        self._logs_toggle.setCheckable(True)
        self._logs_toggle.setAutoRaise(True)
        self._logs_toggle.setToolTip(self.tr("Show or hide the model's logs"))
        self._logs_toggle.toggled.connect(self._on_logs_toggle_toggled)
        self._logs = QPlainTextEdit(self)
        self._logs.setObjectName("progress_logs")
        self._logs.setReadOnly(True)
        self._logs.setMaximumBlockCount(MAX_LOG_LINES)
        self._logs.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self._logs.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self._logs.setMaximumHeight(self._logs.fontMetrics().lineSpacing() * 10 + 12)
        self._logs.hide()

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self._status_label)
        row.addWidget(self._bar, 1)
        row.addWidget(self._detail, 1)
        row.addWidget(self._logs_toggle)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(row)
        layout.addWidget(self._logs)

        self._tick_timer = QTimer(self)
        self._tick_timer.setInterval(TICK_INTERVAL_MS)
        self._tick_timer.timeout.connect(self._on_tick_timer_timeout)
        self._log_timer = QTimer(self)
        self._log_timer.setSingleShot(True)
        self._log_timer.setInterval(LOG_FLUSH_INTERVAL_MS)
        self._log_timer.timeout.connect(self._on_log_timer_timeout)
        self._on_logs_toggle_toggled(False)

    # -------------------------------------------------------------------- slots

    def _on_tick_timer_timeout(self) -> None:
        self._refresh()

    def _on_logs_toggle_toggled(self, checked: bool) -> None:
        self._logs_toggle.setText(self.tr("Logs ▾") if checked else self.tr("Logs ▸"))
        self._logs.setVisible(checked)

    def _on_log_timer_timeout(self) -> None:
        """Writes every queued piece of log with one insertion (no re-layout per line)."""
        text = "".join(self._log_pending).replace("\r\n", "\n").replace("\r", "\n")
        self._log_pending.clear()
        bar = self._logs.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 2
        cursor = QTextCursor(self._logs.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(text)
        if at_bottom:
            bar.setValue(bar.maximum())

    # ------------------------------------------------------------------ helpers

    def _refresh(self) -> None:
        """Renders the status line and the bar from the last event and the running clock."""
        seconds = int(self.elapsed())
        head = f"{self._model} · " if self._model else ""
        self._status_label.setText(
            self.tr("%1%2 · %3 s").replace("%1", head).replace("%2", self._status_word()).replace("%3", str(seconds))
        )
        if self._percent is not None:
            percent = max(0.0, min(100.0, self._percent))
            text = self.tr("Generating: %1 % (from model logs)").replace("%1", f"{percent:.0f}")
            self._set_bar(0, 100, round(percent), text)
        elif self._mode == "poll":
            total = max(1, self._max_attempts)
            text = self.tr("Polling: attempt %1 of %2").replace("%1", str(self._attempt)).replace("%2", str(total))
            self._set_bar(0, total, min(self._attempt, total), text)
        elif self._mode == "wait":
            self._set_busy(self.tr("Waiting for the model… %1 s").replace("%1", str(seconds)))
        elif self._mode == "stream":
            self._set_busy(self.tr("Streaming… %1 s").replace("%1", str(seconds)))
        else:
            self._set_bar(0, 100, 0, self.tr("Starting… %1 s").replace("%1", str(seconds)))

    def _set_bar(self, minimum: int, maximum: int, value: int, text: str) -> None:
        if (self._bar.minimum(), self._bar.maximum()) != (minimum, maximum):
            self._bar.setRange(minimum, maximum)
        self._bar.setValue(value)  # also lifts a fresh bar off Qt's −1 "reset" value (trap 7)
        self._bar.setFormat(text)
        self._bar.show()
        self._detail.hide()

    def _set_busy(self, text: str) -> None:
        if not self.is_busy():
            self._bar.setRange(0, 0)
            self._bar.setValue(0)
        self._bar.show()
        self._detail.setText(text)
        self._detail.show()

    def _freeze_bar(self, text: str) -> None:
        """Stops a busy bar's animation, or keeps a determinate bar where it got to."""
        if self.is_busy():
            self._set_bar(0, 1, 0, text)
        else:
            self._set_bar(self._bar.minimum(), self._bar.maximum(), self._bar.value(), text)

    def _stop(self, status: str) -> None:
        if self._clock.isValid():
            self._elapsed_base = self.elapsed()
            self._clock.invalidate()
        self._tick_timer.stop()
        self._running = False
        self._status = status
        if self._log_pending:
            self._on_log_timer_timeout()

    def _status_word(self) -> str:
        """The prediction's status as a word for the status line (Replicate's status names, translated)."""
        words = {
            "starting": self.tr("Starting"),
            "processing": self.tr("Processing"),
            "succeeded": self.tr("Succeeded"),
            "failed": self.tr("Failed"),
            "canceled": self.tr("Canceled"),
            "aborted": self.tr("Aborted"),
        }
        return words.get(self._status) or self._status[:1].upper() + self._status[1:]

    def _error_color(self) -> str:
        return "#ff7b72" if self.palette().color(QPalette.ColorRole.Window).lightness() < 128 else "#c62828"


def _seconds(value: float) -> str:
    """``2.7`` (``2,7`` in Russian): one decimal, in the formats of the chosen language."""
    return QLocale().toString(value, "f", 1)
