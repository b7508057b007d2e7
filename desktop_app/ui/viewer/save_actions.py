"""The viewer's saving half: Save, Save all and Open folder, the dialogs and writes behind them, and the
signals that report them. ``ImageViewer`` builds on it and owns what is shown."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QUrl, Signal
from PySide6.QtWidgets import QWidget

from .decoding import DecodedImage
from .file_card import OutputFile
from .save_dialog import SaveDialogFactory, SaveDialogRequest, default_save_directory
from .saving import (
    ImageSaveError,
    default_file_name,
    extension_for_format,
    name_filters,
    save_image_file,
    unique_path,
    with_default_suffix,
    write_file_atomically,
)
from .slots import ImageSlots
from .toolbar import ImageToolbar

_log = logging.getLogger(__name__)

UrlOpener = Callable[[QUrl], bool]

# Texts are translated in the ImageViewer context (the class users see), written out in full for pyside6-lupdate.


class SavingViewer(QWidget):
    """Saves the outputs a viewer shows: images (original bytes, or converted by the chosen suffix) and files
    (original bytes), through non-modal dialogs, remembering the folder.

    Signals:
        image_saved(str): an image or file was written to this path.
        save_failed(str): saving failed; one sentence naming the file and the reason.
        save_dir_changed(str): the last used save folder changed (the owner persists it).
    """

    image_saved = Signal(str)
    save_failed = Signal(str)
    save_dir_changed = Signal(str)

    # What is shown, kept by ImageViewer.
    _slots: ImageSlots
    _current: int
    _general_error: str | None
    _toolbar: ImageToolbar
    _prompt: str
    _started: datetime

    def __init__(
        self,
        parent: QWidget | None,
        *,
        dialog_factory: SaveDialogFactory,
        url_opener: UrlOpener,
        last_save_dir: Path | None,
    ) -> None:
        super().__init__(parent)
        self._dialog_factory = dialog_factory
        self._url_opener = url_opener
        self._last_save_dir = last_save_dir
        self._last_saved_path: Path | None = None

    def file_at(self, index: int) -> OutputFile | None:
        """The file (not an image) shown as a card in slot ``index``, or None."""
        return self._slots[index].file if 0 <= index < len(self._slots) else None

    def last_save_dir(self) -> Path | None:
        """The folder the next save dialog starts in."""
        return self._last_save_dir

    def set_last_save_dir(self, directory: Path | str | None) -> None:
        """Sets the folder the next save dialog starts in; emits ``save_dir_changed`` when it changes."""
        new = Path(directory) if directory else None
        if new != self._last_save_dir:
            self._last_save_dir = new
            if new is not None:
                self.save_dir_changed.emit(str(new))

    def last_saved_path(self) -> Path | None:
        """The file written by the most recent successful save."""
        return self._last_saved_path

    def save_current(self) -> None:
        """Opens a non-modal save dialog for the shown image or file; the choice is saved by ``save_image_to``
        (or ``save_file_to``)."""
        file = self.file_at(self._current) if self._general_error is None else None
        if file is not None:
            self._save_file_dialog(self._current, file)
            return
        decoded = self._current_decoded()
        if decoded is None:
            return
        filters = name_filters(decoded.format)
        request = SaveDialogRequest(
            caption=QCoreApplication.translate("ImageViewer", "Save image"),
            directory=self._save_dir(),
            file_name=self._default_name(self._current, decoded),
            name_filters=tuple(filters),
            selected_filter=filters[0],
        )
        self._dialog_factory(self, request, functools.partial(self._on_save_dialog_file_selected, decoded))

    def save_all(self) -> None:
        """Opens a non-modal folder dialog; every shown image and file is then saved there by ``save_all_to``."""
        if not self._slots.savable():
            return
        request = SaveDialogRequest(
            caption=QCoreApplication.translate("ImageViewer", "Save all images to folder"),
            directory=self._save_dir(),
            choose_directory=True,
        )
        self._dialog_factory(self, request, self._on_save_all_dialog_file_selected)

    def save_image_to(self, index: int, path: Path) -> Path | None:
        """Writes image ``index`` to ``path`` (original bytes when the suffix matches, else converted).

        A missing suffix gets the original format's. Returns the written path, or None after ``save_failed``.
        """
        decoded = self._slots[index].image
        if decoded is None:
            raise LookupError(f"image {index} is not ready to be saved")
        return self._save(decoded, path)

    def save_file_to(self, index: int, path: Path) -> Path | None:
        """Writes the original bytes of file ``index`` (a card) to ``path``; a missing suffix gets the type's.

        Returns the written path, or None after ``save_failed``.
        """
        file = self.file_at(index)
        if file is None:
            raise LookupError(f"output {index} is not a file")
        return self._save_file(file, path)

    def save_all_to(self, directory: Path) -> list[Path]:
        """Saves every shown image and file into ``directory`` under default names (made unique); stops at a
        failure."""
        saved: list[Path] = []
        for index, output in self._slots.savable():
            target = unique_path(Path(directory) / self._default_name(index, output))
            if isinstance(output, OutputFile):
                path = self._save_file(output, target)
            else:
                path = self.save_image_to(index, target)
            if path is None:
                break
            saved.append(path)
        return saved

    def open_containing_folder(self) -> None:
        """Opens the folder of the last saved file in the system file manager."""
        if self._last_saved_path is not None:
            folder = QUrl.fromLocalFile(str(self._last_saved_path.parent))
            if not self._url_opener(folder):
                _log.warning("could not open %s", folder.toString())

    # --- private ---------------------------------------------------------------------------------------------

    def _default_name(self, index: int, output: DecodedImage | OutputFile) -> str:
        extension = output.extension if isinstance(output, OutputFile) else extension_for_format(output.format)
        return default_file_name(self._prompt, self._started, index, extension)

    def _save_dir(self) -> Path:
        return self._last_save_dir or default_save_directory()

    def _save(self, decoded: DecodedImage, path: Path) -> Path | None:
        path = with_default_suffix(Path(path), decoded.format)
        try:
            save_image_file(path, decoded.image, decoded.data, decoded.format)
        except ImageSaveError as error:
            _log.warning("saving image failed: %s", error)
            self.save_failed.emit(str(error))
            return None
        return self._saved(path)

    def _save_file(self, file: OutputFile, path: Path) -> Path | None:
        path = Path(path)
        if not path.suffix:
            path = path.with_name(f"{path.name}.{file.extension}")
        try:
            write_file_atomically(path, file.data)  # the original bytes, unchanged
        except ImageSaveError as error:
            _log.warning("saving file failed: %s", error)
            self.save_failed.emit(str(error))
            return None
        return self._saved(path)

    def _saved(self, path: Path) -> Path:
        self._last_saved_path = path
        self._toolbar.open_folder_action.setEnabled(True)
        self.set_last_save_dir(path.parent)
        self.image_saved.emit(str(path))
        return path

    def _save_file_dialog(self, index: int, file: OutputFile) -> None:
        label = QCoreApplication.translate("ImageViewer", "{0} file").format(file.extension.upper())
        filters = (f"{label} (*.{file.extension})", QCoreApplication.translate("ImageViewer", "All files (*)"))
        request = SaveDialogRequest(
            caption=QCoreApplication.translate("ImageViewer", "Save file"),
            directory=self._save_dir(),
            file_name=self._default_name(index, file),
            name_filters=filters,
            selected_filter=filters[0],
        )
        self._dialog_factory(self, request, functools.partial(self._on_save_file_dialog_file_selected, file))

    def _on_save_dialog_file_selected(self, decoded: DecodedImage, path: str) -> None:
        if path:  # saves the image the dialog was opened for, even if a new generation started meanwhile
            self._save(decoded, Path(path))

    def _on_save_file_dialog_file_selected(self, file: OutputFile, path: str) -> None:
        if path:  # saves the file the dialog was opened for, even if a new generation started meanwhile
            self._save_file(file, Path(path))

    def _on_save_all_dialog_file_selected(self, path: str) -> None:
        if path:
            self.save_all_to(Path(path))

    def _current_decoded(self) -> DecodedImage | None:
        return self._slots[self._current].image if self._current < len(self._slots) else None
