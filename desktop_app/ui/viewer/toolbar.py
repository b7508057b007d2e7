"""The image viewer's row of actions (fit, 100 %, zoom, copy, save, save all, open folder), its zoom label, and the
caption under the image with its size and format."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence, QPalette, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QSizePolicy, QToolBar, QToolButton, QWidget

__all__ = ["ImageToolbar"]


class ImageToolbar(QWidget):
    """Owns the viewer's QActions (the viewer connects them) and shows the zoom; its :attr:`caption` (the image's
    size and format) goes under the image, where the whole of it fits even in a narrow pane: in the row it was
    squeezed to "768 …" at 1280 px, and to nothing in Russian.

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
        self._save_hint = self.save_action.toolTip().removeprefix(self.save_action.statusTip())
        self.save_all_action = self._action(
            self.tr("Save all…"), self.tr("Save every image to a folder"), "Ctrl+Shift+S"
        )
        self.open_folder_action = self._action(
            self.tr("Open folder"), self.tr("Show the last saved image in its folder")
        )
        self._zoom_label = QLabel(self)
        self.caption = _ElidingLabel(self)  # the viewer lays it out under the image
        self._setup_ui()

    def actions_with_shortcuts(self) -> list[QAction]:
        """Every action that has a keyboard shortcut, to be added to the viewer."""
        return [action for action in self._all_actions() if action.shortcuts()]

    def add_menu(self, text: str, tip: str, actions: list[QAction]) -> QToolButton:
        """Adds a button at the end of the row whose menu holds ``actions`` (those that take the image further)."""
        self._bar.addSeparator()
        button = QToolButton(self)
        button.setObjectName("imageUseButton")
        button.setText(text)
        button.setToolTip(tip)
        button.setAccessibleName(text)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        button.setAutoRaise(True)
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        menu = QMenu(button)
        menu.addActions(actions)
        button.setMenu(menu)
        self._bar.addWidget(button)
        return button

    def set_image_available(self, current: bool, any_image: bool, *, file_shown: bool = False) -> None:
        """Enables image actions when an image is shown (``current``) or at least one output can be saved
        (``any_image``). ``file_shown`` (a file card, not an image) enables only Save: no zoom, no copy."""
        for action in (self.fit_action, self.actual_action, self.zoom_in_action, self.zoom_out_action,
                       self.copy_action):
            action.setEnabled(current)
        self.save_action.setEnabled(current or file_shown)
        tip = self.tr("Save this file") if file_shown else self.tr("Save this image")
        if self.save_action.statusTip() != tip:
            self.save_action.setStatusTip(tip)
            self.save_action.setToolTip(tip + self._save_hint)
        self.save_all_action.setEnabled(any_image)
        self._zoom_label_action.setVisible(current)
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
        """Shows e.g. "1024 × 1024 · WEBP" for the current image in the caption (empty hides it)."""
        self.caption.set_full_text(text)
        self.caption.setVisible(bool(text))

    def info_text(self) -> str:
        """The size/format text currently shown."""
        return self.caption.full_text()

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
        self.caption.setObjectName("imageInfoLabel")
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.caption.setContentsMargins(6, 3, 6, 1)
        self.caption.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.caption.hide()

        # A QToolBar, so that in a narrow pane (or a longer language) the last buttons move into its "»" menu
        # instead of widening the pane or clipping their text.
        bar = self._bar = QToolBar(self)
        bar.setObjectName("imageToolbarRow")
        bar.setMovable(False)
        bar.setFloatable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        bar.setStyleSheet("QToolBar { border: none; background: transparent; spacing: 2px; }")
        for action in (self.fit_action, self.actual_action, self.zoom_out_action):
            bar.addAction(action)
        self._zoom_label_action = bar.addWidget(self._zoom_label)
        bar.addAction(self.zoom_in_action)
        bar.addSeparator()
        for action in (self.copy_action, self.save_action, self.save_all_action, self.open_folder_action):
            bar.addAction(action)
        for action in self._all_actions():
            self._tune_button(action)
        extension = bar.findChild(QToolButton, "qt_toolbar_ext_button")
        if extension is not None:
            extension.setAccessibleName(self.tr("More image actions"))
            extension.setToolTip(self.tr("More image actions"))

        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(0)
        layout.addWidget(bar)

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

    def _tune_button(self, action: QAction) -> None:
        """Toolbar buttons take no focus by default: these do, so the keyboard reaches every action."""
        button = self._bar.widgetForAction(action)
        if not isinstance(button, QToolButton):
            return
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        button.setAutoRaise(True)
        if not any(character.isalpha() for character in action.text()):  # "−", "+", "100 %": say what it does
            button.setAccessibleName(action.statusTip())


class _ElidingLabel(QLabel):
    """A one-line label that takes the room left over and shortens its text with "…" rather than clip it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full_text = ""

    def full_text(self) -> str:
        return self._full_text

    def set_full_text(self, text: str) -> None:
        self._full_text = text
        self.setToolTip(text)
        self.updateGeometry()
        self._elide()

    def sizeHint(self) -> QSize:
        margins = self.contentsMargins()
        width = self.fontMetrics().horizontalAdvance(self._full_text) + margins.left() + margins.right() + 8
        return QSize(width, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = self.contentsRect().width()
        self.setText(self.fontMetrics().elidedText(self._full_text, Qt.TextElideMode.ElideRight, width))
