"""Where the gallery meets the main window: View → Gallery (Ctrl+G); its "Use these settings again" and
"Open conversation" carried out by the main window; and an output's "Use as input", "Paint a mask" and "Send to",
the picture flows of the main window, offered in the gallery's menus."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from ...session import Gallery, Services
from ...session.gallery import clean_inputs
from ...storage.gallery import GalleryItem
from ...storage.gallery_inputs import SweptInputs
from ...storage.history_records import HistoryError
from ..common.widgets import named
from ..models.catalogue_flow import CatalogueFlow
from .history_view import apply_reuse
from .main_window import MainWindow
from .wiring import PictureWiring

if TYPE_CHECKING:
    from ..gallery.presenter import GalleryPresenter

log = logging.getLogger(__name__)


class GalleryWiring(QObject):
    """The gallery of one main window: its menu entry, its start (deletions an earlier session left in their undo
    window) and end (those of this one). Its presenter, and the gallery's modules with it, are made on first need
    (the window opened, or new outputs whose thumbnails can be made ahead): an idle app never loads them."""

    def __init__(self, window: MainWindow, services: Services, thumbnails_dir: Path, *,
                 open_conversation: Callable[[int], None], catalogue: CatalogueFlow | None = None,
                 pictures: PictureWiring | None = None, queue_db: Path | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.services = services
        self.thumbnails_dir = thumbnails_dir
        self.open_conversation = open_conversation
        self.catalogue = catalogue
        self.pictures = pictures
        self.queue_db = queue_db
        recorder = services.recorder
        self.gallery = pictures.gallery if pictures is not None else Gallery(recorder)  # the app's one, shared
        self.gallery.on_warning = lambda message: window.statusBar().showMessage(message, 15000)
        self._presenter: GalleryPresenter | None = None
        self.cleaning: asyncio.Task[SweptInputs | None] | None = None
        self._newest: int | None = None
        self.action = named(QAction(self.tr("&Gallery"), window), "gallery_action_show")
        self.action.setShortcut(QKeySequence("Ctrl+G"))
        self.action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.action.setEnabled(recorder.enabled)
        self.action.setToolTip(self.tr("Every kept output, from every conversation"))
        self.action.triggered.connect(lambda: self.presenter.open())
        self.window.view_menu().addAction(self.action)
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
            if self.pictures is not None:
                presenter.set_item_menu(self.fill_item_menu)
            self._presenter = presenter
        return self._presenter

    async def start(self) -> None:
        """Removes what an earlier session deleted once its undo window was over; notes the newest picture; and
        starts removing, in the background, the kept inputs nothing uses any more."""
        if self.gallery.enabled:
            from ..gallery.grid_model import newest_picture

            await self.gallery.recover()
            self._newest = await newest_picture(self.gallery)
        self.cleaning = asyncio.get_running_loop().create_task(self.clean_inputs(), name="clean kept inputs")

    async def clean_inputs(self) -> SweptInputs | None:
        """Removes the masks and pasted pictures kept for runs that no run in the history, no queued job, nor the
        form or the painter on screen uses, once a day old (off the loop); ``None`` when that failed."""
        pictures = self.pictures
        try:
            swept = await clean_inputs(
                self.gallery,
                folders=[pictures.inputs_dir] if pictures is not None else [],
                in_use=pictures.flows.files_in_use() if pictures is not None else (), queue_db=self.queue_db)
        except (OSError, sqlite3.Error, HistoryError, RuntimeError) as error:
            log.warning("The kept inputs were not cleaned up this time: %s", error)
            return None
        if swept.removed:
            log.info("Removed %d kept inputs no run uses any more", len(swept.removed))
        return swept

    async def aclose(self) -> None:
        """Removes the files of this session's deletions, and stops the gallery's reads and workers."""
        if self.cleaning is not None:
            self.cleaning.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.cleaning
        if self._presenter is not None:
            await self._presenter.aclose()
        elif self.gallery.enabled:
            await self.gallery.finish_deletions()

    def fill_item_menu(self, menu: QMenu, item: GalleryItem) -> None:
        """Adds "Use as input", "Paint a mask" and "Send to" for a picture: submenus of the user's models that
        take it, each carried out by the main window's picture flows (which it then brings to the front)."""
        pictures = self.pictures
        if pictures is None or item.kind != "image":
            return
        flows, targets, path = pictures.flows, pictures.flows.targets, item.path
        current = targets.current()
        takers = sorted(targets.takers(), key=lambda model: model != current)  # the chosen model first
        use = named(menu.addMenu(self.tr("Use as input")), "galleryUseAsInputMenu")
        for model in takers:
            use.addAction(model).triggered.connect(
                lambda _checked=False, chosen=model: self._back(lambda: flows.use_as_input(path, chosen)))
        masks = [model for model in targets.user_models() if targets.takes(model, mask=True)]
        mask = named(menu.addMenu(self.tr("Paint a mask")), "galleryMaskMenu")
        for model in sorted(masks, key=lambda model: model != current):
            mask.addAction(model).triggered.connect(
                lambda _checked=False, chosen=model: self._back(lambda: flows.paint_mask_for(path, chosen)))
        for submenu, found in ((use, takers), (mask, masks)):
            if not found:
                submenu.addAction(self.tr("None known yet: choose a model once to learn its inputs")).setEnabled(False)
        send = named(menu.addMenu(self.tr("Send to")), "gallerySendToMenu")
        pictures.send_to.fill_menu(send, path, then=lambda: self._back(lambda: None))

    def _back(self, call: Callable[[], Any]) -> None:
        """Does it in the main window and brings that window to the front."""
        call()
        self.window.raise_()
        self.window.activateWindow()

