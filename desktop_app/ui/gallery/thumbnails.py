"""Thumbnails for the gallery grid: made on worker threads (newest request first), kept on disk in the
thumbnail cache, and a bounded number of them in memory as pixmaps for painting. A video's thumbnail is its poster
frame, where Qt's multimedia module can decode one (:mod:`.media`)."""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Any, Literal

import shiboken6
from PySide6.QtCore import QObject, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QImage, QImageWriter, QPixmap

from ...storage.gallery import GalleryItem
from ...storage.thumbnails import ThumbnailCache
from .media import PosterGrabber, multimedia_available, poster_grabber
from .rendering import Peaks, RenderError, encoded, peaks, read_image, rounded, scaled_image

log = logging.getLogger(__name__)

MEMORY_BYTES = 48 * 1024 * 1024  # pixmaps kept for painting: ~190 thumbnails of 256 px, several screens
MAX_URGENT = 240  # requests waiting to be painted; older ones (scrolled past) are dropped
UPDATE_MS = 30  # thumbnails that arrive together are painted together
Key = tuple[str, int]  # content hash, edge in pixels


@dataclass(frozen=True)
class _Job:
    """One thumbnail (or waveform) to make, and whether it is for painting or only for the disk cache."""

    key: Key
    item: GalleryItem
    work: Literal["image", "peaks", "poster", "frame"]  # poster: from the disk cache; frame: from a decoded one
    keep: bool  # deliver the result for painting; a prefetch only fills the disk cache
    frame: Any = None  # the QVideoFrame a "frame" job scales


class _NeedsFrame:
    """A poster that is not in the disk cache: a frame of the video has to be decoded first."""


_NEEDS_FRAME = _NeedsFrame()


def cache_format() -> str:
    """WebP where Qt can write it (small, keeps transparency), PNG otherwise."""
    return "webp" if b"webp" in [bytes(name.data()) for name in QImageWriter.supportedImageFormats()] else "png"


