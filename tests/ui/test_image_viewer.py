"""Widget tests for the image viewer: off-thread decoding, progress, errors, zoom, thumbnails, saving, copying."""

from __future__ import annotations

import errno
import io
import os
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
import shiboken6
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QGuiApplication, QImage, QWheelEvent
from PySide6.QtWidgets import QFileDialog, QProgressBar, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from desktop_app.ui.viewer.canvas import ImageCanvas
from desktop_app.ui.viewer.decoding import DecodedImage, ImageDecoder, decode_image_bytes
from desktop_app.ui.viewer.image_viewer import ImageViewer
from desktop_app.ui.viewer.save_dialog import SaveDialogRequest, open_save_dialog
from desktop_app.ui.viewer.status_panel import ImageStatusPanel
from desktop_app.ui.viewer.thumbnail_strip import ThumbnailStrip
from desktop_app.ui.viewer.toolbar import ImageToolbar

WHEN = datetime(2026, 11, 28, 14, 30)
PROMPT = "A red fox"


def gradient_bytes(fmt: str, size: tuple[int, int] = (64, 48)) -> bytes:
    """A gradient encoded by Pillow, an encoder independent of the code under test."""
    width, height = size
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    red = Image.linear_gradient("L").rotate(90).resize(size)
    image = Image.merge("RGB", (red, image.getchannel("G"), Image.new("L", size, 128)))
    stream = io.BytesIO()
    image.save(stream, fmt)
    assert image.size == (width, height)
    return stream.getvalue()


def truncated(data: bytes) -> bytes:
    """The first half of ``data``, like a download cut off mid-way."""
    return data[: len(data) // 2]


class FakeDialogs:
    """Stands in for the save dialogs: records each request and lets the test choose a path."""

    def __init__(self) -> None:
        self.requests: list[SaveDialogRequest] = []
        self.callbacks: list[Callable[[str], None]] = []

    def __call__(self, parent: QWidget, request: SaveDialogRequest, chosen: Callable[[str], None]) -> None:
        self.requests.append(request)
        self.callbacks.append(chosen)


class Harness:
    def __init__(self, viewer: ImageViewer, dialogs: FakeDialogs, opened: list[QUrl]) -> None:
        self.viewer = viewer
        self.dialogs = dialogs
        self.opened = opened


@pytest.fixture
def harness(qtbot: QtBot, tmp_path: Path) -> Iterator[Harness]:
    dialogs = FakeDialogs()
    opened: list[QUrl] = []

    def open_url(url: QUrl) -> bool:
        opened.append(url)
        return True

    viewer = ImageViewer(dialog_factory=dialogs, url_opener=open_url, clock=lambda: WHEN,
                         last_save_dir=tmp_path)
    qtbot.addWidget(viewer)
    viewer.resize(900, 700)
    yield Harness(viewer, dialogs, opened)
    decoder = viewer.findChild(ImageDecoder)
    assert decoder is not None
    decoder.wait_for_idle(5000)


def show_image(qtbot: QtBot, viewer: ImageViewer, index: int, data: bytes, content_type: str = "image/png") -> None:
    with qtbot.waitSignal(viewer.image_shown, timeout=10_000) as blocker:
        viewer.set_image_bytes(index, data, content_type=content_type, source_url=f"https://x/{index}")
    assert blocker.args == [index]


def panel(viewer: ImageViewer) -> ImageStatusPanel:
    found = viewer.findChild(ImageStatusPanel)
    assert found is not None
    return found


def canvas(viewer: ImageViewer) -> ImageCanvas:
    found = viewer.findChild(ImageCanvas)
    assert found is not None
    return found


def toolbar(viewer: ImageViewer) -> ImageToolbar:
    found = viewer.findChild(ImageToolbar)
    assert found is not None
    return found


# --- decoding and display ------------------------------------------------------------------------------------------


def test_starts_with_the_empty_state(harness: Harness) -> None:
    viewer = harness.viewer
    assert panel(viewer).title() == "Generated images appear here"
    assert viewer.current_image() is None
    assert viewer.image_count() == 0
    assert not toolbar(viewer).save_action.isEnabled()


@pytest.mark.parametrize(
    ("fmt", "content_type", "label"), [("PNG", "image/png", "PNG"), ("WEBP", "image/webp", "WEBP")]
)
def test_image_bytes_are_decoded_and_shown(
    qtbot: QtBot, harness: Harness, fmt: str, content_type: str, label: str
) -> None:
    viewer = harness.viewer
    viewer.begin_generation(PROMPT)
    data = gradient_bytes(fmt)
    show_image(qtbot, viewer, 0, data, content_type)
    image = viewer.current_image()
    assert image is not None
    assert (image.width(), image.height()) == (64, 48)
    expected = Image.open(io.BytesIO(data)).convert("RGB").getpixel((40, 30))
    color = image.pixelColor(40, 30)
    assert (color.red(), color.green(), color.blue()) == expected
    assert toolbar(viewer).info_text() == f"64 × 48 · {label}"
    assert canvas(viewer).has_image()
    assert not canvas(viewer).isHidden()
    assert toolbar(viewer).save_action.isEnabled()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<html>502 Bad Gateway</html>", "format (text/html) is not supported"),
        (truncated(gradient_bytes("PNG")), "PNG data is damaged or incomplete"),
        (truncated(gradient_bytes("WEBP")), "WEBP data is damaged or incomplete"),
        (truncated(gradient_bytes("JPEG")), "JPEG data is incomplete"),
        (b"", "the download is empty"),
    ],
)
def test_broken_bytes_fail_clearly_and_the_next_image_still_works(
    qtbot: QtBot, harness: Harness, data: bytes, reason: str
) -> None:
    viewer = harness.viewer
    viewer.begin_generation(PROMPT)
    content_type = "text/html" if data.startswith(b"<html") else None
    with qtbot.waitSignal(viewer.image_failed, timeout=10_000) as blocker:
        viewer.set_image_bytes(0, data, content_type=content_type, source_url="https://x/0")
    index, message = blocker.args
    assert index == 0
    assert message.startswith("This image could not be decoded: ")
    assert reason in message
    assert panel(viewer).title() == "This image could not be decoded"
    assert reason.lower() in panel(viewer).detail().lower()
    assert viewer.current_image() is None
    assert not toolbar(viewer).save_action.isEnabled()

    show_image(qtbot, viewer, 0, gradient_bytes("PNG"))
    assert viewer.current_image() is not None


