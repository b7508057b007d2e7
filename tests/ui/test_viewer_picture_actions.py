"""The viewer's ways to take an output further: Use as input, Paint a mask…, Send to…, dragging it out (the image
and its thumbnail carry the kept file), and the "Made from" line of a chain."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot

from desktop_app.ui.common import drag
from desktop_app.ui.viewer.chain_bar import ChainStep
from desktop_app.ui.viewer.image_viewer import ImageViewer


def png(colour: tuple[int, int, int], size: tuple[int, int] = (64, 48)) -> bytes:
    stream = io.BytesIO()
    Image.new("RGB", size, colour).save(stream, "PNG")
    return stream.getvalue()


@pytest.fixture
def viewer(qtbot: QtBot) -> ImageViewer:
    widget = ImageViewer()
    qtbot.addWidget(widget)
    widget.resize(640, 480)
    widget.show()
    return widget


@pytest.fixture
def kept(tmp_path: Path) -> list[Path]:
    paths = []
    for number, colour in enumerate(((200, 30, 30), (30, 200, 30))):
        path = tmp_path / "library" / f"out{number}.png"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(png(colour))
        paths.append(path)
    return paths


def test_the_actions_wait_for_an_image_and_ask_for_the_shown_index(viewer: ImageViewer, kept: list[Path],
                                                                  qtbot: QtBot) -> None:
    actions = viewer.picture_actions
    assert not any(action.isEnabled() for action in actions.actions())
    viewer.begin_generation("a fox", 2)
    for index, path in enumerate(kept):
        with qtbot.waitSignal(viewer.image_shown, timeout=5000):
            viewer.set_image_bytes(index, path.read_bytes(), content_type="image/png", source_url=str(path))
    assert all(action.isEnabled() for action in actions.actions())
    viewer.select(1)
    asked: list[tuple[str, int]] = []
    viewer.use_as_input_requested.connect(lambda index: asked.append(("use", index)))
    viewer.mask_requested.connect(lambda index: asked.append(("mask", index)))
    viewer.send_to_requested.connect(lambda index: asked.append(("send", index)))
    for action in actions.actions():
        action.trigger()
    assert asked == [("use", 1), ("mask", 1), ("send", 1)]
    assert viewer.path_at(1) == kept[1]
    assert viewer.path_at(5) is None


def test_an_output_not_kept_on_disk_still_drags_as_a_picture(viewer: ImageViewer, qtbot: QtBot) -> None:
    viewer.begin_generation("a fox", 1)
    with qtbot.waitSignal(viewer.image_shown, timeout=5000):
        viewer.set_image_bytes(0, png((1, 2, 3)), content_type="image/png", source_url="https://x.test/o.png")
    assert viewer.path_at(0) is None
    carried = viewer._drag_data(0)
    assert carried is not None
    mime, _picture = carried
    assert not mime.hasUrls() and mime.hasImage()


def test_dragging_the_fitted_image_carries_its_kept_file(viewer: ImageViewer, kept: list[Path], qtbot: QtBot,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    dragged: list[tuple[list[str], bool]] = []
    monkeypatch.setattr(drag, "drag_out",
                        lambda _source, mime, _image: dragged.append(
                            ([url.toLocalFile() for url in mime.urls()], mime.hasImage())))
    viewer.begin_generation("a fox", 1)
    with qtbot.waitSignal(viewer.image_shown, timeout=5000):
        viewer.set_image_bytes(0, kept[0].read_bytes(), content_type="image/png", source_url=str(kept[0]))
    canvas = viewer._canvas
    assert canvas.is_fit_mode()
    start = QPointF(canvas.viewport().rect().center())
    end = start + QPointF(QApplication.startDragDistance() + 5, 0)
    for kind, at, button, buttons in (
            (QEvent.Type.MouseButtonPress, start, Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton),
            (QEvent.Type.MouseMove, end, Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton),
            (QEvent.Type.MouseButtonRelease, end, Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton)):
        QApplication.sendEvent(canvas.viewport(), QMouseEvent(kind, at, canvas.viewport().mapToGlobal(at), button,
                                                              buttons, Qt.KeyboardModifier.NoModifier))
    assert dragged == [([str(kept[0])], True)]


def test_a_thumbnail_drags_its_own_file_and_right_click_offers_the_actions(
        viewer: ImageViewer, kept: list[Path], qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    dragged: list[list[str]] = []
    monkeypatch.setattr(drag, "drag_out",
                        lambda _source, mime, _image: dragged.append([url.toLocalFile() for url in mime.urls()]))
    viewer.begin_generation("a fox", 2)
    for index, path in enumerate(kept):
        with qtbot.waitSignal(viewer.image_shown, timeout=5000):
            viewer.set_image_bytes(index, path.read_bytes(), content_type="image/png", source_url=str(path))
    strip = viewer._strip
    strip.setCurrentRow(1)
    strip.startDrag(Qt.DropAction.CopyAction)
    assert dragged == [[str(kept[1])]]
    item = strip.item(0)
    assert item is not None
    strip.customContextMenuRequested.emit(strip.visualItemRect(item).center())
    assert viewer.current_index() == 0
    menus = [menu for menu in viewer.findChildren(QMenu, "pictureActionsMenu") if menu.isVisible()]
    assert len(menus) == 1
    assert [action.text() for action in menus[0].actions()] == ["Use as input", "Paint a mask…", "Send to…"]
    menus[0].close()


def test_the_made_from_line_links_each_step(viewer: ImageViewer, qtbot: QtBot) -> None:
    bar = viewer.chain_bar
    assert bar.isHidden()
    viewer.chain_bar.set_steps([ChainStep(7, "nightmareai/real-esrgan:abc", "a fox"),
                      ChainStep(3, "black-forest-labs/flux-schnell", "a fox in the snow, " * 5)])
    assert not bar.isHidden()
    text = bar._label.text()
    assert 'href="output:7"' in text and 'href="output:3"' in text
    assert "nightmareai/real-esrgan · a fox" in text and ":abc" not in text
    assert text.index("output:7") < text.index("output:3")
    with qtbot.waitSignal(viewer.chain_step_requested) as asked:
        bar._label.linkActivated.emit("output:3")
    assert asked.args == [3]
    viewer.chain_bar.set_steps([])
    assert bar.isHidden()


def test_a_file_card_offers_no_picture_actions(viewer: ImageViewer) -> None:
    viewer.begin_generation("a song", 1)
    viewer.set_image_bytes(0, b"RIFF....WAVEfmt ", content_type="audio/wav", source_url="https://x.test/a.wav")
    assert viewer.file_at(0) is not None
    assert not any(action.isEnabled() for action in viewer.picture_actions.actions())
