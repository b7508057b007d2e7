"""Video and audio in the gallery: the system's player always; inline playback and the poster frame of a video only
where Qt's multimedia module is installed (the optional ``media`` extra: PySide6-Addons), never a requirement of the
app or its bundle."""

from __future__ import annotations

import importlib.util
import logging
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

log = logging.getLogger(__name__)


def multimedia_available() -> bool:
    """Whether ``PySide6.QtMultimedia`` (and its widgets) can be imported, without importing them."""
    try:
        return all(importlib.util.find_spec(name) is not None
                   for name in ("PySide6.QtMultimedia", "PySide6.QtMultimediaWidgets"))
    except (ImportError, ValueError):
        return False


def open_externally(path: Path) -> bool:
    """Opens the file in the program the system chooses for it (a player, a viewer); False if none would."""
    return bool(QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))))


def inline_player(path: Path, kind: str, parent: QWidget | None = None) -> QWidget | None:
    """A small player for a video or audio file, or ``None`` where the multimedia module is missing."""
    if kind not in ("video", "audio") or not multimedia_available():
        return None
    try:
        return InlinePlayer(path, kind == "video", parent)
    except Exception as error:  # a broken multimedia install: the system player still works
        log.warning("Inline playback is unavailable: %s", error)
        return None


class InlinePlayer(QWidget):
    """QMediaPlayer with a video surface (for video) and a play/pause button; built only when the module exists."""

    def __init__(self, path: Path, video: bool, parent: QWidget | None) -> None:
        super().__init__(parent)
        from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
        from PySide6.QtMultimediaWidgets import QVideoWidget

        self.setObjectName("galleryPlayer")
        self.player = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        self.player.setAudioOutput(self.audio)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        if video:
            surface = QVideoWidget(self)
            surface.setMinimumSize(200, 150)
            self.player.setVideoOutput(surface)
            layout.addWidget(surface, 1)
        self.button = QPushButton(self.tr("Play"), self)
        self.button.clicked.connect(self._toggle)
        row = QHBoxLayout()
        row.addWidget(self.button)
        row.addStretch(1)
        layout.addLayout(row)
        self.player.setSource(QUrl.fromLocalFile(str(path)))
        self.player.playbackStateChanged.connect(self._on_state_changed)

    def release(self) -> None:
        """Stops playing and lets go of the file (before the player is deleted)."""
        self.player.stop()
        self.player.setSource(QUrl())

    def _toggle(self) -> None:
        from PySide6.QtMultimedia import QMediaPlayer

        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.player.pause()
        else:
            self.player.play()

    def _on_state_changed(self) -> None:
        from PySide6.QtMultimedia import QMediaPlayer

        playing = self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState
        self.button.setText(self.tr("Pause") if playing else self.tr("Play"))


# Hears a poster: the decoded frame (a ``QVideoFrame``: the thumbnail worker converts it) or ``None`` and why not.
Grabbed = Callable[[Any, str], None]
GRAB_MS = 8000  # a video that shows no frame in this time gets the card instead
SEEK_MS = 1000  # the poster is the frame this far in (or a tenth of a shorter video): past a fade from black


def poster_grabber(parent: QObject | None = None) -> PosterGrabber | None:
    """A grabber of poster frames, or ``None`` where the multimedia module is missing or cannot load."""
    if not multimedia_available():
        return None
    try:
        return PosterGrabber(parent)
    except Exception as error:  # a broken multimedia install (a missing system library): the card stays
        log.warning("Video posters are unavailable: %s", error)
        return None


class PosterGrabber(QObject):
    """Decodes one frame of a video at a time with a silent QMediaPlayer into a QVideoSink (the decoding runs on
    Qt's multimedia threads, never in a paint); built only when the module exists."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtMultimedia import QMediaPlayer, QVideoSink

        self.player = QMediaPlayer(self)  # no audio output: it plays nothing aloud
        self.sink = QVideoSink(self)
        self.player.setVideoOutput(self.sink)
        self.sink.videoFrameChanged.connect(self._on_frame)
        self.player.mediaStatusChanged.connect(self._on_status)
        self.player.errorOccurred.connect(lambda _error, text: self._finish(None, text or self._reason()))
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(GRAB_MS)
        self._timer.timeout.connect(lambda: self._finish(None, QCoreApplication.translate(
            "GalleryThumbnails", "no frame in time")))
        self._waiting: deque[tuple[Path, Grabbed]] = deque()
        self._current: Grabbed | None = None
        self._seeking = False

    def grab(self, path: Path, then: Grabbed) -> None:
        """Calls ``then(frame, "")`` with a frame of the video at ``path``, or ``then(None, reason)``."""
        self._waiting.append((path, then))
        if self._current is None:
            self._next()

    def pending(self) -> int:
        """Videos waiting or being read."""
        return len(self._waiting) + (self._current is not None)

    def stop(self) -> None:
        """Drops what waits and stops the one being read (its listener hears nothing), releasing the file and the
        player's decoding threads now rather than whenever the player is collected."""
        self._waiting.clear()
        self._current = None
        self._timer.stop()
        self.player.stop()
        self.player.setSource(QUrl())

    def _next(self) -> None:
        if not self._waiting:
            return
        path, self._current = self._waiting.popleft()
        self._seeking = False
        self._timer.start()
        self.player.setSource(QUrl.fromLocalFile(str(path)))

    def _on_status(self, status: object) -> None:
        from PySide6.QtMultimedia import QMediaPlayer

        if self._current is None:
            return
        if status == QMediaPlayer.MediaStatus.LoadedMedia and not self._seeking:
            self._seeking = True
            duration = self.player.duration()
            self.player.setPosition(min(SEEK_MS, duration // 10) if duration > 0 else 0)
            self.player.play()
        elif status == QMediaPlayer.MediaStatus.InvalidMedia:
            self._finish(None, self._reason())

    def _on_frame(self, frame: Any) -> None:
        if self._current is not None and frame.isValid():
            self._finish(frame, "")

    def _finish(self, frame: Any, reason: str) -> None:
        listener, self._current = self._current, None
        if listener is None:
            return
        self._timer.stop()
        self.player.stop()
        self.player.setSource(QUrl())
        listener(frame, reason)
        QTimer.singleShot(0, self._next)

    def _reason(self) -> str:
        return self.player.errorString() or QCoreApplication.translate("GalleryThumbnails", "not a video Qt can play")
