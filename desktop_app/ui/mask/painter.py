"""The mask painter's window: the canvas with its tools (brush, eraser, size, undo, redo, invert, clear, fit)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QImage, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QSlider,
    QSpinBox,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ..common.widgets import named
from .canvas import MAX_BRUSH, MIN_BRUSH, MaskCanvas
from .mask_image import painted_fraction, png_bytes


class MaskPainter(QDialog):
    """A window (never modal: open it with ``show()``) to paint a mask over ``picture``, starting from ``mask``
    when one was painted before. "Use mask" hands the mask over as a black/white PNG of the picture's size.

    Signals:
        mask_painted(bytes) — the PNG of the mask, when the user chose "Use mask"
    """

    mask_painted = Signal(bytes)

    def __init__(self, picture: QImage, mask: QImage | None = None, *, title: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = MaskCanvas(picture, mask, self)
        self._title = title
        self._size_slider = named(QSlider(Qt.Orientation.Horizontal), "maskBrushSlider")
        self._size_spin = named(QSpinBox(), "maskBrushSize")
        self._coverage = named(QLabel(), "maskCoverage")
        self._buttons = named(QDialogButtonBox(), "maskButtons")
        self._setup_ui()

    def png(self) -> bytes:
        """The mask as a black/white PNG the size of the picture (white: repaint, black: keep)."""
        return png_bytes(self.canvas.mask_image())

    def accept(self) -> None:
        self.mask_painted.emit(self.png())
        super().accept()

    def _setup_ui(self) -> None:
        self.setObjectName("maskPainter")
        self.setWindowTitle(self.tr("Paint a mask") + (f" — {self._title}" if self._title else ""))
        self.resize(900, 720)
        canvas = self.canvas
        bar = named(QToolBar(self), "maskTools")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        tools = QActionGroup(self)
        self.brush_action = self._action(self.tr("Brush"), self.tr("Paint what the model may change"), "B")
        self.eraser_action = self._action(self.tr("Eraser"), self.tr("Erase paint: the model keeps these parts"),
                                          "E")
        for action, tool in ((self.brush_action, "brush"), (self.eraser_action, "eraser")):
            action.setCheckable(True)
            tools.addAction(action)
            action.triggered.connect(lambda _checked=False, chosen=tool: canvas.set_tool(chosen))
            bar.addAction(action)
        self.brush_action.setChecked(True)
        bar.addSeparator()
        size_label = QLabel(self.tr("Size"))
        size_label.setBuddy(self._size_spin)
        bar.addWidget(size_label)
        for widget in (self._size_slider, self._size_spin):
            widget.setRange(MIN_BRUSH, MAX_BRUSH)
            widget.setValue(canvas.brush_size())
            widget.setAccessibleName(self.tr("Brush size"))
        self._size_slider.setMaximumWidth(160)
        self._size_spin.setSuffix(self.tr(" px"))
        self._size_slider.valueChanged.connect(self._on_size_changed)
        self._size_spin.valueChanged.connect(self._on_size_changed)
        bar.addWidget(self._size_slider)
        bar.addWidget(self._size_spin)
        bar.addSeparator()
        stack = canvas.undo_stack
        self.undo_action = self._action(self.tr("Undo"), self.tr("Take back the last stroke, invert or clear"))
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self._action(self.tr("Redo"), self.tr("Do again what was taken back"))
        self.redo_action.setShortcuts([QKeySequence(QKeySequence.StandardKey.Redo), QKeySequence("Ctrl+Y")])
        self.undo_action.triggered.connect(stack.undo)
        self.redo_action.triggered.connect(stack.redo)
        self.undo_action.setEnabled(False)
        self.redo_action.setEnabled(False)
        stack.canUndoChanged.connect(self.undo_action.setEnabled)
        stack.canRedoChanged.connect(self.redo_action.setEnabled)
        self.invert_action = self._action(self.tr("Invert"), self.tr("Paint what is not painted, and the reverse"),
                                          "I")
        self.clear_action = self._action(self.tr("Clear"), self.tr("Remove all the paint"))
        self.fit_action = self._action(self.tr("Fit"), self.tr("Show the whole picture"), "Ctrl+0")
        self.invert_action.triggered.connect(canvas.invert)
        self.clear_action.triggered.connect(canvas.clear)
        self.fit_action.triggered.connect(canvas.fit)
        for action in (self.undo_action, self.redo_action, self.invert_action, self.clear_action, self.fit_action):
            bar.addAction(action)
        for action in bar.actions():
            self.addAction(action)

        hint = named(QLabel(self.tr("Paint over what the model should change. Wheel: zoom · middle button or "
                                    "Space + drag: pan · [ and ]: brush size")), "maskHint")
        hint.setWordWrap(True)
        self._buttons.addButton(self.tr("Use mask"), QDialogButtonBox.ButtonRole.AcceptRole)
        self._buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self._buttons.accepted.connect(self.accept)
        self._buttons.rejected.connect(self.reject)
        smaller = QAction(self)
        smaller.setShortcut(QKeySequence("["))
        smaller.triggered.connect(lambda: self._size_spin.setValue(max(MIN_BRUSH, round(canvas.brush_size() / 1.25))))
        larger = QAction(self)
        larger.setShortcut(QKeySequence("]"))
        larger.triggered.connect(lambda: self._size_spin.setValue(round(canvas.brush_size() * 1.25) + 1))
        self.addActions([smaller, larger])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(bar)
        layout.addWidget(canvas, 1)
        footer = QVBoxLayout()
        footer.addWidget(hint)
        footer.addWidget(self._coverage)
        layout.addLayout(footer)
        layout.addWidget(self._buttons)
        canvas.mask_changed.connect(self._show_coverage)
        self._show_coverage()
        canvas.setFocus()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.canvas.fit()

    def _action(self, text: str, tip: str, shortcut: str | None = None) -> QAction:
        action = QAction(text, self)
        action.setToolTip(tip + (f" ({shortcut})" if shortcut else ""))
        action.setStatusTip(tip)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        return action

    def _on_size_changed(self, value: int) -> None:
        self.canvas.set_brush_size(value)
        for widget in (self._size_slider, self._size_spin):
            if widget.value() != value:
                widget.blockSignals(True)
                widget.setValue(value)
                widget.blockSignals(False)

    def _show_coverage(self) -> None:
        share = painted_fraction(self.canvas.mask_image())
        self._coverage.setText(self.tr("{0} % of the picture painted").format(round(share * 100)))
