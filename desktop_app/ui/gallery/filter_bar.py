"""The gallery's filter bar: search the prompts, and choose the model, kind, dates, favourites, rejects and order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateEdit, QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

from ...storage.gallery import GalleryFilter, SortOrder
from ..common.widgets import named

SEARCH_DELAY_MS = 250  # typing pauses this long before the search runs (Return runs it at once)


class GalleryFilterBar(QWidget):
    """Builds a :class:`GalleryFilter` from its controls; every change is reported (typing, after a pause).

    Signals:
        filter_changed(object) — the new :class:`GalleryFilter`
    """

    filter_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None, *, today: Callable[[], date] = date.today) -> None:
        super().__init__(parent)
        self._today = today
        self._emitting = True
        self._setup_ui()

    def current(self) -> GalleryFilter:
        """The filter the controls describe now."""
        model = self.model_box.currentData()
        kind = self.kind_box.currentData()
        since, until = self._period()
        sort: SortOrder = self.sort_box.currentData() or "newest"
        return GalleryFilter(models=(model,) if model else (), kinds=(kind,) if kind else (), since=since,
                             until=until, favourites_only=self.favourites_button.isChecked(),
                             hide_rejected=self.hide_rejected_box.isChecked(), search=self.search_box.text().strip(),
                             sort=sort)

    def set_models(self, models: list[tuple[str, int]]) -> None:
        """Fills the model choice (keeping the chosen model, even if it has no outputs left)."""
        chosen = self.model_box.currentData()
        self._emitting = False
        try:
            self.model_box.clear()
            self.model_box.addItem(self.tr("All models"), "")
            for name, count in models:
                self.model_box.addItem(self.tr("{0} ({1})").format(name, count), name)
            if chosen:
                at = self.model_box.findData(chosen)
                if at < 0:
                    self.model_box.addItem(chosen, chosen)
                    at = self.model_box.count() - 1
                self.model_box.setCurrentIndex(at)
        finally:
            self._emitting = True

    def set_count(self, count: int | None) -> None:
        """Shows how many outputs the filter finds (``None``: still counting)."""
        self.count_label.setText("" if count is None else self.tr("%n output(s)", "", count))

    def focus_search(self) -> None:
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    def apply_now(self) -> None:
        """Reports the filter at once (the pending pause after typing is skipped)."""
        self._search_timer.stop()
        self._changed()

    # --- building ---------------------------------------------------------------------------------------

    def _setup_ui(self) -> None:
        self.search_box = named(QLineEdit(), "gallerySearch")
        self.search_box.setPlaceholderText(self.tr("Search prompts"))
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setAccessibleName(self.tr("Search prompts"))
        self.search_box.setMinimumWidth(200)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._changed)
        self.search_box.textChanged.connect(lambda _text: self._search_timer.start())
        self.search_box.returnPressed.connect(self.apply_now)

        self.model_box = self._combo("galleryModel", self.tr("Model"), [(self.tr("All models"), "")])
        self.kind_box = self._combo("galleryKind", self.tr("Kind"), [
            (self.tr("All kinds"), ""), (self.tr("Images"), "image"), (self.tr("Videos"), "video"),
            (self.tr("Audio"), "audio"), (self.tr("Other files"), "other")])
        self.period_box = self._combo("galleryPeriod", self.tr("Date"), [
            (self.tr("Any time"), "any"), (self.tr("Today"), "today"), (self.tr("Past 7 days"), "week"),
            (self.tr("Past 30 days"), "month"), (self.tr("Past year"), "year"), (self.tr("Between…"), "custom")])
        today = QDate.currentDate()
        self.from_date = self._date("galleryFrom", self.tr("From"), today.addMonths(-1))
        self.to_date = self._date("galleryTo", self.tr("To"), today)
        self.favourites_button = named(QToolButton(), "galleryFavourites")
        self.favourites_button.setText(self.tr("★ Favourites"))
        self.favourites_button.setToolTip(self.tr("Show only favourites"))
        self.favourites_button.setCheckable(True)
        self.favourites_button.toggled.connect(self._changed)
        self.hide_rejected_box = named(QCheckBox(self.tr("Hide rejected")), "galleryHideRejected")
        self.hide_rejected_box.toggled.connect(self._changed)
        self.sort_box = self._combo("gallerySort", self.tr("Order"), [
            (self.tr("Newest first"), "newest"), (self.tr("Oldest first"), "oldest"), (self.tr("By model"), "model")])
        self.count_label = named(QLabel(), "galleryCount")

        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(6)
        layout.addWidget(self.search_box, 2)
        for widget in (self.model_box, self.kind_box, self.period_box, self.from_date, self.to_date,
                       self.favourites_button, self.hide_rejected_box, self.sort_box):
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addWidget(self.count_label)
        self.period_box.currentIndexChanged.connect(self._on_period_changed)
        self._on_period_changed()

    def _combo(self, name: str, label: str, entries: list[tuple[str, str]]) -> QComboBox:
        box = named(QComboBox(), name)
        box.setAccessibleName(label)
        box.setToolTip(label)
        for text, value in entries:
            box.addItem(text, value)
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        box.currentIndexChanged.connect(self._changed)
        return box

    def _date(self, name: str, label: str, day: QDate) -> QDateEdit:
        edit = named(QDateEdit(day), name)
        edit.setCalendarPopup(True)
        edit.setAccessibleName(label)
        edit.setToolTip(label)
        edit.dateChanged.connect(self._changed)
        return edit

    def _on_period_changed(self) -> None:
        custom = self.period_box.currentData() == "custom"
        self.from_date.setVisible(custom)
        self.to_date.setVisible(custom)

    def _period(self) -> tuple[datetime | None, datetime | None]:
        """The chosen dates as a [since, until) range in UTC, by the local calendar."""
        period = self.period_box.currentData() or "any"
        today = self._today()

        def start(day: date) -> datetime:  # local midnight
            return datetime.combine(day, time()).astimezone().astimezone(UTC)

        if period == "today":
            return start(today), None
        if period in ("week", "month", "year"):
            return start(today - timedelta(days={"week": 6, "month": 29, "year": 364}[period])), None
        if period == "custom":
            first, last = _day(self.from_date.date()), _day(self.to_date.date())
            if last < first:
                first, last = last, first
            return start(first), start(last + timedelta(days=1))
        return None, None

    def _changed(self) -> None:
        if self._emitting:
            self.filter_changed.emit(self.current())


def _day(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())
