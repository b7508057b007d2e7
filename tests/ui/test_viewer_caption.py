"""The image's size and format stay readable at 1280 × 800: under the image, whole, while every button of the
viewer's row still fits beside the zoom (in the row the size was squeezed to "768 …", in Russian to nothing)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from PySide6.QtWidgets import QToolButton

from desktop_app.ui.viewer.toolbar import ImageToolbar
from tests.fake_replicate import FakeReplicate, Script
from tests.ui.harness import Harness, make_harness, until

FLUX = "black-forest-labs/flux-schnell"


@pytest_asyncio.fixture
async def harness(fake_replicate: FakeReplicate, tmp_path: Path) -> AsyncIterator[Harness]:
    fake_replicate.set_script(FLUX, Script(kind="image", images=[("webp", 768, 768), ("png", 768, 768)]))
    h = await make_harness(fake_replicate, tmp_path, catalogue=True, history=True)
    await until(lambda: "fake-user" in h.window.account_label.text(), message="the account check")
    yield h
    await h.close()


async def test_the_size_and_format_are_whole_under_the_image_at_1280_by_800(harness: Harness,
                                                                            screenshots: Path) -> None:
    window = harness.window
    assert (window.width(), window.height()) == (1280, 800)
    harness.choose("flux-schnell")
    harness.send("a lighthouse at dusk")
    await harness.wait_idle()
    viewer = window.viewer
    await until(lambda: viewer.current_image() is not None, message="the image")
    toolbar = viewer.findChild(ImageToolbar)
    assert toolbar is not None
    caption = toolbar.caption
    await until(lambda: caption.isVisible() and caption.text() == "768 × 768 · WEBP", message="the caption")
    assert caption.fontMetrics().horizontalAdvance(caption.text()) <= caption.contentsRect().width()
    canvas = viewer._canvas
    assert caption.mapTo(viewer, caption.rect().topLeft()).y() >= canvas.mapTo(viewer, canvas.rect().bottomLeft()).y()
    overflow = toolbar.findChild(QToolButton, "qt_toolbar_ext_button")
    assert overflow is None or not overflow.isVisible()  # every action of the row is on screen, none in "»"
    viewer.select(1)
    await until(lambda: caption.text() == "768 × 768 · PNG", message="the second image's caption")
    window.grab().save(str(screenshots / "viewer-caption-1280.png"))
