"""The output library: content-addressed files (``<sha256[:2]>/<sha256>.<ext>``), written atomically."""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import logging
import mimetypes
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .atomic import move_into_place, write_beside
from .image_metadata import image_format, sidecar_path
from .outputs import OutputWriteError, describe_os_error, extension_for_content_type, write_bytes_atomically

log = logging.getLogger(__name__)

OCTET_STREAM = "application/octet-stream"
_MEDIA_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp", "gif": "image/gif",
                "avif": "image/avif", "bmp": "image/bmp", "tiff": "image/tiff"}


@dataclass(frozen=True)
class StagedOutput:
    """An output on its way into the library (:meth:`OutputLibrary.stage`): its place, its sha256, and the
    temporary file holding it (``None`` when an identical file was already in place)."""

    relative: str
    digest: str
    payload: bytes
    temporary: Path | None
    sidecar: bytes | None


def _holds(target: Path, size: int) -> bool:
    return target.is_file() and target.stat().st_size == size


class OutputLibrary:
    """Files named by the sha256 of their bytes under ``root``; identical outputs share one file.

    It never decides on its own that a file is unused: the history store checks its rows first.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def __repr__(self) -> str:
        return f"OutputLibrary({str(self.root)!r})"

    def path(self, relative: str) -> Path:
        """The absolute path of a library file given as ``ab/abcd….png``."""
        return self.root.joinpath(*relative.split("/"))

    def store(self, payload: bytes, extension: str, sidecar: bytes | None = None) -> tuple[str, bool]:
        """Writes ``payload`` (and its ``.json`` sidecar) unless an identical file is already there.

        Returns the relative path and whether the file was created. Raises ``OutputWriteError``
        with nothing left behind when it cannot be written.
        """
        staged = self.stage(payload, extension, sidecar)
        try:
            return staged.relative, self.place(staged)
        finally:
            self.discard(staged)

    def stage(self, payload: bytes, extension: str, sidecar: bytes | None = None) -> StagedOutput:
        """The slow half of :meth:`store`, which needs no lock: hashes ``payload`` and writes it (fsynced) under a
        temporary name in its shard folder, unless an identical file is already in place. ``place`` it or
        ``discard`` it; a staged file left behind is removed by ``cleanup_temporary``."""
        digest = hashlib.sha256(payload).hexdigest()
        relative = f"{digest[:2]}/{digest}.{extension}"
        target = self.path(relative)
        temporary = None
        if not _holds(target, len(payload)):
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                temporary = write_beside(target, payload)
            except OSError as error:
                raise OutputWriteError(target, describe_os_error(error), error.errno) from error
        return StagedOutput(relative, digest, payload, temporary, sidecar)

    def place(self, staged: StagedOutput) -> bool:
        """The quick half of :meth:`store` (under the history's lock, with the row it goes with): the staged file
        takes its name unless an identical one is there now, then the sidecar is written. True if created."""
        target = self.path(staged.relative)
        created = not _holds(target, len(staged.payload))
        try:
            if created and staged.temporary is not None:
                move_into_place(staged.temporary, target)
            elif created:  # identical when staged, removed since (its conversation deleted)
                write_bytes_atomically(target, staged.payload)
        except OutputWriteError:
            raise
        except OSError as error:
            raise OutputWriteError(target, describe_os_error(error), error.errno) from error
        if staged.sidecar is not None:
            try:
                write_bytes_atomically(sidecar_path(target), staged.sidecar)
            except OSError:
                if created:
                    self.remove([staged.relative])
                raise
        return created

    def discard(self, staged: StagedOutput) -> None:
        """Removes a staged file that was not placed (nothing when it was)."""
        if staged.temporary is not None:
            with contextlib.suppress(OSError):
                staged.temporary.unlink(missing_ok=True)

    def remove(self, relative_paths: Iterable[str]) -> list[str]:
        """Deletes these files and their sidecars; returns ``"<path> (<reason>)"`` for each that resisted."""
        failed: list[str] = []
        for relative in relative_paths:
            target = self.path(relative)
            for path in (target, sidecar_path(target)):
                try:
                    path.unlink(missing_ok=True)
                except OSError as error:
                    log.warning("Could not remove %s: %s", path, error)
                    failed.append(f"{path} ({(error.strerror or str(error)).lower()})")
            with contextlib.suppress(OSError):
                target.parent.rmdir()  # only succeeds when the shard folder is now empty
        return failed

    def cleanup_temporary(self, older_than: float = 60.0) -> int:
        """Removes temporary files (``*.tmp*``) older than ``older_than`` seconds; returns how many."""
        removed = 0
        cutoff = time.time() - older_than
        for folder, _dirs, names in os.walk(self.root):
            for name in fnmatch.filter(names, "*.tmp*"):
                path = Path(folder) / name
                with contextlib.suppress(OSError):
                    if path.stat().st_mtime <= cutoff:
                        path.unlink()
                        removed += 1
        return removed


def type_and_extension(data: bytes, content_type: str | None) -> tuple[str, str]:
    """The media type to record and the file extension: from the content type, else from the magic bytes.

    ``"image/png; x=y"`` → ``("image/png", "png")``; ``None`` with JPEG bytes → ``("image/jpeg", "jpg")``;
    ``"video/mp4"`` → ``("video/mp4", "mp4")``; unknown bytes without a type → ``("application/octet-stream", "bin")``.
    """
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type == OCTET_STREAM:
        media_type = ""
    sniffed = image_format(data)
    extension = extension_for_content_type(media_type) if media_type else None
    if extension is None and media_type:
        guessed = mimetypes.guess_extension(media_type)
        extension = guessed.lstrip(".") if guessed and guessed.lstrip(".").isalnum() else None
    if not media_type and sniffed:
        media_type = _MEDIA_TYPES.get(sniffed, "")
    return media_type or OCTET_STREAM, extension or sniffed or "bin"
