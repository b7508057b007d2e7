"""What can be done with a history entry: the actions (with their shortcuts on the list) and the menus holding them."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QListView, QMenu, QToolButton, QWidget

from ..common.widgets import widget_action


class EntryActions(QObject):
    """Open, Rename (F2), Use these settings again, Copy parameters, Export as Markdown/JSON, Import and
    Delete (Del): the list's context menu holds them all, the "⋯" button's menu holds Import. The actions
    that need an entry are enabled only while one is selected (:meth:`set_entry_selected`).

    The actions are attributes (``open``, ``rename``, ``reuse``, ``copy``, ``markdown``, ``json``, ``importing``,
    ``delete``); the owner connects their ``triggered`` (it knows the selected entry).
    """

    def __init__(self, owner: QWidget, view: QListView, more: QToolButton) -> None:
        super().__init__(owner)

        def action(name: str, text: str, shortcut: Qt.Key | None = None) -> QAction:
            return widget_action(self, name, text, None, shortcut, view)

        self.open = action("history_action_open", self.tr("Open"))
        self.rename = action("history_action_rename", self.tr("Rename"), Qt.Key.Key_F2)
        self.reuse = action("history_action_reuse", self.tr("Use these settings again"))
        self.copy = action("history_action_copy_parameters", self.tr("Copy parameters"))
        self.markdown = action("history_action_export_markdown", self.tr("Export as Markdown…"))
        self.json = action("history_action_export_json", self.tr("Export as JSON…"))
        self.importing = action("history_action_import", self.tr("Import…"))
        self.delete = action("history_action_delete", self.tr("Delete…"), Qt.Key.Key_Delete)
        self._for_entry = (self.open, self.rename, self.reuse, self.copy, self.markdown, self.json, self.delete)
        self.menu = QMenu(owner)
        self.menu.setObjectName("history_context_menu")
        for group in ((self.open, self.rename), (self.reuse, self.copy), (self.markdown, self.json, self.importing),
                      (self.delete,)):
            if not self.menu.isEmpty():
                self.menu.addSeparator()
            self.menu.addActions(list(group))
        more_menu = QMenu(owner)
        more_menu.setObjectName("history_more_menu")
        more_menu.addAction(self.importing)
        more.setMenu(more_menu)

    def set_entry_selected(self, selected: bool) -> None:
        for entry_action in self._for_entry:
            entry_action.setEnabled(selected)
