"""Paints one gallery cell: the thumbnail (a placeholder until it is decoded), a video's poster frame with a play
mark (or a card, where none can be made), a card for audio and other files, the favourite and reject marks, and the
model's name under it."""

from __future__ import annotations

import functools
import math
from datetime import date, datetime, time

from PySide6.QtCore import QCoreApplication, QModelIndex, QPersistentModelIndex, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from ...storage.gallery import GalleryItem
from .grid_model import ITEM_ROLE, format_when
from .rendering import Peaks
from .thumbnails import ThumbnailLoader

THUMB = 160  # the thumbnail's square, in device-independent pixels
PAD = 8
CAPTION = 22
CELL = QSize(THUMB + 2 * PAD, THUMB + 2 * PAD + CAPTION)

_Index = QModelIndex | QPersistentModelIndex
_SUBTYPES = {"audio/mpeg": "mp3", "audio/wave": "wav", "audio/vnd.wave": "wav", "video/quicktime": "mov",
             "application/octet-stream": ""}


def edge_for(ratio: float) -> int:
    """The thumbnail edge in device pixels at a screen's scale."""
    return max(16, round(THUMB * ratio))


def kind_label(item: GalleryItem) -> str:
    """``VIDEO · MP4``: the kind and the file's type, for a card."""
    kinds = {
        "video": QCoreApplication.translate("GalleryCell", "Video"),
        "audio": QCoreApplication.translate("GalleryCell", "Audio"),
        "image": QCoreApplication.translate("GalleryCell", "Image"),
        "other": QCoreApplication.translate("GalleryCell", "File"),
    }
    suffix = item.path.suffix.lstrip(".").lower()
    if suffix in ("", "bin"):
        suffix = _SUBTYPES.get(item.content_type.lower(), item.content_type.split("/")[-1].removeprefix("x-"))
    suffix = suffix.upper()[:6]
    return f"{kinds.get(item.kind, item.kind)} · {suffix}" if suffix else kinds.get(item.kind, item.kind)


