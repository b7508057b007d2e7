"""A video's thumbnail in the gallery is its poster frame where Qt's multimedia module (the `media` extra) is
installed, as the test environment has it: decoded off the paint path, kept in the thumbnail cache like a picture's;
without the module, or for a file no frame comes out of, the video's card stays."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from desktop_app.storage.gallery import GalleryItem, GalleryQueries
from desktop_app.storage.thumbnails import ThumbnailCache
from desktop_app.ui.gallery import media, thumbnails
from desktop_app.ui.gallery.delegate import edge_for
from desktop_app.ui.gallery.presenter import GalleryPresenter
from desktop_app.ui.gallery.thumbnails import ThumbnailLoader
from tests.storage.gallery_helpers import make_output
from tests.ui.gallery_helpers import VIDEO, Library, build_library
from tests.ui.harness import until
from tests.ui.video_helpers import tiny_mp4

RED = QColor(210, 40, 40)
EDGE = 160


pytestmark = pytest.mark.usefixtures("english_texts")


@pytest_asyncio.fixture
async def library(tmp_path: Path) -> AsyncIterator[Library]:
    """Two pictures, a real red video and a file that only says it is one."""
    made = build_library(tmp_path, pictures=2, media=False)
    conversation = made.made[0].conversation_id
    video = await tiny_mp4(tmp_path / "red.mp4", RED)
    made.made.append(make_output(made.store, conversation, VIDEO, "a red sea", seed=5001, content_type="video/mp4",
                                 data=video))
    made.made.append(make_output(made.store, conversation, VIDEO, "a broken clip", seed=5002,
                                 content_type="video/mp4", data=b"\x00\x00\x00\x18ftypmp42" + bytes(64)))
    try:
        yield made
    finally:
        await made.close()


def item(library: Library, prompt: str) -> GalleryItem:
    (made,) = [made for made in library.made if made.prompt == prompt]
    return GalleryQueries(library.store).item(made.id)


def near(colour: QColor, wanted: QColor, slack: int = 40) -> bool:
    pairs = ((colour.red(), wanted.red()), (colour.green(), wanted.green()), (colour.blue(), wanted.blue()))
    return all(abs(a - b) <= slack for a, b in pairs)


async def poster(loader: ThumbnailLoader, video: GalleryItem) -> QImage:
    await until(lambda: loader.pixmap(video, EDGE) is not None, limit=20, message="the poster frame")
    pixmap = loader.pixmap(video, EDGE)
    assert pixmap is not None
    return pixmap.toImage()


async def test_a_videos_poster_is_its_frame_made_off_the_paint_path_and_kept_in_the_cache(
        library: Library, tmp_path: Path) -> None:
    cache = ThumbnailCache(tmp_path / "thumbnails", suffix="png")
    loader = ThumbnailLoader(cache)
    video = item(library, "a red sea")
    try:
        assert media.multimedia_available() and loader.posters is not None
        assert loader.pixmap(video, EDGE) is None  # asked for, never made in the paint that asked
        image = await poster(loader, video)
        assert (image.width(), image.height()) == (96, 64)  # never enlarged
        assert near(image.pixelColor(48, 32), RED)
        kept = cache.get(video.sha256, EDGE)
        assert kept is not None and near(QImage(str(kept)).pixelColor(48, 32), RED)
    finally:
        loader.shutdown()

    again = ThumbnailLoader(cache)  # the next session: from the disk cache, no video decoded
    try:
        assert again.posters is not None
        asked: list[Path] = []
        again.posters.grab = lambda path, then: asked.append(path)  # type: ignore[method-assign]
        assert near((await poster(again, video)).pixelColor(48, 32), RED)
        assert asked == []
    finally:
        again.shutdown()


async def test_a_file_that_is_no_video_keeps_its_card_and_says_why(library: Library, tmp_path: Path) -> None:
    loader = ThumbnailLoader(ThumbnailCache(tmp_path / "thumbnails"))
    broken = item(library, "a broken clip")
    try:
        assert loader.pixmap(broken, EDGE) is None
        await until(lambda: loader.failure(broken, EDGE) is not None, limit=15, message="the failure")
        assert loader.pixmap(broken, EDGE) is None and loader.pending() == 0
        assert loader.posters is not None and loader.posters.pending() == 0  # not tried again on every paint
    finally:
        loader.shutdown()


async def test_without_the_multimedia_module_the_card_stays_and_nothing_is_asked(
        library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(thumbnails, "multimedia_available", lambda: False)
    loader = ThumbnailLoader(ThumbnailCache(tmp_path / "thumbnails"))
    try:
        assert loader.posters is None
        video = item(library, "a red sea")
        assert loader.pixmap(video, EDGE) is None
        assert loader.pending() == 0 and loader.failure(video, EDGE) is None
    finally:
        loader.shutdown()


@pytest.mark.parametrize("module", [True, False])
async def test_the_grid_paints_the_poster_under_a_play_mark_or_the_card(
        library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, screenshots: Path, module: bool,
        qapp: QApplication) -> None:
    if not module:
        monkeypatch.setattr(thumbnails, "multimedia_available", lambda: False)
    presenter = GalleryPresenter(library.gallery, ThumbnailCache(tmp_path / "thumbnails"))
    try:
        await presenter.start()
        window = presenter.open()
        window.resize(900, 500)
        model, grid = presenter.model, window.grid
        await until(lambda: model.rowCount() == 4, message="the rows")
        row = next(row for row in range(4) if (found := model.item(row)) is not None and found.prompt == "a red sea")
        video = model.item(row)
        assert video is not None
        edge = edge_for(grid.devicePixelRatioF())
        if module:
            await until(lambda: presenter.loader.pixmap(video, edge) is not None, limit=20, message="the poster")
        await asyncio.sleep(0.1)
        shot = grid.viewport().grab().toImage()
        shot.save(str(screenshots / f"gallery-video-{'poster' if module else 'card'}.png"))
        cell = grid.visualRect(model.index(row, 0))
        corner = shot.pixelColor(cell.center().x() - 40, cell.top() + 8 + 80 - 25)  # in the frame, off the mark
        assert near(corner, RED) if module else near(corner, QColor("#1f242b"), 8)
    finally:
        await presenter.aclose()
        if presenter.window is not None:
            presenter.window.hide()
            presenter.window.deleteLater()


async def test_the_poster_grabber_is_made_once_the_window_has_painted_not_when_scrolling_reaches_a_video(
        tmp_path: Path, qapp: QApplication) -> None:
    made = build_library(tmp_path, pictures=2, media=False)  # no video at all: the first one may come later
    presenter = GalleryPresenter(made.gallery, ThumbnailCache(tmp_path / "thumbnails"))
    try:
        await presenter.start()
        assert presenter.loader._posters is None
        presenter.open()
        await until(lambda: presenter.loader._posters is not None, message="the grabber made after the first paint")
    finally:
        await presenter.aclose()
        await made.close()
        if presenter.window is not None:
            presenter.window.hide()
            presenter.window.deleteLater()
