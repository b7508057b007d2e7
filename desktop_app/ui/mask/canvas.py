"""The view the mask is painted in: the picture with the mask over it, a round brush and eraser, zoom and pan."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Literal

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPen,
    QPixmap,
    QTransform,
    QUndoCommand,
    QUndoStack,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QWidget,
)

from .mask_image import PAINT_COLOUR, blank_overlay, inverted, mask_to_overlay, overlay_to_mask

Tool = Literal["brush", "eraser"]
MIN_BRUSH, MAX_BRUSH = 1, 512
MIN_ZOOM, MAX_ZOOM, ZOOM_STEP = 0.05, 32.0, 1.25
OVERLAY_OPACITY = 0.55
UNDO_LIMIT = 64


class MaskCanvas(QGraphicsView):
    """Paints the mask over ``picture``: the left button paints with the brush (or erases with the eraser), the
    wheel zooms around the cursor, the middle button or Space with the left button pans. Every stroke, invert
    and clear is one step of :attr:`undo_stack`.

    Signals:
        mask_changed() — the mask was painted, erased, inverted, cleared, undone or redone
        zoom_changed(float) — the scale changed
    """

    mask_changed = Signal()
    zoom_changed = Signal(float)

    def __init__(self, picture: QImage, mask: QImage | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._picture = picture
        self._overlay = mask_to_overlay(mask, picture.size()) if mask is not None else blank_overlay(picture.size())
        self.undo_stack = QUndoStack(self)
        self._tool: Tool = "brush"
        self._brush = max(MIN_BRUSH, min(MAX_BRUSH, round(min(picture.width(), picture.height()) / 12)))
        self._stroke: _Stroke | None = None
        self._panning: QPoint | None = None
        self._space = False
        self._scene = QGraphicsScene(self)
        self._mask_item = _OverlayItem(self._overlay)
        self._cursor = QGraphicsEllipseItem()
        self._setup_ui()

    # --- what is painted ----------------------------------------------------------------------------

    def mask_image(self) -> QImage:
        """The mask as a model takes it: the picture's size, white where painted, black elsewhere."""
        return overlay_to_mask(self._overlay)

    def picture(self) -> QImage:
        return self._picture

    def paint_stroke(self, points: Sequence[QPointF], *, tool: Tool | None = None, size: int | None = None) -> None:
        """Paints (or erases) one stroke through ``points`` (picture pixels), as one undo step."""
        if not points:
            return
        stroke = _Stroke(self._overlay.copy(), tool or self._tool, size or self._brush)
        self._dab(stroke, points[0], points[0])
        for before, after in itertools.pairwise(points):
            self._dab(stroke, before, after)
        self._finish(stroke)

    def invert(self) -> None:
        """Paints what was not painted and clears what was (one undo step)."""
        self._replace(inverted(self._overlay), self.tr("Invert"))

    def clear(self) -> None:
        """Clears the whole mask (one undo step)."""
        self._replace(blank_overlay(self._overlay.size()), self.tr("Clear"))

    # --- tools --------------------------------------------------------------------------------------

    def tool(self) -> Tool:
        return self._tool

    def set_tool(self, tool: Tool) -> None:
        self._tool = tool
        self._update_cursor(None)

    def brush_size(self) -> int:
        """The brush's diameter in picture pixels."""
        return self._brush

    def set_brush_size(self, size: int) -> None:
        self._brush = max(MIN_BRUSH, min(MAX_BRUSH, int(size)))
        self._update_cursor(None)

    # --- zoom ---------------------------------------------------------------------------------------

    def zoom_factor(self) -> float:
        return float(self.transform().m11())

    def fit(self) -> None:
        """Shows the whole picture."""
        rect = self._scene.sceneRect()
        width = max(1, self.viewport().width() - 16)
        height = max(1, self.viewport().height() - 16)
        scale = max(MIN_ZOOM, min(MAX_ZOOM, width / rect.width(), height / rect.height()))
        self.setTransform(QTransform.fromScale(scale, scale))
        self.centerOn(rect.center())
        self.zoom_changed.emit(scale)

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Multiplies the scale by ``factor``, keeping the picture point under ``anchor`` where it is."""
        target = min(MAX_ZOOM, max(MIN_ZOOM, self.zoom_factor() * factor))
        point = anchor.toPoint() if anchor is not None else self.viewport().rect().center()
        scene_point = self.mapToScene(point)
        self.setTransform(QTransform.fromScale(target, target))
        moved = self.mapFromScene(scene_point) - point
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + moved.x())
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + moved.y())
        self.zoom_changed.emit(target)

    # --- events -------------------------------------------------------------------------------------

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta().y() or event.angleDelta().x()
        if delta:
            self.zoom_by(ZOOM_STEP ** (delta / 120.0), event.position())
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        button = event.button()
        if button == Qt.MouseButton.MiddleButton or (button == Qt.MouseButton.LeftButton and self._space):
            self._panning = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
        elif button == Qt.MouseButton.LeftButton:
            point = self.mapToScene(event.position().toPoint())
            self._stroke = _Stroke(self._overlay.copy(), self._tool, self._brush, point)
            self._dab(self._stroke, point, point)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        position = event.position().toPoint()
        if self._panning is not None:
            moved = position - self._panning
            self._panning = position
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - moved.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - moved.y())
        elif self._stroke is not None and self._stroke.last is not None:
            point = self.mapToScene(position)
            self._dab(self._stroke, self._stroke.last, point)
        self._update_cursor(self.mapToScene(position))
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._panning is not None and event.button() in (Qt.MouseButton.MiddleButton, Qt.MouseButton.LeftButton):
            self._panning = None
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor if self._space else Qt.CursorShape.CrossCursor)
        elif self._stroke is not None and event.button() == Qt.MouseButton.LeftButton:
            stroke, self._stroke = self._stroke, None
            self._finish(stroke)
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().setCursor(Qt.CursorShape.CrossCursor)
            event.accept()
            return
        super().keyReleaseEvent(event)

    def leaveEvent(self, event: object) -> None:
        self._cursor.hide()

    # --- private ------------------------------------------------------------------------------------

    def _setup_ui(self) -> None:
        self.setObjectName("maskCanvas")
        self.setScene(self._scene)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        # No scroll bars: the wheel zooms and dragging pans (moving the hidden bars, which still scroll the view).
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.viewport().setCursor(Qt.CursorShape.CrossCursor)
        self.setBackgroundBrush(QBrush(QColor(64, 64, 64)))
        self.undo_stack.setUndoLimit(UNDO_LIMIT)
        self._scene.addItem(QGraphicsPixmapItem(QPixmap.fromImage(self._picture)))
        self._mask_item.setOpacity(OVERLAY_OPACITY)
        self._scene.addItem(self._mask_item)
        self._cursor.setPen(QPen(QColor(255, 255, 255), 0))
        self._cursor.setZValue(2)
        self._cursor.hide()
        self._scene.addItem(self._cursor)
        self._scene.setSceneRect(QRectF(self._picture.rect()))

    def _dab(self, stroke: _Stroke, start: QPointF, end: QPointF) -> None:
        """Paints (or erases) a round-ended line from ``start`` to ``end`` into the overlay."""
        painter = QPainter(self._overlay)
        if stroke.tool == "eraser":
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
        pen = QPen(PAINT_COLOUR, stroke.size, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                   Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        if start == end:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(PAINT_COLOUR)
            painter.drawEllipse(start, stroke.size / 2, stroke.size / 2)
        else:
            painter.drawLine(start, end)
        painter.end()
        reach = stroke.size / 2 + 2
        touched = QRectF(start, end).normalized().adjusted(-reach, -reach, reach, reach).toAlignedRect()
        stroke.dirty = stroke.dirty.united(touched)
        stroke.last = end
        self._mask_item.update(QRectF(touched))

    def _finish(self, stroke: _Stroke) -> None:
        area = stroke.dirty.intersected(self._overlay.rect())
        if area.isEmpty():
            return
        text = self.tr("Erase") if stroke.tool == "eraser" else self.tr("Paint")
        self.undo_stack.push(_Change(self, area, stroke.before.copy(area), self._overlay.copy(area), text))

    def _replace(self, overlay: QImage, text: str) -> None:
        area = self._overlay.rect()
        self.undo_stack.push(_Change(self, area, self._overlay.copy(), overlay, text))

    def _put(self, area: QRect, pixels: QImage) -> None:
        """Writes ``pixels`` over ``area`` of the overlay (what undo and redo do)."""
        painter = QPainter(self._overlay)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
        painter.drawImage(area.topLeft(), pixels)
        painter.end()
        self._mask_item.update(QRectF(area))
        self.mask_changed.emit()

    def _update_cursor(self, point: QPointF | None) -> None:
        if point is None:
            point = self._cursor.rect().center()
        radius = self._brush / 2
        self._cursor.setRect(QRectF(point.x() - radius, point.y() - radius, self._brush, self._brush))
        self._cursor.setVisible(self.underMouse() and not self._space)


class _Stroke:
    """A stroke being painted: the overlay before it, its tool and size, and what it has touched so far."""

    def __init__(self, before: QImage, tool: Tool, size: int, last: QPointF | None = None) -> None:
        self.before = before
        self.tool = tool
        self.size = size
        self.last = last
        self.dirty = QRect()


class _Change(QUndoCommand):
    """One undo step: the pixels of ``area`` before and after a stroke, an invert or a clear."""

    def __init__(self, canvas: MaskCanvas, area: QRect, before: QImage, after: QImage, text: str) -> None:
        super().__init__(text)
        self._canvas = canvas
        self._area = QRect(area)
        self._before = before
        self._after = after

    def redo(self) -> None:
        self._canvas._put(self._area, self._after)

    def undo(self) -> None:
        self._canvas._put(self._area, self._before)


class _OverlayItem(QGraphicsItem):
    """Draws the overlay image (tinted, see-through) over the picture."""

    def __init__(self, overlay: QImage) -> None:
        super().__init__()
        self._overlay = overlay
        self.setZValue(1)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)

    def boundingRect(self) -> QRectF:
        return QRectF(self._overlay.rect())

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        exposed = option.exposedRect.toAlignedRect().intersected(self._overlay.rect())
        if not exposed.isEmpty():
            painter.drawImage(exposed.topLeft(), self._overlay, exposed)
