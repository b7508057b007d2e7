"""The README's pictures of the picture flows (``make screenshots`` writes them to docs/screenshots): the mask
painter over a picture with a stroke painted, and a chain of steps followed back from its last output. Each also
checks a few pixels, so a blank or broken picture fails here rather than in the README."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QLinearGradient, QPainter, QPolygonF
from PySide6.QtWidgets import QSpinBox
from pytestqt.qtbot import QtBot

from desktop_app.ui.mask.painter import MaskPainter
from desktop_app.ui.viewer.image_viewer import ImageViewer
from tests.fake_replicate import FakeReplicate, Script
from tests.ui.harness import Harness, make_harness, until
from tests.ui.test_send_to_chain import FLUX, UPSCALE, a_fox, send_to


def a_house(width: int = 720, height: int = 480) -> QImage:
    """A small drawn scene (sky, hill, a house with a door) to paint a mask over."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    sky = QLinearGradient(0, 0, 0, height)
    sky.setColorAt(0, QColor(120, 170, 230))
    sky.setColorAt(1, QColor(220, 235, 250))
    painter.fillRect(image.rect(), sky)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(90, 150, 80))
    painter.drawEllipse(QRectF(-200, height * 0.62, width + 400, height))
    painter.setBrush(QColor(200, 120, 90))
    painter.drawRect(QRectF(width * 0.35, height * 0.42, width * 0.3, height * 0.3))
    painter.setBrush(QColor(130, 60, 50))
    painter.drawPolygon(QPolygonF([QPointF(width * 0.32, height * 0.43), QPointF(width * 0.5, height * 0.25),
                                   QPointF(width * 0.68, height * 0.43)]))
    painter.setBrush(QColor(80, 50, 30))
    painter.drawRect(QRectF(width * 0.47, height * 0.58, width * 0.06, height * 0.14))
    painter.end()
    return image


def test_the_mask_painter(qtbot: QtBot, screenshots: Path) -> None:
    painter = MaskPainter(a_house(), title="house.png")
    qtbot.addWidget(painter)
    painter.resize(900, 720)
    painter.show()
    canvas = painter.canvas
    size = painter.findChild(QSpinBox, "maskBrushSize")
    assert size is not None
    size.setValue(46)
    assert canvas.brush_size() == 46
    canvas.paint_stroke([QPointF(470, 330), QPointF(520, 300), QPointF(560, 320), QPointF(600, 290)])
    canvas.paint_stroke([QPointF(150, 120), QPointF(260, 100), QPointF(330, 130)], size=30)
    canvas.paint_stroke([QPointF(250, 105), QPointF(270, 112)], tool="eraser", size=18)
    canvas.fit()
    shot = painter.grab().toImage()
    shot.save(str(screenshots / "mask-painter.png"))
    painted = canvas.mapFromScene(QPointF(520, 300)) + canvas.mapTo(painter, canvas.rect().topLeft())
    colour = shot.pixelColor(painted.x(), painted.y())
    assert colour.red() > colour.blue() + 40, colour.name()  # the red tint of the painted part
    untouched = canvas.mapFromScene(QPointF(60, 400)) + canvas.mapTo(painter, canvas.rect().topLeft())
    grass = shot.pixelColor(untouched.x(), untouched.y())
    assert grass.green() > grass.red(), grass.name()
    assert "% of the picture painted" in painter._coverage.text()


def moved_on(viewer: ImageViewer, before: Path) -> bool:
    return viewer.path_at(0) not in (None, before)


@pytest_asyncio.fixture
async def harness(fake_replicate: FakeReplicate, tmp_path: Path) -> AsyncIterator[Harness]:
    fake_replicate.set_script(FLUX, Script(kind="image", images=[("png", 256, 256)], official=True))
    fake_replicate.set_script(UPSCALE, Script(kind="image", task="upscale", output_kind="single",
                                              images=[("png", 512, 512)]))
    h = await make_harness(fake_replicate, tmp_path, catalogue=True, history=True)
    await until(lambda: "fake-user" in h.window.account_label.text(), message="the account check")
    yield h
    await h.close()


async def test_a_chain_of_steps(harness: Harness, screenshots: Path) -> None:
    viewer, flow = harness.window.viewer, send_to(harness)
    shown = await a_fox(harness)
    for _step in range(2):
        before = shown
        flow.send(before, UPSCALE)
        await until(functools.partial(moved_on, viewer, before), limit=15, message="the next step")
        await until(lambda: flow.run is not None and flow.run.done, message="the step's end")
        shown = viewer.path_at(0)  # type: ignore[assignment]
    await until(lambda: len(viewer.chain_bar.steps()) == 2, message="two steps back")
    harness.window.statusBar().clearMessage()
    shot = harness.window.grab()
    shot.save(str(screenshots / "chain.png"))
    text = viewer.chain_bar._label.text()
    assert text.index(UPSCALE) < text.index(FLUX)  # nearest step first
    bar = viewer.chain_bar.mapTo(harness.window, viewer.chain_bar.rect().center())
    assert bar.y() > viewer.mapTo(harness.window, viewer.rect().center()).y()  # under the picture
