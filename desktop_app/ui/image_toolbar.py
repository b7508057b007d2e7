"""The image viewer's row of actions (fit, 100 %, zoom, copy, save, save all, open folder) and its info labels."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QToolButton, QWidget

__all__ = ["ImageToolbar"]


class ImageToolbar(QWidget):
    """Owns the viewer's QActions (the viewer connects them) and shows the zoom and the image size.

    Shortcuts apply while focus is inside the viewer: Ctrl+= / Ctrl++ zoom in, Ctrl+- zoom out, Ctrl+0 fit,
    Ctrl+S save, Ctrl+Shift+S save all, Ctrl+C copy.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fit_action = self._action(self.tr("Fit"), self.tr("Fit the image to the window"), "Ctrl+0")
        self.actual_action = self._action(self.tr("100 %"), self.tr("Show the image at its actual size"))
        self.zoom_out_action = self._action("−", self.tr("Zoom out"), "Ctrl+-")
        self.zoom_in_action = self._action("+", self.tr("Zoom in"), "Ctrl+=", "Ctrl++")
        self.copy_action = self._action(self.tr("Copy"), self.tr("Copy the image to the clipboard"), "Ctrl+C")
        self.save_action = self._action(self.tr("Save…"), self.tr("Save this image"), "Ctrl+S")
        self.save_all_action = self._action(
            self.tr("Save all…"), self.tr("Save every image to a folder"), "Ctrl+Shift+S"
        )
        self.open_folder_action = self._action(
            self.tr("Open folder"), self.tr("Show the last saved image in its folder")
        )
        self._zoom_label = QLabel(self)
        self._info_label = QLabel(self)
        self._setup_ui()

    def actions_with_shortcuts(self) -> list[QAction]:
        """Every action that has a keyboard shortcut, to be added to the viewer."""
        return [action for action in self._all_actions() if action.shortcuts()]

    def set_image_available(self, current: bool, any_image: bool) -> None:
        """Enables image actions when an image is shown (``current``) or at least one is decoded (``any_image``)."""
        for action in (self.fit_action, self.actual_action, self.zoom_in_action, self.zoom_out_action,
                       self.copy_action, self.save_action):
            action.setEnabled(current)
        self.save_all_action.setEnabled(any_image)
        self._zoom_label.setVisible(current)
        if not current:
            self.fit_action.setChecked(False)
            self.actual_action.setChecked(False)

    def set_zoom(self, factor: float, fit: bool) -> None:
        """Shows the zoom as a percentage and checks Fit or 100 % when they apply."""
        self._zoom_label.setText(self.tr("{0} %").format(round(factor * 100)))
        available = self.fit_action.isEnabled()
        self.fit_action.setChecked(available and fit)
        self.actual_action.setChecked(available and not fit and abs(factor - 1.0) < 1e-6)

    def set_info(self, text: str) -> None:
        """Shows e.g. "1024 × 1024 · WEBP" for the current image (empty hides it)."""
        self._info_label.setText(text)

    def info_text(self) -> str:
        """The size/format text currently shown."""
        return self._info_label.text()

    def zoom_text(self) -> str:
        """The zoom percentage currently shown."""
        return self._zoom_label.text()

    def _setup_ui(self) -> None:
        self.setObjectName("imageToolbar")
        self.fit_action.setCheckable(True)
        self.actual_action.setCheckable(True)
        self.open_folder_action.setEnabled(False)
        self._zoom_label.setObjectName("imageZoomLabel")
        self._zoom_label.setMinimumWidth(self.fontMetrics().horizontalAdvance("00000 %"))
        self._zoom_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._info_label.setObjectName("imageInfoLabel")
        self._info_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._info_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._info_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)
        for action in (self.fit_action, self.actual_action, self.zoom_out_action):
            layout.addWidget(self._button(action))
        layout.addWidget(self._zoom_label)
        layout.addWidget(self._button(self.zoom_in_action))
        layout.addWidget(self._separator())
        layout.addWidget(self._info_label, 1)
        layout.addWidget(self._separator())
        for action in (self.copy_action, self.save_action, self.save_all_action, self.open_folder_action):
            layout.addWidget(self._button(action))

    def _all_actions(self) -> list[QAction]:
        return [self.fit_action, self.actual_action, self.zoom_in_action, self.zoom_out_action, self.copy_action,
                self.save_action, self.save_all_action, self.open_folder_action]

    def _action(self, text: str, tip: str, *shortcuts: str) -> QAction:
        action = QAction(text, self)
        keys = [QKeySequence(shortcut) for shortcut in shortcuts]
        action.setShortcuts(keys)
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        hint = f" ({keys[0].toString(QKeySequence.SequenceFormat.NativeText)})" if keys else ""
        action.setToolTip(tip + hint)
        action.setStatusTip(tip)
        return action

    def _button(self, action: QAction) -> QToolButton:
        button = QToolButton(self)
        button.setDefaultAction(action)
        button.setAutoRaise(True)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        return button

    def _separator(self) -> QFrame:
        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.VLine)
        line.setFrameShadow(QFrame.Shadow.Plain)
        line.setStyleSheet("color: palette(mid);")  # a sunken line glares white on dark palettes
        return line
