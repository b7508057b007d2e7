"""The gallery's ways on for a picture, in the real window against the fake server: right-click an output in the grid
(or the detail pane's "Use" button) → "Send to", "Use as input", "Paint a mask", carried out by the main window's
picture flows through the app's one Gallery."""

from __future__ import annotations

import base64
import os
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
import pytest_asyncio
from PySide6.QtGui import QAction, QContextMenuEvent
from PySide6.QtWidgets import QApplication, QMenu

from desktop_app.session import Gallery
from desktop_app.ui.gallery.window import GalleryWindow
from desktop_app.ui.shell.gallery_wiring import GalleryWiring
from desktop_app.ui.shell.send_to import SendToFlow
from desktop_app.ui.shell.wiring import PictureWiring
from tests.fake_replicate import FakeReplicate, Script
from tests.storage.gallery_helpers import tiny_png
from tests.ui.harness import Harness, gallery_harness, until
from tests.ui.test_picture_flows import INPAINT, created_inputs, flows, form, form_for

FLUX = "black-forest-labs/flux-schnell"
UPSCALE = "nightmareai/real-esrgan"


pytestmark = pytest.mark.usefixtures("english_texts")


@pytest_asyncio.fixture
async def rig(fake_replicate: FakeReplicate, tmp_path: Path) -> AsyncIterator[tuple[Harness, GalleryWiring]]:
    fake_replicate.set_script(FLUX, Script(kind="image", images=[("png", 40, 40)], official=True))
    fake_replicate.set_script(UPSCALE, Script(kind="image", task="upscale", output_kind="single",
                                              images=[("png", 160, 160)]))
    fake_replicate.set_script(INPAINT, Script(kind="image", task="inpaint"))
    async with gallery_harness(fake_replicate, tmp_path) as made:
        yield made


async def a_fox_in_the_gallery(h: Harness, wiring: GalleryWiring) -> tuple[Path, GalleryWindow]:
    """Makes one output and opens the gallery on it."""
    await form_for(h, "flux-schnell", "num_inference_steps")
    h.send("a fox in the snow")
    await h.wait_idle()
    await h.flush()
    source = h.window.viewer.path_at(0)
    assert source is not None
    window = wiring.presenter.open()
    await until(lambda: wiring.presenter.model.item(0) is not None, message="the output in the gallery")
    return source, window


def right_click(window: GalleryWindow, row: int) -> QMenu:
    """What right-clicking the cell does: the grid's context menu, shown (never waited for)."""
    grid = window.grid
    where = grid.visualRect(grid.model().index(row, 0)).center()
    QApplication.sendEvent(grid.viewport(), QContextMenuEvent(QContextMenuEvent.Reason.Mouse, where,
                                                              grid.viewport().mapToGlobal(where)))
    menu = grid.menu
    assert menu is not None and menu.isVisible()
    return menu


def submenu(menu: QMenu, name: str) -> dict[str, QAction]:
    found = menu.findChild(QMenu, name)
    assert found is not None, name
    return {action.text(): action for action in found.actions() if not action.isSeparator() and action.text()}


async def test_send_to_from_the_grids_menu_runs_the_model_on_the_exact_file_and_links_the_result(
        rig: tuple[Harness, GalleryWiring]) -> None:
    h, wiring = rig
    pictures = PictureWiring.of(h.window)
    assert pictures is not None
    send_to = h.window.findChild(SendToFlow)
    assert send_to is not None
    assert wiring.gallery is pictures.gallery is send_to.gallery  # the app's one Gallery, not one each

    source, window = await a_fox_in_the_gallery(h, wiring)
    menu = right_click(window, 0)
    choices = submenu(menu, "gallerySendToMenu")
    assert UPSCALE in choices and choices[UPSCALE].isEnabled()
    choices[UPSCALE].trigger()
    menu.close()
    await until(lambda: send_to.run is not None and send_to.run.done, limit=15, message="the sent run's end")

    (created,) = [inputs for inputs in created_inputs(h.fake) if "image" in inputs]
    assert created["image"] == "data:image/png;base64," + base64.b64encode(source.read_bytes()).decode()
    await h.flush()
    gallery = Gallery(h.services.recorder)
    first = await gallery.item(source)
    result = await gallery.item(h.window.viewer.path_at(0))  # type: ignore[arg-type]
    assert result.model == UPSCALE and result.source_output_id == first.id
    assert [step.id for step in await gallery.chain(result.id)] == [result.id, first.id]
    await until(lambda: wiring.presenter.model.rowCount() == 2, message="the result in the open gallery")


