"""The dialog that connects to a local Cog server: URL, wait until the model is READY, then "Use this model"."""

from __future__ import annotations

import asyncio
import html
import logging
import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...replicate import (
    CogHealth,
    CogNotReady,
    CogSetupFailed,
    InputSchema,
    NetworkError,
    UnexpectedResponse,
    describe_capabilities,
)
from ..common.errors import describe_error
from ..common.tasks import TaskSlot
from ..common.widgets import named
from .flow import DEFAULT_COG_URL, CogFlow, is_valid_url, normalize_url

log = logging.getLogger(__name__)


class CogDialog(QDialog):
    """Connects to the Cog server at a URL and offers it as the backend once its model is READY.

    Non-modal: open it with ``show()`` (never ``exec``). Connect checks the URL, then waits (in a
    :class:`TaskSlot`, bounded by the flow's ``ready_timeout``) while the status line counts the seconds and
    the setup logs box shows what the server reports. Connect again restarts the wait; Cancel or closing the
    dialog stops it.

    ``state`` is one of ``idle``, ``connecting``, ``waiting``, ``ready``, ``failed``.

    Signals:
        backend_ready(str url) — the user chose the READY server at ``url`` ("Use this model")
    """

    backend_ready = Signal(str)

    def __init__(self, flow: CogFlow, url: str = DEFAULT_COG_URL, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._flow = flow
        self._slot = TaskSlot("cog connect")
        self._attempt = 0
        self._started = 0.0
        self._waiting_for = ""
        self.state = "idle"
        self.ready_url = ""
        self.schema: InputSchema | None = None
        self._health: CogHealth | None = None
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.setTimerType(Qt.TimerType.PreciseTimer)
        self._tick.timeout.connect(self._on_tick)
        self._setup_ui(url)

    def _setup_ui(self, url: str) -> None:
        self.setWindowTitle(self.tr("Local Cog model"))
        self.setObjectName("cogDialog")
        self.setModal(False)
        self.setMinimumWidth(560)

        intro = named(QLabel(self.tr("Run a model on a local Cog server (cog serve, or docker run -p 5000:5000 …) "
                                     "instead of on Replicate. No API token is needed.")), "cogIntro")
        intro.setWordWrap(True)

        self.url_edit = named(QLineEdit(url), "cogUrlEdit")
        self.url_edit.setPlaceholderText(DEFAULT_COG_URL)
        self.url_edit.textEdited.connect(self._on_url_edited)
        url_label = QLabel(self.tr("Server &URL"))
        url_label.setBuddy(self.url_edit)
        self.connect_button = named(QPushButton(self.tr("&Connect")), "cogConnectButton")
        self.connect_button.clicked.connect(self.connect_to_server)
        url_row = QHBoxLayout()
        url_row.addWidget(url_label)
        url_row.addWidget(self.url_edit, 1)
        url_row.addWidget(self.connect_button)

        self.url_error = named(QLabel(), "cogUrlError")
        self.url_error.setWordWrap(True)
        self.url_error.setStyleSheet("color: #c62828;")
        self.url_error.hide()

        self.status_label = named(QLabel(self.tr("Enter the server's address and press Connect.")), "cogStatus")
        self.status_label.setWordWrap(True)
        self.status_label.setAccessibleName(self.tr("Connection status"))

        self.logs_label = named(QLabel(self.tr("Setup logs")), "cogLogsLabel")
        self.logs_box = named(QPlainTextEdit(), "cogSetupLogs")
        self.logs_box.setReadOnly(True)
        self.logs_box.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.logs_box.setAccessibleName(self.tr("Setup logs"))
        self.logs_box.setMinimumHeight(120)
        self.logs_label.setBuddy(self.logs_box)
        self._show_logs("")

        limits = "".join(f"<li>{html.escape(sentence)}</li>" for sentence in describe_capabilities())
        self.limits_label = named(
            QLabel("<b>{}</b><ul style=\"margin-left: 12px; -qt-list-indent: 0;\">{}</ul>".format(
                html.escape(self.tr("What a local Cog server cannot do")), limits)),
            "cogLimits",
        )
        self.limits_label.setWordWrap(True)
        self.limits_label.setTextFormat(Qt.TextFormat.RichText)

        self.buttons = QDialogButtonBox()
        self.use_button = named(
            self.buttons.addButton(self.tr("&Use this model"), QDialogButtonBox.ButtonRole.AcceptRole),
            "cogUseButton",
        )
        self.use_button.clicked.connect(self._on_use_clicked)
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        assert cancel is not None
        self.cancel_button = named(cancel, "cogCancelButton")
        self.cancel_button.clicked.connect(self.reject)
        for button in (self.use_button, self.cancel_button):
            button.setAutoDefault(False)
        self._enable_use(False)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(url_row)
        layout.addWidget(self.url_error)
        layout.addWidget(self.status_label)
        layout.addWidget(self.logs_label)
        layout.addWidget(self.logs_box, 1)
        layout.addWidget(self.limits_label)
        layout.addWidget(self.buttons)

    # ---- public API ----------------------------------------------------------------------------

    @property
    def waiting(self) -> bool:
        """True while a connect attempt runs."""
        return self._slot.running

    def connect_to_server(self) -> None:
        """Checks the URL (refused inline when it is not http(s)://host[:port]), then starts waiting for it."""
        url = normalize_url(self.url_edit.text())
        if not is_valid_url(url):
            self.url_error.setText(self.tr("Enter the server's address as http://host:port, for example {0}.")
                                   .format(DEFAULT_COG_URL))
            self.url_error.show()
            self.url_edit.setFocus()
            return
        self.url_error.hide()
        self._attempt += 1
        self._started = time.monotonic()
        self._waiting_for = url
        self.ready_url = ""
        self.schema = None
        self._health = None
        self._enable_use(False)
        self._show_logs("")
        self._set_state("connecting", self.tr("Connecting to {0}…").format(url))
        self._tick.start()
        self._slot.start(self._connect(self._attempt, url))

    def cancel_wait(self) -> None:
        """Stops a running connect attempt (the status says so)."""
        if self._slot.running:
            self._attempt += 1
            self._slot.cancel()
            self._tick.stop()
            self._set_state("idle", self.tr("Stopped waiting for {0}.").format(self._waiting_for))

    async def wait(self) -> None:
        """Awaits the running connect attempt to its end (for tests and shutdown)."""
        await self._slot.wait()

    # ---- waiting -------------------------------------------------------------------------------

    async def _connect(self, attempt: int, url: str) -> None:
        def on_status(health: CogHealth) -> None:
            if attempt == self._attempt:
                self._on_health(health)

        try:
            schema = await self._flow.connect_to(url, on_status)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the adapter boundary: every failure becomes one sentence
            if attempt == self._attempt:
                log.warning("Connecting to the Cog server at %s failed: %s", url, error)
                self._tick.stop()
                self._on_failed(url, error)
            return
        if attempt != self._attempt:
            return
        self._tick.stop()
        self.schema = schema
        self.ready_url = url
        self._show_logs("")
        self._set_state("ready", self.tr("Ready"))
        self._enable_use(True)
        self.use_button.setFocus()

    def _on_health(self, health: CogHealth) -> None:
        if health.is_up:
            self._set_state("connecting", self.tr("The model is ready; reading its inputs…"))
            return
        self._show_logs(health.setup_logs)
        self.state = "waiting"
        self._health = health
        self._on_tick()

    def _on_tick(self) -> None:
        if self.state != "waiting":
            return
        seconds = round(time.monotonic() - self._started)  # a coarse timer may tick a little early
        health = self._health
        if health is not None and health.status == "UNHEALTHY":
            reason = health.user_healthcheck_error or health.status
            text = self.tr("The model is up, but its health check fails ({0}); waiting… {1} s").format(
                reason, seconds)
        else:
            text = self.tr("Waiting for the model to start… {0} s").format(seconds)
        self.status_label.setText(text)

    def _on_failed(self, url: str, error: Exception) -> None:
        detail = str(error)
        if isinstance(error, CogSetupFailed):
            if error.health.status == "SETUP_FAILED":
                text = self.tr("The model failed to set up (SETUP_FAILED); its setup logs are below.")
            else:
                text = self.tr("The Cog server stopped working ({0}); its logs are below.").format(
                    error.health.status)
            if not error.logs.strip():
                text = self.tr("The model failed to set up ({0}), and the server sent no logs.").format(
                    error.health.status)
            self._show_logs(error.logs)
        elif isinstance(error, CogNotReady):
            text = self.tr("The model was not ready within {0} s (still {1}); press Connect to wait again.").format(
                f"{self._flow.ready_timeout:g}", error.health.status)
            self._show_logs(error.health.setup_logs)
        elif isinstance(error, NetworkError):
            text = self.tr("Nothing answers at {0}. Is the Cog server running (cog serve, or docker run -p)?").format(
                url)
        elif isinstance(error, UnexpectedResponse):
            text = self.tr("Something answers at {0}, but it is not a Cog server.").format(url)
        else:
            text = describe_error(error)
        self._set_state("failed", text)
        self.status_label.setToolTip(detail)

    # ---- helpers -------------------------------------------------------------------------------

    def _set_state(self, state: str, text: str) -> None:
        self.state = state
        self.status_label.setText(text)
        self.status_label.setToolTip("")
        self.status_label.setStyleSheet("color: #c62828;" if state == "failed" else "")

    def _show_logs(self, logs: str) -> None:
        if self.logs_box.toPlainText() != logs.rstrip("\n"):
            self.logs_box.setPlainText(logs.rstrip("\n"))
            self.logs_box.verticalScrollBar().setValue(self.logs_box.verticalScrollBar().maximum())
        visible = bool(logs.strip())
        self.logs_label.setVisible(visible)
        self.logs_box.setVisible(visible)

    def _enable_use(self, enabled: bool) -> None:
        """Return presses "Use this model" when it is enabled, else Connect."""
        self.use_button.setEnabled(enabled)
        (self.use_button if enabled else self.connect_button).setDefault(True)

    def _on_url_edited(self, text: str) -> None:
        self.url_error.hide()
        if self.state == "ready":
            self._enable_use(normalize_url(text) == self.ready_url)

    def _on_use_clicked(self) -> None:
        if self.state != "ready" or not self.ready_url:
            return
        self.backend_ready.emit(self.ready_url)
        self.accept()

    def done(self, result: int) -> None:
        """Accept, Cancel, Escape and closing all end here: any wait stops."""
        self._attempt += 1
        self._slot.cancel()
        self._tick.stop()
        if self.state in ("connecting", "waiting"):
            self._set_state("idle", self.tr("Stopped waiting for {0}.").format(self._waiting_for))
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._slot.cancel()
        self._tick.stop()
        super().closeEvent(event)
