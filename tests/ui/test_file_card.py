"""File cards in the image viewer: outputs that are not images (audio, JSON, text…) get a card, not an error."""

from __future__ import annotations

import io
import json
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QStackedWidget
from pytestqt.qtbot import QtBot

from desktop_app.ui.viewer.decoding import ImageDecoder
from desktop_app.ui.viewer.file_card import (
    FileCard,
    extension_for_file,
    file_name_from_source,
    open_target,
    shows_as_file,
)
from desktop_app.ui.viewer.image_viewer import ImageViewer
from desktop_app.ui.viewer.status_panel import ImageStatusPanel
from desktop_app.ui.viewer.thumbnail_strip import ThumbnailStrip
from desktop_app.ui.viewer.toolbar import ImageToolbar
from tests.ui.test_image_viewer import PROMPT, WHEN, FakeDialogs, Harness, gradient_bytes, show_image


def wav_bytes(frames: int = 8000) -> bytes:
    """One second of 8 kHz 16-bit mono silence, written by the standard library's ``wave``."""
    stream = io.BytesIO()
    with wave.open(stream, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * frames)
    return stream.getvalue()


@pytest.fixture
def harness(qtbot: QtBot, tmp_path: Path) -> Iterator[Harness]:
    dialogs = FakeDialogs()
    opened: list[QUrl] = []

    def open_url(url: QUrl) -> bool:
        opened.append(url)
        return True

    viewer = ImageViewer(dialog_factory=dialogs, url_opener=open_url, clock=lambda: WHEN, last_save_dir=tmp_path)
    qtbot.addWidget(viewer)
    viewer.resize(900, 700)
    yield Harness(viewer, dialogs, opened)
    decoder = viewer.findChild(ImageDecoder)
    assert decoder is not None
    decoder.wait_for_idle(5000)


def card(viewer: ImageViewer) -> FileCard:
    found = viewer.findChild(FileCard)
    assert found is not None
    return found


def shown_widget(viewer: ImageViewer) -> object:
    stack = viewer.findChild(QStackedWidget)
    assert stack is not None
    return stack.currentWidget()


def toolbar(viewer: ImageViewer) -> ImageToolbar:
    found = viewer.findChild(ImageToolbar)
    assert found is not None
    return found


def show_file(qtbot: QtBot, viewer: ImageViewer, index: int, data: bytes, content_type: str | None,
              source: str) -> None:
    with qtbot.waitSignal(viewer.file_shown, timeout=1000) as blocker, qtbot.assertNotEmitted(viewer.image_shown):
        viewer.set_image_bytes(index, data, content_type=content_type, source_url=source)
    assert blocker.args == [index]


def test_a_wav_output_shows_a_card_that_saves_the_same_bytes_and_opens_the_local_file(
    qtbot: QtBot, harness: Harness, tmp_path: Path
) -> None:
    viewer = harness.viewer
    viewer.begin_generation(PROMPT)
    data = wav_bytes(600_000)  # 1.2 MB
    stored = tmp_path / "library" / "speech.wav"
    stored.parent.mkdir()
    stored.write_bytes(data)
    with qtbot.assertNotEmitted(viewer.image_failed):
        show_file(qtbot, viewer, 0, data, "audio/wav", str(stored))

    shown = card(viewer)
    assert shown_widget(viewer) is shown
    assert shown.name_text() == "speech.wav"
    assert shown.info_text() == "audio/wav · 1.2 MB"
    assert viewer.current_image() is None
    file = viewer.file_at(0)
    assert file is not None and file.data == data and file.kind == "audio"
    bar = toolbar(viewer)
    assert bar.save_action.isEnabled() and bar.save_all_action.isEnabled()
    assert not any(a.isEnabled() for a in (bar.copy_action, bar.zoom_in_action, bar.zoom_out_action,
                                           bar.fit_action, bar.actual_action))

    qtbot.mouseClick(shown.save_button(), Qt.MouseButton.LeftButton)
    (request,) = harness.dialogs.requests
    assert request.file_name == "a-red-fox-2026-11-28-1430.wav"
    assert request.directory == tmp_path
    assert request.selected_filter == "WAV file (*.wav)"
    assert not request.choose_directory
    target = tmp_path / "out" / "my-speech"  # no suffix typed: the type's is added
    target.parent.mkdir()
    with qtbot.waitSignal(viewer.image_saved) as saved:
        harness.dialogs.callbacks[0](str(target))
    written = target.with_name("my-speech.wav")
    assert saved.args == [str(written)]
    assert written.read_bytes() == data
    assert viewer.last_saved_path() == written
    assert not list(target.parent.glob(".*.part"))

    qtbot.mouseClick(shown.open_button(), Qt.MouseButton.LeftButton)
    assert harness.opened == [QUrl.fromLocalFile(str(stored))]


