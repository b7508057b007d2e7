"""The mask painter: brush and eraser strokes, undo/redo, invert, clear, zoom and pan, and the PNG it hands over."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from PySide6.QtCore import QEvent, QPoint, QPointF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QKeyEvent, QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop_app.ui.mask.canvas import MaskCanvas
from desktop_app.ui.mask.mask_image import painted_fraction
from desktop_app.ui.mask.painter import MaskPainter


def picture(width: int = 120, height: int = 80) -> QImage:
    image = QImage(QSize(width, height), QImage.Format.Format_RGB32)
    image.fill(QColor(30, 90, 160))
    return image


def white(mask: QImage, x: int, y: int) -> bool:
    value = mask.pixelColor(x, y).value()
    assert value in (0, 255), f"grey {value} at {x},{y}: the mask must be black and white"
    return value == 255


def decoded(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def mouse(canvas: MaskCanvas, kind: QEvent.Type, at: QPointF, button: Qt.MouseButton,
          buttons: Qt.MouseButton) -> None:
    position = QPointF(canvas.mapFromScene(at))
    event = QMouseEvent(kind, position, canvas.viewport().mapToGlobal(position), button, buttons,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(canvas.viewport(), event)


def drag(canvas: MaskCanvas, points: list[QPointF], button: Qt.MouseButton = Qt.MouseButton.LeftButton) -> None:
    mouse(canvas, QEvent.Type.MouseButtonPress, points[0], button, button)
    for point in points[1:]:
        mouse(canvas, QEvent.Type.MouseMove, point, Qt.MouseButton.NoButton, button)
    mouse(canvas, QEvent.Type.MouseButtonRelease, points[-1], button, Qt.MouseButton.NoButton)


@pytest.fixture
def painter(qtbot: QtBot) -> MaskPainter:
    dialog = MaskPainter(picture(), title="test")
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_a_stroke_paints_white_along_its_path_and_nothing_else(painter: MaskPainter) -> None:
    canvas = painter.canvas
    assert painted_fraction(canvas.mask_image()) == 0
    canvas.paint_stroke([QPointF(10, 40), QPointF(110, 40)], size=10)
    mask = canvas.mask_image()
    assert mask.size() == QSize(120, 80)
    assert all(white(mask, x, 40) for x in range(10, 111))
    assert white(mask, 60, 36) and white(mask, 60, 44)
    assert not white(mask, 60, 30) and not white(mask, 60, 50) and not white(mask, 0, 0)
    png = decoded(painter.png())
    assert png.size == (120, 80)
    assert png.mode == "L"
    assert set(png.getextrema()) <= {0, 255}
    assert png.getpixel((60, 40)) == 255 and png.getpixel((60, 10)) == 0


def test_the_eraser_takes_paint_away_and_undo_redo_restore_exact_pixels(painter: MaskPainter) -> None:
    canvas = painter.canvas
    canvas.paint_stroke([QPointF(0, 40), QPointF(119, 40)], size=20)
    painted = canvas.mask_image()
    canvas.paint_stroke([QPointF(60, 0), QPointF(60, 79)], tool="eraser", size=10)
    erased = canvas.mask_image()
    assert not white(erased, 60, 40) and white(erased, 40, 40)
    assert painter.undo_action.isEnabled()
    painter.undo_action.trigger()
    assert canvas.mask_image() == painted
    painter.redo_action.trigger()
    assert canvas.mask_image() == erased
    painter.undo_action.trigger()
    painter.undo_action.trigger()
    assert painted_fraction(canvas.mask_image()) == 0
    assert not painter.undo_action.isEnabled()


def test_invert_and_clear_are_steps_that_undo(painter: MaskPainter) -> None:
    canvas = painter.canvas
    canvas.paint_stroke([QPointF(20, 20)], size=8)
    before = canvas.mask_image()
    share = painted_fraction(before)
    painter.invert_action.trigger()
    flipped = canvas.mask_image()
    assert painted_fraction(flipped) == pytest.approx(1 - share)
    assert not white(flipped, 20, 20) and white(flipped, 100, 70)
    painter.clear_action.trigger()
    assert painted_fraction(canvas.mask_image()) == 0
    painter.undo_action.trigger()
    assert canvas.mask_image() == flipped
    painter.undo_action.trigger()
    assert canvas.mask_image() == before


def test_the_mouse_paints_where_it_drags_at_any_zoom(painter: MaskPainter) -> None:
    canvas = painter.canvas
    canvas.zoom_by(2.0)
    canvas.centerOn(QPointF(30, 30))
    drag(canvas, [QPointF(25, 30), QPointF(35, 30), QPointF(45, 30)])
    mask = canvas.mask_image()
    assert white(mask, 30, 30) and white(mask, 44, 30)
    assert not white(mask, 100, 70)
    assert canvas.undo_stack.count() == 1  # one drag, one undo step


def test_the_brush_size_comes_from_the_slider_and_the_keys(painter: MaskPainter, qtbot: QtBot) -> None:
    canvas = painter.canvas
    spin = painter.findChild(type(painter._size_spin), "maskBrushSize")
    assert spin is not None
    spin.setValue(4)
    assert canvas.brush_size() == 4 == painter._size_slider.value()
    canvas.paint_stroke([QPointF(60, 40)])
    assert white(canvas.mask_image(), 60, 40) and not white(canvas.mask_image(), 60, 45)
    spin.setValue(30)
    canvas.paint_stroke([QPointF(20, 40)])
    assert white(canvas.mask_image(), 20, 53)
    painter.activateWindow()
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_BracketRight)
    assert canvas.brush_size() > 30
    painter.eraser_action.trigger()
    assert canvas.tool() == "eraser"
    painter.brush_action.trigger()
    assert canvas.tool() == "brush"


def test_the_wheel_zooms_and_the_middle_button_or_space_pans_without_painting(painter: MaskPainter) -> None:
    canvas = painter.canvas
    start = canvas.zoom_factor()
    centre = QPointF(canvas.viewport().rect().center())
    wheel = QWheelEvent(centre, canvas.viewport().mapToGlobal(centre), QPoint(), QPoint(0, 240),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(canvas.viewport(), wheel)
    assert canvas.zoom_factor() == pytest.approx(start * 1.25**2)
    canvas.zoom_by(8.0)
    bar = canvas.horizontalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(bar.maximum() // 2)
    before = bar.value()
    drag(canvas, [QPointF(40, 40), QPointF(45, 40)], Qt.MouseButton.MiddleButton)
    assert bar.value() != before
    QApplication.sendEvent(canvas, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Space, Qt.KeyboardModifier.NoModifier))
    moved = bar.value()
    drag(canvas, [QPointF(40, 40), QPointF(44, 40)])
    QApplication.sendEvent(canvas, QKeyEvent(QEvent.Type.KeyRelease, Qt.Key.Key_Space, Qt.KeyboardModifier.NoModifier))
    assert bar.value() != moved
    assert painted_fraction(canvas.mask_image()) == 0
    assert canvas.undo_stack.count() == 0


def test_a_mask_painted_before_comes_back_and_use_mask_hands_over_the_png(qtbot: QtBot) -> None:
    earlier = QImage(QSize(60, 40), QImage.Format.Format_Grayscale8)  # half the size: scaled to the picture
    earlier.fill(QColor(0, 0, 0))
    for x in range(30):
        for y in range(40):
            earlier.setPixelColor(x, y, QColor(255, 255, 255))
    dialog = MaskPainter(picture(), earlier)
    qtbot.addWidget(dialog)
    dialog.show()
    mask = dialog.canvas.mask_image()
    assert white(mask, 10, 10) and not white(mask, 100, 10)
    assert painted_fraction(mask) == pytest.approx(0.5)
    assert "50 %" in dialog._coverage.text()
    buttons = dialog._buttons
    use = next(button for button in buttons.buttons()
               if buttons.buttonRole(button) == buttons.ButtonRole.AcceptRole)
    with qtbot.waitSignal(dialog.mask_painted) as painted:
        use.click()
    png = decoded(painted.args[0])
    assert png.size == (120, 80)
    assert png.getpixel((10, 10)) == 255 and png.getpixel((100, 10)) == 0
    assert not dialog.isVisible()
