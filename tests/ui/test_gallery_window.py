"""The gallery in the real window: View → Gallery (Ctrl+G) shows what a run kept, "Use these settings again" fills
the main window, "Open conversation" shows the conversation; and the screenshots in light and dark."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from PySide6.QtGui import QAction, QColor, QPalette
from PySide6.QtWidgets import QApplication, QMenu

from desktop_app.storage.thumbnails import ThumbnailCache
from desktop_app.ui.gallery.delegate import edge_for
from desktop_app.ui.gallery.presenter import GalleryPresenter
from desktop_app.ui.shell.gallery_wiring import GalleryWiring
from desktop_app.ui.shell.theme import apply_theme
from tests.fake_replicate import FakeReplicate, Script
from tests.storage.gallery_helpers import make_output
from tests.ui.gallery_helpers import MUSIC, SDXL, VIDEO, Library, build_library, picture, wav
from tests.ui.harness import Harness, child, gallery_harness, until
from tests.ui.video_helpers import tiny_mp4

FLUX = "black-forest-labs/flux-schnell"


pytestmark = pytest.mark.usefixtures("english_texts")


@pytest_asyncio.fixture
async def harness(fake_replicate: FakeReplicate, tmp_path: Path) -> AsyncIterator[tuple[Harness, GalleryWiring]]:
    async with gallery_harness(fake_replicate, tmp_path) as made:
        yield made


async def test_view_gallery_shows_a_new_output_and_leads_back_into_work(
        harness: tuple[Harness, GalleryWiring]) -> None:
    h, wiring = harness
    action = child(h.window, QAction, "gallery_action_show")
    assert action.shortcut().toString() == "Ctrl+G"
    view_menu = next(entry.menu() for entry in h.window.menuBar().actions() if entry.objectName() == "menu_view")
    assert isinstance(view_menu, QMenu) and action in view_menu.actions()
    assert [entry.text() for entry in h.window.menuBar().actions()][:4] == ["&File", "&Edit", "&View", "&Help"]

    h.fake.set_script(FLUX, Script(kind="image", images=[("png", 80, 60)], stream=True))
    h.choose("flux-schnell")
    h.send("a paper boat on a pond")
    await h.wait_idle()
    await h.services.recorder.flush()

    action.trigger()
    presenter = wiring.presenter
    window = presenter.window
    assert window is not None and window.isVisible()
    await until(lambda: presenter.model.rowCount() == 1, message="the kept output")
    item = presenter.model.item(0)
    assert item is not None and item.prompt.endswith("a paper boat on a pond") and item.model == FLUX

    h.send("a second boat")  # a new output while the gallery is open: it shows up by itself
    await h.wait_idle()
    await until(lambda: presenter.model.rowCount() == 2, message="the new output in the open gallery")

    h.window.new_chat_requested.emit()
    h.window.chat.set_prompt("")
    h.choose("llama-3-70b")
    window.grid.open_requested.emit(1)
    await until(lambda: window.detail.use_button.isEnabled(), message="the detail")
    window.detail.use_button.click()
    await until(lambda: h.prompt_box.toPlainText() != "", message="the prompt back")
    assert h.prompt_box.toPlainText().endswith("a paper boat on a pond")
    assert h.window.model_picker.current_model() == "flux-schnell"  # the picker's name for it

    window.detail.conversation_button.click()
    await until(lambda: len(h.window.chat.turns()) >= 2, message="the conversation on screen")
    assert h.window.chat.turns()[0].text.endswith("a paper boat on a pond")


# --- screenshots ------------------------------------------------------------------------------------------------


@pytest_asyncio.fixture
async def showcase(tmp_path: Path) -> AsyncIterator[Library]:
    """Pictures of three models, with a video and two sounds among the newest."""
    prompts = ["a lighthouse on a cliff at dusk", "a fox in the snow, watercolour", "neon city street in rain",
               "a bowl of ramen, studio photo", "mountain lake at sunrise", "a retro robot toy"]
    library = build_library(tmp_path, pictures=0, media=False)
    store, made = library.store, library.made
    conversation = store.create_conversation("Showcase", FLUX)
    for n in range(24):
        model = (FLUX, SDXL, "bytedance/sdxl-lightning-4step")[n % 3]
        made.append(make_output(store, conversation, model, prompts[n % len(prompts)], seed=2000 + n,
                                data=picture(n, 512, 384 + (n % 3) * 64)))
        if n == 18:  # a real video: its poster frame is its thumbnail
            made.append(make_output(store, conversation, VIDEO, "waves rolling in", seed=3001,
                                    content_type="video/mp4", data=await tiny_mp4(
                                        tmp_path / "waves.mp4", QColor(38, 110, 150), width=192, height=128)))
        if n == 19:
            made.append(make_output(store, conversation, MUSIC, "a calm piano tune", seed=3002,
                                    content_type="audio/wav", data=wav(1.5)))
    try:
        yield library
    finally:
        await library.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
async def test_screenshot_in_light_and_dark(showcase: Library, tmp_path: Path, theme: str, screenshots: Path,
                                            qapp: QApplication) -> None:
    style, palette = qapp.style().name(), qapp.palette()
    presenter = GalleryPresenter(showcase.gallery, ThumbnailCache(tmp_path / "thumbnails"))
    presenter.set_item_menu(lambda _menu, _item: None)  # the main window's picture flows would fill it
    try:
        apply_theme(qapp, theme)
        await presenter.start()
        window = presenter.open()
        window.resize(1240, 760)
        await until(lambda: presenter.model.rowCount() == 26, message="the rows")
        model, grid = presenter.model, window.grid
        await asyncio.sleep(0.05)
        flagged = [model.item(row) for row in (1, 9)]
        await showcase.gallery.set_flags([flagged[0].id], favourite=True)  # type: ignore[union-attr]
        await showcase.gallery.set_flags([flagged[1].id], rejected=True)  # type: ignore[union-attr]
        presenter.reload(keep_position=False)
        await until(lambda: model.item(1) is not None and model.item(1).favourite, message="the marks")  # type: ignore[union-attr]
        grid.select_row(2)
        grid.open_requested.emit(2)
        edge = edge_for(grid.devicePixelRatioF())

        def painted() -> bool:
            low, high = grid.visible_rows()
            items = [model.item(row) for row in range(low, high + 1)]
            return all(item is not None and (item.kind not in ("image", "video")
                                             or presenter.loader.pixmap(item, edge) is not None) for item in items)

        await until(painted, message="the thumbnails")
        await until(lambda: window.detail.picture.has_image() and window.detail.parameters.topLevelItemCount() > 0,
                    message="the detail")
        await asyncio.sleep(0.1)
        shot = window.grab().toImage()
        shot.save(str(screenshots / f"gallery_{theme}.png"))
        background = QColor(shot.pixel(grid.mapTo(window, grid.rect().bottomLeft()).x() + 6,
                                       grid.mapTo(window, grid.rect().bottomLeft()).y() - 6))
        assert background.lightness() < 100 if theme == "dark" else background.lightness() > 200
        base = qapp.palette().color(QPalette.ColorRole.Base)
        assert abs(background.lightness() - base.lightness()) < 40
    finally:
        await presenter.aclose()
        if presenter.window is not None:
            presenter.window.hide()
            presenter.window.deleteLater()
        qapp.setStyle(style)
        qapp.setPalette(palette)
