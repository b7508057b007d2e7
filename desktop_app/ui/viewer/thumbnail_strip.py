"""A horizontal strip of thumbnails, one per output, with loading, error and file (not an image) placeholders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QMimeData, QModelIndex, QPersistentModelIndex, QPoint, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPalette, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QListView,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from desktop_app.replicate import FileClass
from desktop_app.ui.common import drag
from desktop_app.ui.viewer.decoding import THUMBNAIL_EDGE
from desktop_app.ui.viewer.file_card import file_kind_pixmap

__all__ = ["ThumbnailStrip"]

_CELL_PADDING = 8


@dataclass(slots=True)
class _Thumb:
    """One thumbnail's state: its image once decoded, else its download fraction."""

    image: QImage | None = None
    fraction: float | None = None
    failed: bool = False
    file_kind: FileClass | None = None
    """Set for an output that is not an image: its kind's icon is drawn with ``file_label`` (e.g. "WAV") under it."""
    file_label: str = ""
    tooltip: str = ""


class ThumbnailStrip(QListWidget):
    """One cell per output; selecting a cell (click or arrow keys) reports its index.

    A thumbnail can be dragged out (what it carries comes from :meth:`set_drag_source`) and right-clicked.

    Signals:
        thumbnail_selected(int): the user picked the thumbnail at this index.
        menu_requested(int, QPoint): the user right-clicked the thumbnail at this index (global position).
    """

    thumbnail_selected = Signal(int)
    menu_requested = Signal(int, QPoint)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._thumbs: list[_Thumb] = []
        self._quiet = False
        self._drag_source: Callable[[int], tuple[QMimeData, QImage | None] | None] | None = None
        self._setup_ui()

    def set_drag_source(self, source: Callable[[int], tuple[QMimeData, QImage | None] | None]) -> None:
        """What dragging thumbnail ``index`` out carries, and the picture shown while dragging."""
        self._drag_source = source
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)

    def startDrag(self, supportedActions: Qt.DropAction) -> None:
        row = self.currentRow()
        carried = self._drag_source(row) if self._drag_source is not None and row >= 0 else None
        if carried is not None:
            drag.drag_out(self, *carried)

    def set_count(self, count: int) -> None:
        """Grows or shrinks to ``count`` cells; new cells show a loading placeholder. Never reports a selection."""
        self._quiet = True
        try:
            while len(self._thumbs) > count:
                self._thumbs.pop()
                self.takeItem(self.count() - 1)
            while len(self._thumbs) < count:
                self._thumbs.append(_Thumb())
                item = QListWidgetItem()
                item.setSizeHint(self.gridSize())
                self.addItem(item)
                self._redraw(len(self._thumbs) - 1)
        finally:
            self._quiet = False
        for index in range(count):
            self._item(index).setToolTip(self._tooltip(index))
        self._update_height()

    def set_image(self, index: int, thumbnail: QImage) -> None:
        """Shows a decoded image's thumbnail in cell ``index``."""
        self._thumbs[index] = _Thumb(image=thumbnail)
        self._redraw(index)

    def set_file(self, index: int, kind: FileClass, label: str, tooltip: str) -> None:
        """Shows the icon of a file's ``kind`` and a short ``label`` (e.g. "WAV") in cell ``index``, for a non-image."""
        self._thumbs[index] = _Thumb(file_kind=kind, file_label=label, tooltip=tooltip)
        self._redraw(index)

    def set_progress(self, index: int, fraction: float | None) -> None:
        """Shows a loading placeholder, with a bar when ``fraction`` (0–1) is known."""
        thumb = _Thumb(fraction=None if fraction is None else max(0.0, min(1.0, fraction)))
        old = self._thumbs[index]
        placeholder = old.image is None and old.file_kind is None and not old.failed
        if placeholder and _same_percent(old.fraction, thumb.fraction):
            return  # nothing visible would change; keeps chatty progress cheap
        self._thumbs[index] = thumb
        self._redraw(index)

    def set_failed(self, index: int) -> None:
        """Marks cell ``index`` as failed."""
        self._thumbs[index] = _Thumb(failed=True)
        self._redraw(index)

    def select(self, index: int) -> None:
        """Highlights cell ``index`` without reporting it as a user choice."""
        self._quiet = True
        try:
            self.setCurrentRow(index)
        finally:
            self._quiet = False

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Makes room for the scroll bar only when the thumbnails overflow."""
        super().resizeEvent(event)
        self._update_height()

    def changeEvent(self, event: QEvent) -> None:
        """Redraws placeholders in the new palette."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            for index in range(len(self._thumbs)):
                self._redraw(index)

    def _setup_ui(self) -> None:
        self.setObjectName("thumbnailStrip")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setIconSize(QSize(THUMBNAIL_EDGE, THUMBNAIL_EDGE))
        cell = THUMBNAIL_EDGE + 2 * _CELL_PADDING
        self.setGridSize(QSize(cell, cell))
        self.setSpacing(0)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setBackgroundRole(QPalette.ColorRole.Window)
        self.viewport().setBackgroundRole(QPalette.ColorRole.Window)
        self.setMouseTracking(True)
        self.setItemDelegate(_ThumbnailDelegate(self))
        self._update_height()
        self.currentRowChanged.connect(self._on_self_current_row_changed)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._on_self_custom_context_menu_requested)

    def _update_height(self) -> None:
        cell = self.gridSize().height()
        overflow = self.count() * self.gridSize().width() > self.width()
        scrollbar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent) if overflow else 0
        height = cell + scrollbar + 2 * self.frameWidth()
        if self.height() != height or self.minimumHeight() != height:
            self.setFixedHeight(height)

    def _item(self, index: int) -> QListWidgetItem:
        item = self.item(index)
        assert item is not None
        return item

    def _redraw(self, index: int) -> None:
        item = self._item(index)
        item.setIcon(QIcon(self._render(self._thumbs[index])))
        item.setToolTip(self._tooltip(index))

    def _tooltip(self, index: int) -> str:
        return self._thumbs[index].tooltip or self.tr("Image {0} of {1}").format(index + 1, len(self._thumbs))

    def _render(self, thumb: _Thumb) -> QPixmap:
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap(int(THUMBNAIL_EDGE * ratio), int(THUMBNAIL_EDGE * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.SmoothPixmapTransform)
        box = QRectF(0, 0, THUMBNAIL_EDGE, THUMBNAIL_EDGE)
        if thumb.image is not None:
            size = thumb.image.deviceIndependentSize()
            target = QRectF(0, 0, size.width(), size.height())
            target.moveCenter(box.center())
            painter.drawImage(target, thumb.image)
        else:
            palette = self.palette()
            fill = QColor(palette.color(QPalette.ColorRole.PlaceholderText))
            fill.setAlphaF(0.18)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawRoundedRect(box.adjusted(2, 2, -2, -2), 6, 6)
            if thumb.file_kind is not None:
                text = palette.color(QPalette.ColorRole.WindowText)
                glyph = file_kind_pixmap(self, thumb.file_kind, 32, text)
                painter.drawPixmap(QPoint(THUMBNAIL_EDGE // 2, 28) - _half(32), glyph)
                font = painter.font()
                font.setPointSizeF(font.pointSizeF() * 0.85)
                font.setBold(True)
                painter.setFont(font)
                painter.setPen(text)
                label = painter.fontMetrics().elidedText(thumb.file_label, Qt.TextElideMode.ElideRight,
                                                         THUMBNAIL_EDGE - 8)
                painter.drawText(QRectF(4, 46, THUMBNAIL_EDGE - 8, 18), Qt.AlignmentFlag.AlignCenter, label)
            elif thumb.failed:
                icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
                painter.drawPixmap(box.center().toPoint() - _half(24), icon.pixmap(24, 24))
            elif thumb.fraction is not None:
                track = QRectF(10, THUMBNAIL_EDGE - 16, THUMBNAIL_EDGE - 20, 5)
                painter.setBrush(fill)
                painter.drawRoundedRect(track, 2.5, 2.5)
                painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
                painter.drawRoundedRect(QRectF(track.topLeft(), track.size()).adjusted(
                    0, 0, -track.width() * (1.0 - thumb.fraction), 0), 2.5, 2.5)
        painter.end()
        return pixmap

    def _on_self_current_row_changed(self, row: int) -> None:
        if row >= 0 and not self._quiet:
            self.thumbnail_selected.emit(row)

    def _on_self_custom_context_menu_requested(self, position: QPoint) -> None:
        item = self.itemAt(position)
        if item is not None:
            row = self.row(item)
            self.setCurrentRow(row)  # the menu acts on the thumbnail under the cursor
            self.menu_requested.emit(row, self.viewport().mapToGlobal(position))


class _ThumbnailDelegate(QStyledItemDelegate):
    """Paints a cell as its icon centred on a rounded highlight (selected) or a faint one (hovered)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        state = option.state
        rect = QRectF(option.rect).adjusted(3, 3, -3, -3)
        palette = option.palette
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        if state & QStyle.StateFlag.State_Selected:
            painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
            painter.drawRoundedRect(rect, 6, 6)
        elif state & QStyle.StateFlag.State_MouseOver:
            hover = QColor(palette.color(QPalette.ColorRole.Highlight))
            hover.setAlphaF(0.25)
            painter.setBrush(hover)
            painter.drawRoundedRect(rect, 6, 6)
        icon = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(icon, QIcon):
            pixmap = icon.pixmap(QSize(THUMBNAIL_EDGE, THUMBNAIL_EDGE))
            target = QRectF(0, 0, THUMBNAIL_EDGE, THUMBNAIL_EDGE)
            target.moveCenter(rect.center())
            painter.drawPixmap(target.toRect(), pixmap)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        cell = THUMBNAIL_EDGE + 2 * _CELL_PADDING
        return QSize(cell, cell)


def _half(edge: int) -> QPoint:
    return QPoint(edge // 2, edge // 2)


def _same_percent(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return int(a * 100) == int(b * 100)
