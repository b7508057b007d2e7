"""The bar under the gallery grid after a delete: what went, and Undo for as long as the files are kept."""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from ..common.widgets import named


class UndoBar(QFrame):
    """Says how many outputs were deleted and offers Undo until the session's undo window closes.

    Signals:
        undo_requested()
    """

    undo_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("galleryUndoBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = named(QLabel(), "galleryUndoText")
        self.undo_button = named(QPushButton(), "galleryUndoButton")
        self.undo_button.clicked.connect(self._on_undo_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 6, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.undo_button)
        self._deadline = 0.0
        self._tick = QTimer(self)
        self._tick.setInterval(250)
        self._tick.timeout.connect(self._on_tick)
        self.hide()

    def show_deleted(self, count: int, seconds: float) -> None:
        """Offers Undo for ``seconds`` after deleting ``count`` outputs."""
        self.label.setText(self.tr("Deleted %n output(s).", "", count))
        self._deadline = time.monotonic() + seconds
        self._on_tick()
        self._tick.start()
        self.show()

    def show_message(self, text: str) -> None:
        """A sentence in place of the offer (an undo that came too late, say), for a few seconds."""
        self._tick.stop()
        self.label.setText(text)
        self.undo_button.hide()
        self.show()
        QTimer.singleShot(4000, self._hide_message)

    def dismiss(self) -> None:
        self._tick.stop()
        self.hide()

    def _on_undo_clicked(self) -> None:
        self.dismiss()
        self.undo_requested.emit()

    def _on_tick(self) -> None:
        left = self._deadline - time.monotonic()
        if left <= 0:
            self.dismiss()
            return
        self.undo_button.show()
        self.undo_button.setText(self.tr("Undo ({0} s)").format(math.ceil(left)))

    def _hide_message(self) -> None:
        if not self._tick.isActive():
            self.hide()
