"""Adapter between the model browser and the catalogue core: searches, collections, cards and covers in tasks."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QImage

from ...replicate import (
    CatalogueCache,
    ModelCard,
    ReplicateClient,
    ReplicateError,
    cached_cover,
    download_output,
    get_collection,
    get_model_card,
    list_collections,
    search_models,
)
from ...session import error_kind
from ..common.errors import describe_error
from ..common.tasks import TaskSlot

if TYPE_CHECKING:
    from .browser import ModelBrowser

log = logging.getLogger(__name__)

COVER_EDGE = 176  # decoded covers are scaled down to this (twice the card's cover, for HiDPI)
MAX_COVER_BYTES = 8 * 1024 * 1024


def decode_cover(data: bytes) -> QImage:
    """The cover image scaled to at most ``COVER_EDGE`` pixels; a null image if it cannot be decoded.

    Safe on a worker thread (QImage is reentrant)."""
    image = QImage.fromData(data)
    if image.isNull() or max(image.width(), image.height()) <= COVER_EDGE:
        return image
    return image.scaled(QSize(COVER_EDGE, COVER_EDGE), Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                        Qt.TransformationMode.SmoothTransformation)


class CatalogueRunner(QObject):
    """Runs the catalogue requests a ``ModelBrowser`` asks for and hands it the results.

    Searches and collections share one slot (the newest request for the result list wins); the card
    has its own; each cover URL has one. Errors become ``browser.show_error`` messages. With a
    ``CatalogueCache`` a cached card is shown at once and refreshed from the network, and covers are
    kept on disk. Covers are decoded on a worker thread.

    Signals:
        card_loaded(object card): a ``ModelCard`` was shown (first a cached one, then the fresh one).
        failed(str what, str message, str kind): a request failed — ``what`` is ``search``,
            ``collection``, ``collections``, ``card`` or ``cover``; ``kind`` is ``auth`` or ``error``.
    """

    card_loaded = Signal(object)
    failed = Signal(str, str, str)

    def __init__(
        self,
        client_getter: Callable[[], ReplicateClient],
        cache: CatalogueCache | None = None,
        parent: QObject | None = None,
        *,
        max_cover_downloads: int = 4,
    ) -> None:
        super().__init__(parent)
        self._client_getter = client_getter
        self._cache = cache
        self._browser: ModelBrowser | None = None
        self._results = TaskSlot("catalogue results")
        self._collections = TaskSlot("catalogue collections")
        self._card = TaskSlot("catalogue card")
        self._covers: dict[str, TaskSlot] = {}
        self._cover_limit = asyncio.Semaphore(max_cover_downloads)
        self._generation = 0

    def attach(self, browser: ModelBrowser) -> None:
        """Serves ``browser``'s requests from now on (attach before it is first shown)."""
        self._browser = browser
        browser.search_requested.connect(self._on_browser_search_requested)
        browser.collection_requested.connect(self._on_browser_collection_requested)
        browser.collections_requested.connect(self._on_browser_collections_requested)
        browser.card_requested.connect(self._on_browser_card_requested)
        browser.cover_needed.connect(self._on_browser_cover_needed)

    # ------------------------------------------------------------------ requests

    def search(self, query: str, cursor: str | None = None) -> None:
        """Searches (an empty query browses all models); a ``cursor`` appends the next page."""
        self._start_results("search", lambda client: self._search(client, query, cursor))

    def open_collection(self, slug: str) -> None:
        self._start_results("collection", lambda client: self._collection(client, slug))

    def load_collections(self) -> None:
        self._collections.start(self._guard("collections", self._load_collections))

    def load_card(self, owner: str, name: str) -> None:
        self._card.start(self._guard("card", lambda: self._load_card(owner, name)))

    def load_cover(self, url: str) -> None:
        slot = self._covers.setdefault(url, TaskSlot(f"cover {url}"))
        slot.start(self._guard("cover", lambda: self._load_cover(url)))

    def cancel_all(self) -> None:
        self._generation += 1
        for slot in self._slots():
            slot.cancel()
        if self._browser is not None:
            self._browser.set_busy(False)

    async def wait_idle(self) -> None:
        """Awaits every running request, and those started meanwhile (tests and shutdown)."""
        while any(slot.running for slot in self._slots()):
            for slot in self._slots():
                await slot.wait()

    # ------------------------------------------------------------------ slots

    def _on_browser_search_requested(self, query: str, cursor: object) -> None:
        self.search(query, cursor if isinstance(cursor, str) else None)

    def _on_browser_collection_requested(self, slug: str) -> None:
        self.open_collection(slug)

    def _on_browser_collections_requested(self) -> None:
        self.load_collections()

    def _on_browser_card_requested(self, owner: str, name: str) -> None:
        self.load_card(owner, name)

    def _on_browser_cover_needed(self, url: str) -> None:
        self.load_cover(url)

    # ------------------------------------------------------------------ coroutines

    def _start_results(self, what: str, work: Callable[[ReplicateClient], Awaitable[None]]) -> None:
        self._generation += 1
        generation = self._generation
        if self._browser is not None:
            self._browser.set_busy(True)

        async def run() -> None:
            try:
                await self._guard(what, lambda: work(self._client_getter()))
            finally:
                if generation == self._generation and self._browser is not None:
                    self._browser.set_busy(False)

        self._results.start(run())

    async def _search(self, client: ReplicateClient, query: str, cursor: str | None) -> None:
        page = await search_models(client, query, cursor=cursor)
        if self._browser is not None:
            self._browser.show_results(page.items, page.next_cursor, append=cursor is not None)

    async def _collection(self, client: ReplicateClient, slug: str) -> None:
        collection = await get_collection(client, slug)
        if self._browser is not None:
            self._browser.show_results(collection.models, None, append=False)

    async def _load_collections(self) -> None:
        collections = await list_collections(self._client_getter())
        if self._browser is not None:
            self._browser.show_collections(collections)

    async def _load_card(self, owner: str, name: str) -> None:
        cached: ModelCard | None = None
        if self._cache is not None:
            cached = await asyncio.to_thread(self._cache.get, owner, name)
            if cached is not None:
                self._show_card(cached)
        try:
            card = await get_model_card(self._client_getter(), owner, name)
        except (ReplicateError, OSError) as error:
            if cached is None:
                raise
            log.info("Showing the cached card of %s/%s: %s", owner, name, error)
            self._report("card", describe_error(error) + self.tr(" — showing the saved details"), error_kind(error))
            return
        self._show_card(card)
        if self._cache is not None:
            try:
                await asyncio.to_thread(self._cache.put, card)
            except (OSError, ValueError) as error:
                log.warning("Could not cache the card of %s/%s: %s", owner, name, error)

    async def _load_cover(self, url: str) -> None:
        try:
            await self._fetch_cover(url)
        except BaseException:
            if self._browser is not None:
                self._browser.set_cover(url, QImage())  # failed (or cancelled): may be asked again later
            raise

    async def _fetch_cover(self, url: str) -> None:
        async with self._cover_limit:
            client = self._client_getter()
            if self._cache is not None:
                path = await cached_cover(client, self._cache, url)
                image = await asyncio.to_thread(_decode_file, path)
            else:
                downloaded = await download_output(client, url)
                image = await asyncio.to_thread(decode_cover, downloaded.data)
        if image.isNull():
            log.info("The cover %s is not an image Qt can read", url)
        if self._browser is not None:
            self._browser.set_cover(url, image)

    async def _guard(self, what: str, work: Callable[[], Awaitable[None]]) -> None:
        """The adapter boundary: any failure becomes an inline message, cancellation passes."""
        try:
            await work()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning("Catalogue %s failed: %s", what, error, exc_info=not isinstance(error, ReplicateError))
            self._report(what, describe_error(error), error_kind(error))

    # ------------------------------------------------------------------ helpers

    def _show_card(self, card: ModelCard) -> None:
        if self._browser is not None:
            self._browser.show_card(card)
        self.card_loaded.emit(card)

    def _report(self, what: str, message: str, kind: str) -> None:
        self.failed.emit(what, message, kind)
        if self._browser is not None and what != "cover":
            self._browser.show_error(message, kind=what)

    def _slots(self) -> list[TaskSlot]:
        return [self._results, self._collections, self._card, *self._covers.values()]


def _decode_file(path: Path) -> QImage:
    if path.stat().st_size > MAX_COVER_BYTES:
        return QImage()
    return decode_cover(path.read_bytes())
