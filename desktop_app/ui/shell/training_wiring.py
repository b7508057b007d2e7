"""Where trainings meet the window once they are used (training_entry.py makes this on first need): the wizard,
the trainings dock, resuming unfinished trainings, a notification when one ends in the background, and a trained
version put into the picker and composer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QApplication, QDockWidget, QSystemTrayIcon

from ...replicate import PollBudget, ReplicateClient
from ...session import TrainingCanceled, TrainingFailed, TrainingRun, TrainingService, TrainingSucceeded
from ...storage import AppPaths, TrainingRecord, TrainingsStore
from ..common.widgets import named
from ..form.parameter_form import ParameterForm
from ..training.follow_panel import TrainingsDock
from ..training.wizard import TrainingWizard
from .main_window import MainWindow

log = logging.getLogger(__name__)


class TrainingWiring(QObject):
    """Owns the wizard, the dock and the runs' endings for one window; ``start()`` after the window is up,
    ``aclose()`` on the way out (the trainings go on on Replicate and are followed again next time)."""

    def __init__(self, window: MainWindow, service: TrainingService,
                 tray: Callable[[], QSystemTrayIcon | None] | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.service = service
        self.wizard: TrainingWizard | None = None
        self.dock_contents = TrainingsDock()
        self.dock = named(QDockWidget(self.tr("Trainings"), window), "trainingsDockWidget")
        self.dock.setWidget(self.dock_contents)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.dock.hide()
        self._tray = tray or _system_tray
        self.notified: list[str] = []

    def open_wizard(self) -> TrainingWizard:
        """Shows the wizard (not modal: the window stays usable); a second call raises the open one."""
        if self.wizard is not None and self.wizard.isVisible():
            self.wizard.raise_()
            return self.wizard
        form = ParameterForm()
        wizard = TrainingWizard(self.service, form, self.window)
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.started.connect(self.follow)
        wizard.destroyed.connect(lambda: setattr(self, "wizard", None))
        self.wizard = wizard
        wizard.show()
        return wizard

    async def start(self) -> list[TrainingRun]:
        """Follows again every training that had not ended when the app last stopped, and lists past ones."""
        runs = await self.service.resume_unfinished()
        for run in runs:
            self.follow(run)
        await self.refresh_history()
        return runs

    async def refresh_history(self) -> None:
        try:
            records = await self.service.history()
        except Exception as error:  # the list is a view; a failing store never stops the app
            log.warning("Trainings history unavailable: %s", error)
            return
        self.dock_contents.show_history([self._describe(record) for record in records])

    def follow(self, run: TrainingRun) -> None:
        panel = self.dock_contents.follow(run)
        panel.ended.connect(self._on_ended)
        self.dock.show()
        self.dock.raise_()

    async def aclose(self) -> None:
        await self.service.aclose()
        self.dock_contents.stop()

    def _on_ended(self, event: object) -> None:
        message = self._ending_message(event)
        if isinstance(event, TrainingSucceeded):
            self.use_version(event.version, event.suggested_prompt)
        if message is None:
            return
        self.window.statusBar().showMessage(message, 15000)
        if not self.window.isActiveWindow():
            tray = self._tray()
            if tray is not None:
                tray.showMessage(self.tr("Replicate Desktop"), message)
            QApplication.alert(self.window)
            self.notified.append(message)
        self._history_task = asyncio.ensure_future(self.refresh_history())

    def use_version(self, version: str, prompt: str | None) -> None:
        """The new version goes into the picker, pinned and selected (its run form follows), with a first prompt."""
        picker = self.window.model_picker
        if picker.set_current_model(version):
            picker.model_selected.emit(version)
        if prompt:
            self.window.chat.set_prompt(prompt)

    def _ending_message(self, event: object) -> str | None:
        if isinstance(event, TrainingSucceeded):
            return self.tr("The training finished: %1 is ready in the model picker.").replace("%1", event.version)
        if isinstance(event, TrainingFailed):
            return self.tr("The training failed: %1").replace("%1", event.problem.message)
        if isinstance(event, TrainingCanceled):
            return self.tr("The training was canceled.")
        return None  # detached: the app is closing

    def _describe(self, record: TrainingRecord) -> str:
        lines = [f"{record.destination} ← {record.trainer.split(':')[0]} — {record.status}"]
        if record.training_id:
            lines.append(self.tr("Training: %1").replace("%1", record.training_id))
        if record.input:
            shown = ", ".join(f"{key}={value}" for key, value in record.input.items()
                              if not str(value).startswith(("http://", "https://")))
            lines.append(self.tr("Inputs: %1").replace("%1", shown))
        if record.version:
            lines.append(self.tr("Result: %1").replace("%1", record.version))
        if record.error:
            lines.append(record.error)
        if record.logs_tail:
            lines.append(record.logs_tail.strip().splitlines()[-1])
        return "\n".join(lines)


_tray: list[QSystemTrayIcon] = []  # one icon for the app's lifetime, made when first needed


def _system_tray() -> QSystemTrayIcon | None:
    if not QSystemTrayIcon.isSystemTrayAvailable():
        return None
    if not _tray:
        _tray.append(QSystemTrayIcon(QApplication.windowIcon(), QApplication.instance()))
        _tray[0].show()
    return _tray[0]


def training_service(store: TrainingsStore, client: Callable[[], ReplicateClient], paths: AppPaths,
                     budget: PollBudget | None = None) -> TrainingService:
    """The app's TrainingService: its client, its cache folder for packed photos, its one poll budget."""
    return TrainingService(client, store, work_dir=paths.cache_dir / "training-data", budget=budget)