def test_decoding_runs_off_the_gui_thread(qtbot: QtBot, tmp_path: Path) -> None:
    big = QImage(4096, 4096, QImage.Format.Format_RGB32)
    big.fill(Qt.GlobalColor.darkMagenta)
    path = tmp_path / "big.png"
    assert big.save(str(path))
    threads: list[int] = []
    release = threading.Event()

    def recording_decode(data: bytes, content_type: str | None) -> DecodedImage:
        threads.append(threading.get_ident())
        assert release.wait(10), "the GUI thread never released the decoder"
        return decode_image_bytes(data, content_type)

    viewer = ImageViewer(decoder=ImageDecoder(decode=recording_decode))
    qtbot.addWidget(viewer)
    viewer.begin_generation(PROMPT)
    viewer.set_image_bytes(0, path.read_bytes(), content_type="image/png", source_url="https://x/big.png")
    # The call returned while the decoder is still blocked: the GUI thread is free and shows a busy state.
    assert panel(viewer).title() == "Preparing image…"
    qtbot.waitUntil(lambda: bool(threads), timeout=5000)
    with qtbot.waitSignal(viewer.image_shown, timeout=20_000):
        release.set()
    assert len(threads) == 1
    assert threads[0] != threading.main_thread().ident
    image = viewer.current_image()
    assert image is not None
    assert (image.width(), image.height()) == (4096, 4096)


def test_a_new_generation_drops_a_decode_still_running(qtbot: QtBot) -> None:
    release = threading.Event()

    def slow_decode(data: bytes, content_type: str | None) -> DecodedImage:
        release.wait(10)
        return decode_image_bytes(data, content_type)

    decoder = ImageDecoder(decode=slow_decode)
    viewer = ImageViewer(decoder=decoder)
    qtbot.addWidget(viewer)
    viewer.begin_generation("first")
    viewer.set_image_bytes(0, gradient_bytes("PNG"), content_type="image/png", source_url="https://x/0")
    viewer.begin_generation("second")
    with qtbot.assertNotEmitted(viewer.image_shown, wait=100):
        release.set()
        assert decoder.wait_for_idle(5000)
        qtbot.wait(50)
    assert viewer.image_count() == 0
    assert viewer.current_image() is None


