"""A real small library for the gallery's GUI tests: pictures made with QImage, a WAV made with ``wave``, kept
through the real HistoryStore and read through the real session Gallery; and a grid that shows a given size."""

from __future__ import annotations

import asyncio
import contextlib
import io
import math
import struct
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QIODevice, QPointF
from PySide6.QtGui import QColor, QImage, QPainter

from desktop_app.session import Gallery, HistoryRecorder
from desktop_app.storage import HistoryStore
from desktop_app.storage.gallery import GalleryCursor, GalleryFilter, GalleryPage
from desktop_app.ui.common.translations import install_translations, remove_translations
from tests.storage.gallery_helpers import Clock, Made, make_output

FLUX = "black-forest-labs/flux-schnell"
SDXL = "stability-ai/sdxl"
VIDEO = "minimax/video-01"
MUSIC = "meta/musicgen"
COLOURS = ("#e4572e", "#29335c", "#f3a712", "#a8c686", "#669bbc", "#8e44ad", "#2ecc71", "#34495e")


def picture(seed: int, width: int = 96, height: int = 72, fmt: str = "PNG") -> bytes:
    """A picture that differs for each seed: a coloured ground with a light disc."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(COLOURS[seed % len(COLOURS)]).darker(100 + (seed * 7) % 60))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(255, 255, 255, 170))
    painter.setPen(QColor(0, 0, 0, 0))
    radius = min(width, height) * (0.18 + (seed % 5) * 0.05)
    painter.drawEllipse(QPointF(width * (0.3 + (seed % 3) * 0.2), height * 0.5), radius, radius)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert image.save(buffer, fmt)  # type: ignore[call-overload]
    return bytes(data.data())


def wav(seconds: float = 0.4, rate: int = 8000) -> bytes:
    """A mono 16-bit WAV: a tone that swells, so its waveform is not flat."""
    out = io.BytesIO()
    with wave.open(out, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(rate)
        frames = int(seconds * rate)
        sound.writeframes(b"".join(struct.pack("<h", int(30000 * (n / frames) * math.sin(n / 7)))
                                   for n in range(frames)))
    return out.getvalue()


@contextlib.contextmanager
def english() -> Iterator[None]:
    """The English catalogue installed (it holds the plural forms: "1 output", "2 outputs")."""
    app = QCoreApplication.instance()
    assert app is not None
    install_translations(app, "en")
    try:
        yield
    finally:
        remove_translations(app)


class Sleeper:
    """An undo window that closes only when the test says so."""

    def __init__(self) -> None:
        self.released = asyncio.Event()

    async def __call__(self, _seconds: float) -> None:
        await self.released.wait()


@dataclass
class Library:
    """A history with outputs, the recorder and the gallery over it, and what was made (oldest first)."""

    store: HistoryStore
    recorder: HistoryRecorder
    gallery: Gallery
    sleeper: Sleeper
    made: list[Made]
    reads: list[GalleryCursor | None] = field(default_factory=list)

    def count_reads(self) -> None:
        """Records the anchor of every page the gallery reads from the history (``None``: the first)."""
        page = self.gallery.page

        async def counted(query: GalleryFilter, after: GalleryCursor | None = None, limit: int = 200) -> GalleryPage:
            self.reads.append(after)
            return await page(query, after, limit)

        self.gallery.page = counted  # type: ignore[method-assign]

    async def close(self) -> None:
        self.sleeper.released.set()
        await self.gallery.finish_deletions()
        await self.recorder.close()
        self.store.close()


def build_library(folder: Path, *, pictures: int = 24, media: bool = True,
                  prompt: Callable[[int], str] = lambda n: f"a lighthouse at dusk number {n}") -> Library:
    """``pictures`` PNGs from two models in two conversations; with ``media`` two videos, two sounds, one file."""
    store = HistoryStore.open(folder / "data" / "history.db", library_dir=folder / "data" / "library", clock=Clock())
    first = store.create_conversation("Lighthouses", FLUX)
    second = store.create_conversation("Portraits", SDXL)
    made = []
    for n in range(1, pictures + 1):
        model, conversation = (FLUX, first) if n % 3 else (SDXL, second)
        made.append(make_output(store, conversation, model, prompt(n), seed=n, data=picture(n)))
    if media:
        made.append(make_output(store, first, VIDEO, "waves rolling in", seed=1001, content_type="video/mp4",
                                data=b"\x00\x00\x00\x18ftypmp42" + bytes(64)))
        made.append(make_output(store, first, MUSIC, "a calm piano tune", seed=1002, content_type="audio/wav",
                                data=wav()))
        made.append(make_output(store, second, MUSIC, "a drum loop", seed=1003, content_type="audio/mpeg",
                                data=b"ID3" + bytes(200)))
        made.append(make_output(store, second, VIDEO, "a city timelapse", seed=1004, content_type="video/webm",
                                data=b"\x1aE\xdf\xa3" + bytes(100)))
        made.append(make_output(store, second, SDXL, "notes", seed=1005, content_type="application/json",
                                data=b'{"ok": true}'))
    recorder = HistoryRecorder(store)
    sleeper = Sleeper()
    gallery = Gallery(recorder, undo_seconds=5.0, sleep=sleeper)
    return Library(store, recorder, gallery, sleeper, made)
