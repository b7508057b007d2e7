"""The card the image viewer shows for an output that is not an image (audio, video, JSON, text, archives…)."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from urllib.parse import unquote, urlsplit

from PySide6.QtCore import QCoreApplication, QEvent, QLocale, QRectF, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPaintEvent, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QStyle, QVBoxLayout, QWidget

from desktop_app.replicate import FileClass, classify_file
from desktop_app.ui.viewer.decoding import looks_like_image

__all__ = [
    "FileCard",
    "OutputFile",
    "extension_for_file",
    "file_kind_icon",
    "file_kind_pixmap",
    "file_name_from_source",
    "media_type",
    "open_target",
    "shows_as_file",
]

_ICON_EDGE = 48
_CARD_WIDTH = 420
_NAME_MAX_CHARS = 60
_UNKNOWN_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream", "application/unknown"})
_ERROR_PAGE_TYPES = frozenset({"text/html"})
"""An HTML page where a file output should be is nearly always a proxy's or CDN's error page: keep it an error."""
_EXTENSIONS = {  # the platform's mimetypes table varies (Debian has no audio/wav): the usual outputs first
    "audio/wav": "wav", "audio/x-wav": "wav", "audio/wave": "wav", "audio/vnd.wave": "wav", "audio/mpeg": "mp3",
    "audio/mp3": "mp3", "audio/ogg": "ogg", "audio/opus": "opus", "audio/flac": "flac", "audio/x-flac": "flac",
    "audio/aac": "aac", "audio/mp4": "m4a", "audio/x-m4a": "m4a", "audio/webm": "weba", "video/mp4": "mp4",
    "video/webm": "webm", "video/quicktime": "mov", "video/x-matroska": "mkv", "video/ogg": "ogv",
    "text/plain": "txt", "text/markdown": "md", "text/csv": "csv", "application/json": "json",
    "application/zip": "zip", "application/x-zip-compressed": "zip", "application/gzip": "gz",
    "application/x-tar": "tar", "application/pdf": "pdf", "model/gltf-binary": "glb", "model/obj": "obj",
}


def media_type(content_type: str | None) -> str:
    """``"Audio/WAV; rate=8000"`` → ``"audio/wav"``; empty for None."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def shows_as_file(data: bytes, content_type: str | None, source_url: str) -> bool:
    """Whether an output goes on a file card rather than to the image decoder.

    The content type decides when there is a useful one: ``image/*`` (and ``text/html``, an error page) are
    decoded, anything else is a file. Without one (or ``application/octet-stream``), bytes Qt can read as an image
    are decoded, and so are bytes whose name says image (so a broken ``.png`` still reports why); the rest is a
    file. An empty download is always decoded, which reports it as empty.
    """
    if not data:
        return False
    mime = media_type(content_type)
    if mime not in _UNKNOWN_TYPES:
        return not mime.startswith("image/") and mime not in _ERROR_PAGE_TYPES
    if looks_like_image(data):
        return False
    return classify_file(None, source_url) != "image"


def file_name_from_source(source: str) -> str:
    """The last path segment of a URL, ``file:`` URL or local path (percent-decoded); empty for ``data:`` URIs."""
    if not source or source.startswith("data:"):
        return ""
    if _is_local_path(source):
        return PureWindowsPath(source).name if "\\" in source else Path(source).name
    return unquote(urlsplit(source).path.rsplit("/", 1)[-1])


def extension_for_file(content_type: str | None, source: str = "") -> str:
    """The usual extension (no dot) for the content type, else the source's own, else ``bin``."""
    mime = media_type(content_type)
    extension = _EXTENSIONS.get(mime)
    if extension is None and mime not in _UNKNOWN_TYPES:
        guessed = mimetypes.guess_extension(mime, strict=False)
        extension = guessed.lstrip(".") if guessed else None
    if extension is None:
        suffix = file_name_from_source(source).rpartition(".")[2] if "." in file_name_from_source(source) else ""
        extension = suffix.lower() if suffix.isascii() and suffix.isalnum() and len(suffix) <= 8 else None
    return extension or "bin"