def test_saving_a_file_into_a_missing_folder_fails_clearly(qtbot: QtBot, harness: Harness, tmp_path: Path) -> None:
    viewer = harness.viewer
    viewer.begin_generation(PROMPT)
    show_file(qtbot, viewer, 0, wav_bytes(), "audio/wav", "https://replicate.delivery/x/out.wav")
    with qtbot.waitSignal(viewer.save_failed) as failed, qtbot.assertNotEmitted(viewer.image_saved):
        assert viewer.save_file_to(0, tmp_path / "missing" / "a.wav") is None
    (message,) = failed.args
    assert "a.wav" in message and "the folder does not exist" in message


def test_a_remote_file_opens_its_url_and_a_failed_open_says_so(qtbot: QtBot, tmp_path: Path) -> None:
    opened: list[QUrl] = []

    def refuse(url: QUrl) -> bool:
        opened.append(url)
        return False

    viewer = ImageViewer(dialog_factory=FakeDialogs(), url_opener=refuse, clock=lambda: WHEN, last_save_dir=tmp_path)
    qtbot.addWidget(viewer)
    url = "https://replicate.delivery/pbxt/abc/out%20put.mp4"
    show_file(qtbot, viewer, 0, b"\0\0\0\x18ftypmp42" + bytes(64), "video/mp4", url)
    assert card(viewer).name_text() == "out put.mp4"
    assert not viewer.open_current_file()
    assert opened == [QUrl(url)]
    assert card(viewer).note_text().startswith("Could not open")


@pytest.mark.parametrize(
    ("data", "content_type", "source", "name", "info"),
    [
        (json.dumps({"label": "fox", "score": 0.98}).encode(), "application/json", "https://x/out/result.json",
         "result.json", "application/json · 31 bytes"),
        (b"a red fox in the snow\n", "text/plain; charset=utf-8", "https://x/out/caption.txt", "caption.txt",
         "text/plain · 22 bytes"),
        (b'{"a": 1}', None, "https://x/out/data.json", "data.json", "JSON file · 8 bytes"),  # sniffed: not an image
    ],
)
def test_json_and_text_outputs_show_a_card(
    qtbot: QtBot, harness: Harness, data: bytes, content_type: str | None, source: str, name: str, info: str
) -> None:
    viewer = harness.viewer
    viewer.begin_generation(PROMPT)
    show_file(qtbot, viewer, 0, data, content_type, source)
    assert shown_widget(viewer) is card(viewer)
    assert (card(viewer).name_text(), card(viewer).info_text()) == (name, info)
    assert toolbar(viewer).info_text() == "" and toolbar(viewer).caption.isHidden()  # said once, on the card


