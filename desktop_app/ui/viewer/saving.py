"""Saving output images: default file names, format choice, conversion and atomic writes with clear errors."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
import unicodedata
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QBuffer, QByteArray, QCoreApplication, QIODevice, Qt
from PySide6.QtGui import QImage, QImageWriter, QPainter

__all__ = [
    "JPEG_QUALITY",
    "ImageSaveError",
    "default_file_name",
    "describe_save_error",
    "encode_image",
    "extension_for_format",
    "format_for_path",
    "name_filters",
    "save_image_file",
    "unique_path",
    "with_default_suffix",
    "write_file_atomically",
]

JPEG_QUALITY = 92
_SLUG_MAX_CHARS = 48

_FORMAT_BY_SUFFIX = {
    "png": "png",
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "jpe": "jpeg",
    "jfif": "jpeg",
    "webp": "webp",
    "gif": "gif",
    "tif": "tiff",
    "tiff": "tiff",
    "bmp": "bmp",
}
_EXTENSION_BY_FORMAT = {"jpeg": "jpg", "jpg": "jpg", "tiff": "tif"}
_FILTER_LABELS: dict[str, object] = {  # QT_TRANSLATE_NOOP marks them for lupdate
    "png": QT_TRANSLATE_NOOP("ImageSaving", "PNG image"),
    "jpeg": QT_TRANSLATE_NOOP("ImageSaving", "JPEG image"),
    "webp": QT_TRANSLATE_NOOP("ImageSaving", "WebP image"),
    "gif": QT_TRANSLATE_NOOP("ImageSaving", "GIF image"),
    "tiff": QT_TRANSLATE_NOOP("ImageSaving", "TIFF image"),
    "bmp": QT_TRANSLATE_NOOP("ImageSaving", "BMP image"),
}
_CONVERSION_FORMATS = ("png", "jpeg", "webp")


class ImageSaveError(Exception):
    """Saving failed; ``str(error)`` is one sentence naming the file and the reason."""



def default_file_name(prompt: str, when: datetime, index: int, ext: str) -> str:
    """``a-red-fox-2026-11-28-1430.webp`` for the first image, ``…-1430-2.webp`` for the second (index 1).

    The prompt becomes a short lower-case slug (accents dropped, other scripts kept); an empty one gives "image".
    """
    slug = _slug(prompt) or "image"
    stamp = when.strftime("%Y-%m-%d-%H%M")
    suffix = f"-{index + 1}" if index > 0 else ""
    extension = ext.lstrip(".").lower()
    return f"{slug}-{stamp}{suffix}" + (f".{extension}" if extension else "")


def _slug(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))
    slug = re.sub(r"-+", "-", "".join(c if c.isalnum() else "-" for c in stripped.lower())).strip("-")
    if len(slug) > _SLUG_MAX_CHARS:
        cut = slug[:_SLUG_MAX_CHARS]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut
    return slug


def unique_path(path: Path) -> Path:
    """``path`` if it does not exist yet, else ``name (2).ext``, ``name (3).ext``, …"""
    candidate, number = path, 2
    while candidate.exists():
        candidate = path.with_name(f"{path.stem} ({number}){path.suffix}")
        number += 1
    return candidate


def format_for_path(path: Path) -> str | None:
    """The Qt format name the file suffix asks for (``"jpeg"`` for .jpg), or None if unknown."""
    return _FORMAT_BY_SUFFIX.get(path.suffix.lstrip(".").lower())


def extension_for_format(fmt: str) -> str:
    """The usual file extension (without dot) for a Qt format name: ``jpeg`` → ``jpg``."""
    return _EXTENSION_BY_FORMAT.get(fmt.lower(), fmt.lower())


def with_default_suffix(path: Path, fmt: str) -> Path:
    """Appends the extension of ``fmt`` when ``path`` has no recognised image suffix."""
    if format_for_path(path) is not None:
        return path
    return path.with_name(f"{path.name}.{extension_for_format(fmt)}")


def name_filters(original_format: str) -> list[str]:
    """Save-dialog filters: the original format first, then PNG, JPEG and WebP (no duplicates)."""
    formats = [original_format.lower(), *_CONVERSION_FORMATS]
    filters: list[str] = []
    for fmt in dict.fromkeys("jpeg" if f == "jpg" else f for f in formats):
        label = _FILTER_LABELS.get(fmt)
        label = QCoreApplication.translate("ImageSaving", str(label)) if label else (
            QCoreApplication.translate("ImageSaving", "{0} image").format(fmt.upper()))
        patterns = " ".join(f"*.{suffix}" for suffix, f in _FORMAT_BY_SUFFIX.items() if f == fmt and suffix != "jpe")
        filters.append(f"{label} ({patterns or '*.' + extension_for_format(fmt)})")
    return filters


def encode_image(image: QImage, fmt: str, quality: int = JPEG_QUALITY) -> bytes:
    """Encodes ``image`` as ``fmt``; JPEG gets its transparency flattened onto white. Raises ValueError."""
    fmt = "jpeg" if fmt.lower() == "jpg" else fmt.lower()
    if fmt == "jpeg" and image.hasAlphaChannel():
        image = _flattened_on_white(image)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QImageWriter(buffer, QByteArray(fmt.encode("ascii")))
    if fmt in ("jpeg", "webp"):
        writer.setQuality(quality)
    if not writer.write(image):
        raise ValueError(writer.errorString())
    return bytes(buffer.data().data())


def _flattened_on_white(image: QImage) -> QImage:
    flat = QImage(image.size(), QImage.Format.Format_RGB32)
    flat.fill(Qt.GlobalColor.white)
    painter = QPainter(flat)
    painter.drawImage(0, 0, image)
    painter.end()
    return flat


def save_image_file(path: Path, image: QImage, original_data: bytes, original_format: str) -> None:
    """Writes the image to ``path`` in the format its suffix names, atomically.

    The suffix of the original format gets the original bytes unchanged; any other known suffix gets a
    conversion. Raises ImageSaveError with one sentence naming the file and the reason.
    """
    target = format_for_path(path)
    original = "jpeg" if original_format.lower() == "jpg" else original_format.lower()
    if target is None:
        reason = QCoreApplication.translate("ImageSaving", "“{0}” is not an image type this app can write")
        raise ImageSaveError(_sentence(path, reason.format(path.suffix or path.name)))
    if target == original:
        data = original_data
    else:
        try:
            data = encode_image(image, target)
        except ValueError as error:
            reason = QCoreApplication.translate("ImageSaving", "converting to {0} failed ({1})")
            raise ImageSaveError(_sentence(path, reason.format(target.upper(), error))) from error
    write_file_atomically(path, data)


def write_file_atomically(path: Path, data: bytes) -> None:
    """Writes a temporary file beside ``path`` and renames it over ``path``; never leaves a partial file.

    Raises ImageSaveError (from the OSError) with one sentence naming the file and the reason.
    """
    temp_name: str | None = None
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp_name, 0o666 & ~_current_umask())
        os.replace(temp_name, path)
        temp_name = None
    except OSError as error:
        raise ImageSaveError(describe_save_error(path, error)) from error
    finally:
        if temp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp_name)


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def describe_save_error(path: Path, error: OSError) -> str:
    """One sentence for the user: which file could not be saved, and why."""
    translate = QCoreApplication.translate
    denied = translate("ImageSaving", "permission denied")
    missing = translate("ImageSaving", "the folder does not exist")
    full = translate("ImageSaving", "the disk is full")
    reasons = {  # Windows has no EDQUOT
        getattr(errno, "EDQUOT", errno.ENOSPC): translate("ImageSaving", "the disk quota is exceeded"),
        errno.EACCES: denied,
        errno.EPERM: denied,
        errno.EROFS: translate("ImageSaving", "the disk is read-only"),
        errno.ENOENT: missing,
        errno.ENOTDIR: missing,
        errno.ENAMETOOLONG: translate("ImageSaving", "the file name is too long"),
        errno.EISDIR: translate("ImageSaving", "a folder with that name already exists"),
        errno.ENOSPC: full,
    }
    reason = reasons.get(error.errno or 0) or error.strerror or str(error) or translate("ImageSaving", "unknown error")
    return _sentence(path, reason)


def _sentence(path: Path, reason: str) -> str:
    sentence = QCoreApplication.translate("ImageSaving", "Could not save “{0}” in {1}: {2}.")
    return sentence.format(path.name, path.parent, reason)