def test_destroying_the_decoder_while_it_works_is_safe(qtbot: QtBot) -> None:
    release = threading.Event()
    finished = threading.Event()

    def slow_decode(data: bytes, content_type: str | None) -> DecodedImage:
        release.wait(10)
        try:
            return decode_image_bytes(data, content_type)
        finally:
            finished.set()

    decoder = ImageDecoder(decode=slow_decode)
    decoder.submit(1, gradient_bytes("PNG"), "image/png")
    threading.Timer(0.2, release.set).start()
    shiboken6.delete(decoder)  # waits for the pool; the worker must not emit on the dead object
    assert finished.wait(5)
    qtbot.wait(50)


# --- progress and errors -------------------------------------------------------------------------------------------


def test_download_progress_bar_follows_the_bytes(harness: Harness) -> None:
    viewer = harness.viewer
    viewer.begin_generation(PROMPT, 2)
    bar = viewer.findChild(QProgressBar, "imageDownloadProgress")
    assert bar is not None
    viewer.begin_download(0, "https://x/0", 4000)
    assert not bar.isHidden()
    assert (bar.minimum(), bar.maximum(), bar.value()) == (0, 1000, 0)
    assert panel(viewer).title() == "Downloading image 1 of 2…"
    viewer.download_progress(0, 1000, 4000)
    assert bar.value() == 250
    assert panel(viewer).detail() == "1.0 kB of 4.0 kB"
    viewer.download_progress(0, 4000, 4000)
    assert bar.value() == 1000
    viewer.download_progress(0, 5000, None)  # size unknown → busy bar
    assert (bar.minimum(), bar.maximum()) == (0, 0)
    # Progress of another slot does not touch the one shown.
    viewer.begin_download(1, "https://x/1", 100)
    viewer.download_progress(1, 50, 100)
    assert (bar.minimum(), bar.maximum()) == (0, 0)
    viewer.select(1)
    assert bar.value() == 500
    assert panel(viewer).title() == "Downloading image 2 of 2…"


def test_show_error_offers_retry(qtbot: QtBot, harness: Harness) -> None:
    viewer = harness.viewer
    viewer.show()
    viewer.begin_generation(PROMPT)
    viewer.show_error(None, "The prediction failed: out of memory.")
    assert panel(viewer).title() == "Something went wrong"
    assert panel(viewer).detail() == "The prediction failed: out of memory."
    retry = viewer.findChild(QPushButton, "imageRetryButton")
    assert retry is not None
    assert retry.isVisible()
    with qtbot.waitSignal(viewer.retry_requested, timeout=1000):
        qtbot.mouseClick(retry, Qt.MouseButton.LeftButton)

    viewer.begin_download(0, "https://x/0", None)
    viewer.show_error(0, "Download failed: HTTP 404.")
    assert panel(viewer).detail() == "Download failed: HTTP 404."
    assert retry.isVisible()


# --- zoom ----------------------------------------------------------------------------------------------------------


def test_zoom_fit_and_actual_size(qtbot: QtBot, harness: Harness) -> None:
    viewer = harness.viewer
    viewer.resize(500, 400)
    viewer.show()
    qtbot.waitExposed(viewer)
    viewer.begin_generation(PROMPT)
    show_image(qtbot, viewer, 0, gradient_bytes("PNG", (1024, 768)))
    assert viewer.is_fit_mode()
    fitted = viewer.zoom_factor()
    assert 0.2 < fitted < 0.6
    assert toolbar(viewer).fit_action.isChecked()

    viewer.zoom_in()
    assert viewer.zoom_factor() == pytest.approx(fitted * 1.25)
    assert not viewer.is_fit_mode()
    assert toolbar(viewer).zoom_text() == f"{round(fitted * 125)} %"
    viewer.zoom_out()
    viewer.zoom_out()
    assert viewer.zoom_factor() == pytest.approx(fitted / 1.25)

    toolbar(viewer).actual_action.trigger()
    assert viewer.zoom_factor() == pytest.approx(1.0)
    assert toolbar(viewer).actual_action.isChecked()
    assert not toolbar(viewer).fit_action.isChecked()

    toolbar(viewer).fit_action.trigger()
    assert viewer.is_fit_mode()
    assert viewer.zoom_factor() == pytest.approx(fitted)

    viewer.resize(900, 700)  # a fitted image follows the window
    qtbot.waitUntil(lambda: viewer.zoom_factor() > fitted)


