"""The bar under the history list that asks before a conversation is deleted."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

TITLE_LENGTH = 60


class DeleteBar(QFrame):
    """Asks "Delete …?" for one conversation, with Cancel (focused; Esc too) and Delete; hidden otherwise.

    Signals:
        confirmed(int conversation_id) — Delete was clicked for the conversation asked about
        closed() — the bar went away (answered either way): the list takes the focus back
    """

    confirmed = Signal(int)
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pending: int | None = None
        self.setObjectName("history_delete_bar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        bar = QVBoxLayout(self)
        bar.setContentsMargins(8, 8, 8, 8)
        self._message = QLabel(self)
        self._message.setObjectName("history_delete_message")
        self._message.setWordWrap(True)
        bar.addWidget(self._message)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self._cancel = QPushButton(self.tr("Cancel"), self)
        self._cancel.setObjectName("history_delete_cancel")
        self._cancel.clicked.connect(self._on_cancel_clicked)
        buttons.addWidget(self._cancel)
        confirm = QPushButton(self.tr("Delete"), self)
        confirm.setObjectName("history_delete_confirm")
        confirm.clicked.connect(self._on_confirm_clicked)
        buttons.addWidget(confirm)
        bar.addLayout(buttons)
        escape = QAction(self)
        escape.setObjectName("history_delete_escape")
        escape.setShortcut(Qt.Key.Key_Escape)
        escape.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.triggered.connect(self._on_cancel_clicked)
        self.addAction(escape)
        self.hide()

    def ask(self, conversation_id: int, title: str) -> None:
        """Shows the question for the conversation ``title``, with the focus on Cancel."""
        self._pending = conversation_id
        shown = title if len(title) <= TITLE_LENGTH else title[:TITLE_LENGTH - 1] + "…"
        self._message.setText(
            self.tr("Delete “{0}”? The conversation and its images will be deleted from this computer.").format(shown))
        self.show()
        self._cancel.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_confirm_clicked(self) -> None:
        conversation_id = self._pending
        self._close()
        if conversation_id is not None:
            self.confirmed.emit(conversation_id)

    def _on_cancel_clicked(self) -> None:
        self._close()

    def _close(self) -> None:
        self._pending = None
        self.hide()
        self.closed.emit()
