"""The history list's model and delegate: conversations paged lazily from a source, with cached thumbnails."""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QDate,
    QDateTime,
    QLocale,
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

from desktop_app.storage.history_records import HistoryEntry, HistoryError

__all__ = [
    "ENTRY_ROLE",
    "ID_ROLE",
    "PAGE_SIZE",
    "THUMBNAIL_SIZE",
    "HistoryDelegate",
    "HistoryListModel",
    "HistorySource",
    "ThumbnailCache",
    "relative_time",
    "utc_now",
]

_log = logging.getLogger(__name__)

PAGE_SIZE = 100
"""Rows asked of the source at a time."""

THUMBNAIL_SIZE = 48
"""Edge, in device-independent pixels, of a row's square thumbnail."""

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
"""The row's :class:`HistoryEntry`."""

ID_ROLE = Qt.ItemDataRole.UserRole + 2
"""The row's conversation id."""

_Index = QModelIndex | QPersistentModelIndex
_PAD, _GAP, _RADIUS = 8, 2, 6


class HistorySource(Protocol):
    """Where the list comes from (``HistoryStore`` is one); both calls are quick enough for the GUI thread."""

    def list_entries(self, query: str, offset: int, limit: int) -> list[HistoryEntry]: ...

    def count_entries(self, query: str) -> int: ...


def utc_now() -> datetime:
    """The current time, aware (the delegate's default clock)."""
    return datetime.now(UTC)


def relative_time(when: datetime, now: datetime) -> str:
    """``Just now``, ``5 min ago``, ``3 h ago`` (today), ``Yesterday``, a weekday (this week) or a short date."""
    local, today = when.astimezone(), now.astimezone()
    age = today - local
    if age < timedelta(minutes=1):
        return QCoreApplication.translate("HistorySidebar", "Just now")
    if age < timedelta(hours=1):
        return QCoreApplication.translate("HistorySidebar", "{0} min ago").format(int(age.total_seconds() // 60))
    if local.date() == today.date():
        return QCoreApplication.translate("HistorySidebar", "{0} h ago").format(int(age.total_seconds() // 3600))
    days = (today.date() - local.date()).days
    if days == 1:
        return QCoreApplication.translate("HistorySidebar", "Yesterday")
    locale = QLocale()
    if days < 7:
        return locale.dayName(local.isoweekday(), QLocale.FormatType.LongFormat)
    short = locale.dateFormat(QLocale.FormatType.ShortFormat)
    pattern = "MMM d" if short.find("M") < short.find("d") else "d MMM"  # the locale's order of day and month
    if local.year != today.year:
        pattern += " yyyy"
    return locale.toString(QDate(local.year, local.month, local.day), pattern)


class HistoryListModel(QAbstractListModel):
    """Conversations matching a query, newest activity first, fetched a page at a time as the view scrolls.

    Titles are editable: a non-empty new title is shown at once and reported; the owner stores it and reloads.

    Signals:
        rename_requested(int, str): conversation id, new (stripped, non-empty) title.
        load_failed(str): the source raised a ``HistoryError``; its one-sentence message.
    """

    rename_requested = Signal(int, str)
    load_failed = Signal(str)

    def __init__(self, source: HistorySource, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self._query = ""
        self._entries: list[HistoryEntry] = []
        self._rows: dict[int, int] = {}  # conversation id → row
        self._total = 0
        self._error: str | None = None

    def query(self) -> str:
        """The query the rows match (``""``: every conversation)."""
        return self._query

    def total(self) -> int:
        """How many conversations match, loaded or not."""
        return self._total

    def error(self) -> str | None:
        """The message of the last failed load, or ``None`` when the rows are current."""
        return self._error

    def set_query(self, query: str) -> None:
        """Shows the first page of the conversations matching ``query``."""
        self._query = query
        self.reload()

    def reload(self, min_rows: int = 0) -> None:
        """Reads the rows again: the first page, then more pages until at least ``min_rows`` rows are loaded."""
        self.beginResetModel()
        try:
            self._entries, self._rows, self._error = [], {}, None
            try:
                self._total = self._source.count_entries(self._query)
                self._append(self._source.list_entries(self._query, 0, PAGE_SIZE))
                while len(self._entries) < min(min_rows, self._total):
                    if not self._append(self._source.list_entries(self._query, len(self._entries), PAGE_SIZE)):
                        break
            except HistoryError as error:
                self._fail(error)
        finally:
            self.endResetModel()

    def entry(self, row: int) -> HistoryEntry | None:
        """The entry shown in ``row``, if that row is loaded."""
        return self._entries[row] if 0 <= row < len(self._entries) else None

    def row_of(self, conversation_id: int) -> int | None:
        """The row showing the conversation, if it is loaded."""
        return self._rows.get(conversation_id)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own default argument
        return 0 if parent.isValid() else len(self._entries)

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._error is None and len(self._entries) < self._total

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        """Loads the next page (rows that moved in between and are already shown are skipped)."""
        if not self.canFetchMore(parent):
            return
        try:
            page = self._source.list_entries(self._query, len(self._entries), PAGE_SIZE)
        except HistoryError as error:
            self._fail(error)
            return
        fresh = [entry for entry in page if entry.conversation_id not in self._rows]
        if len(page) < PAGE_SIZE:  # the end came sooner than counted: rows were deleted meanwhile
            self._total = len(self._entries) + len(fresh)
        if fresh:
            self.beginInsertRows(QModelIndex(), len(self._entries), len(self._entries) + len(fresh) - 1)
            self._append(fresh)
            self.endInsertRows()

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry = self.entry(index.row()) if index.isValid() else None
        if entry is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return entry.title
        if role == ENTRY_ROLE:
            return entry
        if role == ID_ROLE:
            return entry.conversation_id
        if role == Qt.ItemDataRole.ToolTipRole:
            stamp = QDateTime.fromSecsSinceEpoch(int(entry.updated_at.timestamp()))
            when = QLocale().toString(stamp, QLocale.FormatType.ShortFormat)
            count = entry.turn_count
            messages = self.tr("1 message") if count == 1 else self.tr("%Ln messages", "", count)
            return f"{entry.title}\n{entry.model}\n{messages} · {when}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{entry.title}. {entry.snippet}"
        return None

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Renames: an empty or unchanged title is rejected (False); otherwise shown and ``rename_requested``."""
        entry = self.entry(index.row()) if index.isValid() else None
        title = value.strip() if isinstance(value, str) else ""
        if entry is None or role != Qt.ItemDataRole.EditRole or not title or title == entry.title:
            return False
        self._entries[index.row()] = dataclasses.replace(entry, title=title)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole])
        self.rename_requested.emit(entry.conversation_id, title)
        return True

    def _append(self, entries: list[HistoryEntry]) -> int:
        for entry in entries:
            if entry.conversation_id not in self._rows:
                self._rows[entry.conversation_id] = len(self._entries)
                self._entries.append(entry)
        return len(entries)

    def _fail(self, error: HistoryError) -> None:
        _log.warning("could not read the history list: %s", error)
        self._error = str(error)
        self._total = len(self._entries)
        self.load_failed.emit(self._error)


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
