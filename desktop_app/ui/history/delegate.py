"""How the history list paints a conversation: title, model, when, and a thumbnail read off the GUI thread."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QImageReader,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QLineEdit, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from desktop_app.storage.history_records import HistoryEntry

from .list_model import ENTRY_ROLE, THUMBNAIL_SIZE, relative_time, utc_now

__all__ = ["HistoryDelegate", "ThumbnailCache"]

_Index = QModelIndex | QPersistentModelIndex
_PAD, _GAP, _RADIUS = 8, 2, 6

_log = logging.getLogger(__name__)


class ThumbnailCache(QObject):
    """Square thumbnails of image files, decoded small (``QImageReader`` scaled) on worker threads and kept in an
    LRU of at most ``capacity`` pixmaps. :meth:`pixmap` never blocks: a miss starts a load, ``thumbnail_loaded``
    follows. Files that cannot be read are remembered and not tried again.

    Signals:
        thumbnail_loaded(str): the thumbnail of this file path is now cached.
    """

    thumbnail_loaded = Signal(str)
    _job_finished = Signal(str, float, object)

    def __init__(self, parent: QObject | None = None, *, capacity: int = 512, max_threads: int = 2) -> None:
        super().__init__(parent)
        self._capacity = capacity
        self._pixmaps: OrderedDict[tuple[str, float], QPixmap] = OrderedDict()
        self._pending: set[tuple[str, float]] = set()
        self._failed: set[str] = set()
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._alive = [True]  # read by workers under the lock; holds no reference to self
        self._lock = threading.Lock()
        self._job_finished.connect(self._on_job_finished, Qt.ConnectionType.QueuedConnection)
        alive, lock = self._alive, self._lock
        self.destroyed.connect(lambda: ThumbnailCache._mark_dead(alive, lock))

    def pixmap(self, path: Path, ratio: float = 1.0) -> QPixmap | None:
        """The cached thumbnail of ``path`` for a device pixel ``ratio``; ``None`` while it loads or if it failed."""
        key = (str(path), ratio)
        cached = self._pixmaps.get(key)
        if cached is not None:
            self._pixmaps.move_to_end(key)
            return cached
        if key not in self._pending and key[0] not in self._failed:
            self._pending.add(key)
            edge = max(1, round(THUMBNAIL_SIZE * ratio))
            self._pool.start(lambda: self._load(key, edge))
        return None

    def contains(self, path: Path) -> bool:
        """Whether some thumbnail of ``path`` is cached."""
        return any(key[0] == str(path) for key in self._pixmaps)

    def wait_for_idle(self, msecs: int = -1) -> bool:
        """Blocks until started loads finished (for shutdown and tests); False on timeout."""
        return bool(self._pool.waitForDone(msecs))

    def _load(self, key: tuple[str, float], edge: int) -> None:
        """On a worker thread: decodes straight to a centred ``edge``-pixel square, without the full-size image."""
        image: QImage | None = None
        try:
            reader = QImageReader(key[0])
            reader.setAutoTransform(True)
            size = reader.size()
            if size.isValid() and size.width() > 0 and size.height() > 0:
                scale = edge / min(size.width(), size.height())
                scaled = QSize(max(edge, round(size.width() * scale)), max(edge, round(size.height() * scale)))
                reader.setScaledSize(scaled)
                reader.setScaledClipRect(
                    QRect((scaled.width() - edge) // 2, (scaled.height() - edge) // 2, edge, edge))
            decoded = reader.read()
            image = None if decoded.isNull() else decoded
        except Exception:  # a decoder bug must not vanish in a worker thread
            _log.exception("loading the thumbnail of %s failed", key[0])
        with self._lock:
            if self._alive[0]:
                self._job_finished.emit(key[0], key[1], image)

    def _on_job_finished(self, path: str, ratio: float, image: object) -> None:
        key = (path, ratio)
        self._pending.discard(key)
        if not isinstance(image, QImage):
            self._failed.add(path)
            return
        pixmap = QPixmap.fromImage(image)
        pixmap.setDevicePixelRatio(key[1])
        self._pixmaps[key] = pixmap
        while len(self._pixmaps) > self._capacity:
            self._pixmaps.popitem(last=False)
        self.thumbnail_loaded.emit(path)

    @staticmethod
    def _mark_dead(alive: list[bool], lock: threading.Lock) -> None:
        with lock:
            alive[0] = False


def _blend(front: QColor, back: QColor, amount: float) -> QColor:
    """``amount`` of ``front`` over ``back``."""
    return QColor.fromRgbF(*(f * amount + b * (1 - amount) for f, b in (
        (front.redF(), back.redF()), (front.greenF(), back.greenF()), (front.blueF(), back.blueF()))))


def _short_model(model: str) -> str:
    """``owner/name:version`` → ``name``."""
    return model.split(":", 1)[0].rsplit("/", 1)[-1] or model


class HistoryDelegate(QStyledItemDelegate):
    """Paints a conversation as a card: bold title, a one-line snippet, the model and when, and a thumbnail on the
    right when the conversation made an image. Editing edits the title in place."""

    def __init__(
        self, thumbnails: ThumbnailCache, parent: QWidget | None = None, *, clock: Callable[[], datetime] = utc_now
    ) -> None:
        super().__init__(parent)
        self._thumbnails = thumbnails
        self._clock = clock

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        title, body, small = self._fonts(option.font)
        text = (QFontMetrics(title).height() + QFontMetrics(body).height() + QFontMetrics(small).height() + 2 * _GAP)
        return QSize(200, max(text, THUMBNAIL_SIZE) + 2 * _PAD + 2 * _GAP)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        entry = index.data(ENTRY_ROLE)
        if not isinstance(entry, HistoryEntry):
            super().paint(painter, option, index)
            return
        palette: QPalette = option.palette
        state = option.state
        selected = bool(state & QStyle.StateFlag.State_Selected)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        card = QRectF(option.rect).adjusted(2, _GAP, -2, -_GAP)
        base, text = palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text)
        if selected:
            fill = palette.color(QPalette.ColorRole.Highlight)  # the view picks the inactive group when unfocused
            text = palette.color(QPalette.ColorRole.HighlightedText)
        else:
            fill = QColor(text)
            fill.setAlpha(18 if state & QStyle.StateFlag.State_MouseOver else 0)
        if fill.alpha():
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawRoundedRect(card, _RADIUS, _RADIUS)
        if state & QStyle.StateFlag.State_HasFocus and not selected:
            pen = QPen(palette.color(QPalette.ColorRole.Highlight), 1)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(card.adjusted(0.5, 0.5, -0.5, -0.5), _RADIUS, _RADIUS)
        title_rect, snippet_rect, meta_rect, thumb_rect = self._layout(option, entry.thumbnail is not None)
        if thumb_rect is not None and entry.thumbnail is not None:
            self._paint_thumbnail(painter, thumb_rect, entry, palette, painter.device().devicePixelRatioF())
        muted = _blend(text, fill if selected else base, 0.78)
        faint = _blend(text, fill if selected else base, 0.58)
        title_font, body_font, small_font = self._fonts(option.font)
        self._draw_line(painter, title_rect, title_font, text, entry.title or self.tr("Untitled"))
        self._draw_line(painter, snippet_rect, body_font, muted, entry.snippet or self.tr("No messages"))
        when = relative_time(entry.updated_at, self._clock())
        metrics = QFontMetrics(small_font)
        when_width = metrics.horizontalAdvance(when) + 1
        model_rect = QRect(meta_rect).adjusted(0, 0, -(when_width + _PAD), 0)
        self._draw_line(painter, model_rect, small_font, faint, _short_model(entry.model))
        painter.setFont(small_font)
        painter.drawText(meta_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, when)
        painter.restore()

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: _Index) -> QWidget:
        editor = super().createEditor(parent, option, index)
        editor.setObjectName("history_rename_editor")
        if isinstance(editor, QLineEdit):
            editor.setPlaceholderText(self.tr("Conversation title"))
        return editor

    def updateEditorGeometry(self, editor: QWidget, option: QStyleOptionViewItem, index: _Index) -> None:
        entry = index.data(ENTRY_ROLE)
        title_rect = self._layout(option, isinstance(entry, HistoryEntry) and entry.thumbnail is not None)[0]
        height = max(editor.sizeHint().height(), title_rect.height() + 6)
        editor.setGeometry(QRect(title_rect.left() - 3, title_rect.center().y() - height // 2,
                                 title_rect.width() + 6, height))

    def cached_thumbnail(self, entry: HistoryEntry) -> bool:
        """Whether the thumbnail of ``entry`` is decoded and cached (it is loaded the first time it is painted)."""
        return entry.thumbnail is not None and self._thumbnails.contains(entry.thumbnail)

    def _layout(self, option: QStyleOptionViewItem, has_thumbnail: bool) -> tuple[QRect, QRect, QRect, QRect | None]:
        """Rectangles of the title, the snippet, the meta line and the thumbnail inside the row."""
        title_font, body_font, small_font = self._fonts(option.font)
        content = option.rect.adjusted(2 + _PAD, _GAP + _PAD, -(2 + _PAD), -(_GAP + _PAD))
        thumb = None
        if has_thumbnail:
            thumb = QRect(content.right() - THUMBNAIL_SIZE + 1, content.center().y() - THUMBNAIL_SIZE // 2 + 1,
                          THUMBNAIL_SIZE, THUMBNAIL_SIZE)
            content.setRight(thumb.left() - _PAD - 2)
        heights = [QFontMetrics(font).height() for font in (title_font, body_font, small_font)]
        top = content.top() + max(0, (content.height() - sum(heights) - 2 * _GAP) // 2)
        rects = []
        for height in heights:
            rects.append(QRect(content.left(), top, content.width(), height))
            top += height + _GAP
        return rects[0], rects[1], rects[2], thumb

    def _paint_thumbnail(
        self, painter: QPainter, rect: QRect, entry: HistoryEntry, palette: QPalette, ratio: float
    ) -> None:
        assert entry.thumbnail is not None
        path = QPainterPath()
        path.addRoundedRect(QRectF(rect), _RADIUS - 1, _RADIUS - 1)
        pixmap = self._thumbnails.pixmap(entry.thumbnail, ratio)
        painter.save()
        painter.setClipPath(path)
        if pixmap is None:
            painter.fillRect(rect, palette.color(QPalette.ColorRole.AlternateBase))
        else:
            painter.drawPixmap(rect, pixmap)
        painter.restore()
        border = QColor(palette.color(QPalette.ColorRole.Text))
        border.setAlpha(40)
        painter.setPen(QPen(border, 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)

    @staticmethod
    def _draw_line(painter: QPainter, rect: QRect, font: QFont, color: QColor, text: str) -> None:
        painter.setFont(font)
        painter.setPen(color)
        line = " ".join(text.split())
        elided = QFontMetrics(font).elidedText(line, Qt.TextElideMode.ElideRight, max(0, rect.width()))
        painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elided)

    @staticmethod
    def _fonts(font: QFont) -> tuple[QFont, QFont, QFont]:
        title = QFont(font)
        title.setWeight(QFont.Weight.DemiBold)
        small = QFont(font)
        if font.pointSizeF() > 0:
            small.setPointSizeF(font.pointSizeF() * 0.88)
        else:
            small.setPixelSize(max(8, round(font.pixelSize() * 0.88)))
        return title, QFont(font), small
