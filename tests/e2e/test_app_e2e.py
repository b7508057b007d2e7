"""The real application (``desktop_app.app.main``) against the fake server, with screenshots for the README
(``make screenshots`` saves them into docs/screenshots)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPlainTextEdit

from desktop_app.__main__ import build_parser
from desktop_app.app import main, open_window
from desktop_app.storage.paths import AppPaths
from desktop_app.storage.settings import Settings, SettingsStore
from desktop_app.ui.dialogs.about import AboutDialog
from desktop_app.ui.shell.theme import apply_theme
from tests.fake_replicate import FakeReplicate, Script
from tests.ui.harness import until

LLAMA = "meta/meta-llama-3-70b-instruct"
FLUX = "black-forest-labs/flux-schnell"
REPLY = (
    "Here is a small Python function that reverses the words of a sentence:\n\n"
    "```python\ndef reverse_words(text: str) -> str:\n    return \" \".join(reversed(text.split()))\n```\n\n"
    "It splits on **whitespace**, reverses the list and joins it back with single spaces."
)


def _tokens(text: str) -> list[str]:
    words = text.split(" ")
    return [word if i == 0 else " " + word for i, word in enumerate(words)]


@pytest.fixture
def restore_light_theme() -> Iterator[None]:
    yield
    app = QApplication.instance()
    if isinstance(app, QApplication):
        apply_theme(app, "light")


def _luminance(image: QImage, x: int, y: int) -> float:
    color = QColor(image.pixel(x, y))
    return 0.2126 * color.redF() + 0.7152 * color.greenF() + 0.0722 * color.blueF()


@pytest.mark.e2e
@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.usefixtures("restore_light_theme")
async def test_real_app_chats_generates_and_shuts_down(fake_replicate: FakeReplicate, tmp_path: Path,
                                                       screenshots: Path, theme: Literal["light", "dark"]) -> None:
    fake_replicate.set_script(LLAMA, Script(kind="text", chunks=_tokens(REPLY), token_interval=0.002))
    fake_replicate.set_script(FLUX, Script(kind="image", images=[("webp", 768, 768), ("png", 768, 768)],
                                           steps=4, stream=True))
    paths = AppPaths.under(tmp_path / "user")
    SettingsStore(paths.settings_file).save(Settings(theme=theme, poll_delay=0.1))
    env = {"REPLICATE_API_TOKEN": fake_replicate.token, "REPLICATE_API_BASE_URL": fake_replicate.base_url}
    args = build_parser().parse_args(["--model", "llama-3-70b"])

    app, window, store = open_window(paths)
    window.resize(1280, 800)
    running = asyncio.ensure_future(main(app, window, args, env, paths, store))
    await until(lambda: "fake-user" in window.account_label.text(), message="sign-in")
    assert window.model_picker.current_model() == "llama-3-70b"

    prompt = window.findChild(QPlainTextEdit, "chat_prompt")
    assert prompt is not None
    prompt.setPlainText("Write a Python function that reverses the words of a sentence.")
    QTest.keyClick(prompt, Qt.Key.Key_Return)
    await until(lambda: bool(window.chat.turns()) and window.chat.turns()[-1].state == "done", message="the reply")
    assert window.chat.turns()[-1].text == REPLY
    await asyncio.sleep(0.1)
    chat_shot = window.grab().toImage()
    assert (chat_shot.width(), chat_shot.height()) == (1280, 800)
    chat_shot.save(str(screenshots / f"chat-{theme}.png"))

    assert window.model_picker.set_current_model("flux-schnell")
    prompt.setPlainText("A lighthouse at dusk, watercolor")
    QTest.keyClick(prompt, Qt.Key.Key_Return)
    await until(lambda: window.viewer.image_count() == 2 and window.viewer.current_image() is not None,
                message="the images")
    await until(lambda: not window.chat.is_busy(), message="the generation to end")
    await asyncio.sleep(0.2)
    image_shot = window.grab().toImage()
    image_shot.save(str(screenshots / f"image-{theme}.png"))

    # The theme really is applied: the window background is light or dark as chosen.
    background = _luminance(image_shot, 5, image_shot.height() - 5)
    assert (background > 0.5) == (theme == "light"), background

    window.about_action.trigger()
    about = window.findChild(AboutDialog)
    assert about is not None
    assert about.isVisible()
    assert not about.isModal()  # the chat stays usable behind it
    about.close()

    window.close()
    assert await asyncio.wait_for(running, 10) == 0
    log_text = (paths.log_dir / "replicate-desktop.log").read_text()
    assert "Prediction" in log_text  # the run was logged, and without the token (below)
    for path in [paths.settings_file, *paths.log_dir.glob("*"), *paths.data_dir.rglob("*.db*")]:
        assert fake_replicate.token not in path.read_bytes().decode("latin-1"), path
    saved = SettingsStore(paths.settings_file).load()
    assert saved.last_model == "flux-schnell"
    assert saved.window_geometry
    assert fake_replicate.token not in paths.settings_file.read_text()


@pytest.mark.e2e
async def test_closing_while_a_prediction_runs_cancels_it_and_exits_cleanly(
    fake_replicate: FakeReplicate, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    gate = asyncio.Event()
    fake_replicate.set_script(LLAMA, Script(kind="text", chunks=_tokens(REPLY), gate=gate, gate_after=3))
    paths = AppPaths.under(tmp_path / "user")
    env = {"REPLICATE_API_TOKEN": fake_replicate.token, "REPLICATE_API_BASE_URL": fake_replicate.base_url}
    args = build_parser().parse_args(["--model", "llama-3-70b"])
    app, window, store = open_window(paths)
    running = asyncio.ensure_future(main(app, window, args, env, paths, store))
    await until(lambda: "fake-user" in window.account_label.text(), message="sign-in")
    prompt = window.findChild(QPlainTextEdit, "chat_prompt")
    assert prompt is not None
    prompt.setPlainText("Tell me something long")
    QTest.keyClick(prompt, Qt.Key.Key_Return)
    await until(lambda: len(window.chat.turns()[-1].text) > 0, message="the first words")

    window.close()
    assert await asyncio.wait_for(running, 10) == 0
    (prediction_id,) = fake_replicate.predictions
    assert fake_replicate.requests_to("POST", f"/v1/predictions/{prediction_id}/cancel")
    assert fake_replicate.predictions[prediction_id].status == "canceled"
    gate.set()
    gc.collect()
    await asyncio.sleep(0)
    problems = [r.getMessage() for r in caplog.records if r.name == "asyncio" or "destroyed" in r.getMessage()]
    assert problems == []
