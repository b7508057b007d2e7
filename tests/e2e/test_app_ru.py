"""The real application in Russian against the fake server, with a screenshot for the README."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPlainTextEdit, QPushButton, QWidget

from desktop_app.__main__ import build_parser
from desktop_app.app import main, open_window
from desktop_app.storage.paths import AppPaths
from desktop_app.storage.settings import Settings, SettingsStore
from desktop_app.ui.common.translations import install_translations, remove_translations
from tests.e2e.test_app_e2e import FLUX, LLAMA, REPLY, _tokens
from tests.fake_replicate import FakeReplicate, Script
from tests.ui.harness import until


@pytest.fixture
def russian_app() -> Iterator[QApplication]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    install_translations(app, "ru")  # the app installs it itself from the setting; this covers either way
    yield app
    remove_translations(app)


def _clipped(widget: QWidget) -> list[str]:
    """Visible buttons whose text does not fit their width (a longer translation squeezed by its layout)."""
    found = []
    for button in widget.findChildren(QPushButton):
        if button.isVisible() and button.text():
            needed = button.fontMetrics().horizontalAdvance(button.text().replace("&", ""))
            if needed > button.contentsRect().width():
                found.append(f"{button.objectName() or button.text()}: {needed} > {button.contentsRect().width()}")
    return found


@pytest.mark.e2e
async def test_real_app_in_russian(
    fake_replicate: FakeReplicate, tmp_path: Path, screenshots: Path, russian_app: QApplication
) -> None:
    fake_replicate.set_script(LLAMA, Script(kind="text", chunks=_tokens(REPLY), token_interval=0.002))
    fake_replicate.set_script(FLUX, Script(kind="image", images=[("webp", 768, 768), ("png", 768, 768)],
                                           steps=4, stream=True))
    paths = AppPaths.under(tmp_path / "user")
    settings = Settings(theme="light", poll_delay=0.1)
    if any(field.name == "language" for field in dataclasses.fields(Settings)):
        settings = dataclasses.replace(settings, language="ru")
    SettingsStore(paths.settings_file).save(settings)
    env = {"REPLICATE_API_TOKEN": fake_replicate.token, "REPLICATE_API_BASE_URL": fake_replicate.base_url}
    args = build_parser().parse_args(["--model", "llama-3-70b"])

    app, window, store = open_window(paths)
    window.resize(1280, 800)
    running = asyncio.ensure_future(main(app, window, args, env, paths, store))
    await until(lambda: "fake-user" in window.account_label.text(), message="sign-in")
    assert window.account_label.text() == "Вход выполнен: fake-user"

    prompt = window.findChild(QPlainTextEdit, "chat_prompt")
    assert prompt is not None
    assert prompt.placeholderText().startswith("Спросите модель")
    prompt.setPlainText("Напиши на Python функцию, которая переставляет слова предложения в обратном порядке.")
    QTest.keyClick(prompt, Qt.Key.Key_Return)
    await until(lambda: bool(window.chat.turns()) and window.chat.turns()[-1].state == "done", message="the reply")
    await asyncio.sleep(0.1)
    assert window.progress.status_text().startswith("Выполнено за ")
    assert _clipped(window) == []

    shot = window.grab().toImage()
    assert (shot.width(), shot.height()) == (1280, 800)
    shot.save(str(screenshots / "chat-ru.png"))

    assert window.model_picker.set_current_model("flux-schnell")
    prompt.setPlainText("Маяк в сумерках, акварель")
    QTest.keyClick(prompt, Qt.Key.Key_Return)
    await until(lambda: window.viewer.image_count() == 2 and window.viewer.current_image() is not None,
                message="the images")
    await until(lambda: not window.chat.is_busy(), message="the generation to end")
    await asyncio.sleep(0.2)
    assert _clipped(window) == []
    window.grab().toImage().save(str(screenshots / "image-ru.png"))

    window.close()
    assert await asyncio.wait_for(running, 10) == 0
