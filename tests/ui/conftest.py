"""Runs the async GUI tests on the app's qasync loop (see tests/qt_loop.py); ``english_texts`` installs the English
catalogue for a module that asks for it (``pytestmark = pytest.mark.usefixtures("english_texts")``); ``library`` and
``presenter`` are a made gallery library and the gallery's presenter over it (a module may define its own)."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from desktop_app.storage.thumbnails import ThumbnailCache
from desktop_app.ui.gallery.presenter import GalleryPresenter
from tests.qt_loop import pytest_asyncio_loop_factories  # noqa: F401  (a hook: pytest finds it by name)
from tests.ui.gallery_helpers import Library, build_library, english


@pytest.fixture
def english_texts(qapp: object) -> Iterator[None]:
    """The English catalogue installed: it holds the plural forms ("1 output", "2 outputs")."""
    with english():
        yield


@pytest_asyncio.fixture
async def library(tmp_path: Path) -> AsyncIterator[Library]:
    made = build_library(tmp_path)
    try:
        yield made
    finally:
        await made.close()


@pytest_asyncio.fixture
async def presenter(library: Library, tmp_path: Path) -> AsyncIterator[GalleryPresenter]:
    shown = GalleryPresenter(library.gallery, ThumbnailCache(tmp_path / "thumbnails"))
    await shown.start()
    try:
        yield shown
    finally:
        await shown.aclose()
        if shown.window is not None:
            shown.window.deleteLater()  # not close(): the last window closed would quit the test's loop
