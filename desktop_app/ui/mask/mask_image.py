"""The painted mask as pixels: an overlay image one bit deep in meaning, read from and written to black/white PNGs.

The overlay is what the painter shows and paints on: opaque where the user painted, transparent elsewhere. A
model reads the same thing as a grey image: white where it may repaint, black where it keeps the picture.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter

OVERLAY_FORMAT = QImage.Format.Format_ARGB32_Premultiplied
PAINT_COLOUR = QColor(255, 48, 48)
_THRESHOLD = bytes(0 if value < 128 else 255 for value in range(256))  # a grey level → black or white


def blank_overlay(size: QSize) -> QImage:
    """An overlay of ``size`` with nothing painted."""
    overlay = QImage(size, OVERLAY_FORMAT)
    overlay.fill(Qt.GlobalColor.transparent)
    return overlay


def overlay_to_mask(overlay: QImage) -> QImage:
    """The model's mask: white (255) where the overlay is painted (at least half opaque), black (0) elsewhere."""
    alpha = overlay.convertToFormat(QImage.Format.Format_Alpha8)
    return _grey_from(alpha, QImage.Format.Format_Grayscale8)


def mask_to_overlay(mask: QImage, size: QSize) -> QImage:
    """An overlay painted where ``mask`` (any image, scaled to ``size`` if it differs) is light."""
    if mask.size() != size:
        mask = mask.scaled(size, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.FastTransformation)
    grey = mask.convertToFormat(QImage.Format.Format_Grayscale8)
    alpha = _grey_from(grey, QImage.Format.Format_Alpha8)
    overlay = QImage(size, OVERLAY_FORMAT)
    overlay.fill(PAINT_COLOUR)
    painter = QPainter(overlay)
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_DestinationIn)
    painter.drawImage(0, 0, alpha)
    painter.end()
    return overlay


def inverted(overlay: QImage, rect: QRect | None = None) -> QImage:
    """The overlay painted exactly where it was not (inside ``rect``, the whole image by default)."""
    area = rect or overlay.rect()
    part = overlay.copy(area)
    flipped = QImage(part.size(), OVERLAY_FORMAT)
    flipped.fill(PAINT_COLOUR)
    painter = QPainter(flipped)
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_DestinationOut)
    painter.drawImage(0, 0, part)
    painter.end()
    return flipped


def png_bytes(image: QImage) -> bytes:
    """``image`` encoded as PNG."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):  # type: ignore[call-overload]  # the stubs say bytes; it takes str
        raise ValueError("The mask could not be encoded as PNG.")
    buffer.close()
    return bytes(data.data())


def painted_fraction(mask: QImage) -> float:
    """How much of a black/white mask is white (0.0 … 1.0)."""
    grey = mask.convertToFormat(QImage.Format.Format_Grayscale8)
    width, height, stride = grey.width(), grey.height(), grey.bytesPerLine()
    if not width or not height:
        return 0.0
    data = bytes(grey.constBits())
    white = sum(data[row * stride : row * stride + width].count(255) for row in range(height))
    return white / (width * height)


def _grey_from(image: QImage, target: QImage.Format) -> QImage:
    """The 8-bit image's bytes, thresholded to 0/255, as an image of format ``target`` (same size and stride)."""
    data = bytes(image.constBits()).translate(_THRESHOLD)
    return QImage(data, image.width(), image.height(), image.bytesPerLine(), target).copy()