def test_small_images_are_not_enlarged_to_fit(qtbot: QtBot, harness: Harness) -> None:
    viewer = harness.viewer
    viewer.show()
    viewer.begin_generation(PROMPT)
    show_image(qtbot, viewer, 0, gradient_bytes("PNG"))
    assert viewer.zoom_factor() == pytest.approx(1.0)
    assert viewer.is_fit_mode()


def test_keyboard_shortcuts_and_wheel_zoom(qtbot: QtBot, harness: Harness) -> None:
    viewer = harness.viewer
    viewer.show()
    qtbot.waitExposed(viewer)
    viewer.activateWindow()
    qtbot.waitActive(viewer)
    viewer.begin_generation(PROMPT)
    show_image(qtbot, viewer, 0, gradient_bytes("PNG", (2048, 1536)))
    view = canvas(viewer)
    view.setFocus()
    fitted = viewer.zoom_factor()

    qtbot.keyClick(view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert viewer.zoom_factor() == pytest.approx(fitted * 1.25)
    qtbot.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert viewer.zoom_factor() == pytest.approx(fitted / 1.25)
    qtbot.keyClick(view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert viewer.is_fit_mode()
    assert viewer.zoom_factor() == pytest.approx(fitted)

    centre = QPointF(view.viewport().rect().center())
    for modifiers in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ControlModifier):
        before = viewer.zoom_factor()
        wheel = QWheelEvent(centre, view.viewport().mapToGlobal(centre), QPoint(), QPoint(0, 120),
                            Qt.MouseButton.NoButton, modifiers, Qt.ScrollPhase.NoScrollPhase, False)
        QGuiApplication.sendEvent(view.viewport(), wheel)
        assert viewer.zoom_factor() == pytest.approx(before * 1.25)
    assert not viewer.is_fit_mode()


# --- thumbnails ----------------------------------------------------------------------------------------------------


def test_thumbnail_strip_appears_for_several_images_and_clicking_selects(qtbot: QtBot, harness: Harness) -> None:
    viewer = harness.viewer
    viewer.show()
    qtbot.waitExposed(viewer)
    strip = viewer.findChild(ThumbnailStrip)
    assert strip is not None
    viewer.begin_generation(PROMPT)
    show_image(qtbot, viewer, 0, gradient_bytes("PNG", (64, 48)))
    assert not strip.isVisible()

    show_image(qtbot, viewer, 1, gradient_bytes("WEBP", (40, 30)), "image/webp")
    assert strip.isVisible()
    assert strip.count() == 2
    assert viewer.current_index() == 0

    item = strip.item(1)
    assert item is not None
    qtbot.mouseClick(strip.viewport(), Qt.MouseButton.LeftButton, pos=strip.visualItemRect(item).center())
    assert viewer.current_index() == 1
    image = viewer.current_image()
    assert image is not None
    assert (image.width(), image.height()) == (40, 30)
    assert toolbar(viewer).info_text() == "40 × 30 · WEBP"

    viewer.select(0)
    assert strip.currentRow() == 0
    assert toolbar(viewer).info_text() == "64 × 48 · PNG"


def test_a_new_generation_resets_the_thumbnails(qtbot: QtBot, harness: Harness) -> None:
    viewer = harness.viewer
    viewer.show()
    strip = viewer.findChild(ThumbnailStrip)
    assert strip is not None
    viewer.begin_generation(PROMPT, 3)
    show_image(qtbot, viewer, 2, gradient_bytes("PNG"))
    viewer.select(2)
    viewer.begin_generation("next", None)  # shrinking the strip must not be mistaken for a user's choice
    assert (viewer.image_count(), viewer.current_index(), strip.count()) == (0, 0, 0)
    assert not strip.isVisible()
    assert panel(viewer).title() == "Generated images appear here"
    viewer.download_progress(1, 10, 100)  # a late update from a cancelled download is ignored
    assert viewer.image_count() == 0


# --- saving and copying --------------------------------------------------------------------------------------------


def test_save_dialog_defaults_then_saves_the_original_bytes(
    qtbot: QtBot, harness: Harness, tmp_path: Path
) -> None:
    viewer = harness.viewer
    viewer.begin_generation(PROMPT)
    data = gradient_bytes("WEBP")
    show_image(qtbot, viewer, 0, data, "image/webp")
    assert not toolbar(viewer).open_folder_action.isEnabled()

    toolbar(viewer).save_action.trigger()
    (request,) = harness.dialogs.requests
    assert request.file_name == "a-red-fox-2026-11-28-1430.webp"
    assert request.directory == tmp_path
    assert request.name_filters[0] == "WebP image (*.webp)"
    assert request.selected_filter == "WebP image (*.webp)"
    assert any("PNG" in f for f in request.name_filters)
    assert any("JPEG" in f for f in request.name_filters)

    target = tmp_path / "chosen" / request.file_name
    target.parent.mkdir()
    with qtbot.waitSignal(viewer.image_saved) as saved, qtbot.waitSignal(viewer.save_dir_changed) as moved:
        harness.dialogs.callbacks[0](str(target))
    assert saved.args == [str(target)]
    assert moved.args == [str(target.parent)]
    assert target.read_bytes() == data
    assert viewer.last_save_dir() == target.parent

    assert toolbar(viewer).open_folder_action.isEnabled()
    toolbar(viewer).open_folder_action.trigger()
    assert harness.opened == [QUrl.fromLocalFile(str(target.parent))]

    toolbar(viewer).save_action.trigger()
    assert harness.dialogs.requests[1].directory == target.parent


def test_save_dialog_saves_the_image_it_was_opened_for(qtbot: QtBot, harness: Harness, tmp_path: Path) -> None:
    viewer = harness.viewer
    viewer.begin_generation(PROMPT)
    data = gradient_bytes("PNG")
    show_image(qtbot, viewer, 0, data)
    viewer.save_current()
    viewer.begin_generation("something else")  # the dialog is non-modal: the app keeps working meanwhile
    harness.dialogs.callbacks[0](str(tmp_path / "kept.png"))
    assert (tmp_path / "kept.png").read_bytes() == data
    harness.dialogs.callbacks[0]("")  # cancelled dialogs report nothing; an empty path is ignored
    assert [p.name for p in tmp_path.iterdir()] == ["kept.png"]


def test_save_converts_webp_to_png_with_the_same_pixels(qtbot: QtBot, harness: Harness, tmp_path: Path) -> None:
    viewer = harness.viewer
    viewer.begin_generation(PROMPT)
    show_image(qtbot, viewer, 0, gradient_bytes("WEBP"), "image/webp")
    saved = viewer.save_image_to(0, tmp_path / "fox.png")
    assert saved == tmp_path / "fox.png"
    assert saved.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    written = QImage(str(saved))
    shown = viewer.current_image()
    assert shown is not None
    assert not written.isNull()
    assert written.convertToFormat(QImage.Format.Format_ARGB32) == shown.convertToFormat(QImage.Format.Format_ARGB32)


def test_save_converts_to_jpeg_and_adds_a_missing_suffix(qtbot: QtBot, harness: Harness, tmp_path: Path) -> None:
    viewer = harness.viewer
    viewer.begin_generation(PROMPT)
    show_image(qtbot, viewer, 0, gradient_bytes("PNG"))
    jpeg = viewer.save_image_to(0, tmp_path / "fox.jpeg")
    assert jpeg is not None
    assert jpeg.read_bytes()[:2] == b"\xff\xd8"
    assert QImage(str(jpeg)).size() == viewer.current_image().size()  # type: ignore[union-attr]
    plain = viewer.save_image_to(0, tmp_path / "no-suffix")
    assert plain == tmp_path / "no-suffix.png"
    assert plain.read_bytes().startswith(b"\x89PNG")


def test_save_all_uses_default_names_and_never_overwrites(qtbot: QtBot, harness: Harness, tmp_path: Path) -> None:
    viewer = harness.viewer
    viewer.begin_generation(PROMPT, 2)
    first, second = gradient_bytes("WEBP"), gradient_bytes("PNG", (32, 32))
    show_image(qtbot, viewer, 0, first, "image/webp")
    show_image(qtbot, viewer, 1, second)
    out = tmp_path / "out"
    out.mkdir()

    toolbar(viewer).save_all_action.trigger()
    request = harness.dialogs.requests[-1]
    assert request.choose_directory
    harness.dialogs.callbacks[-1](str(out))
    names = sorted(p.name for p in out.iterdir())
    assert names == ["a-red-fox-2026-11-28-1430-2.png", "a-red-fox-2026-11-28-1430.webp"]
    assert (out / "a-red-fox-2026-11-28-1430.webp").read_bytes() == first
    assert (out / "a-red-fox-2026-11-28-1430-2.png").read_bytes() == second

    again = viewer.save_all_to(out)
    assert [p.name for p in again] == ["a-red-fox-2026-11-28-1430 (2).webp", "a-red-fox-2026-11-28-1430-2 (2).png"]
    assert len(list(out.iterdir())) == 4


def test_disk_full_reports_clearly_and_leaves_no_partial_file(
    qtbot: QtBot, harness: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    viewer = harness.viewer
    viewer.begin_generation(PROMPT, 2)
    show_image(qtbot, viewer, 0, gradient_bytes("PNG"))
    show_image(qtbot, viewer, 1, gradient_bytes("PNG"))
    out = tmp_path / "full"
    out.mkdir()

    def no_space(src: str, dst: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", no_space)
    with qtbot.waitSignal(viewer.save_failed) as failed, qtbot.assertNotEmitted(viewer.image_saved):
        assert viewer.save_all_to(out) == []
    (message,) = failed.args
    assert "a-red-fox-2026-11-28-1430.png" in message
    assert "the disk is full" in message
    assert list(out.iterdir()) == []
    assert viewer.last_saved_path() is None


def test_copy_puts_the_image_on_the_clipboard(qtbot: QtBot, harness: Harness) -> None:
    viewer = harness.viewer
    viewer.begin_generation(PROMPT)
    show_image(qtbot, viewer, 0, gradient_bytes("WEBP", (80, 60)), "image/webp")
    QGuiApplication.clipboard().clear()
    toolbar(viewer).copy_action.trigger()
    copied = QGuiApplication.clipboard().image()
    assert (copied.width(), copied.height()) == (80, 60)
    shown = viewer.current_image()
    assert shown is not None
    assert copied.pixelColor(10, 50) == shown.pixelColor(10, 50)


@pytest.mark.parametrize("choose_directory", [False, True])
def test_real_save_dialog_opens_without_blocking_and_reports_the_choice(
    qtbot: QtBot, tmp_path: Path, choose_directory: bool
) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    chosen: list[str] = []
    request = SaveDialogRequest(
        caption="Save image",
        directory=tmp_path,
        file_name="" if choose_directory else "fox.webp",
        name_filters=("WebP image (*.webp)", "PNG image (*.png)"),
        selected_filter="WebP image (*.webp)",
        choose_directory=choose_directory,
    )
    open_save_dialog(parent, request, chosen.append)  # returns at once: no nested event loop
    dialog = parent.findChild(QFileDialog)
    assert dialog is not None
    assert dialog.isVisible()
    assert chosen == []
    if not choose_directory:
        assert dialog.selectedNameFilter() == "WebP image (*.webp)"
        assert dialog.defaultSuffix() == "webp"
        dialog.selectNameFilter("PNG image (*.png)")
        dialog.filterSelected.emit("PNG image (*.png)")
        assert dialog.defaultSuffix() == "png"
    dialog.accept()
    expected = tmp_path if choose_directory else tmp_path / "fox.png"  # switching the filter switched the suffix
    assert [Path(p) for p in chosen] == [expected]
