"""Non-modal save dialogs for the image viewer, behind a factory that tests replace."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtWidgets import QFileDialog, QWidget

__all__ = ["SaveDialogFactory", "SaveDialogRequest", "default_save_directory", "open_save_dialog"]


@dataclass(frozen=True, slots=True)
class SaveDialogRequest:
    """What the viewer asks for: a file name to save one image, or a folder to save all of them."""

    caption: str
    directory: Path
    file_name: str = ""
    name_filters: tuple[str, ...] = ()
    selected_filter: str = ""
    choose_directory: bool = False


SaveDialogFactory = Callable[[QWidget, SaveDialogRequest, Callable[[str], None]], None]
"""Shows a dialog for the request without blocking, and calls the callback with the chosen path (not on cancel)."""


def default_save_directory() -> Path:
    """The user's Pictures folder, or home when the platform has none."""
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    return Path(pictures) if pictures else Path.home()


def open_save_dialog(parent: QWidget, request: SaveDialogRequest, chosen: Callable[[str], None]) -> None:
    """The real factory: a QFileDialog opened with ``open()`` (no nested event loop), deleted on close."""
    dialog = QFileDialog(parent, request.caption, str(request.directory))
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    if request.choose_directory:
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    else:
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        dialog.setNameFilters(list(request.name_filters))
        if request.selected_filter:
            dialog.selectNameFilter(request.selected_filter)
            dialog.setDefaultSuffix(_first_suffix(request.selected_filter))
        dialog.selectFile(str(request.directory / request.file_name))
        dialog.filterSelected.connect(lambda name_filter: dialog.setDefaultSuffix(_first_suffix(name_filter)))
    dialog.fileSelected.connect(chosen)
    dialog.open()


def _first_suffix(name_filter: str) -> str:
    """``"WebP image (*.webp)"`` → ``"webp"``."""
    match = re.search(r"\*\.(\w+)", name_filter)
    return match.group(1) if match else ""
