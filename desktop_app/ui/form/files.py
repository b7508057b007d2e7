"""The editor for file inputs (``format: uri``): a path or URL, a file dialog, drag and drop, a thumbnail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImageReader, QPixmap
from PySide6.QtWidgets import QFileDialog, QFrame, QLabel, QLineEdit, QPushButton, QStyle

from ...replicate import FieldSpec
from ..common.widgets import named
from .fields import FieldEditor

URL_PREFIXES = ("http://", "https://", "data:")
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff"})
THUMB_EDGE = 40
_MAX_THUMB_BYTES = 20 * 1024 * 1024


class FileEditor(FieldEditor):
    """A local file (dropped, or chosen in a non-modal dialog) or a pasted URL, with a thumbnail.

    The value is a :class:`~pathlib.Path` for a local file and a ``str`` for a URL or ``data:`` URI.
    """

    def _setup_ui(self) -> None:
        self.setAcceptDrops(True)
        self._dialog: QFileDialog | None = None
        thumb = named(QLabel(self), f"field_{self.spec.name}_thumbnail")
        thumb.setFixedSize(QSize(THUMB_EDGE, THUMB_EDGE))
        thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        thumb.setFrameShape(QFrame.Shape.StyledPanel)
        self._thumb = thumb
        line = named(QLineEdit(self), f"field_{self.spec.name}_path")
        line.setPlaceholderText(self.tr("Drop a file here, choose one, or paste a URL"))
        line.setAcceptDrops(False)  # drops go to the whole row
        line.setClearButtonEnabled(True)
        line.textEdited.connect(self._on_line_text_edited)
        self._line = self._focus = line
        choose = named(QPushButton(self.tr("Choose…"), self), f"field_{self.spec.name}_choose")
        choose.clicked.connect(self._on_choose_clicked)
        self._row.addWidget(thumb)
        self._row.addWidget(line, 1)
        self._row.addWidget(choose)
        self._value: Path | str | None = None

    def value(self) -> Path | str | None:
        return self._value

    def dialog(self) -> QFileDialog | None:
        """The file dialog, once "Choose…" opened it."""
        return self._dialog

    def _show(self, value: Any) -> bool:
        if isinstance(value, str) and not value.strip():
            value = None
        if value is not None and not isinstance(value, Path | str):
            return False
        parsed = _file_value(str(value)) if isinstance(value, str) else value
        self._value = parsed
        self._line.setText("" if parsed is None else str(parsed))
        self._line.setCursorPosition(len(self._line.text()))  # the file name, not the start of its folder
        self._line.setToolTip(str(parsed) if parsed is not None else self.spec.description)
        self._update_thumbnail()
        return True

    def _choose(self, value: Path | str | None) -> None:
        self.set_value(value)
        self._on_changed()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _dropped_value(event.mimeData().urls()) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: Any) -> None:
        event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        dropped = _dropped_value(event.mimeData().urls())
        if dropped is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self._choose(dropped)

    def _on_line_text_edited(self, text: str) -> None:
        self._value = _file_value(text)
        self._update_thumbnail()
        self._on_changed()

    def _on_choose_clicked(self) -> None:
        if self._dialog is None:
            title = self.tr("Choose %1").replace("%1", self.spec.title)
            dialog = named(QFileDialog(self, title), f"field_{self.spec.name}_dialog")
            dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
            images = self.tr("Images (*.png *.jpg *.jpeg *.webp *.gif *.bmp)")
            every = self.tr("All files (*)")
            dialog.setNameFilters([images, every] if _wants_image(self.spec) else [every, images])
            dialog.fileSelected.connect(self._on_dialog_file_selected)
            self._dialog = dialog
        if isinstance(self._value, Path):
            self._dialog.setDirectory(str(self._value.parent))
        self._dialog.open()  # window-modal, no nested event loop

    def _on_dialog_file_selected(self, path: str) -> None:
        if path:
            self._choose(Path(path))

    def _update_thumbnail(self) -> None:
        pixmap = _thumbnail(self._value) if isinstance(self._value, Path) else None
        if pixmap is None:
            icon = QStyle.StandardPixmap.SP_FileIcon if self._value is not None else QStyle.StandardPixmap.SP_DirIcon
            pixmap = self.style().standardIcon(icon).pixmap(THUMB_EDGE // 2)
        self._thumb.setPixmap(pixmap)


def _file_value(text: str) -> Path | str | None:
    text = text.strip()
    if not text:
        return None
    if text.startswith(URL_PREFIXES):
        return text
    if text.startswith("file://"):
        return Path(QUrl(text).toLocalFile())
    return Path(text).expanduser()


def _dropped_value(urls: list[Any]) -> Path | str | None:
    for url in urls:
        if url.isLocalFile():
            path = Path(url.toLocalFile())
            return path if path.is_file() else None
        if url.scheme() in ("http", "https"):
            return str(url.toString())
    return None


def _wants_image(spec: FieldSpec) -> bool:
    text = f"{spec.name} {spec.description}".lower()
    return any(word in text for word in ("image", "img", "mask", "photo", "picture"))


def _thumbnail(path: Path) -> QPixmap | None:
    try:
        if path.suffix.lower() not in IMAGE_SUFFIXES or path.stat().st_size > _MAX_THUMB_BYTES:
            return None
    except OSError:
        return None
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and not size.isEmpty():
        reader.setScaledSize(size.scaled(THUMB_EDGE, THUMB_EDGE, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    return None if image.isNull() else QPixmap.fromImage(image)