class GalleryDelegate(QStyledItemDelegate):
    """Draws cells of a fixed size from the model's items and the loader's thumbnails (never decoding here)."""

    def __init__(self, loader: ThumbnailLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loader = loader
        self.cell = QSize(CELL)
        self._small = QFont()
        self._symbol = QFont()
        self._base_font: QFont | None = None

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        return QSize(self.cell)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        palette: QPalette = option.palette
        rect: QRect = option.rect
        state = option.state
        self._fonts(option.font)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        frame = QRectF(rect).adjusted(3, 3, -3, -3)
        left = rect.left() + (rect.width() - THUMB) / 2
        thumb = QRectF(left, rect.top() + PAD, THUMB, THUMB)
        if state & QStyle.StateFlag.State_Selected:
            highlight = palette.color(QPalette.ColorRole.Highlight)
            fill = QColor(highlight)
            fill.setAlpha(48)
            painter.setPen(QPen(highlight, 2))
            painter.setBrush(fill)
            painter.drawRoundedRect(frame, 8, 8)
        elif state & QStyle.StateFlag.State_MouseOver:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(palette.color(QPalette.ColorRole.Midlight))
            painter.drawRoundedRect(frame, 8, 8)
        item = index.data(ITEM_ROLE)
        self._placeholder(painter, thumb, palette)
        if isinstance(item, GalleryItem):
            ratio = painter.device().devicePixelRatioF() if painter.device() is not None else 1.0
            self._content(painter, thumb, item, palette, ratio)
            self._marks(painter, thumb, item, palette)
            self._caption(painter, rect, item, palette)
        if state & QStyle.StateFlag.State_HasFocus and state & QStyle.StateFlag.State_Selected:
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 1, Qt.PenStyle.DotLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(frame.adjusted(2, 2, -2, -2), 6, 6)
        painter.restore()

    # --- pieces ---------------------------------------------------------------------------------------

    def _placeholder(self, painter: QPainter, thumb: QRectF, palette: QPalette) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(palette.color(QPalette.ColorRole.AlternateBase))
        painter.drawRoundedRect(thumb, 6, 6)

    def _content(self, painter: QPainter, thumb: QRectF, item: GalleryItem, palette: QPalette, ratio: float) -> None:
        if item.kind == "image":
            pixmap = self.loader.pixmap(item, edge_for(ratio))
            if pixmap is not None:
                self._picture(painter, thumb, pixmap, ratio)
            elif self.loader.failure(item, edge_for(ratio)) is not None:
                self._card(painter, thumb, palette, "!", QCoreApplication.translate("GalleryCell", "Cannot show"))
        elif item.kind == "video":
            poster = self.loader.pixmap(item, edge_for(ratio))
            if poster is not None:
                self._picture(painter, thumb, poster, ratio)
            self._video(painter, thumb, item, poster is None)
        elif item.kind == "audio":
            self._audio(painter, thumb, item, palette)
        else:
            self._card(painter, thumb, palette, "…", kind_label(item))

    def _picture(self, painter: QPainter, thumb: QRectF, pixmap: QPixmap, ratio: float) -> None:
        width, height = pixmap.width() / ratio, pixmap.height() / ratio
        scale = min(1.0, thumb.width() / max(width, 1), thumb.height() / max(height, 1))
        width, height = width * scale, height * scale
        target = QRectF(thumb.center().x() - width / 2, thumb.center().y() - height / 2, width, height)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, scale < 1.0)
        painter.drawPixmap(target, pixmap, QRectF(pixmap.rect()))  # its corners come rounded

    def _video(self, painter: QPainter, thumb: QRectF, item: GalleryItem, card: bool) -> None:
        """The video's card, or the play mark over its poster frame (drawn before)."""
        if card:
            painter.setBrush(QColor("#1f242b"))
            painter.drawRoundedRect(thumb, 6, 6)
        centre = thumb.center()
        painter.setBrush(QColor(255, 255, 255, 60) if card else QColor(0, 0, 0, 110))
        painter.drawEllipse(centre, 26, 26)
        painter.setBrush(QColor("#ffffff"))
        painter.drawPolygon(QPolygonF([centre + QPointF(-9, -13), centre + QPointF(-9, 13), centre + QPointF(14, 0)]))
        if card:
            self._label(painter, thumb, kind_label(item), QColor("#d7dde4"))

    def _audio(self, painter: QPainter, thumb: QRectF, item: GalleryItem, palette: QPalette) -> None:
        shape: Peaks | None = self.loader.peaks(item)
        values = shape.values if shape is not None else tuple(0.12 for _ in range(48))
        colour = palette.color(QPalette.ColorRole.Highlight)
        if shape is not None and not shape.measured:
            colour.setAlpha(150)  # a pattern standing in for the real shape: drawn fainter
        painter.setBrush(colour)
        left, middle, width = thumb.left() + 12, thumb.center().y() - 6, thumb.width() - 24
        step = width / len(values)
        for number, value in enumerate(values):
            height = max(2.0, value * (thumb.height() * 0.55))
            painter.drawRoundedRect(QRectF(left + number * step, middle - height / 2, max(1.5, step * 0.6), height),
                                    1, 1)
        self._label(painter, thumb, kind_label(item), palette.color(QPalette.ColorRole.Text))

    def _card(self, painter: QPainter, thumb: QRectF, palette: QPalette, symbol: str, text: str) -> None:
        painter.setFont(self._symbol)
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        painter.drawText(thumb.adjusted(0, -14, 0, -14), Qt.AlignmentFlag.AlignCenter, symbol)
        painter.setPen(Qt.PenStyle.NoPen)
        self._label(painter, thumb, text, palette.color(QPalette.ColorRole.Text))

    def _label(self, painter: QPainter, thumb: QRectF, text: str, colour: QColor) -> None:
        painter.setFont(self._small)
        painter.setPen(colour)
        area = QRectF(thumb.left() + 6, thumb.bottom() - 24, thumb.width() - 12, 20)
        elided = painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, int(area.width()))
        painter.drawText(area, Qt.AlignmentFlag.AlignCenter, elided)
        painter.setPen(Qt.PenStyle.NoPen)

    def _marks(self, painter: QPainter, thumb: QRectF, item: GalleryItem, palette: QPalette) -> None:
        if item.rejected:
            veil = QColor(palette.color(QPalette.ColorRole.Base))
            veil.setAlpha(150)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(veil)
            painter.drawRoundedRect(thumb, 6, 6)
            badge = QRectF(thumb.left() + 6, thumb.top() + 6, 20, 20)
            painter.setBrush(QColor("#cf222e"))
            painter.drawEllipse(badge)
            painter.setPen(QPen(QColor("#ffffff"), 2))
            painter.drawLine(badge.topLeft() + QPointF(6, 6), badge.bottomRight() - QPointF(6, 6))
            painter.drawLine(badge.topRight() + QPointF(-6, 6), badge.bottomLeft() + QPointF(6, -6))
        if item.favourite:
            painter.setPen(QPen(QColor("#5c4400"), 1))
            painter.setBrush(QColor("#f5c518"))
            painter.drawPolygon(_star(QPointF(thumb.right() - 16, thumb.top() + 16), 10))
        painter.setPen(Qt.PenStyle.NoPen)

    def _caption(self, painter: QPainter, rect: QRect, item: GalleryItem, palette: QPalette) -> None:
        painter.setFont(self._small)
        left = rect.left() + (rect.width() - THUMB) / 2
        area = QRectF(left, rect.top() + PAD + THUMB + 3, THUMB, CAPTION - 4)
        metrics = painter.fontMetrics()
        when = _day(item.created_at.astimezone().date())
        room = int(area.width()) - metrics.horizontalAdvance(when) - 6
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        painter.drawText(area, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, when)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        name = metrics.elidedText(item.model.split("/")[-1], Qt.TextElideMode.ElideRight, max(room, 0))
        painter.drawText(area, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)

    def _fonts(self, base: QFont) -> None:
        """The caption's and the cards' fonts, from the view's."""
        if self._base_font is not None and self._base_font == base:
            return
        self._base_font = QFont(base)
        self._small = QFont(base)
        self._symbol = QFont(base)
        if base.pointSizeF() > 0:
            self._small.setPointSizeF(max(7.0, base.pointSizeF() * 0.9))
            self._symbol.setPointSizeF(base.pointSizeF() * 2.2)
        else:
            self._small.setPixelSize(max(9, round(base.pixelSize() * 0.9)))
            self._symbol.setPixelSize(round(base.pixelSize() * 2.2))


@functools.lru_cache(maxsize=512)
def _day(day: date) -> str:
    """A cell's date, formatted once per day shown."""
    return format_when(datetime.combine(day, time()).astimezone(), time_too=False)


def _star(centre: QPointF, radius: float) -> QPolygonF:
    points = []
    for n in range(10):
        reach = radius if n % 2 == 0 else radius * 0.45
        angle = -math.pi / 2 + n * math.pi / 5
        points.append(centre + QPointF(reach * math.cos(angle), reach * math.sin(angle)))
    return QPolygonF(points)
