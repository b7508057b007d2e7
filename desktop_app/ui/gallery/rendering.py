"""What the thumbnail workers make, off the GUI thread: scaled pictures (with Qt's scaled decoding) and the peaks
of an audio file's waveform. Only reentrant Qt classes (QImage, QImageReader, QBuffer) are used here."""

from __future__ import annotations

import array
import hashlib
import sys
import wave
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QIODevice, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QImage, QImageReader, QPainter

WAVE_BINS = 48
ROUNDING = 6 / 160  # corner radius / thumbnail edge, as the grid's cells draw it
MAX_WAVE_FRAMES = 8_000_000  # a longer recording is read only this far (the card is a sketch, not a meter)


class RenderError(Exception):
    """A thumbnail could not be made; ``str(error)`` is a short human reason."""


@dataclass(frozen=True)
class Peaks:
    """A waveform sketch: ``bins`` values in 0…1; ``measured`` is False when they only stand in for one."""

    values: tuple[float, ...]
    measured: bool


def scaled_image(path: Path, edge: int) -> QImage:
    """The picture at ``path`` scaled to fit ``edge`` × ``edge`` (never enlarged), decoded at that size where the
    format allows it (JPEG decodes at a fraction of its size)."""
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    if not reader.canRead():
        if not path.is_file():
            raise RenderError(QCoreApplication.translate("GalleryThumbnails", "the file is missing"))
        raise RenderError(QCoreApplication.translate("GalleryThumbnails", "not a picture Qt can read"))
    size = reader.size()
    if size.isValid() and (size.width() > edge or size.height() > edge):
        scaled = size.scaled(QSize(edge, edge), Qt.AspectRatioMode.KeepAspectRatio)
        reader.setScaledSize(QSize(max(1, scaled.width()), max(1, scaled.height())))
    image = reader.read()
    if image.isNull():
        raise RenderError(reader.errorString() or QCoreApplication.translate("GalleryThumbnails", "damaged"))
    if image.width() > edge or image.height() > edge:  # a format that ignored the scaled size
        image = image.scaled(edge, edge, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
    return image


def encoded(image: QImage, fmt: str, quality: int = 82) -> bytes:
    """``image`` in the file format ``fmt`` (what the disk cache keeps)."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, fmt, quality):  # type: ignore[call-overload]  # the stub says bytes; Qt wants str
        raise RenderError(f"could not encode a {fmt} thumbnail")
    buffer.close()
    return bytes(data.data())


def rounded(image: QImage, edge: int) -> QImage:
    """The picture with its corners rounded as the grid's cells are (so painting needs no clipping)."""
    radius = max(2.0, edge * ROUNDING)
    out = QImage(image.size(), QImage.Format.Format_ARGB32_Premultiplied)
    out.fill(Qt.GlobalColor.transparent)
    painter = QPainter(out)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(image))
    painter.drawRoundedRect(QRectF(out.rect()), radius, radius)
    painter.end()
    return out


def read_image(path: Path) -> QImage:
    """A cached thumbnail (a null image when it is unreadable)."""
    return QImage(str(path))


def peaks(path: Path, content_type: str, sha256: str, bins: int = WAVE_BINS) -> Peaks:
    """The loudness of ``bins`` stretches of a WAV file; for any other audio a steady pattern drawn from its hash
    (decoding MP3 or FLAC would need the multimedia module, which the gallery never requires)."""
    if content_type.lower() in ("audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave") or \
            path.suffix.lower() == ".wav":
        try:
            return Peaks(_wave_peaks(path, bins), True)
        except (OSError, EOFError, wave.Error, ValueError):
            pass
    digest = hashlib.sha256(sha256.encode("ascii", "replace")).digest() * (bins // 32 + 1)
    return Peaks(tuple(0.25 + 0.75 * (digest[n] / 255) for n in range(bins)), False)


def _wave_peaks(path: Path, bins: int) -> tuple[float, ...]:
    with wave.open(str(path), "rb") as sound:
        width, channels = sound.getsampwidth(), sound.getnchannels()
        frames = min(sound.getnframes(), MAX_WAVE_FRAMES)
        if width not in (1, 2, 4) or frames == 0:
            raise ValueError("an unusual WAV file")
        raw = sound.readframes(frames)
    samples = array.array({1: "b", 2: "h", 4: "i"}[width])
    if width == 1:  # 8-bit WAV is unsigned
        samples.frombytes(bytes((byte - 128) & 0xFF for byte in raw))
    else:
        samples.frombytes(raw[: len(raw) - len(raw) % width])
        if sys.byteorder == "big":
            samples.byteswap()
    count = len(samples) // channels
    step = max(1, count // bins)
    stride = max(1, step // 64) * channels  # about 64 samples per bin are enough for a sketch
    loudest = float(2 ** (8 * width - 1))
    values = []
    for index in range(bins):
        start = index * step * channels
        chunk = samples[start : start + step * channels : stride]
        values.append(min(1.0, max((abs(value) for value in chunk), default=0) / loudest))
    top = max(values, default=0.0) or 1.0
    return tuple(value / top for value in values)