async def test_use_as_input_and_paint_a_mask_from_the_gallery_go_to_the_chosen_model(
        rig: tuple[Harness, GalleryWiring]) -> None:
    h, wiring = rig
    await form_for(h, INPAINT, "mask")  # its inputs are known from now on: it takes a picture and a mask
    source, window = await a_fox_in_the_gallery(h, wiring)
    assert h.window.model_picker.current_model() == "flux-schnell"
    menu = right_click(window, 0)
    use, masks = submenu(menu, "galleryUseAsInputMenu"), submenu(menu, "galleryMaskMenu")
    assert FLUX not in use  # flux takes no picture: not offered
    assert INPAINT in use and INPAINT in masks
    use[INPAINT].trigger()
    menu.close()
    await until(lambda: form(h).editor("mask") is not None and form(h).values().get("image") == source,
                message="the picture in the inpainter's image input")
    assert h.window.model_picker.current_model() == INPAINT

    await form_for(h, "flux-schnell", "num_inference_steps")
    window.grid.open_requested.emit(0)  # the detail pane's "Use" button offers the same
    detail = window.detail
    await until(lambda: detail.take_button.isVisible(), message="the detail's Use button")
    take = detail.take_menu
    take.aboutToShow.emit()
    masks = submenu(take, "galleryMaskMenu")
    assert INPAINT in masks
    masks[INPAINT].trigger()
    await until(lambda: flows(h).painter is not None, message="the mask painter")
    painter = flows(h).painter
    assert painter is not None and painter.isVisible() and painter.windowTitle().endswith(source.name)
    assert h.window.model_picker.current_model() == INPAINT
    assert source in flows(h).files_in_use()
    painter.reject()


async def test_no_picture_menus_for_a_sound_and_a_sentence_when_no_model_is_known(
        rig: tuple[Harness, GalleryWiring]) -> None:
    h, wiring = rig
    _source, window = await a_fox_in_the_gallery(h, wiring)
    menu = right_click(window, 0)
    use = submenu(menu, "galleryUseAsInputMenu")
    (only,) = use.values()
    assert not only.isEnabled() and only.text().startswith("None known yet")
    assert set(submenu(menu, "gallerySendToMenu")) >= {UPSCALE}
    menu.close()

    item = wiring.presenter.model.item(0)
    assert item is not None
    sound = replace(item, kind="audio", content_type="audio/wav")
    other = QMenu()
    wiring.fill_item_menu(other, sound)
    assert other.actions() == []  # a sound is no picture: nothing to send on as one
    other.deleteLater()


async def test_the_clean_up_at_start_keeps_what_the_form_holds_and_removes_old_orphans(
        rig: tuple[Harness, GalleryWiring]) -> None:
    h, wiring = rig
    assert wiring.cleaning is not None  # started with the gallery, in the background
    await wiring.cleaning
    gallery = wiring.gallery
    mask = await gallery.keep_input(tiny_png(1), "png")  # a mask painted days ago, still in the form
    orphan = await gallery.keep_input(tiny_png(2), "png")  # a picture pasted days ago and never run
    for path in (mask, orphan):
        os.utime(path, (time.time() - 3 * 86400,) * 2)
    pictures = PictureWiring.of(h.window)
    assert pictures is not None
    kept_without_history = pictures.inputs_dir / f"{3:064x}.png"
    kept_without_history.parent.mkdir(parents=True)
    kept_without_history.write_bytes(tiny_png(3))
    os.utime(kept_without_history, (time.time() - 3 * 86400,) * 2)
    editor = (await form_for(h, INPAINT, "mask")).editor("mask")
    assert editor is not None and editor.set_value(mask)

    swept = await wiring.clean_inputs()
    assert swept is not None and set(swept.removed) == {orphan, kept_without_history}
    assert mask.is_file() and not orphan.exists()
