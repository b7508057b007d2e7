"""Finding models on Replicate: a debounced search, collections, a result list with covers, and a model card."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import (
    QImage,
    QPalette,
    QResizeEvent,
    QShowEvent,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from .card import ModelCardView
from .result_delegate import COVER_ROLE, SUMMARY_ROLE, ResultDelegate

if TYPE_CHECKING:  # the core's catalogue module pulls in aiohttp; widgets only need the types
    from ...replicate import CollectionSummary, ModelCard, ModelSummary

FEATURED = ("text-to-image", "language-models", "image-editing", "vision-models", "super-resolution")


class ModelBrowser(QWidget):
    """Searches and browses Replicate's models; never talks to the network itself (see ``CatalogueRunner``).

    The first time it is shown it asks for the collections and the newest models. Typing searches
    after a pause; "Load more" asks for the next page; a failed request keeps the last results.

    Signals:
        search_requested(str query, object cursor): a search (empty query: browse all), or its next page.
        collection_requested(str slug): the user opened a collection.
        collections_requested(): the list of collections is needed.
        card_requested(str owner, str name): the user selected a model: its card is needed.
        cover_needed(str url): a visible row shows a cover not given to ``set_cover`` yet.
        model_chosen(str ref): "Add to my models": ``owner/name`` or ``owner/name:version`` when pinned.
    """

    search_requested = Signal(str, object)
    collection_requested = Signal(str)
    collections_requested = Signal()
    card_requested = Signal(str, str)
    cover_needed = Signal(str)
    model_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, debounce_ms: int = 300) -> None:
        super().__init__(parent)
        self._query = ""
        self._slug: str | None = None
        self._cursor: str | None = None
        self._collections: list[CollectionSummary] = []
        self._covers: dict[str, QImage] = {}
        self._asked: set[str] = set()
        self._failed: set[str] = set()
        self._started = False
        self._busy = False
        self._setup_ui(debounce_ms)

    # ------------------------------------------------------------------ public API

    def refresh(self) -> None:
        """Asks again for the collections and for what the list shows (search, collection or newest)."""
        self._started = True
        self.collections_requested.emit()
        if self._slug is not None:
            self.collection_requested.emit(self._slug)
        else:
            self._request_search(self._search.text().strip())

    def results(self) -> list[ModelSummary]:
        return [self._model.item(row).data(SUMMARY_ROLE) for row in range(self._model.rowCount())]

    def card_view(self) -> ModelCardView:
        return self._card

    def show_results(self, items: list[ModelSummary], next_cursor: str | None, *, append: bool) -> None:
        """Shows a page of results (after the current ones when ``append``); clears any error."""
        self._error.hide()
        self._asked -= self._failed  # covers that failed get another chance with new results
        self._failed.clear()
        if not append:
            self._model.clear()
            self._list.scrollToTop()
        known = {summary.full_name for summary in self.results()} if append else set()
        for summary in items:
            if summary.full_name not in known:
                known.add(summary.full_name)
                self._model.appendRow(self._item(summary))
        self._cursor = next_cursor
        self._more.setVisible(next_cursor is not None)
        self._update_heading()
        self._stack.setCurrentWidget(self._list if self._model.rowCount() else self._empty)
        self._schedule_covers()

    def show_collections(self, collections: list[CollectionSummary]) -> None:
        """Fills the collection chooser, featured collections first; keeps the one open."""
        rank = {slug: index for index, slug in enumerate(FEATURED)}
        self._collections = sorted(collections, key=lambda c: (rank.get(c.slug, len(FEATURED)), c.name.lower()))
        self._combo.blockSignals(True)
        self._combo.clear()
        self._combo.addItem(self.tr("All models"), None)
        for collection in self._collections:
            self._combo.addItem(collection.name, collection.slug)
            self._combo.setItemData(self._combo.count() - 1, collection.description, Qt.ItemDataRole.ToolTipRole)
        self._combo.setCurrentIndex(max(0, self._combo.findData(self._slug)) if self._slug else 0)
        self._combo.blockSignals(False)

    def show_card(self, card: ModelCard) -> None:
        self._card.show_card(card)
        self._give_card_cover(card.summary)

    def show_error(self, message: str, *, kind: str = "search") -> None:
        """An inline error: ``kind`` is ``search``, ``collection``, ``collections`` or ``card``."""
        if kind == "card":
            self._card.show_error(self.tr("Could not load the details: %1").replace("%1", message))
            return
        if kind == "collections":
            text = self.tr("Could not load the collections: %1").replace("%1", message)
        else:
            failed = self.tr("Search failed: %1") if kind == "search" else self.tr("Could not open the collection: %1")
            text = failed.replace("%1", message)
            if self._model.rowCount():
                text += self.tr(" — showing the last results")
        self._error.setText(text)
        self._error.show()

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._progress.setVisible(busy)
        self._more.setEnabled(not busy)

    def is_busy(self) -> bool:
        return self._busy

    def set_cover(self, url: str, image: QImage) -> None:
        """The decoded cover of ``url``; a null image means it failed (asked again with the next results)."""
        self._asked.add(url)
        if image.isNull():
            self._failed.add(url)
            return
        self._covers[url] = image
        for row in range(self._model.rowCount()):
            item = self._model.item(row)
            if item.data(SUMMARY_ROLE).cover_image_url == url:
                item.setData(image, COVER_ROLE)
        self._card.set_cover(url, image)

    # ------------------------------------------------------------------ set-up

    def _setup_ui(self, debounce_ms: int) -> None:
        self._search = QLineEdit(self)
        self._search.setObjectName("model_browser_search")
        self._search.setPlaceholderText(self.tr("Search models, e.g. “upscale” or “llama”"))
        self._search.setClearButtonEnabled(True)
        self._search.textEdited.connect(self._on_search_text_edited)
        self._search.returnPressed.connect(self._on_search_return_pressed)
        self._debounce = QTimer(self)
        self._debounce.setObjectName("model_browser_debounce")
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(debounce_ms)
        self._debounce.timeout.connect(self._on_debounce_timeout)
        self._combo = QComboBox(self)
        self._combo.setObjectName("model_browser_collections")
        self._combo.setToolTip(self.tr("Browse a collection of models"))
        self._combo.addItem(self.tr("All models"), None)
        self._combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self._combo.activated.connect(self._on_combo_activated)
        top = QHBoxLayout()
        top.addWidget(self._search, 1)
        top.addWidget(self._combo)

        self._progress = QProgressBar(self)
        self._progress.setObjectName("model_browser_busy")
        self._progress.setRange(0, 0)
        self._progress.setTextVisible(False)
        self._progress.setFixedHeight(3)
        self._progress.hide()
        self._error = QLabel(self)
        self._error.setObjectName("model_browser_error")
        self._error.setWordWrap(True)
        self._error.hide()

        left = QWidget(self)
        left.setObjectName("model_browser_results_pane")
        self._heading = QLabel(left)
        self._heading.setObjectName("model_browser_heading")
        self._heading.setWordWrap(True)
        self._model = QStandardItemModel(self)
        self._list = QListView(left)
        self._list.setObjectName("model_browser_results")
        self._list.setModel(self._model)
        self._list.setItemDelegate(ResultDelegate(self._list))
        self._list.setUniformItemSizes(True)
        self._list.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        self._list.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self._list.setMouseTracking(True)
        self._list.selectionModel().currentChanged.connect(self._on_list_current_changed)
        self._list.verticalScrollBar().valueChanged.connect(self._schedule_covers)
        self._empty = QLabel(left)
        self._empty.setObjectName("model_browser_empty")
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty.setWordWrap(True)
        self._empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._stack = QStackedWidget(left)
        self._stack.addWidget(self._list)
        self._stack.addWidget(self._empty)
        self._more = QPushButton(self.tr("Load more"), left)
        self._more.setObjectName("model_browser_load_more")
        self._more.clicked.connect(self._on_more_clicked)
        self._more.hide()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self._heading)
        column.addWidget(self._stack, 1)
        column.addWidget(self._more)

        self._card = ModelCardView(self)
        self._card.setObjectName("model_browser_card")
        self._card.model_chosen.connect(self.model_chosen)
        self._splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self._splitter.setObjectName("model_browser_splitter")
        self._splitter.addWidget(left)
        self._splitter.addWidget(self._card)
        self._splitter.setStretchFactor(0, 3)
        self._splitter.setStretchFactor(1, 2)
        self._splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addWidget(self._progress)
        layout.addWidget(self._error)
        layout.addWidget(self._splitter, 1)
        self._cover_timer = QTimer(self)
        self._cover_timer.setSingleShot(True)
        self._cover_timer.setInterval(0)
        self._cover_timer.timeout.connect(self._on_cover_timer_timeout)
        self._update_heading()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        dark = self.palette().color(QPalette.ColorRole.Window).lightness() < 128
        self._error.setStyleSheet(f"color: {'#ff7b72' if dark else '#cf222e'};")
        if not self._started:
            self.refresh()
        self._schedule_covers()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._schedule_covers()

    # ------------------------------------------------------------------ slots

    def _on_search_text_edited(self, _text: str) -> None:
        if self._slug is not None:
            self._slug = None
            self._combo.setCurrentIndex(0)
        self._debounce.start()

    def _on_search_return_pressed(self) -> None:
        self._debounce.stop()
        self._request_search(self._search.text().strip())

    def _on_debounce_timeout(self) -> None:
        query = self._search.text().strip()
        if query != self._query or self._slug is not None:
            self._request_search(query)

    def _on_combo_activated(self, index: int) -> None:
        slug = self._combo.itemData(index)
        if slug is None:
            self._request_search(self._search.text().strip())
            return
        self._debounce.stop()
        self._slug = slug
        self._cursor = None
        self._update_heading()
        self.collection_requested.emit(slug)

    def _on_more_clicked(self) -> None:
        if self._cursor is not None and not self._busy:
            self.search_requested.emit(self._query, self._cursor)

    def _on_list_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        summary = current.data(SUMMARY_ROLE) if current.isValid() else None
        if summary is None:
            return
        self._card.show_summary(summary)
        self._give_card_cover(summary)
        self.card_requested.emit(summary.owner, summary.name)

    def _on_cover_timer_timeout(self) -> None:
        if not self._list.isVisible():
            return
        viewport = self._list.viewport().rect()
        for row in range(self._model.rowCount()):
            index = self._model.index(row, 0)
            if not self._list.visualRect(index).intersects(viewport):
                continue
            url = index.data(SUMMARY_ROLE).cover_image_url
            if url and url not in self._asked and url not in self._covers:
                self._asked.add(url)
                self.cover_needed.emit(url)

    # ------------------------------------------------------------------ helpers

    def _request_search(self, query: str) -> None:
        self._debounce.stop()
        self._slug = None
        self._query = query
        self._cursor = None
        if self._combo.currentIndex() != 0:
            self._combo.setCurrentIndex(0)
        self._update_heading()
        self.search_requested.emit(query, None)

    def _schedule_covers(self) -> None:
        self._cover_timer.start()

    def _give_card_cover(self, summary: ModelSummary) -> None:
        url = summary.cover_image_url
        if url and url in self._covers:
            self._card.set_cover(url, self._covers[url])
        elif url and url not in self._asked:
            self._asked.add(url)
            self.cover_needed.emit(url)

    def _item(self, summary: ModelSummary) -> QStandardItem:
        item = QStandardItem(summary.full_name)
        item.setData(summary, SUMMARY_ROLE)
        item.setToolTip(summary.description or summary.full_name)
        url = summary.cover_image_url
        if url and url in self._covers:
            item.setData(self._covers[url], COVER_ROLE)
        return item

    def _update_heading(self) -> None:
        if self._slug is not None:
            found = next((c for c in self._collections if c.slug == self._slug), None)
            name = found.name if found is not None else self._slug
            text = f"<b>{_escape(name)}</b>"
            if found is not None and found.description:
                text += f" — {_escape(found.description)}"
            self._empty.setText(self.tr("This collection has no models."))
        elif self._query:
            text = self.tr("Results for “%1”").replace("%1", _escape(self._query))
            self._empty.setText(self.tr("No models match “%1”.").replace("%1", self._query))
        else:
            text = self.tr("Recently updated models")
            self._empty.setText(self.tr("No models to show."))
        self._heading.setText(text)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = ["COVER_ROLE", "SUMMARY_ROLE", "ModelBrowser"]
