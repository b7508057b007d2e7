"""Dragging an output out of the window (the viewer, the gallery), to other apps and folders: what it carries, and
the drag itself."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDrag, QImage, QPixmap
from PySide6.QtWidgets import QApplication, QWidget

DRAG_EDGE = 96  # the picture under the cursor while dragging, at most this many pixels a side


def output_mime(path: Path | None, image: QImage | None) -> QMimeData | None:
    """What dragging an output carries: its kept file (other apps and folders copy it), and the picture itself
    for apps that take pictures rather than files. ``None`` when there is neither."""
    if path is None and (image is None or image.isNull()):
        return None
    mime = QMimeData()
    if path is not None:
        mime.setUrls([QUrl.fromLocalFile(str(path))])
    if image is not None and not image.isNull():
        mime.setImageData(image)
    return mime


def drag_out(source: QWidget, mime: QMimeData, image: QImage | None) -> None:
    """Starts dragging ``mime`` out of ``source`` (Qt runs the drag until it is dropped or abandoned)."""
    drag = QDrag(source)
    drag.setMimeData(mime)
    if image is not None and not image.isNull():
        preview = QPixmap.fromImage(image.scaled(DRAG_EDGE, DRAG_EDGE, Qt.AspectRatioMode.KeepAspectRatio,
                                                 Qt.TransformationMode.SmoothTransformation))
        drag.setPixmap(preview)
        drag.setHotSpot(QPoint(preview.width() // 2, preview.height() // 2))
    drag.exec(Qt.DropAction.CopyAction, Qt.DropAction.CopyAction)


def far_enough(start: QPoint, now: QPoint) -> bool:
    """Whether the mouse moved far enough from ``start`` for a drag to begin."""
    return (now - start).manhattanLength() >= QApplication.startDragDistance()


def local_file(text: str) -> Path | None:
    """The local file an output's address names (the kept file in the library), if it is one that exists."""
    if not text or "://" in text or text.startswith("data:"):
        return None
    path = Path(text)
    return path if path.is_file() else None
