"""The About dialog: version, links, component versions and the log folder."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from desktop_app import __version__
from desktop_app.ui.dialogs.about import API_DOCS_URL, HOMEPAGE_URL, TOKEN_URL, AboutDialog, component_versions


@pytest.fixture
def opened() -> list[QUrl]:
    return []


@pytest.fixture
def dialog(qtbot: QtBot, tmp_path: Path, opened: list[QUrl]) -> AboutDialog:
    about = AboutDialog(tmp_path / "log", open_url=opened.append)
    qtbot.addWidget(about)
    return about


def test_shows_the_version_licence_and_links(dialog: AboutDialog) -> None:
    assert dialog.windowTitle() == "About Replicate Desktop"
    assert dialog.version_label.text() == f"Version {__version__}"
    texts = " ".join(label.text() for label in dialog.findChildren(QWidget) if hasattr(label, "text"))
    assert "MIT" in texts
    links = dialog.links_label.text()
    for url in (HOMEPAGE_URL, API_DOCS_URL, TOKEN_URL):
        assert f'href="{url}"' in links


def test_links_open_through_the_opener(dialog: AboutDialog, opened: list[QUrl]) -> None:
    dialog.links_label.linkActivated.emit(API_DOCS_URL)
    assert opened == [QUrl(API_DOCS_URL)]


def test_lists_component_versions(dialog: AboutDialog) -> None:
    names = [name for name, _ in component_versions()]
    assert names == ["Python", "Qt", "PySide6", "aiohttp", "qasync"]
    assert dialog.version_labels["aiohttp"].text() == metadata.version("aiohttp")
    assert dialog.version_labels["qasync"].text() == metadata.version("qasync")
    assert all(label.text() for label in dialog.version_labels.values())
    dialog.copy_versions()
    copied = QGuiApplication.clipboard().text()
    assert copied.startswith(f"Replicate Desktop {__version__}\nPython ") and "aiohttp " in copied


def test_shows_and_opens_the_log_folder(dialog: AboutDialog, opened: list[QUrl], tmp_path: Path) -> None:
    assert dialog.log_dir_label.text() == str(tmp_path / "log")
    dialog.log_button.click()
    assert opened == [QUrl.fromLocalFile(str(tmp_path / "log"))]
    assert (tmp_path / "log").is_dir()


def test_without_a_log_folder_the_button_is_off(qtbot: QtBot) -> None:
    about = AboutDialog()
    qtbot.addWidget(about)
    assert not about.log_button.isEnabled()
    assert about.open_log_folder() is False


def test_opens_without_blocking(qtbot: QtBot, dialog: AboutDialog, screenshots: Path) -> None:
    assert not dialog.isModal()
    dialog.open()  # returns at once: no nested event loop (Qt makes open() window-modal; show() would not be)
    assert dialog.isVisible()
    qtbot.waitExposed(dialog)
    image = dialog.grab().toImage()
    image.save(str(screenshots / "about_dialog.png"))
    assert image.width() >= 480
    dialog.reject()
    assert not dialog.isVisible()
