"""The token and the settings: checking a token against the account, storing it, and applying settings."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from ...replicate import ReplicateClient
from ...storage.secrets import TokenStore
from ...storage.settings import Settings, SettingsStore
from ..common.runners import CallRunner
from ..dialogs.settings import SettingsDialog
from .theme import apply_theme

if TYPE_CHECKING:
    from ..models.catalogue_flow import CatalogueFlow
    from .main_window import MainWindow

log = logging.getLogger(__name__)

# Texts are translated in the AppController context (the mixin is no QObject of its own), written out in
# full each time so that pyside6-lupdate finds them.


class AccountMixin:
    """The part of the controller that owns the token, the client built from it, and the settings."""

    window: MainWindow
    settings: Settings
    settings_store: SettingsStore
    token_store: TokenStore
    make_client: Callable[[str | None, str, str | None], ReplicateClient]
    env: Mapping[str, str]
    token: str | None
    token_source: str
    client: ReplicateClient
    calls: CallRunner
    catalogue: CatalogueFlow | None

    # Texts are translated in the AppController context: the mixin is not a QObject of its own.

    if TYPE_CHECKING:  # provided by AppController; declared for the type checker only

        @property
        def base_url(self) -> str: ...


    def _use_token(self, token: str | None, source: str) -> None:
        self.token = token
        self.token_source = source
        self.client = self.make_client(token, self.base_url, self.settings.proxy)

    def _check_account(self, token: str, *, store: bool) -> None:
        client = self.make_client(token, self.base_url, self.settings.proxy)
        self.window.set_account(QCoreApplication.translate("AppController", "Checking token…"))

        async def check() -> tuple[str, Any, bool]:
            account = await client.get_json("account")
            return token, account, store

        self.calls.run("account", check)

    def _on_token_panel_token_submitted(self, token: str) -> None:
        self._check_account(token, store=True)

    def _on_window_settings_requested(self) -> None:
        dialog = SettingsDialog(self.settings, token_backend=self.token_store.backend_description,
                                token_source=self.token_source, parent=self.window)
        dialog.settings_accepted.connect(self._on_settings_accepted)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _on_settings_accepted(self, settings: Settings, token: str | None) -> None:
        self._save_settings(settings)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, settings.theme)
        if settings.output_dir and not settings.last_save_dir:
            self.window.viewer.set_last_save_dir(settings.output_dir)
        if token == "":
            self.calls.run("store-token", lambda: asyncio.to_thread(self.token_store.clear))
            env_token = self.env.get("REPLICATE_API_TOKEN")
            source = (QCoreApplication.translate("AppController", "environment variable REPLICATE_API_TOKEN")
                      if env_token else QCoreApplication.translate("AppController", "not set"))
            self._use_token(env_token, source)
            if not env_token:
                self.window.set_account(QCoreApplication.translate("AppController", "Not connected"))
                self.window.token_panel.show_missing()
        elif token:
            self._check_account(token, store=True)
        else:
            self._use_token(self.token, self.token_source)

    def save_layout(self) -> None:
        geometry, state, sizes = self.window.saved_layout()
        self._save_settings(dataclasses.replace(self.settings, window_geometry=geometry, window_state=state,
                                                splitter_sizes=sizes))

    def _on_viewer_save_dir_changed(self, directory: str) -> None:
        self._save_settings(dataclasses.replace(self.settings, last_save_dir=directory))

    def _save_settings(self, settings: Settings) -> None:
        try:
            self.settings = self.settings_store.save(settings)
        except (OSError, ValueError) as error:
            self.settings = settings
            log.warning("Settings not saved: %s", error)
            message = QCoreApplication.translate("AppController", "Settings could not be saved: {}")
            self.window.statusBar().showMessage(message.format(error), 10000)

    def _on_account_checked(self, token: str, account: Mapping[str, Any], store: bool) -> None:
        if store:
            self.calls.run("store-token", lambda: asyncio.to_thread(self.token_store.set, token))
            source = QCoreApplication.translate("AppController", "saved in {}")
            self._use_token(token, source.format(self.token_store.backend_description))
        if self.catalogue is not None:
            self.catalogue.load_schema(self.window.model_picker.current_model())
        username = account.get("username") or account.get("name") or "?"
        self.window.set_account(QCoreApplication.translate("AppController", "Signed in as {}").format(username))
        self.window.token_panel.hide()

    def _on_account_failed(self, message: str, kind: str) -> None:
        if kind == "auth":
            self.window.set_account(QCoreApplication.translate("AppController", "Token refused"))
            self.window.token_panel.show_problem(message)
        else:
            self.window.set_account(QCoreApplication.translate("AppController", "Could not check the token"))
            self.window.statusBar().showMessage(message, 10000)

    def _on_token_not_stored(self, message: str) -> None:
        text = QCoreApplication.translate("AppController", "The token could not be stored: {}")
        self.window.statusBar().showMessage(text.format(message), 10000)
