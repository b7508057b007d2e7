"""The trainings' way into the window, kept light: File → "Train a model…" and View → "Trainings" are there from
the start, but the training service, the wizard and the dock (and the network stack under them) are built on first
use, or at start only when the trainings file holds a training that had not ended."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QSystemTrayIcon

from ...storage import TrainingsStore, TrainingsStoreError
from ..common.widgets import named
from .main_window import MainWindow

if TYPE_CHECKING:
    from ...session import TrainingRun, TrainingService
    from ..training.wizard import TrainingWizard
    from .training_wiring import TrainingWiring

log = logging.getLogger(__name__)

ServiceFactory = Callable[[TrainingsStore], "TrainingService"]


class TrainingEntry(QObject):
    """The menu entries of the trainings; ``wiring`` (service, wizard, dock) is made when first needed."""

    def __init__(self, window: MainWindow, store_path: Path, make_service: ServiceFactory,
                 tray: Callable[[], QSystemTrayIcon | None] | None = None) -> None:
        super().__init__(window)
        self.window = window
        self._store_path = store_path
        self._make_service = make_service
        self._tray = tray
        self._store: TrainingsStore | None = None
        self._wiring: TrainingWiring | None = None
        self._refresh: asyncio.Future[None] | None = None
        self.action = named(QAction(self.tr("Train a model…"), window), "trainModelAction")
        self.action.triggered.connect(self.open_wizard)
        window.file_menu.insertAction(window.cog_action, self.action)
        self.show_action = named(QAction(self.tr("Trainings"), window), "showTrainingsAction")
        self.show_action.setToolTip(self.tr("Trainings running now and the past ones"))
        self.show_action.triggered.connect(self.show_dock)
        window.view_menu().addAction(self.show_action)

    @property
    def built(self) -> bool:
        """Whether the service, wizard and dock exist (an idle app that never trained has none of them)."""
        return self._wiring is not None

    @property
    def store(self) -> TrainingsStore:
        """The trainings file, opened on first need; when it cannot be opened, trainings are kept for this
        session only (said in the log; the wizard still works)."""
        if self._store is None:
            try:
                self._store = TrainingsStore(self._store_path)
            except TrainingsStoreError as error:
                log.warning("Trainings are not kept this session: %s", error)
                self._store = TrainingsStore(Path(":memory:"))
        return self._store

    @property
    def wiring(self) -> TrainingWiring:
        """The service, the wizard and the dock, made on first use."""
        if self._wiring is None:
            from .training_wiring import TrainingWiring

            self._wiring = TrainingWiring(self.window, self._make_service(self.store), tray=self._tray)
        return self._wiring

    def open_wizard(self) -> TrainingWizard:
        return self.wiring.open_wizard()

    def show_dock(self) -> None:
        """Shows the trainings dock with the past trainings listed."""
        wiring = self.wiring
        wiring.dock.show()
        wiring.dock.raise_()
        self._refresh = asyncio.ensure_future(wiring.refresh_history())

    async def start(self) -> list[TrainingRun]:
        """Follows again the trainings that had not ended; with none, nothing more than the file is opened."""
        try:
            unfinished = await asyncio.to_thread(lambda: bool(self.store.unfinished()))
        except Exception as error:  # a damaged file: the trainings that ran are still on Replicate's site
            log.warning("Unfinished trainings cannot be read: %s", error)
            return []
        if not unfinished:
            return []
        return await self.wiring.start()

    async def aclose(self) -> None:
        if self._refresh is not None:
            await self._refresh  # the list is read before the file closes
        if self._wiring is not None:
            await self._wiring.aclose()
        if self._store is not None:
            self._store.close()
