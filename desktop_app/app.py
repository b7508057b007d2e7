"""Composition root: builds the window, then the session, client and stores, and runs until the window closes."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from . import __version__
from .storage.paths import AppPaths
from .storage.settings import SettingsStore
from .ui.shell.main_window import MainWindow
from .ui.shell.theme import apply_theme

if TYPE_CHECKING:
    import aiohttp

    from .replicate import ModelSchemas, ReplicateClient
    from .session import Services, TrainingService
    from .storage import TrainingsStore
    from .storage.history import HistoryStore
    from .ui.shell.controller import AppController
    from .ui.shell.gallery_wiring import GalleryWiring
    from .ui.shell.queue_entry import QueueEntry
    from .ui.shell.training_entry import TrainingEntry

log = logging.getLogger(__name__)


def run_app(args: argparse.Namespace, *, env: Mapping[str, str] | None = None, paths: AppPaths | None = None) -> int:
    """Opens the window at once (before aiohttp is even imported) and runs the app on a qasync loop."""
    env = dict(os.environ if env is None else env)
    paths = paths or AppPaths.default()
    app, window, settings_store = open_window(paths, defer_panes=True)
    # The first paint, before asyncio, qasync, aiohttp and the heavier panes load; the second pass
    # finishes what the first one posted (layout requests, deferred updates).
    app.processEvents()
    app.processEvents()
    import asyncio

    from .ui.shell.event_loop import AppEventLoop

    runner = asyncio.Runner(loop_factory=lambda: AppEventLoop(app))
    try:
        return runner.run(main(app, window, args, env, paths, settings_store))
    finally:
        runner.close()


def open_window(paths: AppPaths, *, defer_panes: bool = False) -> tuple[QApplication, MainWindow, SettingsStore]:
    """Creates the application and shows the main window with the saved theme (its chat and image panes
    are built later with ``defer_panes``, once the window has painted)."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Replicate Desktop")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("replicate-desktop")
    app.setQuitOnLastWindowClosed(False)  # the awaited shutdown path decides when the loop ends

    settings_store = SettingsStore(paths.settings_file)
    settings = settings_store.load()
    apply_theme(app, settings.theme)
    if not defer_panes:
        dress_window(app, settings.language)
    window = MainWindow(defer_panes=defer_panes)
    window.show()
    if settings_store.last_warning:
        window.statusBar().showMessage(settings_store.last_warning, 15000)
    return app, window, settings_store


def forget_module_sources() -> None:
    """Drops the source lines PySide6 read while modules were imported.

    PySide6's import hook reads the source of every module imported after it (``inspect.getsource``, to see
    whether it uses ``__feature__``), which leaves all of them in ``linecache`` — some 7 MiB at start. Dropped
    after each burst of imports, that memory is reused by the next one instead of adding to it; a traceback
    reads the lines it needs again.
    """
    import linecache

    linecache.clearcache()


def dress_window(app: QApplication, language: str) -> None:
    """Translations and the icon: needed before the panes are built, not for the first (empty) frame."""
    from .resources import APP_ID, app_icon
    from .ui.common.translations import install_translations

    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(app_icon())
    install_translations(app, language)


async def main(
    app: QApplication,
    window: MainWindow,
    args: argparse.Namespace,
    env: Mapping[str, str],
    paths: AppPaths,
    settings_store: SettingsStore,
) -> int:
    """Builds the panes, session, client and controller, then runs until the window is closed."""
    import asyncio

    settings = settings_store.load()  # read once here for the panes, the translations and the controller
    if not window.panes_built:
        dress_window(app, settings.language)
        window.build_panes()
        forget_module_sources()
    closed = asyncio.Event()
    window.close_requested.connect(closed.set)
    if getattr(args, "smoke_test", False):
        QTimer.singleShot(0, window.close)
    await asyncio.sleep(0)  # let the first paint happen before the heavier imports below

    from .logs import install_asyncio_handler, setup_logging, teardown_logging
    from .session import build_services
    from .storage.secrets import TokenStore
    from .ui.shell.excepthook import CrashReports, install_excepthook
    from .ui.shell.model_view import CogServers

    network = Network()
    services_box: list[Services] = []
    setup_logging(paths.log_dir, verbose=getattr(args, "verbose", False),
                  secrets=lambda: [token] if services_box and (token := services_box[0].account.token) else [])
    log.info("Replicate Desktop %s starting (API %s)", __version__, env.get("REPLICATE_API_BASE_URL") or "default")
    crash_reports = CrashReports(paths.log_dir, parent=window)
    hook = install_excepthook(crash_reports.report)
    install_asyncio_handler(asyncio.get_running_loop(), report=crash_reports.report)

    store, history_warning = await asyncio.to_thread(open_history, paths)
    if history_warning:
        window.statusBar().showMessage(history_warning, 20000)
    services = build_services(settings_store=settings_store, settings=settings,
                              token_store=TokenStore(paths.config_dir), make_client=network.client, env=env,
                              history=store,
                              make_local=lambda account: CogServers(lambda: account.client.session),
                              make_schemas=lambda: _schema_cache(paths))
    services_box.append(services)
    controller = attach_window(window, services, paths, initial_model=getattr(args, "model", None))
    window.about_requested.connect(lambda: _show_about(window, paths))
    window.log_folder_requested.connect(lambda: _open_folder(paths.log_dir))
    gallery = attach_gallery(window, services, controller, paths)
    trainings, queue = attach_on_demand(window, services, paths, controller)
    forget_module_sources()
    await controller.start()
    await trainings.start()
    queue.start()  # after recovery: jobs left running are followed again
    await gallery.start()
    settle_heap()
    await closed.wait()
    await gallery.aclose()  # its deletions finish while the history is still open
    await trainings.aclose()
    await queue.aclose()  # before the runs close: predictions in flight are left running for next time
    await controller.shutdown()
    await network.close()
    if store is not None:
        store.close()
    hook.uninstall()
    teardown_logging()
    # Destroyed now, while its children can still be torn down in order: a deferred delete would run at
    # some later event, on whatever loop runs then, with timers and threads of its children still alive.
    import shiboken6

    shiboken6.delete(window)
    return 0


