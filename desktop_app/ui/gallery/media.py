"""Video and audio in the gallery: the system's player always; inline playback only where Qt's multimedia module
is installed (the optional ``media`` extra: PySide6-Addons), never a requirement of the app or its bundle."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

from PySide6.QtCore import QUrl
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
