"""Where the gallery meets the main window: View → Gallery (Ctrl+G), and its "Use these settings again" and
"Open conversation" carried out by the main window."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from ...session import Gallery, Services
from ...storage.thumbnails import ThumbnailCache
from ..common.widgets import named
from ..gallery.presenter import GalleryPresenter
from ..gallery.thumbnails import cache_format
from ..models.catalogue_flow import CatalogueFlow
from .history_view import apply_reuse
from .main_window import MainWindow


class GalleryWiring(QObject):
    """The gallery of one main window: its menu entry, its presenter (the window is built on first use), and its
    start (deletions an earlier session left in their undo window) and end (those of this one)."""

    def __init__(self, window: MainWindow, services: Services, thumbnails_dir: Path, *,
                 open_conversation: Callable[[int], None], catalogue: CatalogueFlow | None = None) -> None:
        super().__init__(window)
        self.window = window
        recorder = services.recorder
        self.presenter = GalleryPresenter(Gallery(recorder), ThumbnailCache(thumbnails_dir, suffix=cache_format()),
                                          window)
        self.action = named(QAction(self.tr("&Gallery"), window), "gallery_action_show")
        self.action.setShortcut(QKeySequence("Ctrl+G"))
        self.action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.action.setEnabled(recorder.enabled)
        self.action.setToolTip(self.tr("Every kept output, from every conversation"))
        self.action.triggered.connect(self.presenter.open)
        self._view_menu().addAction(self.action)
        self.presenter.conversation_requested.connect(lambda conversation_id: self._back(
            lambda: open_conversation(conversation_id)))
        self.presenter.use_settings_requested.connect(lambda reuse: self._back(
            lambda: apply_reuse(window, reuse, services.preferences, catalogue)))
        heard = recorder.on_changed

        def changed(conversation_id: int) -> None:
            if heard is not None:
                heard(conversation_id)
            self.presenter.refresh(conversation_id)

        recorder.on_changed = changed

    async def start(self) -> None:
        await self.presenter.start()

    async def aclose(self) -> None:
        """Removes the files of this session's deletions, and stops the gallery's reads and workers."""
        await self.presenter.aclose()

    def _view_menu(self) -> QMenu:
        bar = self.window.menuBar()
        for action in bar.actions():
            menu = action.menu()
            if action.objectName() == "menu_view" and isinstance(menu, QMenu):
                return menu
        menu = bar.addMenu(self.tr("&View"))
        menu.menuAction().setObjectName("menu_view")
        actions = bar.actions()
        if len(actions) > 1:  # before Help, the last menu
            bar.insertMenu(actions[-2], menu)
        return menu

    def _back(self, call: Callable[[], Any]) -> None:
        """Does it in the main window and brings that window to the front."""
        call()
        self.window.raise_()
        self.window.activateWindow()

