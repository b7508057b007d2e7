"""Naming and writing downloaded outputs: slugs, default file names, types, unique paths, safe writes."""

from __future__ import annotations

import errno
import os
import re
import unicodedata
from datetime import datetime
from pathlib import Path

from .atomic import write_atomically

FALLBACK_SLUG = "image"

_CONTENT_TYPES = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/jpg": "jpg",
    "image/pjpeg": "jpg",
    "image/webp": "webp",
    "image/gif": "gif",
    "image/avif": "avif",
    "image/bmp": "bmp",
    "image/tiff": "tiff",
}

_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the disk is read-only",
    errno.ENOENT: "the folder does not exist",
    errno.ENOTDIR: "part of the folder path is a file",
    errno.ENAMETOOLONG: "the file name is too long",
    errno.EIO: "the disk reported an input/output error",
}
if hasattr(errno, "EDQUOT"):  # not defined on Windows
    _REASONS[errno.EDQUOT] = "the disk quota is exceeded"

# Letters NFKD cannot reduce to ASCII, transliterated best effort: Russian, Ukrainian, a few Latin.
_TRANSLITERATION = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y",
    "ь": "", "э": "e", "ю": "yu", "я": "ya", "є": "ye", "і": "i", "ї": "yi", "ґ": "g",
    "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th",
})


class OutputWriteError(OSError):
    """An output could not be written; ``str()`` is one sentence naming the file and the reason."""

    def __init__(self, path: Path, reason: str, code: int | None = None) -> None:
        self.path = path
        self.reason = reason
        self.message = f"Could not save {path}: {reason}."
        if code is None:
            super().__init__(self.message)
        else:
            super().__init__(code, self.message)
        self.filename = str(path)

    def __str__(self) -> str:
        return self.message


def slugify(prompt: str, max_len: int = 48) -> str:
    """A lowercase ASCII slug of ``prompt`` (``"A cat!"`` → ``"a-cat"``); ``"image"`` if nothing is left."""
    if max_len < 1:
        raise ValueError("max_len must be at least 1")
    text = unicodedata.normalize("NFKD", prompt.lower().translate(_TRANSLITERATION))
    text = text.encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(slug) > max_len:
        cut = slug[:max_len]
        if slug[max_len] != "-" and cut.rfind("-") >= max_len // 2:
            cut = cut[: cut.rfind("-")]  # end on a whole word when that keeps most of the text
        slug = cut.strip("-")
    return slug or FALLBACK_SLUG


def default_output_name(prompt: str, when: datetime, index: int | None, extension: str) -> str:
    """``a-cat-in-a-hat-2026-11-28-1430.png``; ``index`` (1-based) adds ``-2`` etc. when there are several."""
    ext = extension.strip().lstrip(".").lower()
    if not ext or not ext.isascii() or not ext.isalnum():
        raise ValueError(f"Not a file extension: {extension!r}")
    if index is not None and index < 1:
        raise ValueError(f"The output index starts at 1, not {index}")
    suffix = "" if index is None else f"-{index}"
    return f"{slugify(prompt)}-{when:%Y-%m-%d-%H%M}{suffix}.{ext}"


def extension_for_content_type(content_type: str) -> str | None:
    """``"image/png; charset=binary"`` → ``"png"``; ``None`` for types this app does not save."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    return _CONTENT_TYPES.get(media_type)


def sniff_image_extension(data: bytes) -> str | None:
    """The image format from the magic bytes of ``data`` (PNG, JPEG, GIF, WebP, AVIF, BMP, TIFF), or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:8] == b"ftyp" and data[8:12] in (b"avif", b"avis"):
        return "avif"
    if data.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if data.startswith(b"BM") and len(data) >= 14:
        return "bmp"
    return None


def unique_path(directory: Path, filename: str) -> Path:
    """``directory / filename``, or ``name (2).ext``, ``name (3).ext``… when that is taken."""
    if not filename or filename in {".", ".."} or "/" in filename or "\\" in filename or "\0" in filename:
        raise ValueError(f"Not a plain file name: {filename!r}")
    candidate = directory / filename
    stem, suffix = Path(filename).stem, Path(filename).suffix
    number = 2
    while os.path.lexists(candidate):
        candidate = directory / f"{stem} ({number}){suffix}"
        number += 1
    return candidate


def partial_file(directory: Path) -> Path:
    """A new, empty hidden ``.download-….part`` file in ``directory`` (created with its folders) to stream into.

    Raises :class:`OutputWriteError` when the folder cannot be written.
    """
    path = directory / f".download-{os.urandom(8).hex()}.part"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        # os.open with 0o666 (not mkstemp's 0o600): the saved image gets the user's usual permissions
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666))
    except OSError as error:
        raise _write_error(directory, error) from error
    return path


def file_head(path: Path, size: int = 32) -> bytes:
    """The first ``size`` bytes of ``path`` (enough for :func:`sniff_image_extension`); ``b""`` if unreadable."""
    try:
        with path.open("rb") as file:
            return file.read(size)
    except OSError:
        return b""


def place_file(source: Path, directory: Path, filename: str) -> Path:
    """Moves the finished file ``source`` (in ``directory``) to a free name based on ``filename``; returns it.

    Raises :class:`OutputWriteError` when it cannot be moved; ``source`` is then left for the caller to remove.
    """
    path = unique_path(directory, filename)
    try:
        with source.open("rb+") as file:
            os.fsync(file.fileno())  # on disk before it takes its final name, as write_bytes_atomically does
        os.replace(source, path)
    except OSError as error:
        raise _write_error(path, error) from error
    return path


def write_bytes_atomically(path: Path, data: bytes) -> None:
    """Writes ``data`` to ``path`` (creating its folder) via a temporary file and ``os.replace``.

    Raises :class:`OutputWriteError` on any ``OSError``; no partial file is left behind.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, data)
    except OSError as error:
        raise _write_error(path, error) from error


def save_output(directory: Path, filename: str, data: bytes) -> Path:
    """Writes ``data`` under a free name in ``directory`` and returns the path used."""
    path = unique_path(directory, filename)
    write_bytes_atomically(path, data)
    return path


def describe_os_error(error: OSError) -> str:
    """A few plain words for why a file operation failed (``"permission denied"``, ``"the disk is full"``)."""
    return _REASONS.get(error.errno or 0) or (error.strerror or str(error) or "unknown error").lower()


def _write_error(path: Path, error: OSError) -> OutputWriteError:
    return OutputWriteError(path, describe_os_error(error), error.errno)
