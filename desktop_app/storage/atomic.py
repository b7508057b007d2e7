"""Atomic file writes: a temporary file in the same folder, fsync, then ``os.replace``."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def write_atomically(path: Path, data: bytes, *, mode: int = 0o666) -> None:
    """Replace ``path`` with ``data`` so readers see the old file or the new one, never half of it.

    The temporary file is created with ``mode`` (the umask still applies), written with
    ``os.write`` until everything is on disk, fsynced and renamed over ``path``. On any error
    the temporary file is removed and the original exception propagates unchanged.
    """
    temporary = write_beside(path, data, mode=mode)
    try:
        move_into_place(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_beside(path: Path, data: bytes, *, mode: int = 0o666) -> Path:
    """The slow half of :func:`write_atomically`: ``data`` in a new temporary file beside ``path``, fsynced;
    returns its name (``move_into_place`` it, or remove it). On any error nothing is left behind."""
    temporary = path.with_name(f".{path.name}.{os.urandom(8).hex()[:12]}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return temporary


def move_into_place(temporary: Path, path: Path) -> None:
    """The quick half of :func:`write_atomically`: renames a file from :func:`write_beside` over ``path``."""
    os.replace(temporary, path)
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    """Makes the rename itself durable where the platform allows it (POSIX); best effort."""
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
