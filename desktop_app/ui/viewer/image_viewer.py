"""The image viewer: the outputs of one generation, with download progress, zoom and thumbnails (saving: save_actions).

Outputs that are not images (audio, video, JSON, text, archives…) are shown as a file card with Save… and Open.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QImage
from PySide6.QtWidgets import QFrame, QStackedWidget, QVBoxLayout, QWidget

from ..common.drag import local_file, output_mime
from .canvas import ImageCanvas
from .chain_bar import ChainBar
from .decoding import DecodedImage, ImageDecoder
from .file_card import FileCard, OutputFile, open_target, shows_as_file
from .picture_actions import PictureActions
from .save_actions import SavingViewer, UrlOpener
from .save_dialog import SaveDialogFactory, open_save_dialog
from .slots import ImageSlot, ImageSlots, SlotState
from .status_panel import ImageStatusPanel
from .thumbnail_strip import ThumbnailStrip
from .toolbar import ImageToolbar

__all__ = ["ImageViewer", "UrlOpener"]

_log = logging.getLogger(__name__)


class ImageViewer(SavingViewer):
    """Shows the N outputs of one generation. Widgets never download: an adapter passes the bytes in.

    An output whose content type (or, without one, whose bytes and name) says it is not an image is shown as a
    file card (kind icon, name, type and size, Save… and Open) instead of being decoded; see ``shows_as_file``.

    Signals:
        image_shown(int): the image at this index was decoded and is displayed (main area or thumbnail).
        file_shown(int): the output at this index is not an image and is shown as a file card (not ``image_shown``).
        image_failed(int, str): the image at this index could not be decoded; the message says why.
        retry_requested(): the user clicked Retry under an error from ``show_error``.
        use_as_input_requested(int), mask_requested(int), send_to_requested(int): the user chose "Use as
            input", "Paint a mask…" or "Send to…" for the output at this index.
        chain_step_requested(int): the user clicked a step of the "Made from" line (the id of its output).
        current_changed(int): another output is shown in the main area (a thumbnail or ``select``).
        image_saved(str), save_failed(str), save_dir_changed(str): see ``SavingViewer``.
    """

    image_shown = Signal(int)
    file_shown = Signal(int)
    image_failed = Signal(int, str)
    retry_requested = Signal()
    use_as_input_requested = Signal(int)
    mask_requested = Signal(int)
    send_to_requested = Signal(int)
    chain_step_requested = Signal(int)
    current_changed = Signal(int)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        decoder: ImageDecoder | None = None,
        dialog_factory: SaveDialogFactory = open_save_dialog,
        url_opener: UrlOpener = QDesktopServices.openUrl,
        clock: Callable[[], datetime] = datetime.now,
        last_save_dir: Path | None = None,
    ) -> None:
        super().__init__(parent, dialog_factory=dialog_factory, url_opener=url_opener, last_save_dir=last_save_dir)
        self._decoder = decoder or ImageDecoder(self)
        self._clock = clock
        self._prompt = ""
        self._started = clock()
        self._slots = ImageSlots()
        self._current = 0
        self._general_error: str | None = None
        self._canvas_image: DecodedImage | None = None
        self._toolbar = ImageToolbar(self)
        self._stack = QStackedWidget(self)
        self._panel = ImageStatusPanel(self._stack)
        self._canvas = ImageCanvas(self._stack)
        self._card = FileCard(self._stack)
        self._strip = ThumbnailStrip(self)
        self._strip_rule = QFrame(self)
        self.picture_actions = PictureActions(self)
        self.chain_bar = ChainBar(self)
        self._setup_ui()

    # --- generation lifecycle -------------------------------------------------------------------------------

    def begin_generation(self, prompt: str, count: int | None = None) -> None:
        """Clears everything for a new generation of ``count`` images (if known); the prompt names saved files."""
        self._prompt = prompt
        self._started = self._clock()
        self._slots.reset(count or 0)
        self._current = 0
        self._general_error = None
        self._update_strip()
        self._refresh()

    def begin_download(self, index: int, url: str, total_bytes: int | None) -> None:
        """Shows a download placeholder with a progress bar in slot ``index``."""
        slot = self._new_slot(index)
        slot.state, slot.url, slot.received, slot.total = SlotState.DOWNLOADING, url, 0, total_bytes
        self._strip.set_progress(index, 0.0 if total_bytes else None)
        self._refresh_if_current(index)

    def download_progress(self, index: int, received: int, total: int | None) -> None:
        """Moves slot ``index``'s progress bar; ``total`` None shows a busy bar."""
        if not 0 <= index < len(self._slots) or self._slots[index].state is not SlotState.DOWNLOADING:
            return  # a late update for a download that was replaced or cancelled
        slot = self._slots[index]
        slot.received, slot.total = received, total
        self._strip.set_progress(index, received / total if total else None)
        self._refresh_if_current(index)

    def set_image_bytes(self, index: int, data: bytes, *, content_type: str | None, source_url: str) -> None:
        """Decodes ``data`` on a worker thread, then shows it in slot ``index`` (``image_shown``/``image_failed``).

        Not an image (``shows_as_file``): shows a file card in slot ``index`` at once and emits ``file_shown``.
        """
        if shows_as_file(data, content_type, source_url):
            self._show_file(index, OutputFile(data, content_type or "", source_url))
            return
        slot = self._new_slot(index)
        slot.state, slot.url = SlotState.DECODING, source_url
        ticket = self._slots.issue_ticket(index)
        self._strip.set_progress(index, None)
        self._refresh_if_current(index)
        self._decoder.submit(ticket, data, content_type)

    def show_error(self, index: int | None, message: str) -> None:
        """Shows ``message`` with a Retry button, in slot ``index`` or (None) over the whole viewer."""
        if index is None:
            self._general_error = message
            self._refresh()
            return
        self._fail(index, self.tr("Something went wrong"), message, retry=True)

    def path_at(self, index: int) -> Path | None:
        """The kept file of output ``index`` (in the history library), when it is on this machine."""
        if not 0 <= index < len(self._slots):
            return None
        slot = self._slots[index]
        return local_file(slot.file.source_url if slot.file is not None else slot.url)

    def _drag_data(self, index: int) -> tuple[QMimeData, QImage | None] | None:
        """What dragging output ``index`` out carries (its file and picture), and the picture shown meanwhile."""
        image = self.image_at(index)
        mime = output_mime(self.path_at(index), image)
        return (mime, image) if mime is not None else None

    # --- navigation and zoom ---------------------------------------------------------------------------------

    def image_count(self) -> int:
        """How many image slots this generation has (shown or not)."""
        return len(self._slots)

    def current_index(self) -> int:
        """The slot shown in the main area."""
        return self._current

    def current_image(self) -> QImage | None:
        """The decoded image in the main area, or None while it is loading, failed or absent."""
        decoded = self._current_decoded()
        return decoded.image if decoded else None

    def image_at(self, index: int) -> QImage | None:
        """The decoded image of slot ``index``, or None while it is loading, failed or absent."""
        if not 0 <= index < len(self._slots):
            return None
        decoded = self._slots[index].image
        return decoded.image if decoded else None

    def select(self, index: int) -> None:
        """Shows slot ``index`` in the main area."""
        self._slots[index]  # raises IndexError for a slot that does not exist
        self._current = index
        self._general_error = None
        self._strip.select(index)
        self._refresh()
        self.current_changed.emit(index)

    def zoom_factor(self) -> float:
        """The current scale of the shown image (1.0 is 100 %)."""
        return self._canvas.zoom_factor()

    def is_fit_mode(self) -> bool:
        """Whether the image is fitted to the window."""
        return self._canvas.is_fit_mode()

    def zoom_in(self) -> None:
        """One zoom step in."""
        self._canvas.zoom_in()

    def zoom_out(self) -> None:
        """One zoom step out."""
        self._canvas.zoom_out()

    def fit_to_window(self) -> None:
        """Fits the image to the window (the default)."""
        self._canvas.fit_to_window()

    def show_actual_size(self) -> None:
        """Shows the image at 100 %."""
        self._canvas.set_actual_size()

    # --- copying and opening (saving is in SavingViewer) ------------------------------------------------------

    def window_actions(self) -> tuple[QAction, QAction]:
        """The Save and Save all actions for the window's File menu; their shortcuts then work window-wide."""
        for action in (self._toolbar.save_action, self._toolbar.save_all_action):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        return self._toolbar.save_action, self._toolbar.save_all_action

    def copy_current(self) -> None:
        """Puts the shown image on the clipboard."""
        image = self.current_image()
        if image is not None:
            QGuiApplication.clipboard().setImage(image)

    def open_current_file(self) -> bool:
        """Opens the shown file card's file (a local copy, else its URL) with the system's usual application."""
        file = self.file_at(self._current)
        target = open_target(file.source_url) if file is not None else None
        if target is None:
            return False
        if not self._url_opener(target):
            _log.warning("could not open %s", target.toString())
            self._card.set_note(self.tr("Could not open {0}.").format(target.toDisplayString()))
            return False
        return True

    # --- private ---------------------------------------------------------------------------------------------

    def _setup_ui(self) -> None:
        self.setObjectName("imageViewer")
        self._stack.addWidget(self._panel)
        self._stack.addWidget(self._canvas)
        self._stack.addWidget(self._card)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._toolbar)
        layout.addWidget(self._stack, 1)
        layout.addWidget(self._toolbar.caption)
        layout.addWidget(self.chain_bar)
        self._strip_rule.setFrameShape(QFrame.Shape.HLine)
        self._strip_rule.setFrameShadow(QFrame.Shadow.Plain)
        self._strip_rule.setStyleSheet("color: palette(mid);")
        layout.addWidget(self._strip_rule)
        layout.addWidget(self._strip)
        toolbar = self._toolbar
        self.addActions(toolbar.actions_with_shortcuts())
        self._canvas.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self._canvas.addActions([toolbar.copy_action, toolbar.save_action, toolbar.fit_action, toolbar.actual_action])
        picture = self.picture_actions
        picture.attach(self._toolbar, self._canvas, self._strip, self, drag_data=self._drag_data)
        picture.use_as_input_requested.connect(self.use_as_input_requested)
        picture.mask_requested.connect(self.mask_requested)
        picture.send_to_requested.connect(self.send_to_requested)
        self.chain_bar.step_requested.connect(self.chain_step_requested)
        toolbar.fit_action.triggered.connect(self.fit_to_window)
        toolbar.actual_action.triggered.connect(self.show_actual_size)
        toolbar.zoom_in_action.triggered.connect(self.zoom_in)
        toolbar.zoom_out_action.triggered.connect(self.zoom_out)
        toolbar.save_action.triggered.connect(self.save_current)
        toolbar.save_all_action.triggered.connect(self.save_all)
        toolbar.copy_action.triggered.connect(self.copy_current)
        toolbar.open_folder_action.triggered.connect(self.open_containing_folder)
        self._canvas.zoom_changed.connect(self._on_canvas_zoom_changed)
        self._strip.thumbnail_selected.connect(self._on_strip_thumbnail_selected)
        self._panel.retry_requested.connect(self.retry_requested)
        self._card.save_requested.connect(self.save_current)
        self._card.open_requested.connect(self.open_current_file)
        self._decoder.decoded.connect(self._on_decoder_decoded)
        self._decoder.failed.connect(self._on_decoder_failed)
        self._update_strip()
        self._refresh()

    def _new_slot(self, index: int) -> ImageSlot:
        """A fresh slot at ``index`` (growing the strip), dropping any decode still running for it."""
        grows = index >= len(self._slots)
        slot = self._slots.renew(index)
        if grows:
            self._update_strip()
        self._general_error = None
        return slot

    def _update_strip(self) -> None:
        """One thumbnail per slot; the strip shows only when there are several."""
        self._strip.set_count(len(self._slots))
        self._strip.setVisible(len(self._slots) >= 2)
        self._strip_rule.setVisible(len(self._slots) >= 2)
        if 0 <= self._current < len(self._slots):
            self._strip.select(self._current)

    def _show_file(self, index: int, file: OutputFile) -> None:
        slot = self._new_slot(index)
        slot.state, slot.url, slot.file = SlotState.FILE, file.source_url, file
        tooltip = f"{file.name} · {file.description()}"
        self._strip.set_file(index, file.kind, file.extension.upper(), tooltip)
        self._refresh_if_current(index)
        self.file_shown.emit(index)

    def _fail(self, index: int, title: str, message: str, *, retry: bool) -> None:
        slot = self._new_slot(index)
        slot.state, slot.title, slot.message, slot.retry = SlotState.FAILED, title, message, retry
        self._strip.set_failed(index)
        self._refresh_if_current(index)

    def _refresh_if_current(self, index: int) -> None:
        if index == self._current:
            self._refresh()
        else:
            self._update_actions()

    def _refresh(self) -> None:
        """Puts the current slot's state on screen: image, progress, error or the empty state."""
        slot = self._slots[self._current] if self._current < len(self._slots) else None
        if self._general_error is not None:
            self._panel.show_message(self.tr("Something went wrong"), self._general_error, retry=True)
        elif slot is None:
            self._panel.show_empty()
        elif slot.state is SlotState.SHOWN and slot.image is not None:
            if self._stack.currentWidget() is not self._canvas or self._canvas_image is not slot.image:
                self._canvas.set_image(slot.image.image)
                self._canvas_image = slot.image
        elif slot.state is SlotState.FILE and slot.file is not None:
            if self._card.file() is not slot.file:
                self._card.show_file(slot.file)
        elif slot.state is SlotState.DOWNLOADING:
            self._panel.show_download(self._current, len(self._slots), slot.received, slot.total)
        elif slot.state is SlotState.FAILED:
            self._panel.show_message(slot.title, slot.message, retry=slot.retry)
        else:
            self._panel.show_preparing(self._current, len(self._slots))
        shown = self._general_error is None and slot is not None and slot.state is SlotState.SHOWN
        if not shown:
            self._canvas.set_image(None)
            self._canvas_image = None
        card = self._general_error is None and slot is not None and slot.state is SlotState.FILE
        self._stack.setCurrentWidget(self._canvas if shown else self._card if card else self._panel)
        self._update_actions()

    def _update_actions(self) -> None:
        decoded = self._current_decoded() if self._general_error is None else None
        file = self.file_at(self._current) if self._general_error is None else None
        self._toolbar.set_image_available(decoded is not None, bool(self._slots.savable()), file_shown=file is not None)
        self.picture_actions.set_enabled(decoded is not None)
        if decoded is None:
            self._toolbar.set_info("")  # a file's card says its type and size itself
        else:
            size = decoded.image.size()
            self._toolbar.set_info(f"{size.width()} × {size.height()} · {decoded.format.upper()}")
        self._toolbar.set_zoom(self._canvas.zoom_factor(), self._canvas.is_fit_mode())

    # --- slots -----------------------------------------------------------------------------------------------

    def _on_decoder_decoded(self, ticket: int, result: object) -> None:
        index = self._slots.claim(ticket)
        if index is None or not isinstance(result, DecodedImage):
            return  # a newer generation or download replaced this one
        slot = self._slots[index]
        slot.state, slot.image = SlotState.SHOWN, dataclasses.replace(result, source_url=slot.url)
        self._strip.set_image(index, result.thumbnail)
        self._refresh_if_current(index)
        self.image_shown.emit(index)

    def _on_decoder_failed(self, ticket: int, reason: str) -> None:
        index = self._slots.claim(ticket)
        if index is None:
            return
        message = self.tr("This image could not be decoded: {0}.").format(reason)
        _log.warning("image %d from %s: %s", index, self._slots[index].url, message)
        self._fail(index, self.tr("This image could not be decoded"), reason[:1].upper() + reason[1:] + ".",
                   retry=False)
        self.image_failed.emit(index, message)

    def _on_strip_thumbnail_selected(self, index: int) -> None:
        if index < len(self._slots):
            self.select(index)

    def _on_canvas_zoom_changed(self, factor: float) -> None:
        self._toolbar.set_zoom(factor, self._canvas.is_fit_mode())
