"""Catches what escapes a slot or a thread: logs it (redacted) and reports it on the GUI thread; the app keeps going."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QWidget

from ...logs import current_redactor, describe_exception

if TYPE_CHECKING:
    from ..dialogs.crash import CrashDialog

__all__ = ["CrashReports", "ExceptHook", "install_excepthook"]

log = logging.getLogger(__name__)

Report = Callable[[str, str], None]


class ExceptHook(QObject):
    """Stands in for ``sys.excepthook`` and ``threading.excepthook`` while installed.

    Each unexpected exception is logged with its traceback (the logging filter redacts it) and then handed to
    ``report(summary, details)`` — both redacted — from the GUI thread's event loop, never from inside the
    failing slot or thread. Nothing exits: PySide6 passes an exception raised in a slot to ``sys.excepthook``
    and carries on, and so does this hook. ``KeyboardInterrupt`` goes to the previous hook unchanged.

    Signals:
        crashed(str summary, str details) — emitted from any thread; delivered queued to the GUI thread
    """

    crashed = Signal(str, str)

    def __init__(
        self, report: Report, *, redact: Callable[[str], str] | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._report = report
        self._redact = redact
        self._previous_sys: Callable[..., object] | None = None
        self._previous_threading: Callable[[threading.ExceptHookArgs], object] | None = None
        self.crashed.connect(self._on_self_crashed, Qt.ConnectionType.QueuedConnection)

    @property
    def installed(self) -> bool:
        return self._previous_sys is not None

    def install(self) -> None:
        """Replaces ``sys.excepthook`` and ``threading.excepthook`` (call it from the GUI thread)."""
        if self.installed:
            return
        self._previous_sys = sys.excepthook
        self._previous_threading = threading.excepthook
        sys.excepthook = self.handle
        threading.excepthook = self._handle_thread

    def uninstall(self) -> None:
        """Puts back the hooks that were there before :meth:`install` (if nobody replaced ours since)."""
        if self._previous_sys is None:
            return
        if sys.excepthook == self.handle:
            sys.excepthook = self._previous_sys
        if threading.excepthook == self._handle_thread and self._previous_threading is not None:
            threading.excepthook = self._previous_threading
        self._previous_sys = self._previous_threading = None

    def handle(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None, where: str = ""
    ) -> None:
        """Logs the exception and schedules the report; safe to call from any thread, never raises."""
        if issubclass(exc_type, KeyboardInterrupt):
            (self._previous_sys or sys.__excepthook__)(exc_type, exc, tb)
            return
        try:
            log.error("Unexpected error%s", where, exc_info=(exc_type, exc, tb))
            summary, details = describe_exception(exc_type, exc, tb, self._redact or current_redactor())
            self.crashed.emit(summary, details)
        except Exception:  # the hook must never raise; fall back to a line on stderr without any details
            print(f"Unexpected error ({exc_type.__name__}); reporting it failed as well", file=sys.stderr)

    def _handle_thread(self, args: threading.ExceptHookArgs) -> None:
        if issubclass(args.exc_type, SystemExit):
            return
        if args.exc_value is None:  # never seen in practice (raising a class instantiates it)
            (self._previous_threading or threading.__excepthook__)(args)
            return
        name = args.thread.name if args.thread is not None else "unknown"
        self.handle(args.exc_type, args.exc_value, args.exc_traceback, where=f" in thread {name}")

    @Slot(str, str)
    def _on_self_crashed(self, summary: str, details: str) -> None:
        try:
            self._report(summary, details)
        except Exception:  # logged, not re-raised: a failing report must not come back here in a loop
            log.exception("Showing an unexpected error failed")


def install_excepthook(
    report: Report, *, redact: Callable[[str], str] | None = None, parent: QObject | None = None
) -> ExceptHook:
    """Installs an :class:`ExceptHook` that calls ``report(summary, details)`` on the GUI thread and returns it.

    ``redact`` defaults to the redactor :func:`desktop_app.logs.setup_logging` installed (looked up per error).
    Keep the returned object (or give it a ``parent``); call its ``uninstall()`` to restore the previous hooks.
    """
    hook = ExceptHook(report, redact=redact, parent=parent)
    hook.install()
    return hook


class CrashReports:
    """The crash dialog for unexpected errors, built on the first report (not at start: it costs memory an app
    that never crashes does not need). ``report`` is what :func:`install_excepthook` calls."""

    def __init__(self, log_dir: Path, *, parent: QWidget) -> None:
        self.log_dir = log_dir
        self.parent = parent
        self._dialog: CrashDialog | None = None

    def report(self, summary: str, details: str) -> None:
        if self._dialog is None:
            from ..dialogs.crash import CrashDialog

            self._dialog = CrashDialog(self.log_dir, parent=self.parent)
        self._dialog.report(summary, details)

