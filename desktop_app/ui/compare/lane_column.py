"""One model's column of a comparison: its reply as it streams, its measures, and "Continue with this one"."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from PySide6.QtCore import QSize, QTimer, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap, QTextCursor
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
from ..common.pictures import read_scaled
from ..common.tasks import Tasks
from ..common.widgets import named

log = logging.getLogger(__name__)

THUMB = 160
REFRESH_MS = 50  # a lane shows what streamed at most this often: four columns repainted per token stall the window


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
        self._shown = ""  # the text in the box: a streamed reply is appended to, never set again whole
        self._decoding = Tasks()
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.setInterval(REFRESH_MS)
        self._pending.timeout.connect(self.refresh)
        lane.run.add_listener(self._heard)
        self.refresh()

    def detach(self) -> None:
        """Stops showing the run's events (the column is going away; the run may still end later)."""
        self._attached = False
        self._pending.stop()
        self._decoding.cancel_all()

    def _heard(self, _event: SessionEvent) -> None:
        """Tokens are gathered for a moment and shown together; the end of the run is shown at once."""
        if not self._attached:
            return
        if self.lane.run.end is not None:
            self._pending.stop()
            self.refresh()
        elif not self._pending.isActive():
            self._pending.start()

    def refresh(self) -> None:
        self._show_text(self.lane.text)
        paths = [output.path for output in self.lane.run.outputs if output.path is not None]
        if len(paths) != self.images.count():
            self._show_images(paths)
        self.measures.setText(self.describe())
        self.continue_button.setEnabled(isinstance(self.lane.run.end, RunFinished))

    def _show_text(self, text: str) -> None:
        """Appends what streamed since the last event; only a replaced reply (the final output corrected what
        streamed) is set again whole. Setting the whole text on every token costs more with every token."""
        if text == self._shown:
            return
        if self._shown and text.startswith(self._shown):
            cursor = QTextCursor(self.text.document())  # not the view's cursor: a selection the user made stays
            cursor.movePosition(QTextCursor.MoveOperation.End)
            cursor.insertText(text[len(self._shown):])
        else:
            self.text.setPlainText(text)
        self._shown = text

    def _show_images(self, paths: list[Path]) -> None:
        """Adds a tile for each new output; its picture is decoded small, off the GUI thread (outputs can be
        megabytes: decoded here, full size, they stalled the window while other runs streamed)."""
        if len(paths) < self.images.count():
            self.images.clear()
        for path in paths[self.images.count():]:
            item = QListWidgetItem("")
            item.setToolTip(path.name)
            self.images.addItem(item)
            self._decode(self.images.count() - 1, path)
        self.images.setVisible(bool(paths))
        self.text.setVisible(not paths or bool(self.lane.text))

    def _decode(self, row: int, path: Path) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # shown before any loop runs (a finished comparison opened in a plain test)
            self._set_picture(row, read_scaled(path, THUMB))
            return
        self._decoding.spawn(self._decode_off_thread(row, path), name=f"compare thumbnail {path.name}")

    async def _decode_off_thread(self, row: int, path: Path) -> None:
        try:
            image = await asyncio.to_thread(read_scaled, path, THUMB)
        except Exception as error:  # a tile without its picture; the file is still kept and named
            log.warning("Cannot show %s: %s", path.name, error)
            return
        if self._attached:
            self._set_picture(row, image)

    def _set_picture(self, row: int, image: QImage) -> None:
        item = self.images.item(row)
        if item is not None and not image.isNull():
            item.setIcon(QIcon(QPixmap.fromImage(image)))

    def describe(self) -> str:
        """The lane's measures so far, one per line; a dash for what is not known (yet)."""
        metrics = self.lane.metrics
        dash = "—"

        def seconds(value: float | None) -> str:
            return dash if value is None else f"{value:.2f} s"

        speed = metrics.tokens_per_second
        cost = metrics.cost
        if cost is None or cost.amount is None:
            priced = dash if cost is None else self.tr(
                "no price known (say which hardware it runs on in Queue → Prices and hardware…)")
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
