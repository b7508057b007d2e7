"""Where the job queue meets the window once it is used (queue_entry.py makes this on first need): the queue dock,
the "Add to queue" dialog filled from the composer and the parameter form, and a finished job's outputs opened in
the viewer."""

from __future__ import annotations

import asyncio
import logging
import mimetypes
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QDockWidget, QPlainTextEdit

from ...replicate import InputSchema, coerce_values
from ...session import HistoryOutputs, JobQueue, Services, Spending
from ...session.queue_events import JobView
from ...storage import AppPaths
from ...storage.queue_store import QueueStore
from ..common.tasks import Tasks
from ..common.widgets import named
from ..form.parameter_form import ParameterForm
from ..models.catalogue_flow import CatalogueFlow
from ..queue.add_dialog import AddToQueueDialog
from ..queue.panel import QueuePanel
from .main_window import MainWindow

log = logging.getLogger(__name__)


class QueueWiring(QObject):
    """Owns the queue dock and the add dialog for one window; ``start()`` after recovery, ``aclose()`` on the
    way out (before the services close: predictions in flight are left running and followed next start)."""

    def __init__(self, window: MainWindow, queue: JobQueue, store: QueueStore,
                 catalogue: CatalogueFlow | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.catalogue = catalogue
        self.queue = queue
        self.store = store
        self.dialog: AddToQueueDialog | None = None
        self.tasks = Tasks()
        self.panel = QueuePanel(queue)
        self.panel.add_requested.connect(self.open_dialog)
        self.panel.open_requested.connect(self.open_outputs)
        self.panel.batch_requested.connect(self.open_batch)
        self.dock = named(QDockWidget(self.tr("Queue"), window), "queueDockWidget")
        self.dock.setWidget(self.panel)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.dock.hide()

    def show_panel(self) -> None:
        self.dock.show()
        self.dock.raise_()

    def open_dialog(self) -> AddToQueueDialog | None:
        """Shows the add dialog (not modal) with the composer's model and prompt and the parameter form's values
        and schema (what a Send would use); a second call raises it. ``None`` when the form has something to fix
        (its fields are marked and the status bar says so)."""
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            return self.dialog
        box = self.window.findChild(QPlainTextEdit, "chat_prompt")  # the composer's prompt box
        prompt = box.toPlainText() if box is not None else ""
        form = self.form_values()
        if form is None:
            return None
        parameters, schema = form
        dialog = AddToQueueDialog(self.queue, self.window.model_picker.current_model(), prompt, parameters,
                                  parent=self.window, schema=schema)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.added.connect(lambda _batch: self.show_panel())
        dialog.destroyed.connect(lambda: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.show()
        return dialog

    def form_values(self) -> tuple[dict[str, Any], InputSchema | None] | None:
        """The parameter form's values and schema, or ``None`` when it shows something to fix (said in the status
        bar). Only missing or unreadable file inputs are let through: a folder of files can fill them, and the
        queue checks every job against the schema before anything is added."""
        if self.catalogue is None:
            return {}, None
        values, problems = self.catalogue.values_for_run()
        schema = self.catalogue.schema()
        if values is not None:
            return values, schema
        files = {spec.name for spec in schema.fields if spec.kind == "file"}
        form = self.catalogue.form
        if problems and set(problems) <= files and isinstance(form, ParameterForm):
            return coerce_values(schema, {k: v for k, v in form.values().items() if k not in problems}), schema
        self.window.show_parameters(True)
        first = next(iter(problems.values()), "")
        self.window.statusBar().showMessage(
            self.tr("Fix the parameters before adding to the queue: %1").replace("%1", first), 10000)
        return None

    def open_outputs(self, job: JobView) -> None:
        """Shows a finished job's kept outputs in the viewer."""
        self.show_files(job.prompt or job.label, job.outputs)

    def open_batch(self, batch_id: int) -> None:
        """Shows every kept output of a batch together, in queue order (the viewer's strip is the grid)."""
        jobs = self.queue.board.jobs(batch_id)
        title = next((batch.title for batch in self.queue.board.batches() if batch.id == batch_id), "")
        self.show_files(title, [path for job in jobs for path in job.outputs])

    def show_files(self, title: str, paths: Sequence[Path]) -> None:
        """Shows kept files in the viewer; they are read off the GUI thread (a batch's outputs can be many MB),
        and a file that cannot be read is named in the status bar."""
        self.tasks.call(lambda: asyncio.to_thread(_read_files, list(paths)),
                        lambda read: self._show_read(title, read), lambda _error: None, name="open queue outputs")

    def _show_read(self, title: str, read: list[tuple[Path, bytes | OSError]]) -> None:
        readable = [(path, data) for path, data in read if isinstance(data, bytes)]
        for path, data in read:
            if isinstance(data, OSError):
                self.window.statusBar().showMessage(self.tr("Cannot open %1: %2").replace("%1", str(path))
                                                    .replace("%2", data.strerror or str(data)), 10000)
        if not readable:
            return
        viewer = self.window.viewer
        viewer.begin_generation(title, len(readable))
        for index, (path, data) in enumerate(readable):
            viewer.set_image_bytes(index, data, content_type=mimetypes.guess_type(path.name)[0],
                                   source_url=path.as_uri())

    def start(self) -> None:
        self.queue.start()

    async def aclose(self) -> None:
        self.tasks.cancel_all()
        await self.tasks.wait_all()
        self.panel.stop()
        await self.queue.aclose()
        self.store.close()


def attach_queue(window: MainWindow, services: Services, paths: AppPaths,
                 catalogue: CatalogueFlow | None = None, *, store: QueueStore | None = None,
                 spending: Spending | None = None) -> QueueWiring:
    """Builds the job queue over the app's backends (one poll budget), its history outputs and the spend ledger
    (the one the chat's runs use too, when given); ``catalogue`` (the parameter form) gives the add dialog the
    values and schema a Send would use."""
    store = store or QueueStore.open(paths.queue_db)
    spending = spending or Spending(store)
    queue = JobQueue(store, services.runs.backends, outputs=HistoryOutputs(services.recorder, store),
                     spending=spending)
    return QueueWiring(window, queue, store, catalogue)


def _read_files(paths: list[Path]) -> list[tuple[Path, bytes | OSError]]:
    """Each file's bytes, or why it could not be read (runs in a worker thread)."""
    read: list[tuple[Path, bytes | OSError]] = []
    for path in paths:
        try:
            read.append((path, path.read_bytes()))
        except OSError as error:
            read.append((path, error))
    return read
