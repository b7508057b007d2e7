"""The prompt box under the transcript, with Attach… and Send (Stop while a reply runs)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QSizePolicy, QVBoxLayout, QWidget

HINT_DURATION_MS = 2500


class Composer(QWidget):
    """Where a prompt is written: Enter sends, Shift+Enter adds a line, the box grows from 2 to 8 lines; an empty
    prompt or one sent while busy gets a short hint instead. While busy, Send reads Stop and Esc stops.

    Signals:
        submitted(str): a non-empty prompt was sent (the box is already cleared).
        stop_requested(): Stop was clicked, or Esc pressed in the box, while busy.
        attach_requested(): "Attach…" was clicked.
    """

    submitted = Signal(str)
    stop_requested = Signal()
    attach_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._busy = False
        self._prompt = QPlainTextEdit(self)
        self._prompt.setObjectName("chat_prompt")
        self._prompt.setTabChangesFocus(True)
        # short enough for a narrow chat (the Parameters panel open at 1280 px): the keys are in the tooltip
        self._prompt.setPlaceholderText(self.tr("Ask the model…"))
        self._prompt.setToolTip(self.tr("Enter sends, Shift+Enter adds a line"))
        self._prompt.installEventFilter(self)
        self._prompt.document().contentsChanged.connect(self._on_prompt_contents_changed)

        self._send_button = QPushButton(self.tr("Send"), self)
        self._send_button.setObjectName("chat_send_button")
        self._send_button.setToolTip(self.tr("Send the prompt (Enter)"))
        labels = (self.tr("Send"), self.tr("Stop"))  # the button swaps them: room for the wider one
        self._send_button.setMinimumWidth(max(map(self._send_button.fontMetrics().horizontalAdvance, labels)) + 32)
        self._send_button.clicked.connect(self._on_send_button_clicked)
        # The buttons stretch to the prompt box's height, so the three read as one composer.
        self._send_button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        attach = QPushButton(self.tr("Attach…"), self)
        attach.setObjectName("chat_attach_button")
        attach.setToolTip(self.tr("Attach an image for models that take one (vision models, editors)"))
        attach.setAccessibleName(self.tr("Attach an image"))
        attach.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        attach.clicked.connect(self.attach_requested)

        self._hint = QLabel(self)
        self._hint.setObjectName("chat_prompt_hint")
        self._hint.hide()
        self._hint_timer = QTimer(self)
        self._hint_timer.setSingleShot(True)
        self._hint_timer.setInterval(HINT_DURATION_MS)
        self._hint_timer.timeout.connect(self._hint.hide)

        row = QHBoxLayout()
        row.setSpacing(6)
        row.addWidget(attach, 0)
        row.addWidget(self._prompt, 1)
        row.addWidget(self._send_button, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(row)
        layout.addWidget(self._hint)
        self._on_prompt_contents_changed()

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._send_button.setText(self.tr("Stop") if busy else self.tr("Send"))
        self._send_button.setToolTip(self.tr("Stop the reply (Esc)") if busy else self.tr("Send the prompt (Enter)"))

    def set_text(self, text: str) -> None:
        """Puts ``text`` in the box, the cursor at its end."""
        self._prompt.setPlainText(text)
        self._prompt.moveCursor(QTextCursor.MoveOperation.End)

    def focus(self) -> None:
        self._prompt.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def set_hint_color(self, color: str) -> None:
        self._hint.setStyleSheet(f"color: {color};")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._prompt and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                    self._prompt.insertPlainText("\n")
                else:
                    self._submit()
                return True
            if event.key() == Qt.Key.Key_Escape and self._busy:
                self.stop_requested.emit()
                return True
        return super().eventFilter(watched, event)

    def _on_send_button_clicked(self) -> None:
        if self._busy:
            self.stop_requested.emit()
        else:
            self._submit()

    def _on_prompt_contents_changed(self) -> None:
        if self._prompt.toPlainText().strip():
            self._hint.hide()
        # QPlainTextEdit's document height counts lines, wrapped ones included: grow from 2 to 8.
        lines = max(2, min(8, int(self._prompt.document().size().height())))
        margins = self._prompt.contentsMargins()
        chrome = 2 * int(self._prompt.document().documentMargin()) + margins.top() + margins.bottom()
        self._prompt.setFixedHeight(lines * self._prompt.fontMetrics().lineSpacing() + chrome)

    def _submit(self) -> None:
        text = self._prompt.toPlainText().strip()
        if not text:
            self._show_hint(self.tr("Type a prompt first"))
        elif self._busy:
            self._show_hint(self.tr("A reply is still coming: press Stop (Esc) first"))
        else:
            self._prompt.clear()
            self.submitted.emit(text)

    def _show_hint(self, text: str) -> None:
        self._hint.setText(text)
        self._hint.show()
        self._hint_timer.start()
