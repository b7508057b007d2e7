"""The history list's model: conversations paged lazily from a source (the rows are painted by delegate.py)."""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime, timedelta
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
    Qt,
    Signal,
)

from desktop_app.storage.history_records import HistoryEntry, HistoryError

__all__ = [
    "ENTRY_ROLE",
    "ID_ROLE",
    "PAGE_SIZE",
    "THUMBNAIL_SIZE",
    "HistoryListModel",
    "HistorySource",
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