def test_a_mixed_generation_shows_an_image_and_a_card_side_by_side(
    qtbot: QtBot, harness: Harness, tmp_path: Path
) -> None:
    viewer = harness.viewer
    viewer.show()
    qtbot.waitExposed(viewer)
    strip = viewer.findChild(ThumbnailStrip)
    assert strip is not None
    viewer.begin_generation(PROMPT, 2)
    png, wav = gradient_bytes("PNG"), wav_bytes()
    show_image(qtbot, viewer, 0, png)
    show_file(qtbot, viewer, 1, wav, "audio/wav", "https://x/1/out.wav")
    assert strip.isVisible() and strip.count() == 2
    item = strip.item(1)
    assert item is not None and "out.wav" in item.toolTip()
    assert viewer.current_index() == 0 and viewer.current_image() is not None
    assert toolbar(viewer).copy_action.isEnabled()

    qtbot.mouseClick(strip.viewport(), Qt.MouseButton.LeftButton, pos=strip.visualItemRect(item).center())
    assert viewer.current_index() == 1
    assert shown_widget(viewer) is card(viewer)
    assert card(viewer).name_text() == "out.wav"
    assert viewer.current_image() is None
    assert not toolbar(viewer).copy_action.isEnabled() and not toolbar(viewer).zoom_in_action.isEnabled()

    viewer.select(0)
    assert shown_widget(viewer) is not card(viewer)
    assert viewer.current_image() is not None
    assert toolbar(viewer).info_text() == "64 × 48 · PNG"

    out = tmp_path / "all"
    out.mkdir()
    toolbar(viewer).save_all_action.trigger()
    harness.dialogs.callbacks[-1](str(out))
    assert sorted(p.name for p in out.iterdir()) == ["a-red-fox-2026-11-28-1430-2.wav", "a-red-fox-2026-11-28-1430.png"]
    assert (out / "a-red-fox-2026-11-28-1430.png").read_bytes() == png
    assert (out / "a-red-fox-2026-11-28-1430-2.wav").read_bytes() == wav


def test_a_broken_png_still_reports_the_decode_error(qtbot: QtBot, harness: Harness) -> None:
    viewer = harness.viewer
    viewer.begin_generation(PROMPT)
    with qtbot.waitSignal(viewer.image_failed, timeout=10_000), qtbot.assertNotEmitted(viewer.file_shown):
        viewer.set_image_bytes(0, b"this is not a png at all", content_type="image/png", source_url="https://x/0.png")
    panel = viewer.findChild(ImageStatusPanel)
    assert panel is not None and shown_widget(viewer) is panel
    assert panel.title() == "This image could not be decoded"
    assert viewer.file_at(0) is None


def test_a_new_output_in_the_slot_replaces_the_card(qtbot: QtBot, harness: Harness) -> None:
    viewer = harness.viewer
    viewer.begin_generation(PROMPT)
    show_file(qtbot, viewer, 0, wav_bytes(), "audio/wav", "https://x/0.wav")
    show_image(qtbot, viewer, 0, gradient_bytes("PNG"))
    assert viewer.file_at(0) is None and viewer.current_image() is not None
    assert shown_widget(viewer) is not card(viewer)


@pytest.mark.parametrize(
    ("data", "content_type", "source", "expected"),
    [
        (b"RIFF....WAVE", "audio/wav", "https://x/a", True),
        (b"x", "application/zip", "https://x/a.zip", True),
        (b"garbage", "image/png", "https://x/a.png", False),  # a broken image stays an error
        (b"<html>502</html>", "text/html", "https://x/a", False),  # a proxy's error page, not an output
        (b"", "audio/wav", "https://x/a.wav", False),  # empty: the decoder says so
        (gradient_bytes("PNG"), "application/octet-stream", "https://x/a", False),  # sniffed as an image
        (wav_bytes(10), "application/octet-stream", "https://x/a", True),
        (wav_bytes(10), None, "/home/me/out.wav", True),
        (b"garbage", None, "https://x/a.png", False),  # named like an image: decode and explain why not
    ],
)
def test_routing_by_content_type_then_sniffing(
    data: bytes, content_type: str | None, source: str, expected: bool
) -> None:
    assert shows_as_file(data, content_type, source) is expected


def test_names_extensions_and_open_targets() -> None:
    assert file_name_from_source("https://x/a/b%20c.wav?sig=1") == "b c.wav"
    assert file_name_from_source("/tmp/lib/out.flac") == "out.flac"
    assert file_name_from_source(r"C:\Users\me\out.mp3") == "out.mp3"
    assert file_name_from_source("data:audio/wav;base64,AAAA") == ""
    assert extension_for_file("audio/wav") == "wav"
    assert extension_for_file("audio/mpeg; charset=binary") == "mp3"
    assert extension_for_file(None, "https://x/a.OGG") == "ogg"
    assert extension_for_file("application/octet-stream", "https://x/blob") == "bin"
    assert open_target("/tmp/lib/out.flac") == QUrl.fromLocalFile("/tmp/lib/out.flac")
    assert open_target("https://x/a.wav") == QUrl("https://x/a.wav")
    assert open_target("data:audio/wav;base64,AAAA") is None
