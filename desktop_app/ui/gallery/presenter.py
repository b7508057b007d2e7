"""What the gallery window does, through the session's :class:`Gallery`: listings for each filter, reading them
again when the history changes, the detail pane, and the ways back into work (settings, conversation)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QAbstractItemView, QMainWindow, QWidget

from ...session import Gallery, GalleryListing, Reuse
from ...storage.gallery import GalleryFilter, GalleryItem
from ...storage.thumbnails import ThumbnailCache
from .background import Background
from .delegate import edge_for
from .detail_pane import LARGE_EDGE
from .grid_model import GalleryGridModel, newest_picture
from .grid_view import ItemMenu
from .media import open_externally
from .rendering import RenderError, scaled_image
from .selection import SelectionActions
from .thumbnails import ThumbnailLoader
from .window import GalleryWindow

REFRESH_MS = 600  # history writes that land together are read once, this long after the first
NEW_PAGE = 200
MAX_NEW = 1000  # new pictures whose thumbnails are made ahead of being shown, per refresh


def describe(error: Exception) -> str:
    """One sentence for the status line."""
    text = str(error).strip()
    return text or QCoreApplication.translate("GalleryWindow", "Something went wrong ({0}).").format(
        type(error).__name__)


class GalleryPresenter(QObject):
    """Opens the gallery window on demand and keeps it current.

    The window is built the first time it opens. While it is hidden, history changes only mark it stale (and the
    thumbnails of new pictures are made in the background, so that it opens with them); its pixmaps are dropped
    when it hides (the disk cache keeps them).

    Signals:
        use_settings_requested(object) — a :class:`Reuse`: put these settings in the main window
        conversation_requested(int conversation_id) — show that conversation in the main window
    """

    use_settings_requested = Signal(object)
    conversation_requested = Signal(int)

    def __init__(self, gallery: Gallery, cache: ThumbnailCache | None, parent: QWidget | None = None, *,
                 newest: int | None = None) -> None:
        super().__init__(parent)
        self.gallery = gallery
        self.owner = parent
        self.loader = ThumbnailLoader(cache, parent=self)
        self.model = GalleryGridModel(self)
        self.jobs = Background()
        self.window: GalleryWindow | None = None
        self.actions: SelectionActions | None = None
        self._stale = True
        self._item_menu: ItemMenu | None = None
        self._newest = newest  # the newest picture known: those after it are new (their thumbnails made ahead)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_MS)
        self._refresh_timer.timeout.connect(self._on_refresh_timeout)
        self.model.load_failed.connect(self._say)
        gallery.on_warning = self._say

    # --- lifecycle -------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Finishes deletions an earlier session left in their undo window, and notes the newest picture."""
        if not self.gallery.enabled:
            return
        await self.gallery.recover()
        self._newest = await newest_picture(self.gallery)

    def open(self) -> GalleryWindow:
        """Shows the gallery (built on first use), reading it again if the history changed meanwhile."""
        window = self._build()
        window.show()
        window.raise_()
        window.activateWindow()
        QTimer.singleShot(0, self.loader.warm_posters)  # after the first paint, before any scrolling
        if self._stale:
            self.reload(keep_position=self.model.listing() is not None)
        return window

    def set_item_menu(self, fill: ItemMenu) -> None:
        """What the grid's context menu and the detail pane's "Use" button offer for one output besides the
        gallery's own actions ("Use as input", "Send to…": the app's, not the gallery's)."""
        self._item_menu = fill
        if self.window is not None:
            self.window.grid.item_menu = self.window.detail.item_menu = fill

    def refresh(self, _conversation_id: int | None = None) -> None:
        """The history changed: read it again soon (once for a burst of writes)."""
        if self.gallery.enabled and not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def reload(self, *, keep_position: bool = True, then: Callable[[], None] | None = None) -> None:
        """Reads the current filter's listing and the model list again."""
        if self.window is None or not self.gallery.enabled:
            return
        self._stale = False
        self._load(self.window.filter_bar.current(), keep_position=keep_position, then=then)
        self.jobs.call(self.gallery.models, self.window.filter_bar.set_models, self.report, name="models",
                       slot="models")

    async def aclose(self) -> None:
        """Removes the files of deletions still in their undo window, then stops the reads and the workers."""
        self._refresh_timer.stop()
        if self.gallery.enabled:
            await self.gallery.finish_deletions()
        self.jobs.cancel_all()
        await self.jobs.wait_all()
        await self.model.aclose()
        self.loader.shutdown()

    # --- listings ----------------------------------------------------------------------------------------

    def _build(self) -> GalleryWindow:
        if self.window is not None:
            return self.window
        self.window = window = GalleryWindow(self.model, self.loader, self.owner)
        window.grid.item_menu = window.detail.item_menu = self._item_menu
        self.actions = SelectionActions(self.gallery, self.model, window, self.jobs, reload=self.reload,
                                        report=self.report)
        window.filter_bar.filter_changed.connect(lambda query: self._load(query, keep_position=False))
        window.grid.open_requested.connect(self._on_grid_open_requested)
        window.grid.current_changed.connect(self._on_grid_current_changed)
        window.hidden.connect(self._on_window_hidden)
        detail = window.detail
        detail.use_settings_requested.connect(self._on_detail_use_settings_requested)
        detail.open_conversation_requested.connect(self._on_detail_open_conversation_requested)
        detail.open_externally_requested.connect(self._on_detail_open_externally_requested)
        return window

    def _load(self, query: GalleryFilter, *, keep_position: bool,
              then: Callable[[], None] | None = None) -> None:
        grid = self.window.grid if self.window is not None else None
        first, _last = grid.visible_rows() if grid is not None and keep_position else (0, -1)
        current = self.model.item(grid.currentIndex().row()) if grid is not None and keep_position else None

        def show(listing: GalleryListing) -> None:
            self.model.set_listing(listing)
            if self.window is None:
                return
            self.window.filter_bar.set_count(listing.total)
            self.window.grid.set_empty_text(self._empty_text(query, listing.total))
            if keep_position and listing.total:
                grid = self.window.grid
                if first > 0:
                    grid.scrollTo(self.model.index(min(first, listing.total - 1)),
                                  QAbstractItemView.ScrollHint.PositionAtTop)
                row = self.model.row_of(current.id) if current is not None else None
                if row is not None:
                    grid.select_row(row)
            if then is not None:
                then()

        self.jobs.call(lambda: self.gallery.listing(query), show, self.report, name="listing", slot="listing")

    def _empty_text(self, query: GalleryFilter, total: int) -> str:
        if total:
            return ""
        if query == GalleryFilter(sort=query.sort):
            return self.tr("No outputs yet. Pictures, videos and sounds you generate are kept here.")
        return self.tr("Nothing matches these filters.")

    def _on_refresh_timeout(self) -> None:
        self.jobs.call(lambda: self._newest_images(self._newest), self._prefetch, self.report, name="new outputs",
                       slot="new")
        if self.window is not None and self.window.isVisible():
            self.reload(keep_position=True)
        else:
            self._stale = True

    async def _newest_images(self, known: int | None) -> list[GalleryItem]:
        """The pictures kept since output ``known`` (newest first; only the newest one when ``known`` is None)."""
        query = GalleryFilter(kinds=("image",))
        found: list[GalleryItem] = []
        after = None
        while len(found) < MAX_NEW:
            page = await self.gallery.page(query, after, 1 if known is None else NEW_PAGE)
            fresh = [item for item in page.items if known is None or item.id > known]
            found += fresh
            if known is None or page.next is None or len(fresh) < len(page.items):
                break
            after = page.next
        return found[:MAX_NEW]

    def _prefetch(self, items: list[GalleryItem]) -> None:
        if not items:
            return
        self._newest = max(self._newest or 0, *(item.id for item in items))
        screen = self.window or self.owner
        self.loader.prefetch(items, edge_for(screen.devicePixelRatioF() if screen is not None else 1.0))

    def _on_window_hidden(self) -> None:
        self.loader.forget()

    # --- the detail pane -----------------------------------------------------------------------------------

    def _on_grid_open_requested(self, row: int) -> None:
        item = self.model.item(row)
        if item is None or self.window is None:
            return
        self.window.open_detail()
        self._show_detail(item)

    def _on_grid_current_changed(self, row: int) -> None:
        if self.window is None or not self.window.detail.isVisible():
            return
        item = self.model.item(row) if row >= 0 else None
        if item is not None and (self.window.detail.item() is None or self.window.detail.item() != item):
            self._show_detail(item)

    def _show_detail(self, item: GalleryItem) -> None:
        assert self.window is not None
        pane = self.window.detail
        pane.show_item(item)
        self.jobs.call(lambda: self.gallery.detail(item.id), pane.set_detail, self.report, name="detail",
                       slot="detail")
        if item.kind != "image":
            return

        def failed(error: Exception) -> None:
            reason = str(error) if isinstance(error, RenderError) else describe(error)
            pane.set_image(item.id, None, self.tr("Cannot show this picture: {0}").format(reason))

        def shown(image: QImage) -> None:
            pane.set_image(item.id, image)

        self.jobs.call(lambda: asyncio.to_thread(scaled_image, item.path, LARGE_EDGE), shown, failed,
                       name="picture", slot="picture")

    def _on_detail_use_settings_requested(self, output_id: int) -> None:
        self.jobs.call(lambda: self.gallery.use_settings_again(output_id), self._use_settings, self.report,
                       name="use settings again")

    def _use_settings(self, reuse: Reuse) -> None:
        self.use_settings_requested.emit(reuse)
        self._say(self.tr("The settings are in the main window, ready to run."))

    def _on_detail_open_conversation_requested(self, output_id: int) -> None:
        self.jobs.call(lambda: self.gallery.open_conversation(output_id), self.conversation_requested.emit,
                       self.report, name="open conversation")

    def _on_detail_open_externally_requested(self, output_id: int) -> None:
        item = self.window.detail.item() if self.window is not None else None
        if item is None or item.id != output_id:
            return
        if not item.path.is_file():
            self._say(self.tr("The file is missing: {0}").format(item.path))
        elif not open_externally(item.path):
            self._say(self.tr("No program on this system opens {0}.").format(item.path.name))

    # --- messages ------------------------------------------------------------------------------------------

    def report(self, error: Exception) -> None:
        """Says in the window's status line what went wrong."""
        self._say(describe(error))

    def _say(self, message: str) -> None:
        """In the gallery's status line while it is open, else in the main window's (a purge that failed)."""
        if self.window is not None and self.window.isVisible():
            self.window.say(message)
        elif isinstance(self.owner, QMainWindow):
            self.owner.statusBar().showMessage(message, 10000)
