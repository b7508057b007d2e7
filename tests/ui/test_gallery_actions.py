"""The gallery's actions from the keyboard and the detail pane: favourite and reject keys, multi-select delete with
undo, export with the metadata kept, copy, and the ways back into work."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog

from desktop_app.session import Reuse
from desktop_app.storage.gallery import GalleryQueries
from desktop_app.ui.gallery import media
from desktop_app.ui.gallery import presenter as presenter_module
from desktop_app.ui.gallery.grid_view import GalleryGrid
from desktop_app.ui.gallery.presenter import GalleryPresenter
from tests.ui.gallery_helpers import FLUX, Library
from tests.ui.harness import until

Image = pytest.importorskip("PIL.Image")


pytestmark = pytest.mark.usefixtures("english_texts")




async def grid_of(presenter: GalleryPresenter) -> GalleryGrid:
    window = presenter.open()
    window.resize(1000, 700)
    await until(lambda: presenter.model.rowCount() > 0, message="the first rows")
    window.grid.setFocus()
    return window.grid


def click(grid: GalleryGrid, row: int, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    centre = grid.visualRect(grid.model().index(row, 0)).center()
    QTest.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, modifier, centre)


def flags(library: Library, output_id: int) -> tuple[bool, bool]:
    item = GalleryQueries(library.store).item(output_id)
    return item.favourite, item.rejected


def row_id(presenter: GalleryPresenter, row: int) -> int:
    item = presenter.model.item(row)
    assert item is not None
    return item.id


# --- flags ------------------------------------------------------------------------------------------------------


async def test_f_and_x_mark_the_selection_and_flip_back(presenter: GalleryPresenter, library: Library) -> None:
    grid = await grid_of(presenter)
    click(grid, 5)
    click(grid, 7, Qt.KeyboardModifier.ControlModifier)
    chosen = [row_id(presenter, 5), row_id(presenter, 7)]

    QTest.keyClick(grid, Qt.Key.Key_F)
    await until(lambda: all(flags(library, output_id) == (True, False) for output_id in chosen), message="favourites")
    await until(lambda: presenter.model.item(5).favourite, message="the cell shows it")  # type: ignore[union-attr]

    QTest.keyClick(grid, Qt.Key.Key_X)  # a reject is no favourite
    await until(lambda: all(flags(library, output_id) == (False, True) for output_id in chosen), message="rejects")
    QTest.keyClick(grid, Qt.Key.Key_X)  # all rejected already: the mark comes off
    await until(lambda: all(flags(library, output_id) == (False, False) for output_id in chosen), message="unmarked")
    assert flags(library, row_id(presenter, 6)) == (False, False)  # not selected, not touched


async def test_ctrl_a_then_f_marks_every_row_read_or_not(presenter: GalleryPresenter, library: Library) -> None:
    grid = await grid_of(presenter)
    QTest.keyClick(grid, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert grid.selected_count() == 29
    QTest.keyClick(grid, Qt.Key.Key_F)
    await until(lambda: all(flags(library, made.id)[0] for made in library.made), message="all favourites")
    bar = presenter.window.filter_bar  # type: ignore[union-attr]
    bar.favourites_button.setChecked(True)
    await until(lambda: presenter.model.rowCount() == 29 and bar.current().favourites_only, message="favourites only")


async def test_typing_in_the_search_box_does_not_mark_anything(presenter: GalleryPresenter, library: Library) -> None:
    grid = await grid_of(presenter)
    click(grid, 0)
    bar = presenter.window.filter_bar  # type: ignore[union-attr]
    bar.search_box.setFocus()
    QTest.keyClicks(bar.search_box, "fx")
    await asyncio.sleep(0.1)
    assert bar.search_box.text() == "fx"
    assert not any(flags(library, made.id)[0] or flags(library, made.id)[1] for made in library.made)


# --- delete and undo ---------------------------------------------------------------------------------------------


async def test_shift_select_delete_hides_at_once_and_undo_brings_back(presenter: GalleryPresenter,
                                                                      library: Library) -> None:
    grid = await grid_of(presenter)
    click(grid, 2)
    click(grid, 4, Qt.KeyboardModifier.ShiftModifier)
    chosen = [row_id(presenter, row) for row in (2, 3, 4)]
    paths = [GalleryQueries(library.store).item(output_id).path for output_id in chosen]
    after = row_id(presenter, 5)

    QTest.keyClick(grid, Qt.Key.Key_Delete)
    await until(lambda: presenter.model.rowCount() == 26, message="the rows gone")
    window = presenter.window
    assert window is not None and window.undo_bar.isVisible()
    assert window.undo_bar.label.text() == "Deleted 3 outputs."
    assert window.undo_bar.undo_button.text().startswith("Undo (")
    assert all(path.is_file() for path in paths)  # the files wait for the undo window
    assert chosen[0] not in [row_id(presenter, row) for row in range(6)]
    await until(lambda: grid.currentIndex().row() == 2, message="the next cell selected")
    assert row_id(presenter, 2) == after

    window.undo_bar.undo_button.click()
    await until(lambda: presenter.model.rowCount() == 29, message="the rows back")
    assert [row_id(presenter, row) for row in (2, 3, 4)] == chosen
    assert not window.undo_bar.isVisible()
    assert window.status.currentMessage() == "Restored 3 outputs."


async def test_once_the_undo_window_closes_the_files_are_gone(presenter: GalleryPresenter, library: Library) -> None:
    grid = await grid_of(presenter)
    click(grid, 0)
    output_id = row_id(presenter, 0)
    path = GalleryQueries(library.store).item(output_id).path
    QTest.keyClick(grid, Qt.Key.Key_Delete)
    await until(lambda: presenter.model.rowCount() == 28, message="the row gone")
    library.sleeper.released.set()  # the undo window closes
    await until(lambda: not path.exists(), message="the file removed")
    window = presenter.window
    assert window is not None
    window.undo_bar.undo_button.click()
    await until(lambda: window.undo_bar.label.text() == "Too late to undo: those files are gone.",
                message="the late undo")
    assert presenter.model.rowCount() == 28


# --- export and copy ---------------------------------------------------------------------------------------------


async def test_export_writes_the_selection_with_its_metadata(presenter: GalleryPresenter, library: Library,
                                                             tmp_path: Path) -> None:
    grid = await grid_of(presenter)
    pictures = [row for row in range(presenter.model.rowCount()) if presenter.model.item(row).kind == "image"][:2]  # type: ignore[union-attr]
    click(grid, pictures[0])
    click(grid, pictures[1], Qt.KeyboardModifier.ControlModifier)

    QTest.keyClick(grid, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    dialog = presenter.window.findChild(QFileDialog, "galleryExportDialog")  # type: ignore[union-attr]
    assert dialog is not None and dialog.isVisible()  # opened with open(): the loop keeps running
    folder = tmp_path / "exported"
    folder.mkdir()
    dialog.fileSelected.emit(str(folder))
    dialog.reject()

    window = presenter.window
    assert window is not None
    await until(lambda: window.status.currentMessage().startswith("Exported"), message="the export")
    assert len(list(folder.iterdir())) == 2
    prompts = set()
    for path in sorted(folder.iterdir()):
        assert path.name.startswith("a-lighthouse-at-dusk-number-") and path.suffix == ".png"
        with Image.open(path) as picture:
            assert picture.size == (96, 72)
            text = picture.text  # PNG text chunks, after the pixels too
            prompts.add(text["prompt"])
            assert text["model"] in (FLUX, "stability-ai/sdxl") and text["seed"].isdigit()
    assert prompts == {presenter.model.item(row).prompt for row in pictures}  # type: ignore[union-attr]
    assert window.status.currentMessage() == f"Exported 2 files to {folder}."


async def test_export_into_a_file_says_why_it_failed(presenter: GalleryPresenter, tmp_path: Path) -> None:
    grid = await grid_of(presenter)
    click(grid, 0)
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    presenter.actions.export_to(blocker / "inside")  # type: ignore[union-attr]
    window = presenter.window
    assert window is not None
    await until(lambda: "a file" in window.status.currentMessage(), message="the sentence")
    assert "Traceback" not in window.status.currentMessage()


async def test_copy_puts_one_picture_or_the_paths_on_the_clipboard(presenter: GalleryPresenter) -> None:
    grid = await grid_of(presenter)
    picture = next(row for row in range(presenter.model.rowCount()) if presenter.model.item(row).kind == "image")  # type: ignore[union-attr]
    click(grid, picture)
    QTest.keyClick(grid, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    clipboard = QGuiApplication.clipboard()
    await until(lambda: clipboard.mimeData() is not None and clipboard.mimeData().hasImage(), message="the picture")
    item = presenter.model.item(picture)
    assert item is not None
    assert clipboard.mimeData().urls()[0].toLocalFile() == str(item.path)

    click(grid, 0)
    click(grid, 1, Qt.KeyboardModifier.ShiftModifier)
    QTest.keyClick(grid, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    await until(lambda: not clipboard.mimeData().hasImage(), message="the paths")
    assert clipboard.text().splitlines() == [str(presenter.model.item(row).path) for row in (0, 1)]  # type: ignore[union-attr]
    clipboard.clear()  # offscreen, a clipboard still holding this data crashed the interpreter at its exit


# --- the detail pane ---------------------------------------------------------------------------------------------


async def test_opening_shows_it_large_with_every_parameter(presenter: GalleryPresenter, library: Library) -> None:
    grid = await grid_of(presenter)
    row = next(row for row in range(presenter.model.rowCount()) if presenter.model.item(row).kind == "image")  # type: ignore[union-attr]
    click(grid, row)
    QTest.keyClick(grid, Qt.Key.Key_Return)
    window = presenter.window
    assert window is not None
    pane = window.detail
    await until(lambda: pane.isVisible() and pane.picture.has_image(), message="the picture")
    item = presenter.model.item(row)
    assert item is not None
    await until(lambda: pane.parameters.topLevelItemCount() > 0, message="the parameters")
    rows = [pane.parameters.topLevelItem(n) for n in range(pane.parameters.topLevelItemCount())]
    shown = {row.text(0): row.text(1) for row in rows if row is not None}
    assert shown["Model"] == item.model and shown["prompt"] == item.prompt and shown["seed"].isdigit()
    assert pane.prompt.text() == item.prompt

    click(grid, row + 1)  # the pane follows the selection while it is open
    await until(lambda: pane.item() is not None and pane.item().id == row_id(presenter, row + 1),  # type: ignore[union-attr]
                message="the next item")
    QTest.keyClick(grid, Qt.Key.Key_Escape)
    assert not pane.isVisible()


async def test_use_these_settings_again_and_open_conversation_are_asked_of_the_main_window(
        presenter: GalleryPresenter, library: Library) -> None:
    grid = await grid_of(presenter)
    reused: list[Reuse] = []
    conversations: list[int] = []
    presenter.use_settings_requested.connect(reused.append)
    presenter.conversation_requested.connect(conversations.append)
    grid.open_requested.emit(0)
    pane = presenter.window.detail  # type: ignore[union-attr]
    item = presenter.model.item(0)
    assert item is not None
    await until(lambda: pane.use_button.isEnabled(), message="the buttons")

    pane.use_button.click()
    await until(lambda: bool(reused), message="the settings")
    made = next(made for made in library.made if made.id == item.id)
    assert reused[0].prompt == made.prompt and reused[0].model_name == made.model
    assert reused[0].inputs == {"seed": 1005}

    pane.conversation_button.click()
    await until(lambda: bool(conversations), message="the conversation")
    assert conversations == [made.conversation_id]


async def test_video_and_audio_open_in_the_system_player(presenter: GalleryPresenter,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[Path] = []
    def open_externally(path: Path) -> bool:
        opened.append(path)
        return True

    monkeypatch.setattr(presenter_module, "open_externally", open_externally)
    monkeypatch.setattr(media, "multimedia_available", lambda: False)  # as in the bundle: no QtMultimedia
    grid = await grid_of(presenter)
    row = next(row for row in range(presenter.model.rowCount()) if presenter.model.item(row).kind == "video")  # type: ignore[union-attr]
    grid.open_requested.emit(row)
    pane = presenter.window.detail  # type: ignore[union-attr]
    assert pane.open_button.text() == "Open with system player"
    assert pane.picture.isVisible() and not pane.picture.has_image()
    pane.open_button.click()
    assert opened == [presenter.model.item(row).path]  # type: ignore[union-attr]


def test_inline_playback_needs_the_optional_multimedia_module(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                              qapp: object) -> None:
    monkeypatch.setattr(media.importlib.util, "find_spec", lambda _name: None)
    assert not media.multimedia_available()
    assert media.inline_player(tmp_path / "clip.mp4", "video") is None
    assert media.inline_player(tmp_path / "a.png", "image") is None


async def test_the_context_menu_offers_the_keys(presenter: GalleryPresenter) -> None:
    grid = await grid_of(presenter)
    texts = {action.text(): action.shortcut().toString() for action in grid.actions()}
    assert texts["Favourite"] == "F" and texts["Reject"] == "X" and texts["Delete"] == "Del"
    assert texts["Copy"] == "Ctrl+C" and texts["Export to folder…"] == "Ctrl+E"
    click(grid, 1)
    event_pos = grid.visualRect(grid.model().index(1, 0)).center()
    QTest.mouseClick(grid.viewport(), Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, event_pos)
    assert grid.selected_ranges() == [(1, 1)]
    assert isinstance(event_pos, QPoint)


async def test_dragging_the_selection_out_carries_its_files(presenter: GalleryPresenter) -> None:
    grid = await grid_of(presenter)
    assert grid.drag_data() is None  # nothing selected
    click(grid, 3)
    click(grid, 5, Qt.KeyboardModifier.ControlModifier)
    found = grid.drag_data()
    assert found is not None
    mime, _thumbnail = found
    paths = sorted(url.toLocalFile() for url in mime.urls())
    assert paths == sorted(str(presenter.model.item(row).path) for row in (3, 5))  # type: ignore[union-attr]
