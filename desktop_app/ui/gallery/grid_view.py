"""The gallery grid: a list view laid out in wrapping rows of equal cells, with the gallery's keys and menu.

ListMode with a left-to-right wrapping flow and uniform sizes gives the same grid as IconMode and lays 10,000 cells out
in 40–65 % of IconMode's time (~13 ms against 20–32 ms, and every filter change pays it: bench/ui_gallery.py);
with Qt's default delegate, IconMode even asks every item for its data while laying out.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QItemSelectionModel, QMimeData, QPoint, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QContextMenuEvent,
    QImage,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPalette,
    QResizeEvent,
)
from PySide6.QtWidgets import QAbstractItemView, QListView, QMenu, QWidget

from ...storage.gallery import GalleryItem
from ..common.drag import drag_out, output_mime
from ..common.widgets import named, widget_action
from .delegate import CELL, GalleryDelegate, edge_for
from .grid_model import GalleryGridModel
from .thumbnails import ThumbnailLoader

# Adds what other parts of the app offer for one output ("Use as input", "Send to…") to a menu about it.
ItemMenu = Callable[[QMenu, GalleryItem], None]

MAX_DRAGGED = 500  # files one drag carries at most
SETTLE_MS = 120  # the scroll bar still this long: the grid has settled, its thumbnails are made


class GalleryGrid(QListView):
    """The grid of outputs, multi-select with Shift/Ctrl (Ctrl+A: all).

    Its actions (also in the context menu) work while the grid has the focus: F favourite, X reject, Delete,
    Ctrl+C copy, Ctrl+E export, Return open.

    Signals:
        favourite_requested() / reject_requested() — flip the mark of the selection
        delete_requested() / copy_requested() / export_requested()
        open_requested(int row) — show the item large
        current_changed(int row) — the current cell moved (-1: none)
    """

    favourite_requested = Signal()
    reject_requested = Signal()
    delete_requested = Signal()
    copy_requested = Signal()
    export_requested = Signal()
    open_requested = Signal(int)
    current_changed = Signal(int)

    def __init__(self, model: GalleryGridModel, loader: ThumbnailLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("galleryGrid")
        self.setViewMode(QListView.ViewMode.ListMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setLayoutMode(QListView.LayoutMode.SinglePass)
        self.setUniformItemSizes(True)
        self.setMovement(QListView.Movement.Static)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(48)
        self.setMouseTracking(True)
        self.setSpacing(0)
        self.setGridSize(CELL)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.grid_delegate = GalleryDelegate(loader, self)
        self.setItemDelegate(self.grid_delegate)
        self.setModel(model)
        self.grid_model = model
        self.loader = loader
        loader.updated.connect(self._on_loader_updated)
        self._settle_timer = QTimer(self)
        self._settle_timer.setSingleShot(True)
        self._settle_timer.setInterval(SETTLE_MS)
        self._settle_timer.timeout.connect(self._on_scroll_settled)
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        model.modelReset.connect(self._on_model_reset)
        self.doubleClicked.connect(lambda index: self.open_requested.emit(index.row()))
        selection = self.selectionModel()
        selection.currentChanged.connect(lambda current, _old: self.current_changed.emit(
            current.row() if current.isValid() else -1))
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)
        self._fit_timer.timeout.connect(self._fit_cells)
        self._empty_text = ""
        self.item_menu: ItemMenu | None = None
        self.menu: QMenu | None = None  # the context menu last shown
        self._setup_actions()

    def set_empty_text(self, text: str) -> None:
        """What the grid says while it has no rows ("" says nothing)."""
        self._empty_text = text
        self.viewport().update()

    def empty_text(self) -> str:
        return self._empty_text

    def selected_ranges(self) -> list[tuple[int, int]]:
        """The selected rows as (first, last) ranges, in order (all 10,000 rows of Ctrl+A are two numbers)."""
        selection = self.selectionModel().selection()
        ranges = sorted((part.top(), part.bottom()) for part in (selection.at(n) for n in range(selection.count())))
        merged: list[tuple[int, int]] = []
        for first, last in ranges:
            if merged and first <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(last, merged[-1][1]))
            else:
                merged.append((first, last))
        return merged

    def selected_count(self) -> int:
        return sum(last - first + 1 for first, last in self.selected_ranges())

    def select_row(self, row: int) -> None:
        """Makes ``row`` the current and only selected cell (clamped to the rows there are)."""
        count = self.model().rowCount()
        if count == 0:
            return
        index = self.model().index(max(0, min(row, count - 1)), 0)
        self.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.scrollTo(index)

    def visible_rows(self) -> tuple[int, int]:
        """The first and last row on screen ((0, -1) when none)."""
        count = self.model().rowCount()
        if count == 0:
            return 0, -1
        first = self.indexAt(self.viewport().rect().topLeft() + QPoint(2, 2))
        row = first.row() if first.isValid() else 0
        height = self.viewport().height()
        last = row
        while last + 1 < count and self.visualRect(self.model().index(last + 1, 0)).top() < height:
            last += 1
        return row, last

    # --- actions ---------------------------------------------------------------------------------------

    def _setup_actions(self) -> None:
        def action(name: str, text: str, keys: str | QKeySequence.StandardKey, slot: Callable[[], object]) -> QAction:
            return widget_action(self, name, text, slot, keys, self)

        self.open_action = action("gallery_action_open", self.tr("Open"), "Return", self._open_current)
        self.favourite_action = action("gallery_action_favourite", self.tr("Favourite"), "F",
                                       self.favourite_requested.emit)
        self.reject_action = action("gallery_action_reject", self.tr("Reject"), "X", self.reject_requested.emit)
        self.copy_action = action("gallery_action_copy", self.tr("Copy"), QKeySequence.StandardKey.Copy,
                                  self.copy_requested.emit)
        self.export_action = action("gallery_action_export", self.tr("Export to folder…"), "Ctrl+E",
                                    self.export_requested.emit)
        self.delete_action = action("gallery_action_delete", self.tr("Delete"), QKeySequence.StandardKey.Delete,
                                    self.delete_requested.emit)
        self.select_all_action = action("gallery_action_select_all", self.tr("Select all"),
                                        QKeySequence.StandardKey.SelectAll, self.selectAll)

    def _open_current(self) -> None:
        current = self.currentIndex()
        if current.isValid():
            self.open_requested.emit(current.row())

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        index = self.indexAt(event.pos())
        if index.isValid() and not self.selectionModel().isSelected(index):
            self.select_row(index.row())
        if not self.selectionModel().hasSelection():
            return
        menu = named(QMenu(self), "galleryContextMenu")
        menu.addAction(self.open_action)
        menu.addSeparator()
        item = self.grid_model.item(index.row() if index.isValid() else self.currentIndex().row())
        if self.item_menu is not None and item is not None:
            self.item_menu(menu, item)
            menu.addSeparator()
        for action in (self.favourite_action, self.reject_action, self.copy_action, self.export_action):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.delete_action)
        menu.popup(event.globalPos())
        menu.aboutToHide.connect(menu.deleteLater)
        self.menu = menu

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._empty_text and self.model().rowCount() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            area = self.viewport().rect().adjusted(24, 24, -24, -24)
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._empty_text)
            painter.end()

    def drag_data(self) -> tuple[QMimeData, QImage | None] | None:
        """What dragging the selection out carries: the kept files (other apps and folders copy them), and the
        first one's thumbnail under the cursor; ``None`` when none of the selected rows has been read."""
        items = [item for index in self.selectionModel().selectedIndexes()[:MAX_DRAGGED]
                 if (item := self.grid_model.item(index.row())) is not None]
        if not items:
            return None
        mime = output_mime(items[0].path, None)
        assert mime is not None
        mime.setUrls([QUrl.fromLocalFile(str(item.path)) for item in items])
        thumbnail = self.loader.pixmap(items[0], edge_for(self.devicePixelRatioF()))
        return mime, thumbnail.toImage() if thumbnail is not None else None

    def startDrag(self, supportedActions: Qt.DropAction) -> None:
        found = self.drag_data()
        if found is not None:
            drag_out(self, *found)

    def keyboardSearch(self, search: str) -> None:
        """Typing does not jump between cells (the letters are the gallery's keys)."""

    # --- layout ----------------------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_timer.start()

    def _fit_cells(self) -> None:
        """Spreads the columns over the whole width (the thumbnails keep their size)."""
        width = self.viewport().width()
        columns = max(1, width // CELL.width())
        cell = QSize(max(CELL.width(), width // columns), CELL.height())
        if cell != self.gridSize():
            self.grid_delegate.cell = cell
            self.setGridSize(cell)

    def _on_scrolled(self) -> None:
        """Scrolling: no thumbnail is made for cells flown past; once it settles, those on screen are asked for."""
        self.loader.hold()
        self._settle_timer.start()

    def _on_scroll_settled(self) -> None:
        self.loader.resume()
        self.viewport().update()

    def _on_loader_updated(self) -> None:
        """Repaints only the cells whose thumbnails just arrived."""
        ready = self.loader.take_ready()
        first, last = self.visible_rows()
        for row in range(first, last + 1):
            item = self.grid_model.item(row)
            if item is not None and item.sha256 in ready:
                self.viewport().update(self.visualRect(self.grid_model.index(row)))

    def _on_model_reset(self) -> None:
        self.current_changed.emit(-1)