def open_target(source: str) -> QUrl | None:
    """What Open shows: the local file for a path or ``file:`` URL, the URL itself for http(s); else None."""
    if not source:
        return None
    if _is_local_path(source):
        return QUrl.fromLocalFile(source)
    url = QUrl(source)
    if url.isValid() and url.scheme().lower() in ("http", "https", "file"):
        return url
    return None


def file_kind_icon(widget: QWidget, kind: FileClass) -> QIcon:
    """A standard icon for the kind of file: a speaker for audio, a play button for video, a page for the rest."""
    pixmap = {
        "audio": QStyle.StandardPixmap.SP_MediaVolume,
        "video": QStyle.StandardPixmap.SP_MediaPlay,
    }.get(kind, QStyle.StandardPixmap.SP_FileIcon)
    return widget.style().standardIcon(pixmap, None, widget)


def file_kind_pixmap(widget: QWidget, kind: FileClass, edge: int, color: QColor) -> QPixmap:
    """``file_kind_icon`` at ``edge`` pixels; the black media glyphs are drawn in ``color`` so dark themes show them."""
    pixmap = file_kind_icon(widget, kind).pixmap(QSize(edge, edge), widget.devicePixelRatioF())
    if kind in ("audio", "video") and not pixmap.isNull():
        painter = QPainter(pixmap)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
        painter.fillRect(pixmap.rect(), color)
        painter.end()
    return pixmap


def _is_local_path(source: str) -> bool:
    scheme = urlsplit(source).scheme
    return not scheme or (len(scheme) == 1 and scheme.isalpha())  # "C:\\…" parses as scheme "c"


@dataclass(frozen=True, slots=True)
class OutputFile:
    """One non-image output: its original bytes, what it is and where it came from."""

    data: bytes
    content_type: str
    """The media type as given (may be empty when the server sent none)."""
    source_url: str
    """The URL it was downloaded from, or the local path of the stored copy."""

    @property
    def kind(self) -> FileClass:
        """``audio``, ``video`` or ``other`` (``image`` only for an image type the viewer cannot show)."""
        return classify_file(self.content_type or None, self.source_url)

    @property
    def extension(self) -> str:
        """The extension saved files get, e.g. ``wav``."""
        return extension_for_file(self.content_type, self.source_url)

    @property
    def name(self) -> str:
        """The file name from the source, or ``output.<ext>`` when it has none."""
        return file_name_from_source(self.source_url) or f"output.{self.extension}"

    @property
    def size(self) -> int:
        return len(self.data)

    def description(self) -> str:
        """``audio/wav · 1.2 MB`` (the type falls back to the extension, e.g. ``WAV file``)."""
        size = QLocale().formattedDataSize(self.size, 1, QLocale.DataSizeFormat.DataSizeSIFormat)
        kind = media_type(self.content_type) or (
            QCoreApplication.translate("FileCard", "{0} file").format(self.extension.upper()))
        return f"{kind} · {size}"


