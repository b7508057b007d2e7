"""The first-run panel: what to do when no API token is set, shown in place above the chat."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from ..common.widgets import named

TOKEN_URL = "https://replicate.com/account/api-tokens"


class TokenPanel(QFrame):
    """Asks for a token, says where to make one, and shows the outcome of checking it.

    Signals:
        token_submitted(str token)
    """

    token_submitted = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._setup_ui()

    def show_missing(self) -> None:
        self.status_label.setText(self.tr("No token yet. Paste one above to start."))
        self.status_label.setProperty("state", "info")
        self._restyle()
        self.show()

    def show_checking(self) -> None:
        self.status_label.setText(self.tr("Checking the token with Replicate…"))
        self.status_label.setProperty("state", "info")
        self.save_button.setEnabled(False)
        self._restyle()

    def show_problem(self, message: str) -> None:
        self.status_label.setText(message)
        self.status_label.setProperty("state", "error")
        self.save_button.setEnabled(True)
        self._restyle()
        self.show()

    def _setup_ui(self) -> None:
        self.setObjectName("tokenPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(
            "#tokenPanel { background: palette(alternate-base); border: 1px solid palette(mid); border-radius: 8px; }"
            "QLabel[state='error'] { color: palette(bright-text); }"
        )
        title = named(QLabel(self.tr("Connect your Replicate account")), "tokenPanelTitle")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        title.setFont(font)
        explanation = named(QLabel(self.tr(
                "Replicate Desktop needs an API token. <a href=\"{url}\">Create one on replicate.com</a> and paste "
                "it here — it is kept in your system keyring. Or set <code>REPLICATE_API_TOKEN</code> before "
                "starting the app."
            ).format(url=TOKEN_URL)), "tokenPanelHelp")
        explanation.setWordWrap(True)
        explanation.setOpenExternalLinks(True)
        explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.token_edit = named(QLineEdit(), "firstRunTokenEdit")
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_edit.setPlaceholderText(self.tr("r8_…"))
        self.token_edit.setAccessibleName(self.tr("Replicate API token"))
        self.token_edit.returnPressed.connect(self._on_save_button_clicked)
        self.save_button = named(QPushButton(self.tr("Save token")), "saveTokenButton")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.status_label = named(QLabel(), "tokenStatusLabel")
        self.status_label.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.token_edit, 1)
        row.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addWidget(title)
        layout.addWidget(explanation)
        layout.addLayout(row)
        layout.addWidget(self.status_label)

    def _on_save_button_clicked(self) -> None:
        token = self.token_edit.text().strip()
        if not token:
            self.show_problem(self.tr("Paste your token first."))
            return
        if any(ch.isspace() for ch in token):
            self.show_problem(self.tr("A token has no spaces in it; check what was pasted."))
            return
        self.token_edit.clear()
        self.show_checking()
        self.token_submitted.emit(token)

    def _restyle(self) -> None:
        self.status_label.style().unpolish(self.status_label)
        self.status_label.style().polish(self.status_label)
