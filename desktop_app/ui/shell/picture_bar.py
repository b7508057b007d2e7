"""The bar a dropped or pasted picture opens above the chat: what it is, and what can be done with it."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMenu, QPushButton, QToolButton, QVBoxLayout, QWidget

from ..common.widgets import named

THUMBNAIL = 56


class PictureBar(QFrame):
    """Shows a picture brought in (dropped or pasted): its thumbnail, name and what its file says of how it was
    made, with "Restore model and settings", "Use as input for <model>" (or a menu of the models that take a
    picture), "Paint a mask…" and a close button. A file that cannot be used gets one sentence and no actions.
    Never modal: the window stays usable while it is shown.

    Signals:
        restore_requested() — "Restore model and settings"
        use_requested(str) — "Use as input for" this model
        mask_requested() — "Paint a mask…" (for the chosen model's mask input)
        dismissed() — the bar was closed
    """

    restore_requested = Signal()
    use_requested = Signal(str)
    mask_requested = Signal()
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._thumbnail = named(QLabel(self), "pictureBarThumbnail")
        self._title = named(QLabel(self), "pictureBarTitle")
        self._detail = named(QLabel(self), "pictureBarDetail")
        self.restore_button = named(QPushButton(self.tr("Restore model and settings"), self), "pictureBarRestore")
        self.use_button = named(QPushButton(self), "pictureBarUse")
        self.others_button = named(QToolButton(self), "pictureBarOthers")
        self.mask_button = named(QPushButton(self.tr("Paint a mask…"), self), "pictureBarMask")
        self._close = named(QToolButton(self), "pictureBarClose")
        self._others = QMenu(self)
        self._model: str | None = None
        self._setup_ui()

    # --- what it shows ------------------------------------------------------------------------------

    def show_picture(self, name: str, thumbnail: QImage | None, detail: str) -> None:
        """A usable picture: its name, thumbnail and one or two lines about its settings."""
        self._title.setText(name)
        self._detail.setText(detail)
        self._detail.setVisible(bool(detail))
        self._set_thumbnail(thumbnail)
        self.show()

    def show_problem(self, name: str, sentence: str) -> None:
        """A file that cannot be used: its name and why, without actions."""
        self._title.setText(name)
        self._detail.setText(sentence)
        self._detail.show()
        self._set_thumbnail(None)
        self.set_restore(False)
        self.set_targets(None, [])
        self.set_mask(False)
        self.show()

    def set_restore(self, available: bool, tip: str = "") -> None:
        self.restore_button.setVisible(available)
        self.restore_button.setToolTip(tip)

    def set_targets(self, model: str | None, others: Sequence[str]) -> None:
        """``model``: the chosen model, when it takes a picture; ``others``: the user's models that take one."""
        self._model = model
        self.use_button.setVisible(model is not None)
        if model is not None:
            self.use_button.setText(self.tr("Use as input for {0}").format(_short(model)))
            self.use_button.setToolTip(model)
        self._others.clear()
        for other in others:
            if other != model:
                action = self._others.addAction(other)
                action.triggered.connect(lambda _checked=False, chosen=other: self.use_requested.emit(chosen))
        has_others = not self._others.isEmpty()
        self.others_button.setVisible(has_others)
        self.others_button.setText(self.tr("Use as input for…") if model is None else self.tr("Other models…"))

    def set_mask(self, available: bool) -> None:
        self.mask_button.setVisible(available)

    def title(self) -> str:
        return self._title.text()

    def detail(self) -> str:
        return self._detail.text()

    def other_models(self) -> list[str]:
        return [action.text() for action in self._others.actions()]

    # --- private ------------------------------------------------------------------------------------

    def _setup_ui(self) -> None:
        self.setObjectName("pictureBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(self.tr("Picture brought in"))
        self._thumbnail.setFixedSize(THUMBNAIL, THUMBNAIL)
        self._thumbnail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = self._title.font()
        font.setBold(True)
        self._title.setFont(font)
        self._title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._detail.setWordWrap(True)
        self._detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.others_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.others_button.setMenu(self._others)
        self._close.setText("✕")
        self._close.setAutoRaise(True)
        self._close.setToolTip(self.tr("Close"))
        self._close.setAccessibleName(self.tr("Close"))
        self.restore_button.clicked.connect(self.restore_requested)
        self.use_button.clicked.connect(self._on_use_button_clicked)
        self.mask_button.clicked.connect(self.mask_requested)
        self._close.clicked.connect(self._on_close_clicked)

        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(self._title)
        text.addWidget(self._detail)
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        for button in (self.restore_button, self.use_button, self.others_button, self.mask_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        text.addLayout(buttons)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 6, 6)
        layout.addWidget(self._thumbnail, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(text, 1)
        layout.addWidget(self._close, 0, Qt.AlignmentFlag.AlignTop)
        self.set_restore(False)
        self.set_targets(None, [])
        self.set_mask(False)
        self.hide()

    def _set_thumbnail(self, image: QImage | None) -> None:
        if image is None or image.isNull():
            self._thumbnail.clear()
            self._thumbnail.hide()
            return
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap.fromImage(image.scaled(int(THUMBNAIL * ratio), int(THUMBNAIL * ratio),
                                                Qt.AspectRatioMode.KeepAspectRatio,
                                                Qt.TransformationMode.SmoothTransformation))
        pixmap.setDevicePixelRatio(ratio)
        self._thumbnail.setPixmap(pixmap)
        self._thumbnail.show()

    def _on_use_button_clicked(self) -> None:
        if self._model is not None:
            self.use_requested.emit(self._model)

    def _on_close_clicked(self) -> None:
        self.hide()
        self.dismissed.emit()


def _short(model: str) -> str:
    """The model's name without its owner and pinned version (the button's text; the tool tip has it all)."""
    return model.split(":", 1)[0].rsplit("/", 1)[-1]
