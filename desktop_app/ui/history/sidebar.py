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
from PySide6.QtGui import QAction, QPalette
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.storage.history_records import HistoryEntry

from .delegate import HistoryDelegate, ThumbnailCache
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
        self._pending_delete: int | None = None
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

    def search_text(self) -> str:
        """What the search field holds."""
        return self._search.text()

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
        self._new_chat.clicked.connect(self._on_new_chat_clicked)
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
        layout.addWidget(self._build_delete_bar())

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

    def _build_delete_bar(self) -> QFrame:
        self._delete_bar = QFrame(self)
        self._delete_bar.setObjectName("history_delete_bar")
        self._delete_bar.setFrameShape(QFrame.Shape.StyledPanel)
        self._delete_bar.setAutoFillBackground(True)
        self._delete_bar.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        bar = QVBoxLayout(self._delete_bar)
        bar.setContentsMargins(8, 8, 8, 8)
        self._delete_message = QLabel(self._delete_bar)
        self._delete_message.setObjectName("history_delete_message")
        self._delete_message.setWordWrap(True)
        bar.addWidget(self._delete_message)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self._delete_cancel = QPushButton(self.tr("Cancel"), self._delete_bar)
        self._delete_cancel.setObjectName("history_delete_cancel")
        self._delete_cancel.clicked.connect(self._on_delete_cancel_clicked)
        buttons.addWidget(self._delete_cancel)
        self._delete_confirm = QPushButton(self.tr("Delete"), self._delete_bar)
        self._delete_confirm.setObjectName("history_delete_confirm")
        self._delete_confirm.clicked.connect(self._on_delete_confirm_clicked)
        buttons.addWidget(self._delete_confirm)
        bar.addLayout(buttons)
        escape = QAction(self._delete_bar)
        escape.setObjectName("history_delete_escape")
        escape.setShortcut(Qt.Key.Key_Escape)
        escape.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.triggered.connect(self._on_delete_cancel_clicked)
        self._delete_bar.addAction(escape)
        self._delete_bar.hide()
        return self._delete_bar

    def _build_actions(self) -> None:
        def action(name: str, text: str, slot: Callable[[], None], shortcut: Qt.Key | None = None) -> QAction:
            created = QAction(text, self)
            created.setObjectName(name)
            created.triggered.connect(slot)
            if shortcut is not None:
                created.setShortcut(shortcut)
                created.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                self._list.addAction(created)
            return created

        self._open_action = action("history_action_open", self.tr("Open"), self._on_open_action_triggered)
        self._rename_action = action(
            "history_action_rename", self.tr("Rename"), self._on_rename_action_triggered, Qt.Key.Key_F2)
        self._reuse_action = action(
            "history_action_reuse", self.tr("Use these settings again"), self._on_reuse_action_triggered)
        self._copy_action = action(
            "history_action_copy_parameters", self.tr("Copy parameters"), self._on_copy_action_triggered)
        self._markdown_action = action(
            "history_action_export_markdown", self.tr("Export as Markdown…"), self._on_markdown_action_triggered)
        self._json_action = action(
            "history_action_export_json", self.tr("Export as JSON…"), self._on_json_action_triggered)
        self._import_action = action("history_action_import", self.tr("Import…"), self._on_import_action_triggered)
        self._delete_action = action(
            "history_action_delete", self.tr("Delete…"), self._on_delete_action_triggered, Qt.Key.Key_Delete)
        self._entry_actions = (self._open_action, self._rename_action, self._reuse_action, self._copy_action,
                               self._markdown_action, self._json_action, self._delete_action)
        self._menu = QMenu(self)
        self._menu.setObjectName("history_context_menu")
        for group in ((self._open_action, self._rename_action), (self._reuse_action, self._copy_action),
                      (self._markdown_action, self._json_action, self._import_action), (self._delete_action,)):
            if not self._menu.isEmpty():
                self._menu.addSeparator()
            self._menu.addActions(list(group))
        more = QMenu(self)
        more.setObjectName("history_more_menu")
        more.addAction(self._import_action)
        self._more.setMenu(more)
        self._update_actions()

    # --- slots ---------------------------------------------------------------------------------------

    def _on_new_chat_clicked(self) -> None:
        self.new_chat_requested.emit()

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
        self._menu.popup(self._list.viewport().mapToGlobal(position))

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

    def _on_reuse_action_triggered(self) -> None:
        self._emit_for_current(self.reuse_requested.emit)

    def _on_copy_action_triggered(self) -> None:
        self._emit_for_current(self.copy_parameters_requested.emit)

    def _on_markdown_action_triggered(self) -> None:
        self._emit_for_current(lambda conversation_id: self.export_requested.emit(conversation_id, "markdown"))

    def _on_json_action_triggered(self) -> None:
        self._emit_for_current(lambda conversation_id: self.export_requested.emit(conversation_id, "json"))

    def _on_import_action_triggered(self) -> None:
        self.import_requested.emit()

    def _on_delete_action_triggered(self) -> None:
        index = self._current_index()
        entry = None if index is None else index.data(ENTRY_ROLE)
        if not isinstance(entry, HistoryEntry):
            return
        self._pending_delete = entry.conversation_id
        title = entry.title if len(entry.title) <= 60 else entry.title[:59] + "…"
        self._delete_message.setText(
            self.tr("Delete “{0}”? The conversation and its images will be deleted from this computer.").format(title))
        self._delete_bar.show()
        self._delete_cancel.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_delete_confirm_clicked(self) -> None:
        conversation_id = self._pending_delete
        self._close_delete_bar()
        if conversation_id is not None:
            self.delete_requested.emit(conversation_id)

    def _on_delete_cancel_clicked(self) -> None:
        self._close_delete_bar()

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

    def _close_delete_bar(self) -> None:
        self._pending_delete = None
        self._delete_bar.hide()
        self._list.setFocus(Qt.FocusReason.OtherFocusReason)

    def _update_actions(self) -> None:
        has_entry = self._current_index() is not None
        for entry_action in self._entry_actions:
            entry_action.setEnabled(has_entry)

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
