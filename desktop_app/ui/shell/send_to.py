""""Send to…" on an output: another model runs on it in one step, and the result is linked to it; the viewer's
"Made from" line then leads back along the chain, a step at a time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QPoint
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QMenu

from ...session import (
    Gallery,
    LogsAppended,
    NoInputError,
    OutputFailed,
    OutputProgressed,
    OutputReady,
    OutputsAnnounced,
    Presets,
    ProgressChanged,
    Run,
    RunBegun,
    RunCanceled,
    RunFailed,
    RunFinished,
    RunService,
    SendTo,
    SessionEvent,
)
from ...storage.gallery import GalleryItem
from ...storage.history_records import NotFoundError
from ..common.errors import describe_error, describe_problem
from ..common.tasks import Tasks
from ..viewer.chain_bar import ChainStep
from .main_window import MainWindow
from .picture_targets import SEND_TO_EXAMPLES, PictureTargets
from .picture_texts import PictureTexts

log = logging.getLogger(__name__)


class SendToFlow(QObject):
    """Runs an output of the viewer through another model ("Send to…") and shows the chain it belongs to.

    The menu lists the user's models that take a picture (by their cached schemas) and a few upscalers and
    background removers. The run gets the model's default preset, if it has one, goes into the output's own
    conversation and is linked to the output (its history keeps ``source_output_id``); its progress and result
    show in the progress line and the viewer, never in the chat. Whenever the viewer shows a kept output, its
    "Made from" line lists the steps it was made from; clicking one shows that step.
    """

    def __init__(self, window: MainWindow, *, gallery: Gallery | None, runs: RunService, targets: PictureTargets,
                 presets: Presets | None, tasks: Tasks, texts: PictureTexts, busy: Callable[[], bool],
                 release_viewer: Callable[[], None]) -> None:
        super().__init__(window)
        self.window = window
        self.gallery = gallery if gallery is not None and gallery.enabled else None
        self.runs = runs
        self.targets = targets
        self.presets = presets
        self.tasks = tasks
        self.texts = texts
        self.busy = busy
        self.release_viewer = release_viewer
        self.menu: QMenu | None = None
        self.run: Run | None = None
        viewer = window.viewer
        viewer.send_to_requested.connect(lambda index: self.offer(index, QCursor.pos()))
        viewer.image_shown.connect(lambda index: self.show_chain(index) if index == viewer.current_index() else None)
        viewer.current_changed.connect(self.show_chain)
        viewer.chain_step_requested.connect(self.open_step)
        window.chat.stop_requested.connect(self.stop)

    def stop(self) -> None:
        """Stops the run sent on (Esc, Stop), unless a reply of the chat is what runs: Stop is the chat's first."""
        if self.run is not None and not self.run.done and not self.busy():
            self.run.cancel()

    def offer(self, index: int, at: QPoint) -> QMenu | None:
        """The menu of models to send the viewer's output ``index`` to, shown at ``at`` (never waited for)."""
        path = self.window.viewer.path_at(index)
        if self.gallery is None or path is None:
            self._announce(self.tr("Only outputs kept in the history can be sent on; this one is not."))
            return None
        menu = QMenu(self.window)
        menu.setObjectName("sendToMenu")
        self.fill_menu(menu, path)
        menu.aboutToHide.connect(menu.deleteLater)
        self.menu = menu
        menu.popup(at)
        return menu

    def fill_menu(self, menu: QMenu, path: Path, then: Callable[[], object] | None = None) -> None:
        """Adds the models ``path`` can be sent to (the user's that take a picture, then a few upscalers and
        background removers) to ``menu``; choosing one sends it, then calls ``then``."""
        yours = self.targets.takers()

        def add(model: str) -> None:
            menu.addAction(model).triggered.connect(lambda _checked=False: self._send_then(path, model, then))

        menu.addSection(self.tr("Your models that take a picture"))
        if not yours:
            menu.addAction(self.tr("None known yet: choose a model once to learn its inputs")).setEnabled(False)
        for model in yours:
            add(model)
        menu.addSection(self.tr("Upscale and remove the background"))
        for model in SEND_TO_EXAMPLES:
            if model not in yours:
                add(model)

    def send(self, source: Path, model: str) -> None:
        """Runs ``model`` on the kept output ``source`` with its default preset, linked to ``source``."""
        if self.gallery is None:
            self._announce(self.tr("Only outputs kept in the history can be sent on; this one is not."))
            return
        if self.busy() or (self.run is not None and not self.run.done):
            self._announce(self._busy_text())
            return
        gallery = self.gallery

        async def prepare() -> SendTo:
            item = await gallery.item(source)
            schema = await self.targets.schema(model)
            preset = self.presets.starting_values(model, schema) if self.presets is not None else None
            return await gallery.send_to(item.id, model, schema, parameters=preset.values if preset else {})

        self._announce(self.tr("Sending the picture to {0}…").format(model))
        self.tasks.call(prepare, lambda sent: self._start(sent, model),
                        lambda error: self._announce(self._why(model, error)), name=f"send to {model}")

    def show_chain(self, index: int) -> None:
        """Shows the steps the viewer's output ``index`` was made from (none for an output not kept)."""
        bar = self.window.viewer.chain_bar
        path = self.window.viewer.path_at(index)
        gallery = self.gallery
        if gallery is None or path is None:
            bar.set_steps([])
            return

        async def read() -> list[GalleryItem]:
            try:
                item = await gallery.item(path)
            except NotFoundError:
                return []
            return await gallery.chain(item.id)

        def shown(chain: list[GalleryItem]) -> None:
            viewer = self.window.viewer
            if viewer.path_at(viewer.current_index()) == path:  # still the output on screen
                bar.set_steps([ChainStep(step.id, step.model, step.prompt) for step in chain[1:]])

        self.tasks.call(read, shown, lambda _error: bar.set_steps([]), name="chain")

    def open_step(self, output_id: int) -> None:
        """Shows the output of an earlier step in the viewer (its own "Made from" line follows)."""
        gallery = self.gallery
        if gallery is None:
            return
        if self.busy():
            self._announce(self._busy_text())
            return

        async def read() -> tuple[GalleryItem, bytes]:
            item = await gallery.item(output_id)
            return item, await asyncio.to_thread(item.path.read_bytes)

        self.tasks.call(read, lambda found: self._show_step(*found),
                        lambda error: self._announce(describe_error(error)), name="open step")

    # --- private ------------------------------------------------------------------------------------

    def _send_then(self, path: Path, model: str, then: Callable[[], object] | None) -> None:
        self.send(path, model)
        if then is not None:
            then()

    def _start(self, sent: SendTo, model: str) -> None:
        if self.busy():
            self._announce(self._busy_text())
            return
        run = self.runs.start(sent.request, target=sent.target)
        end = run.end
        if isinstance(end, RunFailed) and end.problem.checked_locally:
            self._announce(self._failed(model, describe_problem(end.problem)))
            return
        self.run = run
        self.release_viewer()
        self.window.panes.use("image")
        self.window.progress.start(run.model)
        self.tasks.spawn(self._follow(run, model), name=f"sent run {run.id}")

    async def _follow(self, run: Run, model: str) -> None:
        seen = True
        async for event in run:
            seen = seen and not self.busy()  # a reply sent meanwhile has the viewer now: this run goes on unseen
            if seen:
                self._show(event, model)
            elif isinstance(event, RunFinished):
                self._announce(self.tr("{0} finished; its result is kept with the picture it was made from.")
                               .format(model))

    def _show(self, event: SessionEvent, model: str) -> None:
        viewer, progress = self.window.viewer, self.window.progress
        if isinstance(event, RunBegun):
            viewer.begin_generation(event.prompt)
        elif isinstance(event, OutputsAnnounced):
            viewer.begin_generation(event.alt, len(event.urls))
            for index, url in enumerate(event.urls):
                viewer.begin_download(index, url, None)
        elif isinstance(event, OutputProgressed):
            viewer.download_progress(event.index, event.received, event.total)
        elif isinstance(event, OutputReady):
            viewer.set_image_bytes(event.index, event.data, content_type=event.content_type,
                                   source_url=str(event.path or event.source_url))
        elif isinstance(event, OutputFailed):
            viewer.show_error(event.index, describe_problem(event.problem))
        elif isinstance(event, ProgressChanged):
            progress.update_progress(event.status, event.mode, event.attempt, event.max_attempts, event.elapsed,
                                     event.percent, event.log_line)
        elif isinstance(event, LogsAppended):
            progress.append_logs(event.text)
        elif isinstance(event, RunFinished):
            progress.finish(event.status, event.predict_time)
            self._announce(self.tr("{0} finished; its result is kept with the picture it was made from.").format(model))
        elif isinstance(event, RunFailed):
            message = describe_problem(event.problem)
            progress.fail(message)
            viewer.show_error(None, message)
            self._announce(self._failed(model, message))
        elif isinstance(event, RunCanceled):
            progress.fail(self.tr("Stopped; the prediction was canceled on Replicate."))

    def _show_step(self, item: GalleryItem, data: bytes) -> None:
        if self.busy():
            return
        self.release_viewer()
        viewer = self.window.viewer
        viewer.begin_generation(item.prompt, 1)
        viewer.set_image_bytes(0, data, content_type=item.content_type, source_url=str(item.path))

    def _why(self, model: str, error: Exception) -> str:
        if isinstance(error, NoInputError):
            return self.texts.no_input(model, error)
        if isinstance(error, NotFoundError):
            return self.tr("Only outputs kept in the history can be sent on; this one is not.")
        return self._failed(model, describe_error(error))

    def _busy_text(self) -> str:
        return self.tr("Wait for the running reply to finish (or stop it) before sending an output on.")

    def _failed(self, model: str, message: str) -> str:
        return self.tr("{0} could not run: {1}").format(model, message)

    def _announce(self, message: str) -> None:
        self.window.statusBar().showMessage(message, 10000)