def attach_window(window: MainWindow, services: Services, paths: AppPaths, *,
                  initial_model: str | None = None) -> AppController:
    """Gives the window its history list, its parameter form and its controller, all working through ``services``."""
    from .session import Gallery, Presets
    from .storage.presets import PresetStore
    from .ui.shell.controller import AppController
    from .ui.shell.starting_values import StartingValues
    from .ui.shell.wiring import attach_catalogue, attach_history, attach_pictures

    account, preferences = services.account, services.preferences
    presets = Presets(PresetStore(paths.presets_file))
    starting = StartingValues(preferences.remembered_inputs, presets)
    catalogue = attach_catalogue(window, lambda: account.client, paths.cache_dir / "catalogue",
                                 remembered=starting, has_token=lambda: account.has_token)
    starting.schema = catalogue.schema
    controller = AppController(window, services, catalogue=catalogue, initial_model=initial_model)
    attach_pictures(window, services, catalogue, starting, presets, controller.tasks,
                    gallery=Gallery(services.recorder),  # the app's one: attach_gallery's window shares it
                    busy=lambda: controller.busy, release_viewer=controller.release_viewer,
                    inputs_dir=paths.cache_dir / "inputs")
    if services.recorder.store is not None:
        attach_history(window, services, controller.tasks, open_conversation=controller.open_conversation,
                       catalogue=catalogue)
    return controller


def attach_on_demand(window: MainWindow, services: Services, paths: AppPaths,
                     controller: AppController) -> tuple[TrainingEntry, QueueEntry]:
    """The trainings and the queue (with comparisons): their menus now, the rest when first used or when a last
    session left work of theirs unfinished (an idle window never loads their modules or the network stack)."""
    from .ui.shell.queue_entry import QueueEntry
    from .ui.shell.training_entry import TrainingEntry

    def make_training_service(store: TrainingsStore) -> TrainingService:
        from .ui.shell.training_wiring import training_service

        budget = services.runs.backends.options().get("budget")  # the app's one poll budget, trainings included
        return training_service(store, lambda: services.account.client, paths, budget)

    trainings = TrainingEntry(window, paths.data_dir / "trainings.db", make_training_service)
    return trainings, QueueEntry(window, services, paths, controller, controller.catalogue)


def attach_gallery(window: MainWindow, services: Services, controller: AppController,
                   paths: AppPaths) -> GalleryWiring:
    """View → Gallery: every kept output, its thumbnails cached in the user's cache folder; it works through the
    Gallery ``attach_window`` made for the window's pictures, and offers their ways on ("Use as input", "Send to…")."""
    from .ui.shell.gallery_wiring import GalleryWiring
    from .ui.shell.wiring import PictureWiring

    return GalleryWiring(window, services, paths.thumbnails_dir, open_conversation=controller.open_conversation,
                         catalogue=controller.catalogue, pictures=PictureWiring.of(window), queue_db=paths.queue_db)


def settle_heap() -> None:
    """Collects the start-up's garbage once and freezes what is left: those objects live as long as the app, so
    every later full collection (a pause of the loop: ~40 ms here for a window's worth) walks only what the session
    made since. Measured in bench.ui_gallery: the longest stall scrolling 10,000 outputs."""
    import gc

    gc.collect()
    gc.freeze()


def _schema_cache(paths: AppPaths) -> ModelSchemas:
    """The schema source of every run: the core's look-ups, kept on disk for the next start."""
    from .replicate import ModelSchemas
    from .storage.schema_cache import SchemaCache

    return ModelSchemas(SchemaCache(paths.cache_dir / "schemas"))


class Network:
    """The app's one HTTP session, opened on first use: a window that is only looked at never loads aiohttp."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            import aiohttp

            self._session = aiohttp.ClientSession()
        return self._session

    def client(self, token: str | None, base_url: str, proxy: str | None) -> ReplicateClient:
        from .replicate import ReplicateClient

        return ReplicateClient(self.session(), token=token, base_url=base_url, proxy=proxy)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def _show_about(window: MainWindow, paths: AppPaths) -> None:
    from .ui.dialogs.about import AboutDialog

    dialog = AboutDialog(paths.log_dir, parent=window)
    dialog.finished.connect(dialog.deleteLater)
    dialog.show()  # not window-modal: the chat stays usable


def _open_folder(folder: Path) -> None:
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices

    folder.mkdir(parents=True, exist_ok=True)
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def open_history(paths: AppPaths) -> tuple[HistoryStore | None, str | None]:
    """Opens the history (marking runs that never got a prediction as interrupted); on failure the app
    runs without it and says why, and a damaged database is moved aside, never deleted."""
    from .storage.history import HistoryStore
    from .storage.history_records import HistoryError

    try:
        store = HistoryStore.open(paths.history_db, library_dir=paths.library_dir)
        store.restart.mark_interrupted_on_start()
        store.restart.cleanup_orphans()
    except (HistoryError, OSError) as error:
        log.warning("History unavailable: %s", error)
        from PySide6.QtCore import QCoreApplication

        return None, QCoreApplication.translate("app", "History is off for this session: {}").format(error)
    return store, store.last_warning
