"""The queue's and the comparisons' way into the window, kept light: the Queue menu is there from the start, but
the job queue, its dock and the comparison window are built on first use, or at start only when the queue file
holds jobs a last session left queued or running. The spend ledger for the chat's runs opens with the first run
that finishes."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence

from ...storage import AppPaths
from ...storage.queue_records import UNFINISHED_STATES
from ..common.widgets import named
from .main_window import MainWindow

if TYPE_CHECKING:
    from ...session import Cost, RunFinished, Services, Spending
    from ...session.runs import Run
    from ...storage.queue_store import QueueStore
    from ..models.catalogue_flow import CatalogueFlow
    from .compare_wiring import CompareWiring
    from .controller import AppController
    from .costs_wiring import CostsWiring
    from .queue_wiring import QueueWiring

log = logging.getLogger(__name__)


class QueueEntry(QObject):
    """The Queue menu (show the queue, add to it, compare models); ``wiring`` and ``compare`` on first use."""

    def __init__(self, window: MainWindow, services: Services, paths: AppPaths, controller: AppController,
                 catalogue: CatalogueFlow | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.services = services
        self.paths = paths
        self.controller = controller
        self.catalogue = catalogue
        self._store: QueueStore | None = None
        self._spending: Spending | None = None
        self._wiring: QueueWiring | None = None
        self._compare: CompareWiring | None = None
        self._costs: CostsWiring | None = None
        self.menu = menu = window.add_menu(self.tr("&Queue"), "menu_queue")
        self.show_action = named(QAction(self.tr("Show the queue"), window), "showQueueAction")
        self.show_action.setShortcut(QKeySequence("Ctrl+Shift+Q"))
        self.show_action.triggered.connect(lambda: self.wiring.show_panel())
        self.add_action = named(QAction(self.tr("Add to queue…"), window), "addToQueueAction")
        self.add_action.triggered.connect(lambda: self.wiring.open_dialog())
        self.compare_action = named(QAction(self.tr("Compare models…"), window), "compareModelsAction")
        self.compare_action.setShortcut(QKeySequence("Ctrl+Shift+M"))
        self.compare_action.triggered.connect(lambda: self.compare.open_window())
        self.prices_action = named(QAction(self.tr("Prices and hardware…"), window), "pricesAction")
        self.prices_action.setToolTip(self.tr("The prices costs are estimated from, and the hardware each "
                                              "community model runs on"))
        self.prices_action.triggered.connect(lambda: self.costs.open_dialog())
        menu.addAction(self.show_action)
        menu.addAction(self.add_action)
        menu.addSeparator()
        menu.addAction(self.compare_action)
        menu.addAction(self.prices_action)
        if services.runs.on_finished is None:  # the chat's runs (and comparisons) go in the queue's spend ledger
            services.runs.on_finished = self.record_run
        controller.price_run = self.record_run  # the cost a finished run shows is the one the ledger keeps
        controller.past_costs = self.costs_of

    @property
    def built(self) -> bool:
        """Whether the job queue and its dock exist (an idle app that never queued anything has neither)."""
        return self._wiring is not None

    @property
    def store(self) -> QueueStore:
        """The queue file, opened on first need; when it cannot be used, the queue works for this session only
        and the status bar says why."""
        if self._store is None:
            from ...storage.queue_store import QueueStore, QueueStoreError

            try:
                self._store = QueueStore.open(self.paths.queue_db)
            except QueueStoreError as error:
                log.warning("The queue is not kept this session: %s", error)
                self.window.statusBar().showMessage(
                    self.tr("The queue is not kept this session: %1").replace("%1", str(error)), 20000)
                self._store = QueueStore.open(Path(":memory:"))
        return self._store

    @property
    def spending(self) -> Spending:
        """The ledger and the prices, shared by the queue, the chat's runs and the comparisons."""
        if self._spending is None:
            from ...session import Spending

            self._spending = Spending(self.store)
        return self._spending

    @property
    def wiring(self) -> QueueWiring:
        """The job queue (dispatching), its dock and the add dialog, made on first use."""
        if self._wiring is None:
            from .queue_wiring import attach_queue

            self._wiring = attach_queue(self.window, self.services, self.paths, self.catalogue,
                                        store=self.store, spending=self.spending)
            self._wiring.start()  # dispatching at once: what is added from now on runs
        return self._wiring

    @property
    def compare(self) -> CompareWiring:
        """The comparison window's owner, made on first use."""
        if self._compare is None:
            from .compare_wiring import CompareWiring

            self._compare = CompareWiring(self.window, self.services, self.controller)
        return self._compare

    @property
    def costs(self) -> CostsWiring:
        """The prices dialog's owner (for the window's picked model), made on first use."""
        if self._costs is None:
            from .costs_wiring import CostsWiring

            self._costs = CostsWiring(self.window, self.spending, self.window.model_picker.current_model)
        return self._costs

    def record_run(self, run: Run, finished: RunFinished) -> Cost | None:
        """Puts a finished run of the chat (or a comparison) in the ledger, once per prediction, and returns
        its cost (``None`` without a price, or when the ledger cannot be written)."""
        try:
            return self.spending.record_run(run, finished)
        except Exception as error:  # the ledger is a record; a failing file never breaks the run that paid
            log.warning("The run's cost was not recorded: %s", error)
            return None

    def costs_of(self, prediction_ids: list[str]) -> dict[str, Cost]:
        """What the ledger says these predictions cost (a reopened conversation shows them); nothing when the
        ledger cannot be read."""
        try:
            return self.spending.costs_of(prediction_ids)
        except Exception as error:  # a view of the ledger: a failing file only leaves the costs unshown
            log.warning("Costs of past runs unavailable: %s", error)
            return {}

    def start(self) -> None:
        """Takes up the jobs a last session left queued or running; with none, only the file is opened."""
        try:
            left = len(self.store.jobs(states=UNFINISHED_STATES))
        except Exception as error:  # a damaged queue file: the menu still opens it and says why
            log.warning("The queue cannot be read: %s", error)
            return
        if left:
            self.wiring.show_panel()  # made and started: jobs left running are followed again, queued ones sent
            self.window.statusBar().showMessage(
                self.tr("The queue goes on with %n job(s) left from the last session.", "", left), 15000)

    async def aclose(self) -> None:
        """Leaves predictions in flight running (followed next start) and closes the queue file."""
        if self._wiring is not None:
            await self._wiring.aclose()  # closes the store too
        elif self._store is not None:
            self._store.close()
