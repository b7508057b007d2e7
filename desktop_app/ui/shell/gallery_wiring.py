"""Where the gallery meets the main window: View → Gallery (Ctrl+G), and its "Use these settings again" and
"Open conversation" carried out by the main window."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from ...session import Gallery, Services
from ..common.widgets import named
from ..models.catalogue_flow import CatalogueFlow
from .history_view import apply_reuse
from .main_window import MainWindow

if TYPE_CHECKING:
    from ..gallery.presenter import GalleryPresenter


class GalleryWiring(QObject):
    """The gallery of one main window: its menu entry, its start (deletions an earlier session left in their undo
    window) and end (those of this one). Its presenter, and the gallery's modules with it, are made on first need
    (the window opened, or new outputs whose thumbnails can be made ahead): an idle app never loads them."""

    def __init__(self, window: MainWindow, services: Services, thumbnails_dir: Path, *,
                 open_conversation: Callable[[int], None], catalogue: CatalogueFlow | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.services = services
        self.thumbnails_dir = thumbnails_dir
        self.open_conversation = open_conversation
        self.catalogue = catalogue
        recorder = services.recorder
        self.gallery = Gallery(recorder, on_warning=lambda message: window.statusBar().showMessage(message, 15000))
        self._presenter: GalleryPresenter | None = None
        self._newest: int | None = None
        self.action = named(QAction(self.tr("&Gallery"), window), "gallery_action_show")
        self.action.setShortcut(QKeySequence("Ctrl+G"))
        self.action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.action.setEnabled(recorder.enabled)
        self.action.setToolTip(self.tr("Every kept output, from every conversation"))
        self.action.triggered.connect(lambda: self.presenter.open())
        self._view_menu().addAction(self.action)
        heard = recorder.on_changed

        def changed(conversation_id: int) -> None:
            if heard is not None:
                heard(conversation_id)
            if self.gallery.enabled:
                self.presenter.refresh(conversation_id)

        recorder.on_changed = changed

    @property
    def presenter(self) -> GalleryPresenter:
        """The gallery's presenter, made on first use."""
        if self._presenter is None:
            from ...storage.thumbnails import ThumbnailCache
            from ..gallery.presenter import GalleryPresenter
            from ..gallery.thumbnails import cache_format

            cache = ThumbnailCache(self.thumbnails_dir, suffix=cache_format())
            presenter = GalleryPresenter(self.gallery, cache, self.window, newest=self._newest)
            presenter.conversation_requested.connect(lambda conversation_id: self._back(
                lambda: self.open_conversation(conversation_id)))
            presenter.use_settings_requested.connect(lambda reuse: self._back(
                lambda: apply_reuse(self.window, reuse, self.services.preferences, self.catalogue)))
            self._presenter = presenter
        return self._presenter

    async def start(self) -> None:
        """Removes what an earlier session deleted once its undo window was over; notes the newest picture."""
        if self.gallery.enabled:
            from ..gallery.grid_model import newest_picture

            await self.gallery.recover()
            self._newest = await newest_picture(self.gallery)

    async def aclose(self) -> None:
        """Removes the files of this session's deletions, and stops the gallery's reads and workers."""
        if self._presenter is not None:
            await self._presenter.aclose()
        elif self.gallery.enabled:
            await self.gallery.finish_deletions()

    def _view_menu(self) -> QMenu:
        bar = self.window.menuBar()
        for action in bar.actions():
            menu = action.menu()
            if action.objectName() == "menu_view" and isinstance(menu, QMenu):
                return menu
        return self.window.add_menu(self.tr("&View"), "menu_view", after_edit=True)

    def _back(self, call: Callable[[], Any]) -> None:
        """Does it in the main window and brings that window to the front."""
        call()
        self.window.raise_()
        self.window.activateWindow()

