"""The thumbnail cache on disk: files keyed by the content hash of the original and the thumbnail size, written
atomically, the least recently used removed once they pass a total size. Making the pictures is the window's job."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .atomic import write_atomically

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
MIN_SIZE, MAX_SIZE = 16, 4096
TOUCH_AFTER = 3600.0  # seconds: a hit refreshes the file's time at most this often (one syscall less per paint)
_DIGEST = re.compile(r"[0-9a-f]{64}")
_SUFFIX = re.compile(r"[a-z0-9]{1,8}")


@dataclass(frozen=True)
class Evicted:
    """What an eviction removed."""

    files: int
    bytes: int


class ThumbnailCache:
    """Thumbnails under ``root`` as ``<size>/<sha256[:2]>/<sha256>.<suffix>``; thread-safe.

    ``get`` marks a file as used (its modification time), ``put`` stores one and evicts the least recently used
    files when the total passes ``max_bytes`` (down to ``low_water`` of it, so evictions are rare). The total is
    counted once, on first need, then kept up to date.
    """

    def __init__(self, root: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, suffix: str = "webp",
                 low_water: float = 0.8) -> None:
        if not _SUFFIX.fullmatch(suffix):
            raise ValueError(f"Not a thumbnail file suffix: {suffix!r}")
        if max_bytes < 1 or not 0 < low_water <= 1:
            raise ValueError("The thumbnail cache needs a positive size and a low-water mark in (0, 1]")
        self.root = root
        self.max_bytes = max_bytes
        self.suffix = suffix
        self.low_water = low_water
        self._lock = threading.Lock()
        self._total: int | None = None

    def __repr__(self) -> str:
        return f"ThumbnailCache({str(self.root)!r}, max_bytes={self.max_bytes})"

    def path(self, sha256: str, size: int) -> Path:
        """Where the ``size``-pixel thumbnail of the content ``sha256`` is kept (whether or not it exists)."""
        if not _DIGEST.fullmatch(sha256):
            raise ValueError(f"Not a sha256 digest: {sha256[:80]!r}")
        if not MIN_SIZE <= size <= MAX_SIZE:
            raise ValueError(f"A thumbnail size is {MIN_SIZE}–{MAX_SIZE} pixels, not {size}")
        return self.root / str(size) / sha256[:2] / f"{sha256}.{self.suffix}"

    def get(self, sha256: str, size: int) -> Path | None:
        """The cached thumbnail, marked as just used; ``None`` when there is none yet."""
        path = self.path(sha256, size)
        try:
            stat = path.stat()
        except OSError:
            return None
        if time.time() - stat.st_mtime > TOUCH_AFTER:
            with contextlib.suppress(OSError):
                os.utime(path)
        return path

    def put(self, sha256: str, size: int, data: bytes) -> Path:
        """Stores a thumbnail (replacing an older one) and evicts if the cache is now too big; returns its path.

        Raises ``OSError`` when it cannot be written (the caller just shows the thumbnail without keeping it).
        """
        path = self.path(sha256, size)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            old = path.stat().st_size
        except OSError:
            old = 0
        write_atomically(path, data)
        with self._lock:
            if self._total is not None:
                self._total += len(data) - old
            over = self._total is not None and self._total > self.max_bytes
        if over:
            self.evict()
        return path

    def total_bytes(self) -> int:
        """The size of every thumbnail kept (counted on the first call)."""
        with self._lock:
            if self._total is None:
                self._total = sum(size for _path, size, _mtime in self._files())
            return self._total

    def evict(self, target: int | None = None) -> Evicted:
        """Removes the least recently used thumbnails until the total is at most ``target`` (default: the
        low-water mark of ``max_bytes``)."""
        goal = int(self.max_bytes * self.low_water) if target is None else max(0, target)
        with self._lock:
            files = sorted(self._files(), key=lambda entry: entry[2])
            total = sum(size for _path, size, _mtime in files)
            removed = freed = 0
            for path, size, _mtime in files:
                if total <= goal:
                    break
                try:
                    path.unlink()
                except OSError as error:
                    log.warning("Could not remove the thumbnail %s: %s", path, error)
                    continue
                total -= size
                removed += 1
                freed += size
            self._total = total
        return Evicted(removed, freed)

    def _files(self) -> list[tuple[Path, int, float]]:
        """Every thumbnail file with its size and modification time (temporary files left out)."""
        found: list[tuple[Path, int, float]] = []
        for folder, _dirs, names in os.walk(self.root):
            for name in names:
                if name.endswith(f".{self.suffix}") and not name.startswith("."):
                    path = Path(folder) / name
                    try:
                        stat = path.stat()
                    except OSError:
                        continue
                    found.append((path, stat.st_size, stat.st_mtime))
        return found
