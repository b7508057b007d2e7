"""The photos, made ready with Qt in a worker thread: fully decoded (broken files named and left out), large ones
downscaled into a temporary folder so the zip stays under the Files API's 100 MB, and small thumbnails to show."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QImageIOHandler, QImageReader

MAX_SIDE = 2048  # the long side of a photo sent to a trainer (they crop to 512–1024 anyway)
JPEG_QUALITY = 92
CAPTION_SUFFIX = ".txt"


@dataclass(frozen=True)
class PreparedPhotos:
    """The photos ready to pack: ``folder`` holds them (downscaled copies and their captions); ``broken`` names
    the files Qt could not decode, with a reason; ``downscaled`` counts the photos made smaller."""

    folder: Path
    photos: tuple[Path, ...]
    broken: tuple[tuple[Path, str], ...]
    downscaled: int
    original_bytes: int


def prepare_photos(images: Sequence[Path], folder: Path, *, max_side: int = MAX_SIDE,
                   progress: Callable[[int, int], None] | None = None,
                   stopped: Callable[[], bool] = lambda: False) -> PreparedPhotos:
    """Decodes every photo; copies it (with its caption) into ``folder``, re-encoded as JPEG at most ``max_side``
    pixels on its long side when it is larger. Blocking: run it in a worker thread."""
    folder.mkdir(parents=True, exist_ok=True)
    photos: list[Path] = []
    broken: list[tuple[Path, str]] = []
    downscaled = original = 0
    used: set[str] = set()
    for index, path in enumerate(images):
        if stopped():
            break
        reader = QImageReader(str(path))
        reader.setAutoTransform(True)  # camera photos are often stored sideways with an EXIF rotation
        size = reader.size()
        if not size.isValid() or size.isEmpty():
            broken.append((path, reader.errorString() or "it is not an image"))
            continue
        large = max(size.width(), size.height()) > max_side
        if large:
            reader.setScaledSize(size.scaled(QSize(max_side, max_side), Qt.AspectRatioMode.KeepAspectRatio))
        image = reader.read()
        if image.isNull():
            broken.append((path, reader.errorString() or "it cannot be decoded"))
            continue
        stem = _unique(path.stem, used)
        try:
            if large or reader.transformation() != QImageIOHandler.Transformation.TransformationNone:
                target = folder / f"{stem}.jpg"
                rgb = image.convertToFormat(QImage.Format.Format_RGB888)
                # the stub says bytes, PySide6 wants str
                if not rgb.save(str(target), "JPEG", JPEG_QUALITY):  # type: ignore[call-overload]
                    broken.append((path, "it could not be made smaller"))
                    continue
                downscaled += 1
            else:
                target = folder / f"{stem}{path.suffix.lower()}"
                shutil.copyfile(path, target)
            original += path.stat().st_size
            caption = path.with_suffix(CAPTION_SUFFIX)
            if not caption.exists():
                caption = next((c for c in path.parent.glob(f"{path.stem}.*")
                                if c.suffix.lower() == CAPTION_SUFFIX), caption)
            if caption.is_file():
                shutil.copyfile(caption, folder / f"{stem}{CAPTION_SUFFIX}")
        except OSError as error:
            broken.append((path, error.strerror or str(error)))
            continue
        photos.append(target)
        if progress is not None:
            progress(index + 1, len(images))
    return PreparedPhotos(folder, tuple(photos), tuple(broken), downscaled, original)


def _unique(stem: str, used: set[str]) -> str:
    name, number = stem, 2
    while name.casefold() in used:
        name, number = f"{stem}-{number}", number + 1
    used.add(name.casefold())
    return name
