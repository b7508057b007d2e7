"""Follows one training like a prediction: status, percent (packing, upload, then the trainer's logs), elapsed
time, live logs and Cancel (which cancels on Replicate too); and the trainings list with past ones."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...session import (
    DataReady,
    DestinationCreated,
    PackingProgressed,
    TrainingBegun,
    TrainingCanceled,
    TrainingDetached,
    TrainingFailed,
    TrainingLogsAppended,
    TrainingRun,
    TrainingRunEvent,
    TrainingStatus,
    TrainingSucceeded,
    UploadProgressed,
)
from ..common.widgets import named

FLUSH_MS = 100  # logs are appended once per tick, never chunk by chunk (a growing paragraph is quadratic)


class TrainingPanel(QWidget):
    """One run: reads its events in a task of its own and shows them.

    Signals:
        ended(object): the run's end event (TrainingSucceeded, TrainingFailed, TrainingCanceled, TrainingDetached).
    """

    ended = Signal(object)

    def __init__(self, run: TrainingRun, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run = run
        self.end: TrainingRunEvent | None = None
        self._logs: list[str] = []
        self._elapsed = 0.0
        self._setup_ui()
        self._timer = QTimer(self)
        self._timer.setInterval(FLUSH_MS)
        self._timer.timeout.connect(self._flush)
        self._timer.start()
        self._task = asyncio.ensure_future(self._read())

    def _setup_ui(self) -> None:
        layout = QVBoxLayout(self)
        self.title = named(QLabel(), "trainingTitle")
        self.title.setText(self.tr("Training %1 into %2").replace("%1", self.run.trainer.split(":")[0])
                           .replace("%2", self.run.destination))
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        row = QHBoxLayout()
        self.status = named(QLabel(self.tr("Preparing…")), "trainingStatus")
        self.elapsed = named(QLabel(), "trainingElapsed")
        row.addWidget(self.status, 1)
        row.addWidget(self.elapsed)
        layout.addLayout(row)
        self.progress = named(QProgressBar(), "trainingProgress")
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        layout.addWidget(self.progress)
        self.logs = named(QPlainTextEdit(), "trainingLogs")
        self.logs.setReadOnly(True)
        self.logs.setMaximumBlockCount(5000)
        layout.addWidget(self.logs, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel = named(QPushButton(self.tr("Cancel training")), "cancelTraining")
        self.cancel.clicked.connect(self._on_cancel_clicked)
        buttons.addWidget(self.cancel)
        layout.addLayout(buttons)

    def _on_cancel_clicked(self) -> None:
        self.cancel.setEnabled(False)
        self.status.setText(self.tr("Canceling…"))
        self.run.cancel()

    async def _read(self) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            async for event in self.run:
                self.show_event(event)

    def show_event(self, event: TrainingRunEvent) -> None:
        if isinstance(event, PackingProgressed):
            self.status.setText(self.tr("Packing the photos…"))
            self.progress.setValue(_percent(event.done, event.total))
        elif isinstance(event, UploadProgressed):
            self.status.setText(self.tr("Uploading the photos…"))
            self.progress.setValue(_percent(event.sent, event.total))
        elif isinstance(event, DataReady):
            self.status.setText(self.tr("The photos are on Replicate."))
        elif isinstance(event, DestinationCreated):
            self.status.setText(self.tr("Created the model %1.").replace("%1", event.model))
        elif isinstance(event, TrainingBegun):
            self.progress.setValue(0)
            self.status.setText(self.tr("Picked up again after a restart: %1").replace("%1", event.training_id)
                                if event.resumed else self.tr("Started: %1").replace("%1", event.training_id))
        elif isinstance(event, TrainingStatus):
            self._elapsed = event.elapsed
            self.elapsed.setText(_clock(event.elapsed))
            self.status.setText(_status_text(self, event.status))
            if event.percent is not None:
                self.progress.setValue(round(event.percent))
        elif isinstance(event, TrainingLogsAppended):
            self._logs.append(event.text)
        else:
            self._ended(event)

    def _ended(self, event: Any) -> None:
        self.end = event
        self._flush()
        self.cancel.setEnabled(False)
        if isinstance(event, TrainingSucceeded):
            self.progress.setValue(100)
            self.status.setText(self.tr("Done: %1 is in the model picker.").replace("%1", event.version))
        elif isinstance(event, TrainingFailed):
            self.status.setText(event.problem.message)
        elif isinstance(event, TrainingCanceled):
            self.status.setText(self.tr("Canceled on Replicate.") if event.on_server else self.tr("Canceled."))
        elif isinstance(event, TrainingDetached):
            self.status.setText(self.tr("Still training on Replicate; followed again at the next start."))
        self.ended.emit(event)

    def _flush(self) -> None:
        if not self._logs:
            return
        text, self._logs = "".join(self._logs), []
        cursor = self.logs.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(text)
        self.logs.verticalScrollBar().setValue(self.logs.verticalScrollBar().maximum())

    def stop(self) -> None:
        """Stops reading (the run goes on); for closing the window."""
        self._timer.stop()
        self._task.cancel()


class TrainingsDock(QWidget):
    """Every followed training, a tab each, newest first; and the past trainings, read from the history."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingsDock")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.tabs = named(QTabWidget(), "trainingTabs")
        layout.addWidget(self.tabs)
        self.history = named(QPlainTextEdit(), "trainingHistory")
        self.history.setReadOnly(True)
        self.tabs.addTab(self.history, self.tr("Past trainings"))
        self.panels: list[TrainingPanel] = []

    def follow(self, run: TrainingRun) -> TrainingPanel:
        panel = TrainingPanel(run)
        self.panels.append(panel)
        self.tabs.insertTab(0, panel, run.destination or run.training_id or "?")
        self.tabs.setCurrentIndex(0)
        return panel

    def show_history(self, lines: list[str]) -> None:
        self.history.setPlainText("\n\n".join(lines) if lines else self.tr("No trainings yet."))

    def stop(self) -> None:
        for panel in self.panels:
            panel.stop()


def _percent(done: int, total: int) -> int:
    return round(100 * done / total) if total else 0


def _clock(seconds: float) -> str:
    minutes, second = divmod(int(seconds), 60)
    hours, minute = divmod(minutes, 60)
    return f"{hours}:{minute:02d}:{second:02d}" if hours else f"{minute}:{second:02d}"


def _status_text(widget: QWidget, status: str) -> str:
    texts = {"starting": widget.tr("Starting (waiting for a machine)…"), "processing": widget.tr("Training…"),
             "succeeded": widget.tr("Succeeded."), "failed": widget.tr("Failed."), "canceled": widget.tr("Canceled.")}
    return texts.get(status, status)
