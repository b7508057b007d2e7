"""The token and the settings on screen: the account label, the first-run token panel, the settings dialog."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication

from ...session import Account, AccountInfo, Preferences, SignedIn, TokenSource, error_kind
from ...storage.settings import Settings
from ..common.errors import describe_error
from ..common.tasks import Tasks
from .main_window import MainWindow
from .theme import apply_theme

log = logging.getLogger(__name__)


class AccountView(QObject):
    """Translates the token panel and the settings dialog into :class:`Account` and :class:`Preferences` calls,
    and their answers into the account label, the token panel and the status bar. ``on_signed_in`` hears each
    token the account accepted, at start and after a sign-in (the parameter form then loads the model's schema)."""

    def __init__(self, window: MainWindow, account: Account, preferences: Preferences, tasks: Tasks, *,
                 on_signed_in: Callable[[], None]) -> None:
        super().__init__(window)
        self.window = window
        self.account = account
        self.preferences = preferences
        self.tasks = tasks
        self.on_signed_in = on_signed_in
        window.token_panel.token_submitted.connect(self.sign_in)
        window.settings_requested.connect(self.open_settings)

    async def start(self) -> bool:
        """Takes the token from the environment or the store and checks it; False when there is none."""
        await self.account.load()
        if not self.account.has_token:
            self.window.token_panel.show_missing()
            self.window.set_account(self.tr("Not connected"))
            return False
        self.window.set_account(self.tr("Checking token…"))
        self.tasks.call(self.account.check, self._on_checked, self._on_check_failed, name="account check")
        return True

    def sign_in(self, token: str) -> None:
        self.window.set_account(self.tr("Checking token…"))
        self.tasks.call(lambda: self.account.sign_in(token), self._on_signed_in, self._on_check_failed,
                        name="sign in")

    def show_problem(self, message: str, *, missing: bool = False) -> None:
        """Points to the token: the first-run panel for a missing one, the panel's error line for a refused one."""
        if missing and not self.account.has_token:
            self.window.token_panel.show_missing()
        else:
            self.window.token_panel.show_problem(message)

    def open_settings(self) -> None:
        from ..dialogs.settings import SettingsDialog

        dialog = SettingsDialog(self.preferences.settings, token_backend=self.account.token_store.backend_description,
                                token_source=self._describe(self.account.source), parent=self.window)
        dialog.settings_accepted.connect(self._on_settings_accepted)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def save_failed(self, error: Exception) -> None:
        self.window.statusBar().showMessage(self.tr("Settings could not be saved: {}").format(error), 10000)

    def _on_settings_accepted(self, settings: Settings, token: str | None) -> None:
        self.preferences.replace(settings)
        self.account.configure(base_url=settings.base_url, proxy=settings.proxy)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, settings.theme)
        if settings.output_dir and not settings.last_save_dir:
            self.window.viewer.set_last_save_dir(settings.output_dir)
        if token == "":
            self.tasks.call(self.account.sign_out, self._on_signed_out, self._on_not_stored, name="sign out")
        elif token:
            self.sign_in(token)

    def _on_checked(self, info: AccountInfo) -> None:
        self.window.set_account(self.tr("Signed in as {}").format(info.display_name))
        self.window.token_panel.hide()
        self.on_signed_in()

    def _on_signed_in(self, signed_in: SignedIn) -> None:
        if signed_in.not_stored is not None:
            self._on_not_stored(signed_in.not_stored)
        self._on_checked(signed_in.account)

    def _on_check_failed(self, error: Exception) -> None:
        message = describe_error(error)
        if error_kind(error) == "auth":
            self.window.set_account(self.tr("Token refused"))
            self.window.token_panel.show_problem(message)
        else:
            self.window.set_account(self.tr("Could not check the token"))
            self.window.statusBar().showMessage(message, 10000)

    def _on_signed_out(self, source: TokenSource) -> None:
        if source.origin == "none":
            self.window.set_account(self.tr("Not connected"))
            self.window.token_panel.show_missing()

    def _on_not_stored(self, error: Exception) -> None:
        text = self.tr("The token could not be stored: {}")
        self.window.statusBar().showMessage(text.format(describe_error(error)), 10000)

    def _describe(self, source: TokenSource) -> str:
        if source.origin == "environment":
            return self.tr("environment variable REPLICATE_API_TOKEN")
        if source.origin == "saved":
            return self.tr("saved in {}").format(source.where)
        return self.tr("not set")