class FileCard(QFrame):
    """A centred card for one OutputFile: kind icon, file name, type and size, Save… and Open buttons.

    Signals:
        save_requested(): the Save… button was clicked.
        open_requested(): the Open button was clicked.
    """

    save_requested = Signal()
    open_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._file: OutputFile | None = None
        self._box = QWidget(self)
        self._icon = QLabel(self._box)
        self._name = QLabel(self._box)
        self._info = QLabel(self._box)
        self._note = QLabel(self._box)
        self._save = QPushButton(self._box)
        self._open = QPushButton(self._box)
        self._setup_ui()

    def show_file(self, file: OutputFile) -> None:
        """Shows ``file``; clears any earlier note."""
        self._file = file
        name = file.name
        if len(name) > _NAME_MAX_CHARS:  # a long unbroken name (a hash, say) would widen the card: shorten the middle
            name = name[: _NAME_MAX_CHARS - 20] + "…" + name[-19:]
        self._name.setText(name)
        self._name.setToolTip(file.source_url if not file.source_url.startswith("data:") else file.name)
        self._info.setText(file.description())
        self._open.setEnabled(open_target(file.source_url) is not None)
        self._open.setToolTip(self.tr("Open the file with its usual application") if self._open.isEnabled()
                              else self.tr("This output has no file or address to open"))
        self.set_note("")
        self._draw_icon()

    def file(self) -> OutputFile | None:
        """The file shown."""
        return self._file

    def set_note(self, text: str) -> None:
        """A line under the buttons, e.g. why Open failed (empty hides it)."""
        self._note.setText(text)
        self._note.setVisible(bool(text))

    def name_text(self) -> str:
        return self._name.text()

    def info_text(self) -> str:
        return self._info.text()

    def note_text(self) -> str:
        return self._note.text()

    def save_button(self) -> QPushButton:
        return self._save

    def open_button(self) -> QPushButton:
        return self._open

    def changeEvent(self, event: QEvent) -> None:
        """Redraws the icon in the new style or palette."""
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self._draw_icon()

    def paintEvent(self, event: QPaintEvent) -> None:
        """A rounded card in the base colour with a thin border, behind the column (follows the palette)."""
        super().paintEvent(event)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        border = QColor(palette.color(QPalette.ColorRole.Mid))
        painter.setPen(QPen(border, 1))
        painter.setBrush(palette.color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(QRectF(self._box.geometry()).adjusted(0.5, 0.5, -0.5, -0.5), 10, 10)
        painter.end()

    def _setup_ui(self) -> None:
        self.setObjectName("fileCard")
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.Window)
        self._box.setObjectName("fileCardBox")
        self._box.setMaximumWidth(_CARD_WIDTH)
        self._box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        self._icon.setObjectName("fileCardIcon")
        self._icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._name.setObjectName("fileCardName")
        self._name.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._name.setWordWrap(True)
        self._name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self._name.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self._name.setFont(font)
        self._info.setObjectName("fileCardInfo")
        self._info.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._info.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._note.setObjectName("fileCardNote")
        self._note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._note.setWordWrap(True)
        self._note.hide()
        self._save.setObjectName("fileCardSaveButton")
        self._save.setText(self.tr("Save…"))
        self._save.setToolTip(self.tr("Save this file"))
        self._save.setDefault(True)
        self._open.setObjectName("fileCardOpenButton")
        self._open.setText(self.tr("Open"))
        for button in (self._save, self._open):
            button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            button.setMinimumWidth(96)
        self._save.clicked.connect(self.save_requested)
        self._open.clicked.connect(self.open_requested)

        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        buttons.addStretch(1)
        buttons.addWidget(self._save)
        buttons.addWidget(self._open)
        buttons.addStretch(1)
        column = QVBoxLayout(self._box)
        column.setContentsMargins(24, 24, 24, 24)
        column.setSpacing(8)
        column.addWidget(self._icon)
        column.addSpacing(4)
        column.addWidget(self._name)
        column.addWidget(self._info)
        column.addSpacing(8)
        column.addLayout(buttons)
        column.addWidget(self._note)

        row = QHBoxLayout()  # the card takes up to _CARD_WIDTH, centred; narrower panes get a narrower card
        row.addStretch(1)
        row.addWidget(self._box, 1000)
        row.addStretch(1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 24, 24, 24)
        outer.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(1)

    def _draw_icon(self) -> None:
        kind = self._file.kind if self._file is not None else "other"
        color = self.palette().color(QPalette.ColorRole.Text)
        self._icon.setPixmap(file_kind_pixmap(self, kind, _ICON_EDGE, color))
