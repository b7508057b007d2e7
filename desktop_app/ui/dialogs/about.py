"""The About window: name, version, licence, links, component versions and where the logs are."""

from __future__ import annotations

import contextlib
import html
import platform
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import PySide6
from PySide6.QtCore import QCoreApplication, Qt, QUrl, qVersion
from PySide6.QtGui import QDesktopServices, QGuiApplication, QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ... import __version__
from ..common.widgets import named

__all__ = ["API_DOCS_URL", "HOMEPAGE_URL", "TOKEN_URL", "AboutDialog", "component_versions"]

HOMEPAGE_URL = "https://github.com/replicate-desktop/replicate-desktop"
API_DOCS_URL = "https://replicate.com/docs"
TOKEN_URL = "https://replicate.com/account/api-tokens"
UrlOpener = Callable[[QUrl], object]


def component_versions() -> list[tuple[str, str]]:
    """``(name, version)`` of Python, Qt, PySide6, aiohttp and qasync (read from metadata, nothing imported)."""
    return [
        ("Python", platform.python_version()),
        ("Qt", qVersion()),
        ("PySide6", getattr(PySide6, "__version__", "") or _distribution_version("PySide6-Essentials", "PySide6")),
        ("aiohttp", _distribution_version("aiohttp")),
        ("qasync", _distribution_version("qasync")),
    ]


class AboutDialog(QDialog):
    """Says what the app is and which versions it runs on; opened with ``open()`` (never a nested ``exec``).

    Links and the log folder open through ``open_url`` (default ``QDesktopServices.openUrl``).

    Signals: none.
    """

    def __init__(
        self, log_dir: Path | None = None, *, open_url: UrlOpener | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._log_dir = log_dir
        self._open_url: UrlOpener = open_url or QDesktopServices.openUrl
        self._setup_ui()

    def versions_text(self) -> str:
        """The component versions as plain lines, as copied by the "Copy versions" button."""
        lines = [f"Replicate Desktop {__version__}"]
        lines += [f"{name} {version}" for name, version in component_versions()]
        lines.append(platform.platform())
        return "\n".join(lines)

    def copy_versions(self) -> None:
        QGuiApplication.clipboard().setText(self.versions_text())

    def open_log_folder(self) -> bool:
        """Opens the log folder in the file manager, creating it first if needed."""
        if self._log_dir is None:
            return False
        with contextlib.suppress(OSError):  # the opener reports the failure
            self._log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        return self._open_url(QUrl.fromLocalFile(str(self._log_dir))) is not False

    def _setup_ui(self) -> None:
        self.setObjectName("aboutDialog")
        self.setWindowTitle(self.tr("About Replicate Desktop"))
        self.setModal(False)
        self.setMinimumWidth(480)

        header = QHBoxLayout()
        header.setSpacing(16)
        icon = _app_icon()
        if not icon.isNull():
            icon_label = named(QLabel(), "aboutIcon")
            icon_label.setPixmap(icon.pixmap(64, 64))
            header.addWidget(icon_label, 0, Qt.AlignmentFlag.AlignTop)
        title_column = QVBoxLayout()
        name = named(QLabel(self.tr("Replicate Desktop")), "aboutName")
        font = name.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        name.setFont(font)
        self.version_label = named(QLabel(self.tr("Version {version}").format(version=__version__)), "aboutVersion")
        self.version_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        description = named(
            QLabel(self.tr("Chat with text models and generate images with models hosted on Replicate.")),
            "aboutDescription",
        )
        description.setWordWrap(True)
        licence = named(QLabel(self.tr("Free software under the MIT licence.")), "aboutLicence")
        title_column.setSpacing(6)
        for widget in (name, self.version_label, description, licence):
            title_column.addWidget(widget)
        title_column.addStretch(1)
        header.addLayout(title_column, 1)

        links = [
            (HOMEPAGE_URL, self.tr("Project homepage")),
            (API_DOCS_URL, self.tr("Replicate API documentation")),
            (TOKEN_URL, self.tr("Your Replicate API tokens")),
        ]
        self.links_label = named(
            QLabel("<br>".join(f'<a href="{html.escape(url)}">{html.escape(text)}</a>' for url, text in links)),
            "aboutLinks",
        )
        self.links_label.setTextFormat(Qt.TextFormat.RichText)
        self.links_label.setOpenExternalLinks(False)  # through the injectable opener instead
        self.links_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.links_label.linkActivated.connect(self._on_links_label_link_activated)

        versions = QFormLayout()
        versions.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        versions.setFormAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        versions.setHorizontalSpacing(24)
        versions.setVerticalSpacing(2)
        self.version_labels: dict[str, QLabel] = {}
        for component, version in component_versions():
            value = named(QLabel(version), f"aboutVersion{component}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.version_labels[component] = value
            versions.addRow(component, value)

        log_row = QHBoxLayout()
        log_text = str(self._log_dir) if self._log_dir is not None else self.tr("not set")
        self.log_dir_label = named(QLabel(log_text), "aboutLogFolder")
        self.log_dir_label.setTextFormat(Qt.TextFormat.PlainText)
        self.log_dir_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.log_dir_label.setWordWrap(True)
        self.log_button = named(QPushButton(self.tr("Open log folder")), "aboutLogFolderButton")
        self.log_button.setEnabled(self._log_dir is not None)
        self.log_button.clicked.connect(self.open_log_folder)
        log_row.addWidget(self.log_dir_label, 1)
        log_row.addWidget(self.log_button, 0)

        buttons = named(QDialogButtonBox(QDialogButtonBox.StandardButton.Close), "aboutButtons")
        copy_button = named(QPushButton(self.tr("Copy versions")), "aboutCopyButton")
        buttons.addButton(copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        copy_button.clicked.connect(self.copy_versions)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addLayout(header)
        layout.addSpacing(4)
        layout.addWidget(self.links_label)
        layout.addSpacing(4)
        layout.addWidget(_section(self.tr("Running on")))
        layout.addLayout(versions)
        layout.addSpacing(4)
        layout.addWidget(_section(self.tr("Log folder")))
        layout.addLayout(log_row)
        layout.addStretch(1)
        layout.addWidget(buttons)

    def _on_links_label_link_activated(self, link: str) -> None:
        self._open_url(QUrl(link))


def _section(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def _distribution_version(*names: str) -> str:
    for name in names:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return QCoreApplication.translate("AboutDialog", "not installed")


def _app_icon() -> QIcon:
    """The app icon from ``desktop_app.resources`` when that module provides one, else the application's."""
    try:
        from ...resources import app_icon
    except ImportError:  # a build without the packaged icons
        return QGuiApplication.windowIcon()
    try:
        icon = app_icon()
    except OSError:  # icon files missing from a broken install
        return QGuiApplication.windowIcon()
    return icon if not icon.isNull() else QGuiApplication.windowIcon()
