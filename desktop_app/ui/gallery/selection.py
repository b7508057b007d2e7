"""What the gallery does with the selected outputs: favourite and reject marks, delete with undo, copy, export."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, QObject, QUrl
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QFileDialog

from ...session import Deletion, Gallery
from ...storage.gallery import GalleryItem
from ...storage.gallery_actions import Exported
from .background import Background
from .grid_model import GalleryGridModel

if TYPE_CHECKING:
    from .window import GalleryWindow

Reload = Callable[..., None]


class SelectionActions(QObject):
    """Carries out the grid's requests on its selection (every selected row, read as needed: Ctrl+A included).
    ``reload(keep_position=True, then=None)`` reads the listing again; ``report(error)`` says what went wrong."""

    def __init__(self, gallery: Gallery, model: GalleryGridModel, window: GalleryWindow, jobs: Background, *,
                 reload: Reload, report: Callable[[Exception], None]) -> None:
        super().__init__(window)
        self.gallery = gallery
        self.model = model
        self.window = window
        self.jobs = jobs
        self.reload = reload
        self.report = report
        self.last_deletion: Deletion | None = None
        grid = window.grid
        grid.favourite_requested.connect(lambda: self._flag("favourite"))
        grid.reject_requested.connect(lambda: self._flag("rejected"))
        grid.delete_requested.connect(self.delete)
        grid.copy_requested.connect(self.copy)
        grid.export_requested.connect(self.export)
        window.undo_bar.undo_requested.connect(self.undo)

    def delete(self) -> None:
        """Deletes the selection at once; its files stay until the undo window closes."""
        first = min((start for start, _end in self.window.grid.selected_ranges()), default=None)
        if first is None:
            return

        async def delete() -> Deletion:
            items = await self._selected()
            return await self.gallery.delete_with_undo([item.id for item in items])

        def deleted(deletion: Deletion) -> None:
            if not deletion.output_ids:
                return
            self.last_deletion = deletion
            self.window.undo_bar.show_deleted(len(deletion.output_ids), self.gallery.undo_seconds)
            self.reload(keep_position=True, then=lambda: self.window.grid.select_row(first))

        self._run(delete, deleted, "delete")

    def undo(self) -> None:
        """Brings the last deletion back, if its window is still open."""
        deletion, self.last_deletion = self.last_deletion, None
        if deletion is None:
            return

        def undone(count: int) -> None:
            if count:
                self.window.say(self.tr("Restored %n output(s).", "", count))
                self.reload(keep_position=True)
            else:
                self.window.undo_bar.show_message(self.tr("Too late to undo: those files are gone."))

        self._run(lambda: self.gallery.undo(deletion), undone, "undo")

    def copy(self) -> None:
        """One picture: the picture itself (and its path); otherwise the files, as paths and file links."""

        async def read() -> tuple[list[GalleryItem], QImage | None]:
            items = await self._selected()
            image = None
            if len(items) == 1 and items[0].kind == "image":
                image = await asyncio.to_thread(QImage, str(items[0].path))
            return items, image

        def copied(found: tuple[list[GalleryItem], QImage | None]) -> None:
            items, image = found
            if not items:
                return
            data = QMimeData()
            data.setUrls([QUrl.fromLocalFile(str(item.path)) for item in items])
            data.setText("\n".join(str(item.path) for item in items))
            if image is not None and not image.isNull():
                data.setImageData(image)
            QGuiApplication.clipboard().setMimeData(data)
            self.window.say(self.tr("Copied the picture.") if image is not None and not image.isNull()
                            else self.tr("Copied %n file path(s).", "", len(items)))

        self._run(read, copied, "copy")

    def export(self) -> None:
        """Asks for a folder (without blocking the loop), then copies the selection there with its metadata."""
        if not self.window.grid.selectionModel().hasSelection():
            self.window.say(self.tr("Select the outputs to export first."))
            return
        dialog = QFileDialog(self.window, self.tr("Export the selection into folder"))
        dialog.setObjectName("galleryExportDialog")
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(lambda folder: self.export_to(Path(folder)))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def export_to(self, folder: Path) -> None:
        async def export() -> Exported:
            items = await self._selected()
            return await self.gallery.export_selection([item.id for item in items], folder)

        def exported(result: Exported) -> None:
            message = self.tr("Exported %n file(s) to {0}.", "", len(result.paths)).format(folder)
            if result.skipped:
                message += " " + " ".join(result.skipped)
            self.window.say(message, 15000)

        self._run(export, exported, "export")

    # --- helpers ---------------------------------------------------------------------------------------

    def _flag(self, flag: str) -> None:
        async def change() -> list[GalleryItem]:
            items = await self._selected()
            if not items:
                return []
            ids = [item.id for item in items]
            if flag == "favourite":  # all marked already: unmark; otherwise mark them all
                return await self.gallery.set_flags(ids, favourite=not all(item.favourite for item in items))
            return await self.gallery.set_flags(ids, rejected=not all(item.rejected for item in items))

        self._run(change, self.model.replace, "flag")

    async def _selected(self) -> list[GalleryItem]:
        return await self.model.items(self.window.grid.selected_ranges())

    def _run(self, call: Callable[[], Awaitable[object]], done: Callable[..., None], name: str) -> None:
        self.jobs.call(call, done, self.report, name=name)
