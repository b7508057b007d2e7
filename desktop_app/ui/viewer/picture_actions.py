"""What an output can go on to: another model's input, a mask painted over it, "Send to…"."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QMimeData, QObject, QPoint, Signal
from PySide6.QtGui import QAction, QImage
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

from ..common import drag

if TYPE_CHECKING:
    from .canvas import ImageCanvas
    from .thumbnail_strip import ThumbnailStrip
    from .toolbar import ImageToolbar

DragData = Callable[[int], "tuple[QMimeData, QImage | None] | None"]


class Shown(Protocol):
    """The viewer, as far as its actions need it: which output is shown, and showing another."""

    def current_index(self) -> int: ...

    def select(self, index: int) -> None: ...


class PictureActions(QObject):
    """The viewer's actions on the shown output: "Use as input", "Paint a mask…" and "Send to…", in its toolbar,
    in the image's and the thumbnails' context menus; and dragging the image or a thumbnail out. The viewer
    enables them while an image is shown.

    Signals:
        use_as_input_requested(int), mask_requested(int), send_to_requested(int) — for the output at this index
    """

    use_as_input_requested = Signal(int)
    mask_requested = Signal(int)
    send_to_requested = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._viewer: Shown | None = None
        self._canvas: ImageCanvas | None = None
        self._drag_data: DragData | None = None
        self._button: QToolButton | None = None
        self.use_action = self._action(self.tr("Use as input"),
                                       self.tr("Put this image into the chosen model's image input"))
        self.mask_action = self._action(self.tr("Paint a mask…"),
                                        self.tr("Paint what the chosen model should change in this image"))
        self.send_action = self._action(self.tr("Send to…"),
                                        self.tr("Run this image through another model in one step"))

    def actions(self) -> list[QAction]:
        return [self.use_action, self.mask_action, self.send_action]

    def attach(self, toolbar: ImageToolbar, canvas: ImageCanvas, strip: ThumbnailStrip, viewer: Shown, *,
               drag_data: DragData) -> None:
        """Puts the actions in the viewer's toolbar and menus, and lets its image and thumbnails be dragged out."""
        self._viewer, self._canvas, self._drag_data = viewer, canvas, drag_data
        self._button = toolbar.add_menu(self.tr("Use"), self.tr("Use this image as an input, paint a mask over it, or "
                                                                 "send it to another model"), self.actions())
        self._button.setEnabled(self.use_action.isEnabled())
        separator = QAction(self)
        separator.setSeparator(True)
        canvas.addActions([separator, *self.actions()])
        self.use_action.triggered.connect(lambda: self.use_as_input_requested.emit(viewer.current_index()))
        self.mask_action.triggered.connect(lambda: self.mask_requested.emit(viewer.current_index()))
        self.send_action.triggered.connect(lambda: self.send_to_requested.emit(viewer.current_index()))
        canvas.drag_out_requested.connect(self._on_canvas_drag_out_requested)
        strip.set_drag_source(drag_data)
        strip.menu_requested.connect(self._on_strip_menu_requested)

    def set_enabled(self, enabled: bool) -> None:
        for action in self.actions():
            action.setEnabled(enabled)
        if self._button is not None:
            self._button.setEnabled(enabled)

    def popup(self, parent: QWidget, at: QPoint) -> QMenu:
        """Shows the actions as a menu at ``at`` (global), without waiting for it."""
        menu = QMenu(parent)
        menu.setObjectName("pictureActionsMenu")
        menu.addActions(self.actions())
        menu.aboutToHide.connect(menu.deleteLater)
        menu.popup(at)
        return menu

    def _on_canvas_drag_out_requested(self) -> None:
        if self._viewer is None or self._canvas is None or self._drag_data is None:
            return
        carried = self._drag_data(self._viewer.current_index())
        if carried is not None:
            drag.drag_out(self._canvas, *carried)

    def _on_strip_menu_requested(self, index: int, at: QPoint) -> None:
        if self._viewer is not None and self._canvas is not None:
            self._viewer.select(index)
            self.popup(self._canvas, at)

    def _action(self, text: str, tip: str) -> QAction:
        action = QAction(text, self)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.setEnabled(False)
        return action
