"""A friendly, non-modal window for unexpected errors: what happened, the (redacted) details, the log folder."""

from __future__ import annotations

import contextlib
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ... import __version__
from ...logs import current_redactor
from ..common.widgets import named
from .about import component_versions

__all__ = ["MAX_SHOWN_PROBLEMS", "CrashDialog", "UrlOpener"]

UrlOpener = Callable[[QUrl], object]
MAX_SHOWN_PROBLEMS = 50  # a crash loop (say, in a paint event) must not grow the dialog without bound


@dataclass
class _Problem:
    """One reported problem: its one-line summary and its (redacted) details."""

    summary: str
    details: str
    first_seen: float
    repeats: int = 1


class CrashDialog(QDialog):
    """Collects unexpected errors while it is open; :meth:`report` adds one and shows the dialog.

    Opened with ``show()`` (never a nested ``exec``). A problem reported while the dialog is open is added
    to it; one reported after it was closed starts a fresh list. The same traceback twice in a row counts
    as one problem seen twice. Text is redacted again on the way in, so no token reaches the screen.
    ``open_url`` opens the log folder (default ``QDesktopServices.openUrl``; it may return False on failure).

    Signals: none (it only shows what it is given).
    """

    def __init__(
        self,
        log_dir: Path | None = None,
        *,
        open_url: UrlOpener | None = None,
        redact: Callable[[str], str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._log_dir = log_dir
        self._open_url: UrlOpener = open_url or QDesktopServices.openUrl
        self._redact = redact
        self._problems: list[_Problem] = []
        self._dropped = 0
        self._setup_ui()

    def report(self, summary: str, details: str) -> None:
        """Adds a problem (starting afresh if the dialog was closed) and shows the dialog without blocking."""
        already_open = self.isVisible()
        if not already_open:
            self.clear()
        self.add_problem(summary, details)
        if not already_open:
            self.show()
        elif QGuiApplication.platformName() not in ("offscreen", "minimal"):  # they cannot raise windows
            self.raise_()
            self.activateWindow()

    def add_problem(self, summary: str, details: str) -> None:
        """Adds a problem to the list without showing the dialog."""
        redact = self._redact or current_redactor()
        summary, details = redact(summary), redact(details)
        last = self._problems[-1] if self._problems else None
        if last is not None and last.details == details:
            last.repeats += 1
        elif len(self._problems) >= MAX_SHOWN_PROBLEMS:
            self._dropped += 1
        else:
            self._problems.append(_Problem(summary, details, time.time()))
        self._refresh()

    def clear(self) -> None:
        self._problems.clear()
        self._dropped = 0
        self._set_status("")
        self._refresh()

    def problem_count(self) -> int:
        """How many problems were reported since the list was last started (repeats included)."""
        return sum(problem.repeats for problem in self._problems) + self._dropped

    def details_text(self) -> str:
        return self.details_edit.toPlainText()

    def set_details_visible(self, visible: bool) -> None:
        if visible != self.details_edit.isVisibleTo(self):
            self._on_details_button_clicked()

    def copy_details(self) -> None:
        """Puts the details, headed by the versions of the app, its components and the system, on the clipboard."""
        versions = " · ".join(f"{name} {version}" for name, version in component_versions())
        header = f"Replicate Desktop {__version__} · {versions} · {platform.platform()}"
        QGuiApplication.clipboard().setText(f"{header}\n\n{self.details_text()}\n")
        self._set_status(self.tr("The details are on the clipboard."))

    def open_log_folder(self) -> bool:
        """Opens the log folder in the file manager (creating it if needed); says so when that fails."""
        if self._log_dir is None:
            return False
        with contextlib.suppress(OSError):  # the opener reports the failure below
            self._log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        opened = self._open_url(QUrl.fromLocalFile(str(self._log_dir)))
        if opened is False:
            self._set_status(self.tr("Could not open {folder}").format(folder=self._log_dir))
            return False
        self._set_status("")
        return True

    def _setup_ui(self) -> None:
        self.setObjectName("crashDialog")
        self.setWindowTitle(self.tr("Something went wrong"))
        self.setModal(False)
        self.setMinimumWidth(520)

        icon = named(QLabel(), "crashIcon")
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_MessageBoxIconSize)
        icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(size, size))
        heading = named(QLabel(self.tr("Something went wrong")), "crashHeading")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        heading.setFont(font)
        message = named(
            QLabel(self.tr("Replicate Desktop hit an unexpected problem. Your work is saved; you can keep going.")),
            "crashMessage",
        )
        message.setWordWrap(True)
        self.summary_label = named(QLabel(), "crashSummary")
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary_label.setTextFormat(Qt.TextFormat.PlainText)

        text_column = QVBoxLayout()
        text_column.addWidget(heading)
        text_column.addWidget(message)
        text_column.addWidget(self.summary_label)
        top = QHBoxLayout()
        top.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addLayout(text_column, 1)
        top.setSpacing(16)

        self.details_button = named(QToolButton(), "crashDetailsButton")
        self.details_button.setText(self.tr("Details"))
        self.details_button.setAutoRaise(True)
        self.details_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.details_button.clicked.connect(self._on_details_button_clicked)
        self.details_edit = named(QPlainTextEdit(), "crashDetails")
        self.details_edit.setReadOnly(True)
        self.details_edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details_edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details_edit.setMinimumHeight(220)
        self.details_edit.hide()

        self.status_label = named(QLabel(), "crashStatus")
        self.status_label.setWordWrap(True)
        self.status_label.hide()
        self.copy_button = named(QPushButton(self.tr("Copy details")), "crashCopyButton")
        self.copy_button.clicked.connect(self.copy_details)
        self.log_button = named(QPushButton(self.tr("Open log folder")), "crashLogFolderButton")
        self.log_button.clicked.connect(self.open_log_folder)
        self.log_button.setVisible(self._log_dir is not None)
        self.close_button = named(QPushButton(self.tr("Close")), "crashCloseButton")
        self.close_button.setDefault(True)
        self.close_button.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.log_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.details_button)
        layout.addWidget(self.details_edit, 1)
        layout.addWidget(self.status_label)
        layout.addSpacing(6)
        layout.addLayout(buttons)
        self._show_details(False)

    def _refresh(self) -> None:
        count = self.problem_count()
        latest = self._problems[-1].summary if self._problems else ""
        if count > 1:
            self.summary_label.setText(
                self.tr("{count} problems so far; the latest: {summary}").format(count=count, summary=latest)
            )
        else:
            self.summary_label.setText(latest)
        self.details_edit.setPlainText(self._details())

    def _details(self) -> str:
        parts = []
        for number, problem in enumerate(self._problems, start=1):
            when = time.strftime("%H:%M:%S", time.localtime(problem.first_seen))
            header = self.tr("── Problem {number} at {time} ──").format(number=number, time=when)
            if problem.repeats > 1:
                header += " " + self.tr("(happened {count} times)").format(count=problem.repeats)
            parts.append(f"{header}\n{problem.details.rstrip()}")
        if self._dropped:
            parts.append(self.tr("… and {count} more; the log file has them all.").format(count=self._dropped))
        return "\n\n".join(parts)

    def _set_status(self, text: str) -> None:
        self.status_label.setText(text)
        self.status_label.setVisible(bool(text))

    def _on_details_button_clicked(self) -> None:
        self._show_details(not self.details_edit.isVisibleTo(self))

    def _show_details(self, shown: bool) -> None:
        self.details_edit.setVisible(shown)
        self.details_button.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.details_button.setToolTip(self.tr("Hide the details") if shown else self.tr("Show the details"))
        self.adjustSize()
        if shown:  # room for traceback lines
            self.resize(max(self.width(), 720), self.height())
