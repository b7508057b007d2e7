"""One model's column of a comparison: its reply as it streams, its measures, and "Continue with this one"."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...session import Lane, RunFinished, SessionEvent
from ..common.widgets import named

THUMB = 160


class LaneColumn(QWidget):
    """Shows one lane: the model's name, its text (updated on each of its run's events), time to first token,
    tokens a second, total time, compute time and cost; ``continue_requested`` when the user picks it."""

    continue_requested = Signal()

    def __init__(self, lane: Lane, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lane = lane
        self.title = named(QLabel(lane.model), "compareLaneModel")
        self.title.setWordWrap(True)
        self.text = named(QPlainTextEdit(), "compareLaneText")
        self.text.setReadOnly(True)
        self.images = named(QListWidget(), "compareLaneImages")  # an image model's outputs, as a grid
        self.images.setViewMode(QListView.ViewMode.IconMode)
        self.images.setIconSize(QSize(THUMB, THUMB))
        self.images.setResizeMode(QListView.ResizeMode.Adjust)
        self.images.hide()
        self.measures = named(QLabel(), "compareLaneMeasures")
        self.measures.setWordWrap(True)
        self.continue_button = named(QPushButton(self.tr("Continue with this one")), "compareContinueButton")
        self.continue_button.setEnabled(False)
        self.continue_button.clicked.connect(self.continue_requested)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.images, 1)
        layout.addWidget(self.measures)
        layout.addWidget(self.continue_button)
        self._attached = True
        lane.run.add_listener(self._heard)
        self.refresh()

    def detach(self) -> None:
        """Stops showing the run's events (the column is going away; the run may still end later)."""
        self._attached = False

    def _heard(self, _event: SessionEvent) -> None:
        if self._attached:
            self.refresh()

    def refresh(self) -> None:
        if self.text.toPlainText() != self.lane.text:
            self.text.setPlainText(self.lane.text)
        paths = [output.path for output in self.lane.run.outputs if output.path is not None]
        if len(paths) != self.images.count():
            self._show_images(paths)
        self.measures.setText(self.describe())
        self.continue_button.setEnabled(isinstance(self.lane.run.end, RunFinished))

    def _show_images(self, paths: list[Path]) -> None:
        # outputs are kept files of a few hundred KB at most here; the viewer decodes big ones off the GUI thread
        self.images.clear()
        for path in paths:
            picture = QPixmap(str(path))
            if not picture.isNull():
                picture = picture.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                                         Qt.TransformationMode.SmoothTransformation)
            item = QListWidgetItem(QIcon(picture), "")
            item.setToolTip(path.name)
            self.images.addItem(item)
        self.images.setVisible(bool(paths))
        self.text.setVisible(not paths or bool(self.lane.text))

    def describe(self) -> str:
        """The lane's measures so far, one per line; a dash for what is not known (yet)."""
        metrics = self.lane.metrics
        dash = "—"

        def seconds(value: float | None) -> str:
            return dash if value is None else f"{value:.2f} s"

        speed = metrics.tokens_per_second
        cost = metrics.cost
        if cost is None or cost.amount is None:
            priced = dash if cost is None else self.tr("no price known")
        else:
            priced = f"${cost.amount:.5f}" + (self.tr(" (estimate)") if cost.estimate else "")
        lines = [self.tr("First token: %1").replace("%1", seconds(metrics.time_to_first_token)),
                 self.tr("Tokens/s: %1").replace("%1", dash if speed is None else f"{speed:.1f}"),
                 self.tr("Total: %1").replace("%1", seconds(metrics.total_time)),
                 self.tr("Compute: %1").replace("%1", seconds(metrics.predict_time)),
                 self.tr("Cost: %1").replace("%1", priced)]
        if self.lane.run.end is not None and not isinstance(self.lane.run.end, RunFinished):
            lines.append(self.tr("Did not finish."))
        return "\n".join(lines)
