"""Where the gallery meets the main window: View → Gallery (Ctrl+G), and its "Use these settings again" and
"Open conversation" carried out by the main window."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence

from ...session import Gallery, HistoryRecorder, Reuse
from ...storage.thumbnails import ThumbnailCache
from ..common.widgets import named
from ..gallery.presenter import GalleryPresenter
from ..gallery.thumbnails import cache_format
from .main_window import MainWindow


class GalleryWiring(QObject):
    """The gallery of one main window: its menu entry, its presenter, and its start and end."""

    def __init__(self, window: MainWindow, recorder: HistoryRecorder, thumbnails_dir: Path, *,
                 open_conversation: Callable[[int], None], use_settings: Callable[[Reuse], None],
                 owns_recorder: bool = False) -> None:
        super().__init__(window)
        self.window = window
        self.recorder = recorder
        self.owns_recorder = owns_recorder
        self.presenter = GalleryPresenter(Gallery(recorder), ThumbnailCache(thumbnails_dir, suffix=cache_format()),
                                          window)
        self.action = named(QAction(self.tr("&Gallery"), window), "gallery_action_show")
        self.action.setShortcut(QKeySequence("Ctrl+G"))
        self.action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.action.setEnabled(recorder.enabled)
        self.action.setToolTip(self.tr("Every kept output, from every conversation"))
        self.action.triggered.connect(self.presenter.open)
        self._view_menu().addAction(self.action)
        self.presenter.conversation_requested.connect(lambda conversation_id: self._back(open_conversation,
                                                                                         conversation_id))
        self.presenter.use_settings_requested.connect(lambda reuse: self._back(use_settings, reuse))
        previous = recorder.on_changed

        def changed(conversation_id: int) -> None:
            if previous is not None:
                previous(conversation_id)
            self.presenter.refresh(conversation_id)

        recorder.on_changed = changed

    async def start(self) -> None:
        await self.presenter.start()

    async def aclose(self) -> None:
        """Finishes the gallery's deletions and work (and closes its recorder, if it has one of its own)."""
        await self.presenter.aclose()
        if self.owns_recorder:
            await self.recorder.close()

    def _view_menu(self) -> Any:
        bar = self.window.menuBar()
        for action in bar.actions():
            if action.objectName() == "menu_view" and action.menu() is not None:
                return action.menu()
        menu = bar.addMenu(self.tr("&View"))
        menu.menuAction().setObjectName("menu_view")
        actions = bar.actions()
        if len(actions) > 1:  # before Help, the last menu
            bar.insertMenu(actions[-2], menu)
        return menu

    def _back(self, call: Callable[[Any], None], value: Any) -> None:
        """Does it in the main window and brings that window to the front."""
        call(value)
        self.window.raise_()
        self.window.activateWindow()


def apply_reuse(window: MainWindow, reuse: Reuse, reuse_inputs: Callable[[str, dict[str, Any]], None]) -> None:
    """Puts a past run's model, prompt and other inputs into the main window (the form takes the inputs)."""
    picker, chat = window.model_picker, window.chat
    if not picker.set_current_model(reuse.model):
        picker.set_current_model(reuse.model_name)
    chat.set_prompt(reuse.prompt)
    chat.focus_prompt()
    if reuse.inputs:
        reuse_inputs(reuse.model_name, {name: str(value) if isinstance(value, Path) else value
                                        for name, value in reuse.inputs.items()})
