"""The gallery grid: the model reads only the blocks the view shows, filters and search change the rows, the
thumbnails are made off the GUI thread and kept on disk, and the cells paint every kind of output."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QDate
from PySide6.QtGui import QImage

from desktop_app.storage.gallery import GalleryFilter
from desktop_app.storage.thumbnails import ThumbnailCache
from desktop_app.ui.gallery import thumbnails as thumbnail_module
from desktop_app.ui.gallery.delegate import edge_for, kind_label
from desktop_app.ui.gallery.grid_model import ITEM_ROLE, GalleryGridModel
from desktop_app.ui.gallery.grid_view import GalleryGrid
from desktop_app.ui.gallery.presenter import GalleryPresenter
from desktop_app.ui.gallery.rendering import peaks, scaled_image
from desktop_app.ui.gallery.thumbnails import ThumbnailLoader
from tests.ui.gallery_helpers import FLUX, Library, build_library, picture
from tests.ui.harness import until

pytestmark = pytest.mark.usefixtures("english_texts")




async def opened(presenter: GalleryPresenter) -> GalleryGrid:
    window = presenter.open()
    window.resize(900, 640)
    await until(lambda: presenter.model.rowCount() > 0, message="the first rows")
    return window.grid


def ids_shown(presenter: GalleryPresenter) -> list[int]:
    model = presenter.model
    return [item.id for row in range(model.rowCount()) if (item := model.item(row)) is not None]


# --- paging ----------------------------------------------------------------------------------------------------


async def test_the_model_asks_the_session_only_for_the_blocks_on_screen(tmp_path: Path) -> None:
    library = build_library(tmp_path, pictures=60, media=False)
    library.count_reads()
    loader = ThumbnailLoader(None)
    model = GalleryGridModel()
    grid = GalleryGrid(model, loader)
    try:
        grid.resize(560, 240)  # two or three rows of cells: fewer than a block of 10
        grid.show()
        model.set_listing(await library.gallery.listing(GalleryFilter(), stride=10))
        assert model.rowCount() == 60
        assert library.reads == [] and model.item(0) is not None and model.item(10) is None
        await asyncio.sleep(0.1)
        assert library.reads == []  # the first block came with the listing; nothing else is on screen

        grid.scrollToBottom()
        await until(lambda: model.item(59) is not None, message="the last rows")
        first, last = grid.visible_rows()
        assert last == 59 and first >= 50
        blocks_read = sorted({0 if after is None else after.id for after in library.reads})
        on_screen = {row // 10 for row in range(first, last + 1)}
        assert len(library.reads) == len(on_screen) <= 2  # one read per block on screen, nothing in between
        assert all(model.item(row) is None for row in range(10, 10 * min(on_screen)))
        assert blocks_read  # the reads started from anchors, not from the top
    finally:
        grid.deleteLater()
        loader.shutdown()
        await model.aclose()
        await library.close()


async def test_every_selected_row_is_read_for_an_action_even_rows_never_shown(tmp_path: Path) -> None:
    library = build_library(tmp_path, pictures=45, media=False)
    loader = ThumbnailLoader(None)
    model = GalleryGridModel()
    grid = GalleryGrid(model, loader)
    try:
        grid.resize(560, 240)
        grid.show()
        model.set_listing(await library.gallery.listing(GalleryFilter(), stride=10))
        grid.selectAll()
        assert grid.selected_ranges() == [(0, 44)] and grid.selected_count() == 45
        items = await model.items(grid.selected_ranges())
        assert sorted(item.id for item in items) == sorted(made.id for made in library.made)
    finally:
        grid.deleteLater()
        loader.shutdown()
        await model.aclose()
        await library.close()


# --- filters -----------------------------------------------------------------------------------------------


async def test_filters_search_and_order_change_the_rows(presenter: GalleryPresenter, library: Library) -> None:
    await opened(presenter)
    bar = presenter.window.filter_bar  # type: ignore[union-attr]
    assert presenter.model.rowCount() == len(library.made) == 29
    assert bar.count_label.text() == "29 outputs"
    await until(lambda: bar.model_box.count() == 5, message="the model list")
    assert bar.model_box.itemData(1) == FLUX and bar.model_box.itemText(1) == f"{FLUX} (16)"

    bar.kind_box.setCurrentIndex(bar.kind_box.findData("video"))
    await until(lambda: presenter.model.rowCount() == 2, message="the videos")
    assert {presenter.model.item(row).kind for row in range(2)} == {"video"}  # type: ignore[union-attr]

    bar.kind_box.setCurrentIndex(0)
    bar.model_box.setCurrentIndex(bar.model_box.findData(FLUX))
    await until(lambda: presenter.model.rowCount() == 16, message="one model")

    bar.search_box.setText("lighthouse number 7")  # every word, as prefixes
    bar.apply_now()
    await until(lambda: presenter.model.rowCount() == 1, message="the search")
    assert presenter.model.item(0).prompt == "a lighthouse at dusk number 7"  # type: ignore[union-attr]

    bar.search_box.setText("nothing like this")
    bar.apply_now()
    await until(lambda: presenter.model.rowCount() == 0, message="no match")
    assert presenter.window.grid.empty_text() == "Nothing matches these filters."  # type: ignore[union-attr]

    bar.search_box.clear()
    bar.model_box.setCurrentIndex(0)
    bar.sort_box.setCurrentIndex(bar.sort_box.findData("oldest"))
    await until(lambda: presenter.model.rowCount() == 29 and presenter.model.item(0) is not None
                and presenter.model.item(0).id == library.made[0].id, message="oldest first")  # type: ignore[union-attr]


async def test_typing_a_search_waits_for_a_pause(presenter: GalleryPresenter) -> None:
    await opened(presenter)
    bar = presenter.window.filter_bar  # type: ignore[union-attr]
    heard: list[GalleryFilter] = []
    bar.filter_changed.connect(heard.append)
    for letter in "number 1":
        bar.search_box.insert(letter)
    assert heard == []
    await until(lambda: bool(heard), message="the search after the pause")
    assert [query.search for query in heard] == ["number 1"]


async def test_dates_and_flags_build_the_filter(presenter: GalleryPresenter) -> None:
    await opened(presenter)
    bar = presenter.window.filter_bar  # type: ignore[union-attr]
    bar.period_box.setCurrentIndex(bar.period_box.findData("custom"))
    assert bar.from_date.isVisibleTo(bar) and bar.to_date.isVisibleTo(bar)
    bar.from_date.setDate(QDate(2026, 11, 30))
    bar.to_date.setDate(QDate(2026, 11, 28))  # reversed: taken the right way round
    bar.favourites_button.setChecked(True)
    bar.hide_rejected_box.setChecked(True)
    query = bar.current()
    assert query.since is not None and query.until is not None
    assert query.since.astimezone().date().isoformat() == "2026-11-28"
    assert query.until.astimezone().date().isoformat() == "2026-12-01"
    assert query.favourites_only and query.hide_rejected
    await until(lambda: presenter.model.rowCount() == 0, message="no favourites yet")
    assert presenter.window.grid.empty_text() == "Nothing matches these filters."  # type: ignore[union-attr]


async def test_an_empty_history_says_where_outputs_will_appear(tmp_path: Path) -> None:
    library = build_library(tmp_path, pictures=0, media=False)
    presenter = GalleryPresenter(library.gallery, None)
    try:
        window = presenter.open()
        await until(lambda: window.grid.empty_text() != "", message="the empty text")
        assert window.grid.empty_text().startswith("No outputs yet.")
        assert window.filter_bar.count_label.text() == "0 outputs"
        window.grid.grab()  # paints the sentence without complaint
    finally:
        await presenter.aclose()
        presenter.window.deleteLater()  # type: ignore[union-attr]
        await library.close()


# --- thumbnails ----------------------------------------------------------------------------------------------


async def test_thumbnails_are_decoded_off_the_gui_thread_and_kept_on_disk(
        presenter: GalleryPresenter, library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[int] = []

    def watched(path: Path, edge: int) -> QImage:
        threads.append(threading.get_ident())
        return scaled_image(path, edge)

    monkeypatch.setattr(thumbnail_module, "scaled_image", watched)
    grid = await opened(presenter)
    grid.viewport().repaint()
    first, last = grid.visible_rows()
    shown = [presenter.model.item(row) for row in range(first, last + 1)]
    pictures = [item for item in shown if item is not None and item.kind == "image"]
    edge = edge_for(grid.devicePixelRatioF())
    assert pictures
    await until(lambda: all(presenter.loader.pixmap(item, edge) is not None for item in pictures),
                message="the thumbnails on screen")
    assert threads and threading.get_ident() not in threads
    cache = ThumbnailCache(tmp_path / "thumbnails")
    assert all(cache.get(item.sha256, edge) is not None for item in pictures)
    cached = QImage(str(cache.get(pictures[0].sha256, edge)))
    assert not cached.isNull() and max(cached.width(), cached.height()) <= edge

    again = ThumbnailLoader(cache)  # a new session: read from the disk cache, nothing decoded again
    try:
        assert again.pixmap(pictures[0], edge) is None
        await until(lambda: again.pixmap(pictures[0], edge) is not None, message="the cached thumbnail")
        assert again.made == 0
    finally:
        again.shutdown()


async def test_pixmaps_kept_in_memory_stay_under_their_cap(library: Library) -> None:
    loader = ThumbnailLoader(None, memory_bytes=3 * 96 * 72 * 4)
    try:
        pictures = [item for item in await (await library.gallery.listing(GalleryFilter(kinds=("image",)))).rows(0, 20)]
        for item in pictures:
            loader.pixmap(item, 160)
        await until(lambda: loader.pending() == 0 and loader.made == 20, message="every thumbnail")
        await asyncio.sleep(0.05)
        assert 0 < loader.memory_used() <= 3 * 96 * 72 * 4
        kept = [item for item in pictures if loader.pixmap(item, 160) is not None]
        assert 1 <= len(kept) <= 3
    finally:
        loader.shutdown()


async def test_a_damaged_picture_gets_a_card_and_is_not_read_again(library: Library, tmp_path: Path) -> None:
    item = (await (await library.gallery.listing(GalleryFilter(kinds=("image",)))).rows(0, 1))[0]
    item.path.write_bytes(b"\x89PNG\r\n\x1a\n but not really")
    loader = ThumbnailLoader(ThumbnailCache(tmp_path / "thumbs"))
    try:
        assert loader.pixmap(item, 160) is None
        await until(lambda: loader.failure(item, 160) is not None, message="the failure")
        assert loader.pixmap(item, 160) is None and loader.pending() == 0  # not asked again
        loader.forget()
        assert loader.failure(item, 160) is None  # forgetting lets it be tried again (the file may be back)
    finally:
        loader.shutdown()


async def test_prefetch_fills_the_disk_cache_without_keeping_pixmaps(library: Library, tmp_path: Path) -> None:
    cache = ThumbnailCache(tmp_path / "thumbs")
    loader = ThumbnailLoader(cache)
    try:
        items = await (await library.gallery.listing(GalleryFilter())).rows(0, 29)
        loader.prefetch(items, 160)
        pictures = [item for item in items if item.kind == "image"]
        await until(lambda: all(cache.get(item.sha256, 160) for item in pictures), message="the cache")
        assert loader.memory_used() == 0 and loader.made == len(pictures) == 24
    finally:
        loader.shutdown()


def test_the_big_picture_is_decoded_at_the_size_asked(tmp_path: Path) -> None:
    path = tmp_path / "big.jpg"
    path.write_bytes(picture(3, 1200, 800, "JPEG"))
    image = scaled_image(path, 300)
    assert (image.width(), image.height()) == (300, 200)
    small = tmp_path / "small.png"
    small.write_bytes(picture(4, 40, 30))
    assert (scaled_image(small, 300).width(), scaled_image(small, 300).height()) == (40, 30)  # never enlarged


async def test_audio_cards_draw_the_waveform_of_a_wav_and_a_pattern_otherwise(library: Library) -> None:
    listing = await library.gallery.listing(GalleryFilter(kinds=("audio",)))
    sounds = {item.content_type: item for item in await listing.rows(0, 2)}
    measured = peaks(sounds["audio/wav"].path, "audio/wav", sounds["audio/wav"].sha256)
    assert measured.measured and len(measured.values) == 48
    assert measured.values[-1] == 1.0 and measured.values[0] < 0.2  # the tone swells
    sketch = peaks(sounds["audio/mpeg"].path, "audio/mpeg", sounds["audio/mpeg"].sha256)
    assert not sketch.measured and sketch == peaks(sounds["audio/mpeg"].path, "audio/mpeg", sounds["audio/mpeg"].sha256)
    assert kind_label(sounds["audio/wav"]) == "Audio · WAV" and kind_label(sounds["audio/mpeg"]) == "Audio · MP3"


async def test_every_kind_of_cell_paints(presenter: GalleryPresenter) -> None:
    grid = await opened(presenter)
    grid.window().resize(1200, 900)
    grid.selectAll()
    await asyncio.sleep(0.3)
    image = grid.viewport().grab().toImage()
    assert not image.isNull()
    model = presenter.model
    kinds = {model.index(row).data(ITEM_ROLE).kind for row in range(model.rowCount())}
    assert kinds == {"image", "video", "audio", "other"}


async def test_new_pictures_get_their_thumbnails_before_the_gallery_is_opened(
        presenter: GalleryPresenter, library: Library, tmp_path: Path) -> None:
    from tests.storage.gallery_helpers import make_output

    conversation = library.made[0].conversation_id
    new = [make_output(library.store, conversation, FLUX, f"new picture {n}", seed=500 + n, data=picture(500 + n))
           for n in range(3)]
    presenter.refresh()  # what the history's change notice calls
    cache = ThumbnailCache(tmp_path / "thumbnails")
    items = await library.gallery.page(GalleryFilter(kinds=("image",)), None, 5)
    fresh = [item for item in items.items if item.id in {made.id for made in new}]
    assert len(fresh) == 3
    await until(lambda: all(cache.get(item.sha256, edge_for(1.0)) for item in fresh), message="their thumbnails")
    assert presenter.window is None  # made in the background, the gallery never opened
    older = [item for item in items.items if item not in fresh]
    assert older and not any(cache.get(item.sha256, edge_for(1.0)) for item in older)  # only the new ones