class ThumbnailLoader(QObject):
    """Makes and keeps the grid's thumbnails.

    :meth:`pixmap` answers at once from memory, or ``None`` after asking a worker for it: the newest requests are
    made first (what is on screen now), requests scrolled past are dropped when too many wait. :meth:`prefetch`
    fills the disk cache in the background, after every request for the screen. Failures are remembered with
    their reason, so a broken file is not read again on every paint.

    While the grid scrolls fast it :meth:`hold` s the workers: nothing is decoded for cells flown past, and the
    loop keeps the whole CPU for painting; :meth:`resume` drops what was asked meanwhile (the grid asks again for
    what it shows then).

    Signals:
        updated() — new thumbnails (or peaks, or failures) are ready (coalesced, at most every 30 ms);
            :meth:`take_ready` says for which contents
    """

    updated = Signal()
    _finished = Signal(object, object)  # job, QImage | Peaks | str (a reason) | None

    def __init__(self, cache: ThumbnailCache | None, *, memory_bytes: int = MEMORY_BYTES,
                 threads: int | None = None, parent: QObject | None = None, posters: bool = True) -> None:
        super().__init__(parent)
        self._posters: PosterGrabber | None = None
        self._posters_wanted = posters and multimedia_available()  # made on the first video shown
        self.cache = cache
        self.format = cache.suffix if cache is not None else "png"
        self.memory_bytes = memory_bytes
        self._pixmaps: OrderedDict[Key, QPixmap] = OrderedDict()
        self._bytes = 0
        self._peaks: OrderedDict[str, Peaks] = OrderedDict()
        self._failed: dict[Key, str] = {}
        self._asked: set[Key] = set()  # waiting or being made, for painting
        self._lock = threading.Lock()
        self._urgent: OrderedDict[Key, _Job] = OrderedDict()
        self._background: deque[_Job] = deque()
        self._alive = True
        self._held = False
        self._workers = 0  # pool threads taking jobs (guarded by the lock)
        self._ready: set[str] = set()
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads or max(1, min(3, QThreadPool.globalInstance().maxThreadCount() - 1)))
        self._finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)
        self._update_timer = QTimer(self)
        self._update_timer.setSingleShot(True)
        self._update_timer.setInterval(UPDATE_MS)
        self._update_timer.timeout.connect(self.updated)
        self.made = 0  # thumbnails made from originals (not read from the disk cache): for the benchmarks

    def warm_posters(self) -> None:
        """Makes the poster grabber now (the multimedia module and its backend load in some 35 ms on the GUI
        thread): called once the gallery window has painted, so that cost never falls in a paint while scrolling
        reaches the first video."""
        if self._alive:
            _ = self.posters

    @property
    def posters(self) -> PosterGrabber | None:
        """What decodes the videos' poster frames; ``None`` without the multimedia module (their card stays)."""
        if self._posters is None and self._posters_wanted:
            self._posters = poster_grabber(self)
            self._posters_wanted = self._posters is not None
        return self._posters

    def pixmap(self, item: GalleryItem, edge: int) -> QPixmap | None:
        """The item's thumbnail (a video's poster frame) if it is in memory; otherwise ``None``, and a worker is
        asked for it (never for a video where no poster can be made)."""
        key = (item.sha256, edge)
        found = self._pixmaps.get(key)
        if found is not None:
            self._pixmaps.move_to_end(key)
            return found
        video = item.kind == "video"
        if key not in self._failed and key not in self._asked and (not video or self.posters is not None):
            self._ask(_Job(key, item, "poster" if video else "image", True))
        return None

    def peaks(self, item: GalleryItem) -> Peaks | None:
        """An audio item's waveform sketch if it is known; otherwise ``None``, and a worker is asked for it."""
        found = self._peaks.get(item.sha256)
        key = (item.sha256, 0)
        if found is None and key not in self._failed and key not in self._asked:
            self._ask(_Job(key, item, "peaks", True))
        return found

    def failure(self, item: GalleryItem, edge: int) -> str | None:
        """Why the item has no thumbnail (``None`` when it has one, or may still get one)."""
        return self._failed.get((item.sha256, edge if item.kind in ("image", "video") else 0))

    def prefetch(self, items: list[GalleryItem], edge: int) -> None:
        """Makes the pictures' thumbnails into the disk cache in the background (after any request to paint)."""
        jobs = [_Job((item.sha256, edge), item, "image", False) for item in items if item.kind == "image"]
        with self._lock:
            self._background.extend(jobs)
        self._kick()

    def hold(self) -> None:
        """Makes no thumbnail for painting until :meth:`resume` (prefetching goes on only when nothing is held)."""
        self._held = True

    def resume(self) -> None:
        """Lets the workers go on, dropping the requests made while held."""
        if not self._held:
            return
        self._held = False
        with self._lock:
            dropped = list(self._urgent)
            self._urgent.clear()
        self._asked.difference_update(dropped)
        self._kick()

    def take_ready(self) -> set[str]:
        """The contents (sha256) whose thumbnail, peaks or failure arrived since the last call."""
        ready, self._ready = self._ready, set()
        return ready

    def pending(self) -> int:
        """Requests not made yet (both kinds)."""
        with self._lock:
            return len(self._urgent) + len(self._background)

    def memory_used(self) -> int:
        """Bytes of the pixmaps kept in memory."""
        return self._bytes

    def forget(self) -> None:
        """Drops the pixmaps and the remembered failures (a file may be back), keeping the disk cache."""
        self._pixmaps.clear()
        self._bytes = 0
        self._failed.clear()

    def wait_for_idle(self, msecs: int = -1) -> bool:
        """Blocks until the workers are done (shutdown and tests); False on timeout."""
        return bool(self._pool.waitForDone(msecs))

    def shutdown(self) -> None:
        """Drops what waits, lets the running jobs end, and delivers nothing more."""
        with self._lock:
            self._urgent.clear()
            self._background.clear()
            self._alive = False
        if self._posters is not None:
            self._posters.stop()
            shiboken6.delete(self._posters)  # its player's threads end now, not at some later collection
            self._posters, self._posters_wanted = None, False
        self._pool.waitForDone()
        self._update_timer.stop()

    # --- worker side -------------------------------------------------------------------------------

    def _ask(self, job: _Job) -> None:
        self._asked.add(job.key)
        dropped: list[Key] = []
        with self._lock:
            self._urgent[job.key] = job
            while len(self._urgent) > MAX_URGENT:
                dropped.append(self._urgent.popitem(last=False)[0])
        self._asked.difference_update(dropped)  # painted again later, asked again then
        self._kick()

    def _kick(self) -> None:
        """Starts workers for what waits, up to the pool's size (each takes jobs until none is left)."""
        with self._lock:
            waiting = len(self._urgent) + len(self._background)
            starting = 0 if not self._alive or self._held else \
                max(0, min(waiting, self._pool.maxThreadCount() - self._workers))
            self._workers += starting
        for _worker in range(starting):
            self._pool.start(self._work)

    def _work(self) -> None:
        """A pool thread's loop: the newest urgent request first, else the oldest background one, until none is
        left (or the loader is held or shut down)."""
        _yield_to_the_window()
        while True:
            with self._lock:
                if not self._alive or self._held or not (self._urgent or self._background):
                    self._workers -= 1
                    return
                job = self._urgent.popitem(last=True)[1] if self._urgent else self._background.popleft()
            self._run(job)

    def _run(self, job: _Job) -> None:
        result: QImage | Peaks | _NeedsFrame | str | None
        try:
            result = self._make(job)
        except RenderError as error:
            result = str(error)
        except Exception as error:  # a bug in a worker must not vanish
            log.exception("Making a thumbnail of %s failed", job.item.path)
            result = str(error)
        with self._lock:
            if self._alive:
                self._finished.emit(job, result)

    def _make(self, job: _Job) -> QImage | Peaks | _NeedsFrame | None:
        item, (sha256, edge) = job.item, job.key
        if job.work == "peaks":
            return peaks(item.path, item.content_type, sha256)
        cached = self.cache.get(sha256, edge) if self.cache is not None and job.work != "frame" else None
        if cached is not None:
            if not job.keep:
                return None
            image = read_image(cached)
            if not image.isNull():
                return rounded(image, edge)
        if job.work == "poster":
            return _NEEDS_FRAME
        image = scaled_image(item.path, edge) if job.work == "image" else _scaled_frame(job.frame, edge)
        self.made += 1
        if self.cache is not None:
            try:
                self.cache.put(sha256, edge, encoded(image, self.format))
            except (OSError, RenderError) as error:  # shown all the same, just not kept
                log.warning("Could not keep a thumbnail of %s: %s", item.path, error)
        return rounded(image, edge) if job.keep else None

    # --- GUI side ------------------------------------------------------------------------------------

    def _on_finished(self, job: _Job, result: object) -> None:
        if result is _NEEDS_FRAME and self.posters is not None:
            self.posters.grab(job.item.path, lambda frame, reason: self._on_frame_grabbed(job, frame, reason))
            return  # still asked: the frame comes next
        self._asked.discard(job.key)
        self._ready.add(job.item.sha256)
        if isinstance(result, str):
            self._failed[job.key] = result
        elif isinstance(result, Peaks):
            self._peaks[job.item.sha256] = result
            while len(self._peaks) > 2000:
                self._peaks.popitem(last=False)
        elif isinstance(result, QImage) and job.keep:
            self._keep(job.key, QPixmap.fromImage(result))
        else:
            return
        if not self._update_timer.isActive():
            self._update_timer.start()

    def _on_frame_grabbed(self, job: _Job, frame: Any, reason: str) -> None:
        """A video's frame is decoded: a worker scales it and keeps it in the disk cache; or says why not."""
        if not self._alive:
            return
        if frame is None:
            self._on_finished(job, reason or "no frame")
            return
        with self._lock:
            self._urgent[job.key] = _Job(job.key, job.item, "frame", job.keep, frame)
        self._kick()

    def _keep(self, key: Key, pixmap: QPixmap) -> None:
        old = self._pixmaps.pop(key, None)
        if old is not None:
            self._bytes -= _size(old)
        self._pixmaps[key] = pixmap
        self._bytes += _size(pixmap)
        while self._bytes > self.memory_bytes and len(self._pixmaps) > 1:
            _key, dropped = self._pixmaps.popitem(last=False)
            self._bytes -= _size(dropped)


_worker = threading.local()
WORKER_NICENESS = 10


def _yield_to_the_window() -> None:
    """Lowers this worker thread's scheduling priority once (Linux: threads have their own nice value), so that on a
    busy machine the GUI thread gets the CPU first; Qt's own thread priorities are ignored there."""
    if getattr(_worker, "lowered", False):
        return
    _worker.lowered = True
    if sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICENESS)
        except OSError as error:
            log.debug("Could not lower a thumbnail worker's priority: %s", error)


def _scaled_frame(frame: Any, edge: int) -> QImage:
    """A decoded video frame as a picture that fits ``edge`` × ``edge`` (on a worker thread)."""
    image = frame.toImage() if frame is not None else QImage()
    if image.isNull():
        raise RenderError("the video's frame could not be read")
    if image.width() > edge or image.height() > edge:
        image = image.scaled(edge, edge, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
    return image


def _size(pixmap: QPixmap) -> int:
    return pixmap.width() * pixmap.height() * max(1, pixmap.depth() // 8)
