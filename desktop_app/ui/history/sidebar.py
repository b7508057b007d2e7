"""The history sidebar: search, a lazily paged list of past conversations, and what can be done with each."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import (
    QItemSelection,
    QModelIndex,
    QPoint,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.storage.history_records import HistoryEntry

from .delegate import HistoryDelegate, ThumbnailCache
from .delete_bar import DeleteBar
from .entry_actions import EntryActions
from .list_model import ENTRY_ROLE, ID_ROLE, HistoryListModel, HistorySource

__all__ = ["HistorySidebar", "HistorySource"]

SEARCH_DELAY_MS = 200
REFRESH_MAX_ROWS = 1000  # a refresh reads at most this many rows again (ten quick pages), however far one scrolled


class HistorySidebar(QWidget):
    """The list of past conversations with a search field, a "New chat" button and per-conversation actions.

    The sidebar never writes the history: it reports what the user asked for, and the owner acts and then calls
    :meth:`refresh`. Deleting asks first, in a bar inside the sidebar (no modal dialog).

    Signals:
        conversation_opened(int): the user clicked, double-clicked or pressed Enter on a conversation.
        rename_requested(int, str): a conversation was renamed in place (the title is stripped, never empty).
        delete_requested(int): the user confirmed deleting a conversation and its images.
        export_requested(int, str): export a conversation as ``"markdown"`` or ``"json"``.
        import_requested(): the user wants to import a conversation file.
        reuse_requested(int): start a new generation with a conversation's last settings.
        copy_parameters_requested(int): copy a conversation's last parameters to the clipboard.
        new_chat_requested(): the user clicked "New chat".
        load_failed(str): the history could not be read; a one-sentence message (also shown in the sidebar).
    """

    conversation_opened = Signal(int)
    rename_requested = Signal(int, str)
    delete_requested = Signal(int)
    export_requested = Signal(int, str)
    import_requested = Signal()
    reuse_requested = Signal(int)
    copy_parameters_requested = Signal(int)
    new_chat_requested = Signal()
    load_failed = Signal(str)

    def __init__(self, source: HistorySource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = HistoryListModel(source, self)
        self._thumbnails = ThumbnailCache(self)
        self._delegate = HistoryDelegate(self._thumbnails, self)
        self._selected_id: int | None = None  # the conversation to keep selected across reloads
        self._refresh_pending = False
        self._restoring = False
        self._last_click = (0, -1.0)  # conversation id, monotonic time
        self._setup_ui()
        self._model.reload()
        self._update_state()

    # --- public API ----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reads the list again (as many rows as were loaded, up to ``REFRESH_MAX_ROWS``), keeping the selection
        and the scroll position. While a title is being edited, the refresh waits until the editor closes.
        """
        if self._list.state() == QAbstractItemView.State.EditingState:
            self._refresh_pending = True
            return
        self._refresh_pending = False
        scroll = self._list.verticalScrollBar().value()
        self._model.reload(min(self._model.rowCount(), REFRESH_MAX_ROWS))
        self._restore_selection()
        self._list.verticalScrollBar().setValue(scroll)
        self._update_state()

    def select_conversation(self, conversation_id: int | None) -> bool:
        """Highlights a conversation (without reporting it as opened), loading a few more pages to find it.

        Returns False when it is not in the list (it is then selected as soon as it shows up); ``None`` clears.
        """
        self._selected_id = conversation_id
        if conversation_id is None:
            self._list.clearSelection()
            return False
        for _ in range(5):
            if self._model.row_of(conversation_id) is not None or not self._model.canFetchMore(QModelIndex()):
                break
            self._model.fetchMore(QModelIndex())
        return self._restore_selection()

    def current_conversation_id(self) -> int | None:
        """The id of the highlighted conversation, or ``None``."""
        indexes = self._list.selectionModel().selectedIndexes()
        return int(indexes[0].data(ID_ROLE)) if indexes else None

    def focus_search(self) -> None:
        """Puts the keyboard focus in the search field, its text selected."""
        self._search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self._search.selectAll()

    def sizeHint(self) -> QSize:
        return QSize(280, super().sizeHint().height())

    # --- construction --------------------------------------------------------------------------------

    def _setup_ui(self) -> None:
        self.setObjectName("history_sidebar")
        self.setMinimumWidth(220)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)

        header = QHBoxLayout()
        header.setSpacing(4)
        title = QLabel(self.tr("History"), self)
        title.setObjectName("history_header")
        font = title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        title.setFont(font)
        header.addWidget(title, 1)
        self._new_chat = QToolButton(self)
        self._new_chat.setObjectName("history_new_chat")
        self._new_chat.setText(self.tr("+ New chat"))
        self._new_chat.setToolTip(self.tr("Start a new conversation"))
        self._new_chat.setAccessibleName(self.tr("New chat"))
        self._new_chat.setAutoRaise(True)
        self._new_chat.clicked.connect(self.new_chat_requested)
        header.addWidget(self._new_chat)
        self._more = QToolButton(self)
        self._more.setObjectName("history_more")
        self._more.setText("⋯")
        self._more.setToolTip(self.tr("More history actions"))
        self._more.setAccessibleName(self.tr("More history actions"))
        self._more.setAutoRaise(True)
        self._more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self._more.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0px; }")
        header.addWidget(self._more)
        layout.addLayout(header)

        self._search = QLineEdit(self)
        self._search.setObjectName("history_search")
        self._search.setPlaceholderText(self.tr("Search conversations"))
        self._search.setClearButtonEnabled(True)
        self._search.setAccessibleName(self.tr("Search conversations"))
        self._search.textChanged.connect(self._on_search_text_changed)
        self._search.returnPressed.connect(self._on_search_return_pressed)
        layout.addWidget(self._search)
        self._search_timer = QTimer(self)
        self._search_timer.setObjectName("history_search_timer")
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._on_search_timer_timeout)

        self._stack = QStackedWidget(self)
        self._stack.setObjectName("history_stack")
        self._list = self._build_list()
        self._stack.addWidget(self._list)
        self._placeholder = QLabel(self)
        self._placeholder.setObjectName("history_placeholder")
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._placeholder.setWordWrap(True)
        self._placeholder.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._placeholder.setContentsMargins(12, 24, 12, 24)
        self._stack.addWidget(self._placeholder)
        layout.addWidget(self._stack, 1)

        self._count = QLabel(self)
        self._count.setObjectName("history_count")
        self._count.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        small = self._count.font()
        small.setPointSizeF(small.pointSizeF() * 0.88)
        self._count.setFont(small)
        layout.addWidget(self._count)
        self._delete_bar = DeleteBar(self)
        self._delete_bar.confirmed.connect(self.delete_requested)
        self._delete_bar.closed.connect(self._on_delete_bar_closed)
        layout.addWidget(self._delete_bar)

        self._build_actions()
        self._model.rename_requested.connect(self.rename_requested)
        self._model.load_failed.connect(self._on_model_load_failed)
        self._model.rowsInserted.connect(self._on_model_rows_inserted)
        self._thumbnails.thumbnail_loaded.connect(self._on_thumbnails_thumbnail_loaded)
        self._clock_timer = QTimer(self)
        self._clock_timer.setObjectName("history_clock_timer")
        self._clock_timer.setInterval(60_000)  # "5 min ago" moves on
        self._clock_timer.timeout.connect(self._on_clock_timer_timeout)
        self._clock_timer.start()

    def _build_list(self) -> QListView:
        view = QListView(self)
        view.setObjectName("history_list")
        view.setAccessibleName(self.tr("Conversations"))
        view.setModel(self._model)
        view.setItemDelegate(self._delegate)
        view.setUniformItemSizes(True)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)  # F2 is the Rename action
        view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        view.setFrameShape(QFrame.Shape.NoFrame)
        view.setMouseTracking(True)
        view.viewport().setAttribute(Qt.WidgetAttribute.WA_Hover)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._on_list_custom_context_menu_requested)
        view.clicked.connect(self._on_list_clicked)
        view.activated.connect(self._on_list_activated)
        view.selectionModel().selectionChanged.connect(self._on_list_selection_changed)
        self._delegate.closeEditor.connect(self._on_delegate_close_editor)
        return view

    def _build_actions(self) -> None:
        actions = self._actions = EntryActions(self, self._list, self._more)
        for action, slot in ((actions.open, self._on_open_action_triggered),
                             (actions.rename, self._on_rename_action_triggered),
                             (actions.reuse, lambda: self._emit_for_current(self.reuse_requested.emit)),
                             (actions.copy,
                              lambda: self._emit_for_current(self.copy_parameters_requested.emit)),
                             (actions.markdown, lambda: self._emit_for_current(
                                 lambda conversation_id: self.export_requested.emit(conversation_id, "markdown"))),
                             (actions.json, lambda: self._emit_for_current(
                                 lambda conversation_id: self.export_requested.emit(conversation_id, "json"))),
                             (actions.importing, self.import_requested),
                             (actions.delete, self._on_delete_action_triggered)):
            action.triggered.connect(slot)
        self._update_actions()

    # --- slots ---------------------------------------------------------------------------------------

    def _on_search_text_changed(self, _text: str) -> None:
        self._search_timer.start()  # restarting it drops the query typed before: the newest one wins

    def _on_search_return_pressed(self) -> None:
        self._search_timer.stop()
        self._on_search_timer_timeout()

    def _on_search_timer_timeout(self) -> None:
        query = " ".join(self._search.text().split())
        if query == self._model.query():
            return
        self._model.set_query(query)
        self._restore_selection()
        self._update_state()

    def _on_list_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self._last_click = (int(index.data(ID_ROLE)), time.monotonic())
        self._open(index)

    def _on_list_activated(self, index: QModelIndex) -> None:
        """Enter, or a double-click, whose first click has already opened the conversation (reported once)."""
        clicked_id, clicked_at = self._last_click
        interval = QApplication.doubleClickInterval() / 1000
        if index.isValid() and clicked_id == index.data(ID_ROLE) and time.monotonic() - clicked_at < interval:
            return
        self._open(index)

    def _on_list_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        if not self._restoring:
            self._selected_id = self.current_conversation_id()
        self._update_actions()

    def _on_list_custom_context_menu_requested(self, position: QPoint) -> None:
        index = self._list.indexAt(position)
        if index.isValid():
            self._list.setCurrentIndex(index)
        else:
            self._list.clearSelection()
        self._update_actions()
        self._actions.menu.popup(self._list.viewport().mapToGlobal(position))

    def _on_model_rows_inserted(self, _parent: QModelIndex, _first: int, _last: int) -> None:
        if self._selected_id is not None and self.current_conversation_id() != self._selected_id:
            self._restore_selection(scroll=False)  # the user is scrolling: do not jump
        self._update_state()

    def _on_model_load_failed(self, message: str) -> None:
        self._update_state()
        self.load_failed.emit(message)

    def _on_thumbnails_thumbnail_loaded(self, _path: str) -> None:
        self._list.viewport().update()

    def _on_clock_timer_timeout(self) -> None:
        self._list.viewport().update()

    def _on_delegate_close_editor(self, _editor: QWidget, _hint: QAbstractItemDelegate.EndEditHint) -> None:
        if self._refresh_pending:
            QTimer.singleShot(0, self, self._on_refresh_deferred)

    def _on_refresh_deferred(self) -> None:
        if self._refresh_pending:
            self.refresh()

    def _on_open_action_triggered(self) -> None:
        self._open(self._list.currentIndex())

    def _on_rename_action_triggered(self) -> None:
        index = self._current_index()
        if index is not None:
            self._list.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self._list.edit(index)

    def _on_delete_action_triggered(self) -> None:
        index = self._current_index()
        entry = None if index is None else index.data(ENTRY_ROLE)
        if isinstance(entry, HistoryEntry):
            self._delete_bar.ask(entry.conversation_id, entry.title)

    def _on_delete_bar_closed(self) -> None:
        self._list.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- helpers -------------------------------------------------------------------------------------

    def _current_index(self) -> QModelIndex | None:
        index = self._list.currentIndex()
        selected = index.isValid() and self._list.selectionModel().isSelected(index)
        return index if selected else None

    def _emit_for_current(self, emit: Callable[[int], object]) -> None:
        index = self._current_index()
        if index is not None:
            emit(int(index.data(ID_ROLE)))

    def _open(self, index: QModelIndex) -> None:
        if index.isValid():
            self.conversation_opened.emit(int(index.data(ID_ROLE)))

    def _restore_selection(self, *, scroll: bool = True) -> bool:
        """Selects ``_selected_id`` if it is loaded; else clears the view's selection (the id is kept)."""
        row = None if self._selected_id is None else self._model.row_of(self._selected_id)
        self._restoring = True
        try:
            if row is None:
                self._list.clearSelection()
                return False
            index = self._model.index(row, 0)
            self._list.selectionModel().setCurrentIndex(
                index, self._list.selectionModel().SelectionFlag.ClearAndSelect)
            if scroll:
                self._list.scrollTo(index)
            return True
        finally:
            self._restoring = False
            self._update_actions()

    def _update_actions(self) -> None:
        self._actions.set_entry_selected(self._current_index() is not None)

    def _update_state(self) -> None:
        """Shows the list, or what explains why it is empty; and the count under it."""
        model, query = self._model, self._model.query()
        error = model.error()
        if error is not None and model.rowCount() == 0:
            self._placeholder.setText(self.tr("Could not read the history.\n{0}").format(error))
        elif model.rowCount() == 0:
            self._placeholder.setText(self.tr("Nothing matches “{0}”").format(query) if query else self.tr(
                "No conversations yet\nYour chats and images will be listed here."))
        self._stack.setCurrentWidget(self._list if model.rowCount() else self._placeholder)
        total = model.total()
        if query:
            text = self.tr("1 match") if total == 1 else self.tr("%Ln matches", "", total)
        else:
            text = self.tr("1 conversation") if total == 1 else self.tr("%Ln conversations", "", total)
        self._count.setText(text if total else "")
        self._count.setVisible(bool(total))
