"""The gallery grid's model: one listing's rows by position, read from the session a block at a time, only for
the rows the view actually asks about."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

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
    QTime,
    QTimer,
    Signal,
)

from ...session import Gallery, GalleryListing
from ...storage.gallery import GalleryFilter, GalleryItem
from ..common.tasks import Tasks

log = logging.getLogger(__name__)

ITEM_ROLE = Qt.ItemDataRole.UserRole + 1
"""The row's :class:`GalleryItem` (``None`` while its block is being read)."""

_Index = QModelIndex | QPersistentModelIndex


class GalleryGridModel(QAbstractListModel):
    """``listing.total`` rows; a row's item comes from the listing's cache, and a row not read yet asks for its
    block (collected over one turn of the loop, so a screenful costs one read).

    Signals:
        rows_loaded(int first, int last) — rows just read (their cells repaint)
        load_failed(str) — a block could not be read: one sentence
    """

    rows_loaded = Signal(int, int)
    load_failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._listing: GalleryListing | None = None
        self._wanted: set[int] = set()
        self._loading: set[int] = set()
        self._tasks = Tasks()
        self._rows: dict[int, int] = {}  # output id → row, for the rows read so far
        self._fetch_timer = QTimer(self)
        self._fetch_timer.setSingleShot(True)
        self._fetch_timer.setInterval(0)
        self._fetch_timer.timeout.connect(self._fetch)

    # --- the listing ---------------------------------------------------------------------------------

    def listing(self) -> GalleryListing | None:
        return self._listing

    def set_listing(self, listing: GalleryListing | None) -> None:
        """Shows another listing (a new filter, or the same one read again)."""
        self.beginResetModel()
        self._listing = listing
        self._wanted.clear()
        self._loading.clear()
        self._rows = {}
        if listing is not None:
            self._index(0, listing.cached(0, listing.stride))
        self.endResetModel()

    def item(self, row: int) -> GalleryItem | None:
        """The item in ``row`` if it has been read."""
        if self._listing is None or not 0 <= row < self._listing.total:
            return None
        return self._listing.cached(row, 1)[0]

    def row_of(self, output_id: int) -> int | None:
        """The row showing that output, among the rows read so far."""
        return self._rows.get(output_id)

    def replace(self, items: list[GalleryItem]) -> None:
        """Shows changed items (new flags) where they are."""
        if self._listing is None or not items:
            return
        self._listing.replace(items)
        rows = sorted(row for item in items if (row := self._rows.get(item.id)) is not None)
        if rows:
            self.dataChanged.emit(self.index(rows[0]), self.index(rows[-1]))

    async def items(self, rows: list[tuple[int, int]]) -> list[GalleryItem]:
        """The items of these (first, last) row ranges, read as needed (a selection of every row included)."""
        listing = self._listing
        if listing is None:
            return []
        found: list[GalleryItem] = []
        for first, last in rows:
            found += await listing.rows(first, last - first + 1)
        return found

    # --- Qt's side -------------------------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() or self._listing is None else self._listing.total

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if self._listing is None or not index.isValid():
            return None
        row = index.row()
        item = self._listing.cached(row, 1)[0] if 0 <= row < self._listing.total else None
        if item is None:
            if role == ITEM_ROLE:
                self._want(row)
            return None
        if role == ITEM_ROLE:
            return item
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return describe(item)
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    # --- reading blocks -------------------------------------------------------------------------------

    def _want(self, row: int) -> None:
        assert self._listing is not None
        block = row // self._listing.stride
        if block not in self._loading:
            self._wanted.add(block)
            if not self._fetch_timer.isActive():
                self._fetch_timer.start()

    def _fetch(self) -> None:
        listing = self._listing
        if listing is None:
            return
        for block in sorted(self._wanted - self._loading):
            self._loading.add(block)
            self._tasks.spawn(self._read(listing, block), name=f"gallery rows {block}")
        self._wanted.clear()

    async def _read(self, listing: GalleryListing, block: int) -> None:
        start = block * listing.stride
        try:
            items = await listing.rows(start, listing.stride)
        except Exception as error:
            log.warning("Gallery rows %d+ could not be read: %s", start, error)
            if listing is self._listing:
                self._loading.discard(block)
                self.load_failed.emit(QCoreApplication.translate(
                    "GalleryGrid", "The gallery could not be read: {0}").format(error))
            return
        if listing is not self._listing or not items:
            return  # the filter changed meanwhile
        self._loading.discard(block)
        self._index(start, items)
        last = start + len(items) - 1
        self.dataChanged.emit(self.index(start), self.index(last))
        self.rows_loaded.emit(start, last)

    def _index(self, start: int, items: list[GalleryItem] | list[GalleryItem | None]) -> None:
        for offset, item in enumerate(items):
            if item is not None:
                self._rows[item.id] = start + offset

    async def aclose(self) -> None:
        """Waits for the reads still running (the app is closing)."""
        self._fetch_timer.stop()
        self._listing = None
        await self._tasks.wait_all()


async def newest_picture(gallery: Gallery) -> int:
    """The id of the newest picture kept (0 when there is none): the pictures after it are new."""
    page = await gallery.page(GalleryFilter(kinds=("image",)), None, 1)
    return page.items[0].id if page.items else 0


def describe(item: GalleryItem) -> str:
    """One line for a tooltip or a screen reader: the prompt, the model and when."""
    when = format_when(item.created_at)
    prompt = item.prompt.strip() or QCoreApplication.translate("GalleryGrid", "(no prompt)")
    if len(prompt) > 200:
        prompt = prompt[:199] + "…"
    flags = []
    if item.favourite:
        flags.append(QCoreApplication.translate("GalleryGrid", "favourite"))
    if item.rejected:
        flags.append(QCoreApplication.translate("GalleryGrid", "rejected"))
    text = f"{prompt}\n{item.model} · {when}"
    return text + (f" · {', '.join(flags)}" if flags else "")


def format_when(when: datetime, *, time_too: bool = True) -> str:
    """``28 Nov 2026, 14:01`` (or ``Nov 28, 2026, 14:01``: day and month in the locale's order)."""
    local = when.astimezone()
    locale = QLocale()
    short = locale.dateFormat(QLocale.FormatType.ShortFormat)
    pattern = "MMM d, yyyy" if short.find("M") < short.find("d") else "d MMM yyyy"
    moment = QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute))
    return locale.toString(moment, pattern + (", HH:mm" if time_too else ""))
