"""Pictures read from kept files at a small size, safe on any thread (QImage, never QPixmap, off the GUI thread)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QImageReader


def read_scaled(path: Path, edge: int) -> QImage:
    """The picture at ``path`` decoded at most ``edge`` pixels on its longest side (the reader scales while it
    decodes, so a 7 MB PNG never becomes a full-size image first), turned upright as its EXIF says (camera photos
    are often stored sideways); a null image when it cannot be read."""
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and max(size.width(), size.height()) > edge:
        reader.setScaledSize(size.scaled(QSize(edge, edge), Qt.AspectRatioMode.KeepAspectRatio))
    return reader.read()
