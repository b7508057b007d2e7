"""Training data: the photos (and their captions) a training learns from — found, checked, counted, and packed into
one deterministic zip in a worker thread."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import threading
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..replicate import MAX_UPLOAD_BYTES
from .image_headers import HEAD_BYTES, TAIL_BYTES, BrokenImage, ImageType, read_header, sniff_type

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp"})
CAPTION_SUFFIX = ".txt"
MAX_CAPTION_BYTES = 64 * 1024
CHUNK = 1024 * 1024
_SUFFIX_OF: dict[ImageType, str] = {"jpeg": ".jpg", "png": ".png", "webp": ".webp"}
_NOT_SUPPORTED = {
    ".heic": "HEIC photos are not supported by the trainers; export them as JPEG",
    ".heif": "HEIF photos are not supported by the trainers; export them as JPEG",
    ".gif": "GIF images are not supported; use JPEG, PNG or WebP",
    ".bmp": "BMP images are not supported; use JPEG, PNG or WebP",
    ".tif": "TIFF images are not supported; use JPEG, PNG or WebP",
    ".tiff": "TIFF images are not supported; use JPEG, PNG or WebP",
}
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so the same photos always give the same zip (and the same upload)
# Per entry: local header (30) + central directory entry (46) + the name twice; plus the end record.
_ENTRY_OVERHEAD, _END_RECORD = 76, 22

Progress = Callable[[int, int], None]  # (bytes done, bytes in all)


@dataclass(frozen=True)
class TrainingImage:
    """One photo that goes into the zip as ``name`` (with its caption, when a ``.txt`` of the same name is beside
    it)."""

    path: Path
    name: str
    type: ImageType
    width: int
    height: int
    size: int
    caption: Path | None = None
    caption_size: int = 0


@dataclass(frozen=True)
class LeftOut:
    """A file that is not used, and why (one sentence)."""

    path: Path
    reason: str


@dataclass(frozen=True)
class TrainingData:
    """What was found in the chosen folder or files: the photos used and the files left out."""

    sources: tuple[Path, ...]
    images: tuple[TrainingImage, ...] = ()
    left_out: tuple[LeftOut, ...] = ()
    empty: bool = False  # nothing at all was found (an empty folder)

    @property
    def count(self) -> int:
        return len(self.images)

    @property
    def captions(self) -> int:
        return sum(1 for image in self.images if image.caption is not None)

    @property
    def total_bytes(self) -> int:
        """The photos and captions used, in bytes."""
        return sum(image.size + image.caption_size for image in self.images)

    @property
    def zip_bytes(self) -> int:
        """The size of the zip these files pack into (stored, not compressed: photos are compressed already)."""
        total = _END_RECORD
        for image in self.images:
            total += image.size + _ENTRY_OVERHEAD + 2 * len(image.name.encode())
            if image.caption is not None:
                total += image.caption_size + _ENTRY_OVERHEAD + 2 * len(_caption_name(image).encode())
        return total

    def problem(self) -> str | None:
        """One sentence when these files cannot make a training, else ``None``."""
        where = self.sources[0] if len(self.sources) == 1 else None
        if self.empty:
            return f"The folder {where} is empty." if where and where.is_dir() else "No files were chosen."
        if not self.images:
            shown = f"in {where}" if where else "among the chosen files"
            return f"There are no JPEG, PNG or WebP photos {shown} ({len(self.left_out)} other files left out)."
        if self.zip_bytes >= MAX_UPLOAD_BYTES:
            return (f"The {self.count} photos come to {self.zip_bytes / 1_000_000:.1f} MB, and Replicate takes "
                    "uploads under 100 MB: use fewer or smaller photos, or the URL of a zip stored elsewhere.")
        return None


@dataclass(frozen=True)
class PackedData:
    """The zip made from a :class:`TrainingData`: where it is, its size and the SHA-256 of its bytes."""

    path: Path
    size: int
    sha256: str
    images: int
    captions: int


class PackingStopped(Exception):
    """Packing was asked to stop before it finished; the partial zip is gone."""


def scan_training_data(sources: Sequence[Path]) -> TrainingData:
    """Looks at a folder (its own files, not subfolders) or at chosen files. Photos are recognised by their
    content (JPEG, PNG, WebP) and checked by their header; a ``.txt`` beside a photo is its caption. Hidden files are
    skipped; everything else is named with a reason. Blocking: run it in a worker thread."""
    files: list[Path] = []
    left_out: list[LeftOut] = []
    for source in sources:
        if source.is_dir():
            try:
                entries = sorted(source.iterdir(), key=lambda path: path.name.casefold())
            except OSError as error:
                left_out.append(LeftOut(source, f"the folder cannot be read ({error.strerror or error})"))
                continue
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir():
                    left_out.append(LeftOut(entry, "it is a folder; only the photos directly inside are used"))
                else:
                    files.append(entry)
        elif source.exists():
            files.append(source)
        else:
            left_out.append(LeftOut(source, "there is no such file"))
    captions = {_key(path): path for path in files if path.suffix.lower() == CAPTION_SUFFIX}
    images: list[TrainingImage] = []
    used_names: set[str] = set()
    used_captions: set[str] = set()
    for path in files:
        if path.suffix.lower() == CAPTION_SUFFIX:
            continue
        checked = _check_image(path)
        if isinstance(checked, LeftOut):
            left_out.append(checked)
            continue
        kind, width, height, size = checked
        name = _unique_name(path.stem + _SUFFIX_OF[kind], used_names)
        caption = captions.get(_key(path))
        caption_size = 0
        if caption is not None:
            problem, caption_size = _check_caption(caption)
            if problem:
                left_out.append(LeftOut(caption, f"{problem}; {path.name} is used without a caption"))
                caption, caption_size = None, 0
            else:
                used_captions.add(_key(path))
        images.append(TrainingImage(path, name, kind, width, height, size, caption, caption_size))
    for key, caption in captions.items():
        if key not in used_captions and not any(item.path == caption for item in left_out):
            left_out.append(LeftOut(caption, "no photo of the same name is beside this caption"))
    return TrainingData(tuple(sources), tuple(images), tuple(left_out), empty=not files and not left_out)


async def scan(sources: Sequence[Path]) -> TrainingData:
    """:func:`scan_training_data` in a worker thread."""
    return await asyncio.to_thread(scan_training_data, list(sources))


async def pack_training_data(data: TrainingData, destination: Path, *, progress: Progress | None = None) -> PackedData:
    """Packs ``data`` into a zip at ``destination`` in a worker thread; ``progress`` is called on the loop's
    thread. Cancelling the awaiting task stops the worker at its next chunk and removes the partial zip."""
    loop = asyncio.get_running_loop()
    stop = threading.Event()

    def report(done: int, total: int) -> None:
        if progress is not None:
            loop.call_soon_threadsafe(progress, done, total)

    worker = asyncio.ensure_future(asyncio.to_thread(pack_sync, data, destination, report, stop))
    try:
        return await asyncio.shield(worker)
    except asyncio.CancelledError:
        stop.set()
        with contextlib.suppress(PackingStopped, OSError):
            await worker  # the thread cannot be killed: wait until it has cleaned up
        raise


def pack_sync(data: TrainingData, destination: Path, progress: Progress | None = None,
              stop: threading.Event | None = None) -> PackedData:
    """Writes the zip (photos and captions stored, sorted, with fixed dates and permissions, so the same files
    always give the same bytes) through a ``.part`` file, then hashes it. Blocking."""
    total = sum(image.size + image.caption_size for image in data.images)
    done = 0
    partial = destination.with_name(destination.name + ".part")
    destination.parent.mkdir(parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_STORED) as archive:
            for image in sorted(data.images, key=lambda item: item.name):
                done = _add(archive, image.path, image.name, image.size, done, total, progress, stop)
                if image.caption is not None:
                    done = _add(archive, image.caption, _caption_name(image), image.caption_size, done, total,
                                progress, stop)
        digest = hashlib.sha256()
        with partial.open("rb") as packed:
            while chunk := packed.read(CHUNK):
                digest.update(chunk)
        partial.replace(destination)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return PackedData(destination, destination.stat().st_size, digest.hexdigest(), data.count, data.captions)


def _add(archive: zipfile.ZipFile, path: Path, name: str, size: int, done: int, total: int,
         progress: Progress | None, stop: threading.Event | None) -> int:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_STORED
    info.create_system = 3  # the same bytes on every platform
    info.external_attr = 0o644 << 16
    info.file_size = size
    written = 0
    with path.open("rb") as source, archive.open(info, "w") as target:
        while chunk := source.read(CHUNK):
            if stop is not None and stop.is_set():
                raise PackingStopped()
            written += len(chunk)
            if written > size:
                raise OSError(f"{path.name} grew while it was packed; choose the photos again")
            target.write(chunk)
            if progress is not None:
                progress(done + written, total)
    if written != size:
        raise OSError(f"{path.name} changed while it was packed; choose the photos again")
    return done + written


def _check_image(path: Path) -> tuple[ImageType, int, int, int] | LeftOut:
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
        with path.open("rb") as file:
            head = file.read(HEAD_BYTES)
            file.seek(max(0, size - TAIL_BYTES))
            tail = file.read(TAIL_BYTES)
    except OSError as error:
        return LeftOut(path, f"it cannot be read ({(error.strerror or str(error)).lower()})")
    if size == 0:
        return LeftOut(path, "the file is empty")
    if sniff_type(head) is None:
        if suffix in IMAGE_SUFFIXES:
            return LeftOut(path, f"its name ends in {suffix} but it is not a JPEG, PNG or WebP image")
        return LeftOut(path, _NOT_SUPPORTED.get(suffix, "it is not a JPEG, PNG or WebP photo"))
    try:
        header = read_header(head, tail, size)
    except BrokenImage as error:
        return LeftOut(path, f"it is broken: {error}")
    except ValueError:
        return LeftOut(path, "it is not a JPEG, PNG or WebP photo")
    return header.type, header.width, header.height, size


def _check_caption(path: Path) -> tuple[str | None, int]:
    try:
        size = path.stat().st_size
        if size > MAX_CAPTION_BYTES:
            return f"its caption {path.name} is longer than 64 KB", 0
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return f"its caption {path.name} is not UTF-8 text", 0
    except OSError as error:
        return f"its caption {path.name} cannot be read ({(error.strerror or str(error)).lower()})", 0
    return None, size


def _caption_name(image: TrainingImage) -> str:
    return image.name.rsplit(".", 1)[0] + CAPTION_SUFFIX


def _key(path: Path) -> str:
    return str(path.with_suffix("")).casefold()


def _unique_name(name: str, used: set[str]) -> str:
    """``name``, or ``stem-2.ext``, ``stem-3.ext`` … when photos from different folders share a name."""
    stem, dot, suffix = name.rpartition(".")
    candidate, number = name, 1
    while candidate.casefold() in used:
        number += 1
        candidate = f"{stem}-{number}{dot}{suffix}"
    used.add(candidate.casefold())
    return candidate
