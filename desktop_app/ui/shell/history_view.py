"""The history list's actions on screen: rename, delete, export, import, reuse and copy parameters, through the
session's :class:`Library` (never on the GUI thread)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog

from ...session import Library, Preferences, Reuse
from ..common.errors import describe_error
from ..common.tasks import Tasks
from ..history.sidebar import HistorySidebar
from ..models.catalogue_flow import CatalogueFlow
from .main_window import MainWindow

REFRESH_DELAY_MS = 150


class HistoryView(QObject):
    """Translates the sidebar's requests into :class:`Library` calls and their results into the sidebar, the
    prompt box, the model picker and the status bar. Opening a conversation is the chat's business: the
    ``open_requested`` signal asks for it (the sidebar's own, and an imported conversation).

    ``current`` says which kept conversation the chat shows (deleting it starts a new chat).

    Signals:
        open_requested(int conversation_id)
    """

    open_requested = Signal(int)

    def __init__(self, window: MainWindow, sidebar: HistorySidebar, library: Library, preferences: Preferences,
                 tasks: Tasks, *, current: Callable[[], int | None], catalogue: CatalogueFlow | None = None) -> None:
        super().__init__(sidebar)
        self.window = window
        self.sidebar = sidebar
        self.library = library
        self.preferences = preferences
        self.tasks = tasks
        self.current = current
        self.catalogue = catalogue
        sidebar.conversation_opened.connect(self.open_requested)
        sidebar.rename_requested.connect(self._on_sidebar_rename_requested)
        sidebar.delete_requested.connect(self._on_sidebar_delete_requested)
        sidebar.export_requested.connect(self._on_sidebar_export_requested)
        sidebar.import_requested.connect(self._on_sidebar_import_requested)
        sidebar.reuse_requested.connect(self._on_sidebar_reuse_requested)
        sidebar.copy_parameters_requested.connect(self._on_sidebar_copy_parameters_requested)
        sidebar.new_chat_requested.connect(window.new_chat_requested)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(sidebar.refresh)

    def refresh(self, _conversation_id: int | None = None) -> None:
        """Shows what the history holds now. The recorder calls it after each write the list shows; writes that
        land together (an output kept, then the run's end) are shown by one reading of the list, a moment later,
        so that the reading does not compete with the image being shown."""
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    # ------------------------------------------------------------------ requests

    def _on_sidebar_rename_requested(self, conversation_id: int, title: str) -> None:
        self._call(lambda: self.library.rename(conversation_id, title), self._refresh_now, "rename")

    def _on_sidebar_delete_requested(self, conversation_id: int) -> None:
        if conversation_id == self.current():
            self.window.new_chat_requested.emit()
        self._call(lambda: self.library.delete(conversation_id), self._refresh_now, "delete")

    def _on_sidebar_reuse_requested(self, conversation_id: int) -> None:
        self._call(lambda: self.library.reuse(conversation_id), self._reuse, "reuse")

    def _on_sidebar_copy_parameters_requested(self, conversation_id: int) -> None:
        self._call(lambda: self.library.parameters(conversation_id), self._copy, "copy parameters")

    def _on_sidebar_export_requested(self, conversation_id: int, kind: str) -> None:
        if kind == "markdown":
            dialog = QFileDialog(self.window, self.tr("Export as Markdown into folder"))
            dialog.setFileMode(QFileDialog.FileMode.Directory)
            dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
            dialog.fileSelected.connect(lambda folder: self._call(
                lambda: self.library.export_markdown(conversation_id, Path(folder)), self._exported, "export"))
        else:
            dialog = QFileDialog(self.window, self.tr("Export as JSON"))
            dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
            dialog.setNameFilter(self.tr("JSON (*.json)"))
            dialog.setDefaultSuffix("json")
            dialog.fileSelected.connect(lambda path: self._call(
                lambda: self.library.export_json(conversation_id, Path(path)), self._exported, "export"))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _on_sidebar_import_requested(self) -> None:
        dialog = QFileDialog(self.window, self.tr("Import a conversation"))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilter(self.tr("Replicate Desktop export (*.json)"))
        dialog.fileSelected.connect(lambda path: self._call(lambda: self.library.import_json(Path(path)),
                                                            self._imported, "import"))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    # ------------------------------------------------------------------ results

    def _call(self, call: Callable[[], Awaitable[Any]], on_result: Callable[[Any], None], name: str) -> None:
        self.tasks.call(call, on_result, lambda error: self._status(describe_error(error)), name=name)

    def _refresh_now(self, _result: object = None) -> None:
        self._refresh_timer.stop()
        self.sidebar.refresh()

    def _imported(self, conversation_id: int) -> None:
        self._refresh_now()
        self.open_requested.emit(conversation_id)

    def _exported(self, path: Path) -> None:
        self._status(self.tr("Exported to {}").format(path))

    def _reuse(self, reuse: Reuse | None) -> None:
        if reuse is None:
            self._status(self.tr("This conversation has no generation to reuse yet."))
            return
        apply_reuse(self.window, reuse, self.preferences, self.catalogue)

    def _copy(self, parameters: dict[str, Any] | None) -> None:
        if parameters is None:
            self._status(self.tr("This conversation has no generation to reuse yet."))
            return
        QGuiApplication.clipboard().setText(json.dumps(parameters, indent=2, ensure_ascii=False))
        self._status(self.tr("Parameters copied to the clipboard."))

    def _status(self, message: str) -> None:
        self.window.statusBar().showMessage(message, 10000)


def apply_reuse(window: MainWindow, reuse: Reuse, preferences: Preferences, catalogue: CatalogueFlow | None) -> None:
    """Puts a past run's model, prompt and other inputs back into the window (the history list's "Reuse" and the
    gallery's "Use these settings again")."""
    picker, chat = window.model_picker, window.chat
    if not picker.set_current_model(reuse.model):
        picker.set_current_model(reuse.model_name)
    chat.set_prompt(reuse.prompt)
    chat.focus_prompt()
    if reuse.inputs:  # the other inputs go back into the model's form (a seed given here stays locked)
        preferences.reuse_inputs(reuse.model_name, reuse.inputs)
        if catalogue is not None:
            catalogue.load_schema(reuse.model_name)
