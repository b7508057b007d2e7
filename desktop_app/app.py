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
    from .storage.history import HistoryStore
    from .ui.history.sidebar import HistorySidebar
    from .ui.shell.controller import AppController
    from .ui.shell.gallery_wiring import GalleryWiring

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
    closed = asyncio.Event()
    window.close_requested.connect(closed.set)
    if getattr(args, "smoke_test", False):
        QTimer.singleShot(0, window.close)
    await asyncio.sleep(0)  # let the first paint happen before the heavier imports below

    import aiohttp

    from .logs import install_asyncio_handler, setup_logging, teardown_logging
    from .replicate import ModelSchemas, PollBudget, ReplicateClient
    from .storage.schema_cache import SchemaCache
    from .storage.secrets import TokenStore
    from .ui.dialogs.crash import CrashDialog
    from .ui.history.recorder import HistoryRecorder
    from .ui.shell.controller import AppController
    from .ui.shell.excepthook import install_excepthook

    holder: list[AppController] = []
    setup_logging(paths.log_dir, verbose=getattr(args, "verbose", False),
                  secrets=lambda: [holder[0].token] if holder and holder[0].token else [])
    log.info("Replicate Desktop %s starting (API %s)", __version__, env.get("REPLICATE_API_BASE_URL") or "default")
    crash_dialog = CrashDialog(paths.log_dir, parent=window)
    hook = install_excepthook(crash_dialog.report)
    install_asyncio_handler(asyncio.get_running_loop(), report=crash_dialog.report)

    store, history_warning = await asyncio.to_thread(open_history, paths)
    if history_warning:
        window.statusBar().showMessage(history_warning, 20000)
    sidebar = None
    if store is not None:
        from .ui.history.sidebar import HistorySidebar

        sidebar = HistorySidebar(store)
        window.set_sidebar(sidebar)

    async with aiohttp.ClientSession() as session:

        def make_client(token: str | None, base_url: str, proxy: str | None) -> ReplicateClient:
            return ReplicateClient(session, token=token, base_url=base_url, proxy=proxy)

        controller = AppController(
            window,
            settings=settings,
            settings_store=settings_store,
            token_store=TokenStore(paths.config_dir),
            make_client=make_client,
            env=env,
            initial_model=getattr(args, "model", None),
            history=HistoryRecorder(store, window),
            budget=PollBudget(),  # one poll budget and one schema cache for every run of the app
            schemas=ModelSchemas(SchemaCache(paths.cache_dir / "schemas")),
        )
        holder.append(controller)
        from .ui.shell.wiring import attach_catalogue

        controller.catalogue = attach_catalogue(window, lambda: controller.client, paths.cache_dir / "catalogue",
                                                remembered=controller.remembered_inputs)
        window.about_requested.connect(lambda: _show_about(window, paths))
        window.log_folder_requested.connect(lambda: _open_folder(paths.log_dir))
        if sidebar is not None:
            from .ui.shell.history_actions import HistoryActions

            HistoryActions(controller, sidebar)
        gallery = attach_gallery(window, controller, store, sidebar, paths)
        await controller.start()
        await gallery.start()
        settle_heap()
        await closed.wait()
        await gallery.aclose()
        await controller.shutdown()
    if store is not None:
        store.close()
    hook.uninstall()
    teardown_logging()
    # Destroyed now, while its children can still be torn down in order: a deferred delete would run at
    # some later event, on whatever loop runs then, with timers and threads of its children still alive.
    import shiboken6

    shiboken6.delete(window)
    return 0


def settle_heap() -> None:
    """Collects the start-up's garbage once and freezes what is left: those objects live as long as the app, so
    every later full collection (a pause of the loop: ~40 ms here for a window's worth) walks only what the session
    made since. Measured in bench.ui_gallery: the longest stall scrolling 10,000 outputs."""
    import gc

    gc.collect()
    gc.freeze()


def attach_gallery(window: MainWindow, controller: AppController, store: HistoryStore | None,
                   sidebar: HistorySidebar | None, paths: AppPaths) -> GalleryWiring:
    """View → Gallery, over the history through a session recorder of its own."""
    from .session import HistoryRecorder
    from .ui.shell.gallery_wiring import GalleryWiring, apply_reuse

    gallery = GalleryWiring(window, HistoryRecorder(store), paths.thumbnails_dir, owns_recorder=True,
                            open_conversation=sidebar.conversation_opened.emit if sidebar else lambda _id: None,
                            use_settings=lambda reuse: apply_reuse(window, reuse, controller.reuse_inputs))
    controller.history.changed.connect(gallery.presenter.refresh)
    return gallery


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
        store.mark_interrupted_on_start()
        store.cleanup_orphans()
    except (HistoryError, OSError) as error:
        log.warning("History unavailable: %s", error)
        from PySide6.QtCore import QCoreApplication

        return None, QCoreApplication.translate("app", "History is off for this session: {}").format(error)
    return store, store.last_warning
