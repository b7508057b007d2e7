"""The settings dialog: token, connection, polling, output folder and theme."""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...replicate import DeadlineError, parse_deadline
from ...storage.settings import Settings
from ..common.translations import available_languages
from ..common.widgets import named

TOKEN_URL = "https://replicate.com/account/api-tokens"


class SettingsDialog(QDialog):
    """Edits a copy of the settings; opened with ``open()`` (never a nested ``exec``).

    Signals:
        settings_accepted(object settings, object token) — token is a new token, "" to remove
            the stored one, or None to keep it
    """

    settings_accepted = Signal(object, object)

    def __init__(self, settings: Settings, *, token_backend: str, token_source: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self._token_backend = token_backend
        self._token_source = token_source
        self._setup_ui()
        self._load(settings)

    def _setup_ui(self) -> None:
        self.setWindowTitle(self.tr("Settings"))
        self.setObjectName("settingsDialog")
        self.setMinimumWidth(520)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)

        self.token_edit = named(QLineEdit(), "tokenEdit")
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_edit.setPlaceholderText(self.tr("Paste a new token to replace the current one"))
        self.remove_token = named(QCheckBox(self.tr("Remove the stored token")), "removeTokenCheck")
        token_text = self.tr("Current token: {source}. Stored in {backend}. <a href=\"{url}\">Create a token</a>")
        token_help = named(
            QLabel(token_text.format(source=self._token_source, backend=self._token_backend, url=TOKEN_URL)),
            "tokenBackendLabel",
        )
        token_help.setWordWrap(True)
        token_help.setOpenExternalLinks(True)
        form.addRow(self.tr("API token"), self.token_edit)
        form.addRow("", token_help)
        form.addRow("", self.remove_token)

        self.base_url_edit = named(QLineEdit(), "baseUrlEdit")
        form.addRow(self.tr("API base URL"), self.base_url_edit)
        self.proxy_edit = named(QLineEdit(), "proxyEdit")
        self.proxy_edit.setPlaceholderText(self.tr("none (e.g. http://proxy.example:3128)"))
        form.addRow(self.tr("Proxy"), self.proxy_edit)

        self.delay_spin = named(QDoubleSpinBox(decimals=1, minimum=0.1, maximum=60.0), "pollDelaySpin")
        self.delay_spin.setSuffix(self.tr(" s"))
        self.delay_spin.setSingleStep(0.5)
        form.addRow(self.tr("Poll delay"), self.delay_spin)
        self.attempts_spin = named(QSpinBox(minimum=1, maximum=10000), "maxAttemptsSpin")
        form.addRow(self.tr("Max poll attempts"), self.attempts_spin)
        self.deadline_edit = named(QLineEdit(), "deadlineEdit")
        self.deadline_edit.setPlaceholderText(self.tr("none (e.g. 10m or 1h30m)"))
        self.deadline_edit.setToolTip(self.tr("Replicate stops each run after this long. A run still queued then "
                                              "is aborted and not charged; a running one is canceled and charged "
                                              "for the time it ran."))
        form.addRow(self.tr("Run deadline"), self.deadline_edit)

        self.output_edit = named(QLineEdit(), "outputDirEdit")
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._on_browse_clicked)
        row = QHBoxLayout()
        row.addWidget(self.output_edit, 1)
        row.addWidget(browse)
        form.addRow(self.tr("Output folder"), row)

        self.theme_combo = named(QComboBox(), "themeCombo")
        for value, label in (("system", self.tr("Follow the system")), ("light", self.tr("Light")),
                             ("dark", self.tr("Dark"))):
            self.theme_combo.addItem(label, value)
        form.addRow(self.tr("Theme"), self.theme_combo)

        self.language_combo = named(QComboBox(), "languageCombo")
        for code, name in available_languages():
            self.language_combo.addItem(name, code)
        form.addRow(self.tr("Language"), self.language_combo)
        language_note = QLabel(self.tr("A new language applies at the next start."))
        language_note.setEnabled(False)
        form.addRow("", language_note)

        self.error_label = named(QLabel(), "settingsError")
        self.error_label.setStyleSheet("color: palette(bright-text);")
        self.error_label.setWordWrap(True)
        self.error_label.hide()

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

    def _load(self, settings: Settings) -> None:
        self.base_url_edit.setText(settings.base_url)
        self.proxy_edit.setText(settings.proxy or "")
        self.delay_spin.setValue(settings.poll_delay)
        self.attempts_spin.setValue(settings.max_attempts)
        self.deadline_edit.setText(settings.deadline or "")
        self.output_edit.setText(settings.output_dir or "")
        index = self.theme_combo.findData(settings.theme)
        self.theme_combo.setCurrentIndex(max(0, index))
        self.language_combo.setCurrentIndex(max(0, self.language_combo.findData(settings.language)))

    def _on_browse_clicked(self) -> None:
        dialog = QFileDialog(self, self.tr("Output folder"), self.output_edit.text())
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(self.output_edit.setText)
        dialog.open()

    def _on_buttons_accepted(self) -> None:
        problem = self._problem()
        if problem:
            self.error_label.setText(problem)
            self.error_label.show()
            return
        token: str | None = self.token_edit.text().strip() or None
        if self.remove_token.isChecked():
            token = ""
        updated = dataclasses.replace(
            self._settings,
            base_url=self.base_url_edit.text().strip().rstrip("/"),
            proxy=self.proxy_edit.text().strip() or None,
            poll_delay=round(self.delay_spin.value(), 1),
            max_attempts=self.attempts_spin.value(),
            deadline=self.deadline_edit.text().strip() or None,
            output_dir=self.output_edit.text().strip() or None,
            theme=self.theme_combo.currentData(),
            language=self.language_combo.currentData(),
        )
        self.settings_accepted.emit(updated, token)
        self.accept()

    def _problem(self) -> str | None:
        base = urlsplit(self.base_url_edit.text().strip())
        if base.scheme not in {"http", "https"} or not base.netloc:
            return self.tr("The API base URL must start with https:// (for example https://api.replicate.com/v1).")
        proxy = self.proxy_edit.text().strip()
        if proxy and (urlsplit(proxy).scheme not in {"http", "https"} or not urlsplit(proxy).netloc):
            return self.tr("The proxy must be a URL such as http://proxy.example:3128.")
        try:
            parse_deadline(self.deadline_edit.text())
        except DeadlineError:
            return self.tr("The run deadline must be a duration such as 90s, 10m or 1h30m, at least 5 seconds "
                           "(or empty for none).")
        token = self.token_edit.text().strip()
        if token and any(ch.isspace() for ch in token):
            return self.tr("The token must not contain spaces.")
        return None
