"""Decodes downloaded image bytes off the GUI thread and delivers the result back through a queued signal."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QIODevice, QObject, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage, QImageReader

from ..common.pictures import read_scaled

__all__ = [
    "THUMBNAIL_EDGE",
    "DecodedImage",
    "ImageDecodeError",
    "ImageDecoder",
    "decode_image_bytes",
    "looks_like_image",
    "thumbnail_of",
]

_log = logging.getLogger(__name__)

THUMBNAIL_EDGE = 72
"""Longest edge, in pixels, of the thumbnail computed alongside each decoded image."""

_JPEG_END_OF_IMAGE = b"\xff\xd9"
_SNIFF_BYTES = 64 * 1024


class ImageDecodeError(Exception):
    """The bytes are not an image this application can show; ``str(error)`` is a human reason."""


@dataclass(frozen=True, slots=True)
class DecodedImage:
    """One decoded output image, with the untouched original bytes kept for saving."""

    image: QImage
    thumbnail: QImage
    format: str
    """Lower-case Qt format name found in the content, e.g. ``"webp"``, ``"png"``, ``"jpeg"``."""
    data: bytes
    content_type: str | None = None
    source_url: str = ""


DecodeFunction = Callable[[bytes, "str | None"], DecodedImage]



CHAT_THUMBNAIL_EDGE = 256
"""Longest edge of the thumbnail a reopened conversation shows in the chat (the chat's own limit)."""


def thumbnail_of(path: Path) -> QImage:
    """A reopened output's thumbnail for the chat, read scaled from its file (safe off the GUI thread)."""
    return read_scaled(path, CHAT_THUMBNAIL_EDGE)


def looks_like_image(data: bytes) -> bool:
    """Whether Qt recognises an image format in the first bytes of ``data`` (cheap: headers only)."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data[:_SNIFF_BYTES]))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    return bool(QImageReader(buffer).canRead())


def decode_image_bytes(data: bytes, content_type: str | None = None) -> DecodedImage:
    """Decodes ``data`` with QImageReader, detecting the format from the content; safe on any thread.

    Raises ImageDecodeError with a short human reason for empty, unrecognised, truncated or corrupt data.
    """
    if not data:
        raise ImageDecodeError(QCoreApplication.translate("ImageDecoding", "the download is empty"))
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    reader.setAutoTransform(True)
    if not reader.canRead():
        if content_type:
            raise ImageDecodeError(
                QCoreApplication.translate("ImageDecoding", "its format ({0}) is not supported").format(content_type))
        raise ImageDecodeError(
            QCoreApplication.translate("ImageDecoding", "the data is not in a supported image format"))
    fmt = bytes(reader.format().data()).decode("ascii", "replace").lower()
    if fmt in ("jpeg", "jpg") and data.rfind(_JPEG_END_OF_IMAGE) < 0:
        # libjpeg fills a truncated JPEG with grey and reports success; the missing end marker gives it away.
        raise ImageDecodeError(QCoreApplication.translate("ImageDecoding", "the JPEG data is incomplete"))
    image = reader.read()
    if image.isNull():
        reason = reader.errorString() or QCoreApplication.translate("ImageDecoding", "the data is corrupt")
        message = QCoreApplication.translate("ImageDecoding", "the {0} data is damaged or incomplete ({1})")
        raise ImageDecodeError(message.format(fmt.upper(), reason))
    thumbnail = image.scaled(
        QSize(THUMBNAIL_EDGE, THUMBNAIL_EDGE),
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
    return DecodedImage(image=image, thumbnail=thumbnail, format=fmt, data=data, content_type=content_type)


class ImageDecoder(QObject):
    """Runs decode jobs on its own thread pool; results come back on the thread this object lives in.

    Each job carries an opaque ``ticket`` chosen by the caller so it can drop results that are no longer wanted.

    Signals:
        decoded(int, object): ticket, DecodedImage — the bytes decoded.
        failed(int, str): ticket, human reason — the bytes could not be decoded.
    """

    decoded = Signal(int, object)
    failed = Signal(int, str)

    _job_finished = Signal(int, object, str)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        decode: DecodeFunction = decode_image_bytes,
        max_threads: int = 2,
    ) -> None:
        super().__init__(parent)
        self._decode = decode
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        # Workers emit only while the C++ object is alive; the lock orders an emit against its destruction.
        self._liveness = _Liveness()
        self._job_finished.connect(self._on_job_finished, Qt.ConnectionType.QueuedConnection)
        self.destroyed.connect(self._liveness.mark_dead)

    def submit(self, ticket: int, data: bytes, content_type: str | None) -> None:
        """Queues ``data`` for decoding on a worker thread; ``decoded`` or ``failed`` follows with ``ticket``."""
        self._pool.start(lambda: self._run(ticket, data, content_type))

    def wait_for_idle(self, msecs: int = -1) -> bool:
        """Blocks until queued jobs finished (used on shutdown and in tests); False on timeout."""
        return bool(self._pool.waitForDone(msecs))

    def _run(self, ticket: int, data: bytes, content_type: str | None) -> None:
        result: DecodedImage | None = None
        message = ""
        try:
            result = self._decode(data, content_type)
        except ImageDecodeError as error:
            message = str(error)
        except Exception as error:  # a decoder bug must not vanish in a worker thread
            _log.exception("decoding image failed unexpectedly")
            message = QCoreApplication.translate("ImageDecoding", "unexpected error ({0})").format(error)
        with self._liveness.lock:
            if self._liveness.alive:
                self._job_finished.emit(ticket, result, message)

    def _on_job_finished(self, ticket: int, result: object, message: str) -> None:
        if isinstance(result, DecodedImage):
            self.decoded.emit(ticket, result)
        else:
            self.failed.emit(ticket, message)


class _Liveness:
    """Whether an ImageDecoder's C++ object still exists; deliberately holds no reference to the decoder."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.alive = True

    def mark_dead(self) -> None:
        with self.lock:
            self.alive = False
