"""A real window and controller wired to a real aiohttp session and the fake Replicate server."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TypeVar

import aiohttp
import shiboken6
from PySide6.QtCore import QObject, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPlainTextEdit, QPushButton

from desktop_app.app import attach_gallery, attach_window, open_history
from desktop_app.replicate import ReplicateClient
from desktop_app.session import Services, build_services
from desktop_app.storage.history import HistoryStore
from desktop_app.storage.paths import AppPaths
from desktop_app.storage.secrets import TokenStore
from desktop_app.storage.settings import Settings, SettingsStore
from desktop_app.ui.chat.pane import ChatTurn
from desktop_app.ui.shell.controller import AppController
from desktop_app.ui.shell.gallery_wiring import GalleryWiring
from desktop_app.ui.shell.main_window import MainWindow
from desktop_app.ui.shell.model_view import CogServers
from desktop_app.ui.shell.wiring import attach_history
from tests.fake_replicate import FakeReplicate

T = TypeVar("T", bound=QObject)


def child(parent: QObject, kind: type[T], name: str) -> T:
    """The named child widget, which must exist."""
    found = parent.findChild(kind, name)
    assert found is not None, name
    return found


async def until(predicate: Callable[[], bool], limit: float = 8.0, message: str = "") -> None:
    """Awaits (letting Qt and asyncio run) until ``predicate()`` holds; never a nested Qt loop."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {message or predicate}")
        await asyncio.sleep(0.01)


@dataclasses.dataclass
class Harness:
    fake: FakeReplicate
    window: MainWindow
    controller: AppController
    services: Services
    session: aiohttp.ClientSession
    paths: AppPaths
    store: HistoryStore | None = None

    @property
    def prompt_box(self) -> QPlainTextEdit:
        box = self.window.findChild(QPlainTextEdit, "chat_prompt")
        assert box is not None
        return box

    @property
    def send_button(self) -> QPushButton:
        button = self.window.findChild(QPushButton, "chat_send_button")
        assert button is not None
        return button

    def choose(self, model: str) -> None:
        assert self.window.model_picker.set_current_model(model), model

    def send(self, text: str) -> None:
        self.prompt_box.setFocus()
        self.prompt_box.setPlainText(text)
        QTest.keyClick(self.prompt_box, Qt.Key.Key_Return)

    def last_turn(self) -> ChatTurn:
        return self.window.chat.turns()[-1]

    async def wait_idle(self) -> None:
        await until(lambda: not self.controller.busy and not self.window.chat.is_busy(),
                    message="the prediction to end")

    async def flush(self) -> None:
        """Waits until every history write asked for so far has landed."""
        await self.services.recorder.flush()

    async def close(self) -> None:
        await self.controller.shutdown()
        await self.session.close()
        if self.store is not None:
            self.store.close()
        self.window.hide()
        shiboken6.delete(self.window)  # now, not at some later event: no timer of it fires in the next test


async def make_harness(
    fake: FakeReplicate,
    tmp_path: Path,
    *,
    token: str | None = "valid",
    settings: Settings | None = None,
    history: bool = False,
    catalogue: bool = False,
) -> Harness:
    """The window wired as the app wires it (``attach_window``); without ``catalogue`` it has no parameter form
    and without ``history`` no history list."""
    paths = AppPaths.under(tmp_path / "user")
    store = SettingsStore(paths.settings_file)
    base = settings or (store.load() if paths.settings_file.exists() else Settings())
    store.save(dataclasses.replace(base, poll_delay=min(base.poll_delay, 0.1)))
    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    session = aiohttp.ClientSession()

    def make_client(tok: str | None, base_url: str, proxy: str | None) -> ReplicateClient:
        return ReplicateClient(session, token=tok, base_url=base_url, proxy=proxy)

    env = {"REPLICATE_API_BASE_URL": fake.base_url}
    if token is not None:
        env["REPLICATE_API_TOKEN"] = fake.token if token == "valid" else token
    history_store = None
    if history:
        history_store, _warning = open_history(paths)
        assert history_store is not None
    services = build_services(settings_store=store, settings=store.load(), token_store=TokenStore(paths.config_dir),
                              make_client=make_client, env=env, history=history_store,
                              make_local=lambda account: CogServers(lambda: account.client.session))
    if catalogue:
        controller = attach_window(window, services, paths)
    else:
        controller = AppController(window, services)
        if history_store is not None:
            attach_history(window, services, controller.tasks, open_conversation=controller.open_conversation)
    await controller.start()
    return Harness(fake, window, controller, services, session, paths, history_store)


@contextlib.asynccontextmanager
async def gallery_harness(fake: FakeReplicate, tmp_path: Path) -> AsyncIterator[tuple[Harness, GalleryWiring]]:
    """The window with its form and history, and the gallery attached as the app attaches it, signed in."""
    h = await make_harness(fake, tmp_path, history=True, catalogue=True)
    wiring = attach_gallery(h.window, h.services, h.controller, h.paths)
    await wiring.start()
    await until(lambda: "fake-user" in h.window.account_label.text(), message="the account check")
    try:
        yield h, wiring
    finally:
        await wiring.aclose()
        if wiring.presenter.window is not None:
            wiring.presenter.window.hide()
        await h.close()
