"""The gallery window: the filter bar, the grid with the detail pane beside it, the undo bar and a status line.
It only lays the widgets out; :mod:`.presenter` does the work."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QHideEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import QSplitter, QStatusBar, QVBoxLayout, QWidget

from ..common.widgets import named
from .detail_pane import DetailPane
from .filter_bar import GalleryFilterBar
from .grid_model import GalleryGridModel
from .grid_view import GalleryGrid
from .thumbnails import ThumbnailLoader
from .undo_bar import UndoBar


class GalleryWindow(QWidget):
    """A window of its own (it closes with the main window, its parent).

    Signals:
        shown() / hidden()
    """

    shown = Signal()
    hidden = Signal()

    def __init__(self, model: GalleryGridModel, loader: ThumbnailLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("galleryWindow")
        self.setWindowTitle(self.tr("Gallery — Replicate Desktop"))
        self.resize(1180, 780)
        self.filter_bar = named(GalleryFilterBar(self), "galleryFilterBar")
        self.grid = GalleryGrid(model, loader, self)
        self.detail = DetailPane(self)
        self.detail.hide()
        self.splitter = named(QSplitter(Qt.Orientation.Horizontal, self), "gallerySplitter")
        self.splitter.addWidget(self.grid)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.undo_bar = UndoBar(self)
        self.status = named(QStatusBar(self), "galleryStatus")
        self.status.setSizeGripEnabled(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.undo_bar)
        layout.addWidget(self.status)
        self.detail.close_requested.connect(self.close_detail)
        find = named(QAction(self.tr("Search prompts"), self), "gallery_action_find")
        find.setShortcut(QKeySequence(QKeySequence.StandardKey.Find))
        find.triggered.connect(self.filter_bar.focus_search)
        self.addAction(find)
        escape = named(QAction(self.tr("Close the details"), self), "gallery_action_close_detail")
        escape.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        escape.triggered.connect(self.close_detail)
        self.addAction(escape)
        self.grid.setFocus()

    def open_detail(self) -> None:
        if not self.detail.isVisible():
            self.detail.show()
            width = max(self.splitter.width(), 600)
            self.splitter.setSizes([width * 3 // 5, width * 2 // 5])

    def close_detail(self) -> None:
        if self.detail.isVisible():
            self.detail.hide()
            self.detail.clear()
            self.grid.setFocus()

    def say(self, message: str, timeout: int = 8000) -> None:
        """One sentence in the window's status line."""
        self.status.showMessage(message, timeout)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.shown.emit()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.hidden.emit()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.close_detail()
        super().closeEvent(event)
