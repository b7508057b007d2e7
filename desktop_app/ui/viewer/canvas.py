"""The zoomable, pannable view that shows one image: fit-to-window or free zoom, smooth at every scale."""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPalette,
    QPixmap,
    QResizeEvent,
    QShowEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QWidget,
)

from ..common.drag import far_enough

__all__ = ["MAX_ZOOM", "MIN_ZOOM", "ZOOM_STEP", "ImageCanvas"]

MIN_ZOOM = 0.02
MAX_ZOOM = 32.0
ZOOM_STEP = 1.25
_FIT_MARGIN = 8
_WHEEL_NOTCH = 120.0


class ImageCanvas(QGraphicsView):
    """Shows one QImage; starts in fit-to-window mode (never enlarging past 100 %), zooms and pans.

    Plain or Ctrl+wheel zooms around the cursor; dragging pans once the image is larger than the view, and
    drags the image out (to other apps and folders) while it is fitted or with Alt held.

    Signals:
        zoom_changed(float): the scale factor or the fit mode changed.
        drag_out_requested(): the user started dragging the image out of the view.
    """

    zoom_changed = Signal(float)
    drag_out_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._scene = QGraphicsScene(self)
        self._item: _MipmappedImageItem | None = None
        self._backdrop: QGraphicsRectItem | None = None
        self._fit_mode = True
        self._press: QPoint | None = None
        self._setup_ui()

    def set_image(self, image: QImage | None) -> None:
        """Shows ``image`` (None clears) and returns to fit-to-window mode."""
        self._scene.clear()
        self._item = None
        self._backdrop = None
        if image is not None and not image.isNull():
            rect = QRectF(0, 0, image.width(), image.height())
            if image.hasAlphaChannel():
                self._backdrop = self._scene.addRect(rect, Qt.PenStyle.NoPen, QBrush(_checkerboard(self.palette())))
            self._item = _MipmappedImageItem(image)
            self._scene.addItem(self._item)
            self._scene.setSceneRect(rect)
        else:
            self._scene.setSceneRect(QRectF())
        self.fit_to_window()

    def has_image(self) -> bool:
        """Whether an image is shown."""
        return self._item is not None

    def zoom_factor(self) -> float:
        """Current scale: 1.0 shows one image pixel per device-independent pixel."""
        return float(self.transform().m11())

    def is_fit_mode(self) -> bool:
        """Whether the scale follows the view size (the default after every new image)."""
        return self._fit_mode

    def fit_to_window(self) -> None:
        """Scales the whole image into the view, never above 100 %, and keeps doing so on resize."""
        self._fit_mode = True
        self._apply_scale(self._fit_scale())

    def set_actual_size(self) -> None:
        """Shows the image at 100 %."""
        self._fit_mode = False
        self._apply_scale(1.0)

    def zoom_in(self) -> None:
        """Enlarges by one step around the view centre."""
        self.zoom_by(ZOOM_STEP)

    def zoom_out(self) -> None:
        """Shrinks by one step around the view centre."""
        self.zoom_by(1.0 / ZOOM_STEP)

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Multiplies the scale by ``factor`` (clamped), keeping the scene point under ``anchor`` in place."""
        self._fit_mode = False
        target = min(MAX_ZOOM, max(MIN_ZOOM, self.zoom_factor() * factor))
        if anchor is None:
            self._apply_scale(target)
            return
        scene_point = self.mapToScene(anchor.toPoint())
        self._apply_scale(target)
        moved = self.mapFromScene(scene_point)
        delta = moved - anchor.toPoint()
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + delta.x())
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + delta.y())

    def wheelEvent(self, event: QWheelEvent) -> None:
        """Zooms around the cursor; Shift+wheel scrolls instead."""
        if self._item is None or event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            super().wheelEvent(event)
            return
        delta = event.angleDelta().y() or event.angleDelta().x()
        if delta:
            self.zoom_by(ZOOM_STEP ** (delta / _WHEEL_NOTCH), event.position())
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """Remembers where a drag out could start."""
        self._press = event.position().toPoint() if event.button() == Qt.MouseButton.LeftButton else None
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        """Drags the image out when it is fitted (nothing to pan) or Alt is held; pans otherwise."""
        free = self._fit_mode or bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
        held = bool(event.buttons() & Qt.MouseButton.LeftButton)
        if self._press is not None and self._item is not None and held and free \
                and far_enough(self._press, event.position().toPoint()):
            self._press = None
            self.drag_out_requested.emit()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._press = None
        super().mouseReleaseEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Keeps a fitted image fitted."""
        super().resizeEvent(event)
        if self._fit_mode:
            self._apply_scale(self._fit_scale())

    def showEvent(self, event: QShowEvent) -> None:
        """Fits again once the real size is known."""
        super().showEvent(event)
        if self._fit_mode:
            self._apply_scale(self._fit_scale())

    def changeEvent(self, event: QEvent) -> None:
        """Redraws the transparency backdrop in the new palette."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self._backdrop is not None:
            self._backdrop.setBrush(QBrush(_checkerboard(self.palette())))

    def _setup_ui(self) -> None:
        self.setObjectName("imageCanvas")
        self.setScene(self._scene)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setBackgroundRole(QPalette.ColorRole.Window)
        self.setRenderHints(QPainter.RenderHint.SmoothPixmapTransform | QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(120, 90)

    def _fit_scale(self) -> float:
        if self._item is None:
            return 1.0
        size = self._item.boundingRect().size()
        width = max(1, self.viewport().width() - 2 * _FIT_MARGIN)
        height = max(1, self.viewport().height() - 2 * _FIT_MARGIN)
        return max(MIN_ZOOM, min(1.0, width / size.width(), height / size.height()))

    def _apply_scale(self, scale: float) -> None:
        self.setTransform(QTransform.fromScale(scale, scale))
        if self._fit_mode and self._item is not None:
            self.centerOn(self._item.boundingRect().center())
        self.zoom_changed.emit(scale)


class _MipmappedImageItem(QGraphicsItem):
    """Draws an image from a pre-shrunk copy near the on-screen size, so zoomed-out views do not alias."""

    def __init__(self, image: QImage) -> None:
        super().__init__()
        self._levels: list[QImage] = [image]
        self._pixmaps: dict[int, QPixmap] = {}
        self._rect = QRectF(0, 0, image.width(), image.height())

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        scale = QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())
        level = 0 if scale >= 0.75 else min(8, math.floor(math.log2(1.0 / scale) + 0.5))
        pixmap = self._pixmap(level)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.drawPixmap(self._rect, pixmap, QRectF(pixmap.rect()))

    def _pixmap(self, level: int) -> QPixmap:
        while len(self._levels) <= level:
            previous = self._levels[-1]
            if previous.width() <= 1 or previous.height() <= 1:
                break
            self._levels.append(previous.scaled(
                max(1, previous.width() // 2),
                max(1, previous.height() // 2),
                Qt.AspectRatioMode.IgnoreAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            ))
        level = min(level, len(self._levels) - 1)
        if level not in self._pixmaps:
            self._pixmaps[level] = QPixmap.fromImage(self._levels[level])
        return self._pixmaps[level]


def _checkerboard(palette: QPalette) -> QPixmap:
    """A 16 px two-tone tile in the palette's own tones, shown behind transparent images."""
    base = palette.color(QPalette.ColorRole.Base)
    other = QColor(base).darker(112) if base.lightness() > 128 else QColor(base).lighter(140)
    tile = QPixmap(16, 16)
    tile.fill(base)
    painter = QPainter(tile)
    painter.fillRect(0, 0, 8, 8, other)
    painter.fillRect(8, 8, 8, 8, other)
    painter.end()
    return tile
