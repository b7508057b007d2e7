"""Logging for the app: a rotating log file plus stderr, with tokens and secrets redacted everywhere."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import logging.handlers
import re
import sys
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TextIO

from .replicate import scrub
from .storage.validation import mask_tokens

__all__ = [
    "LOG_BACKUP_COUNT",
    "LOG_FILE_NAME",
    "LOG_MAX_BYTES",
    "RedactingFilter",
    "RedactingFormatter",
    "Redactor",
    "current_redactor",
    "describe_exception",
    "install_asyncio_handler",
    "log_file",
    "setup_logging",
    "teardown_logging",
]

LOG_FILE_NAME = "replicate-desktop.log"
LOG_MAX_BYTES = 1024 * 1024
LOG_BACKUP_COUNT = 5
LOG_FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"
REDACTED = "[redacted]"
_MIN_SECRET_LENGTH = 4  # shorter "secrets" would blank out ordinary words

# Authorization values, `Token …` credentials and the current secrets go through the core's `scrub`; a log also
# hides every `Bearer …` value however short, and `api_token=…` assignments.
_BEARER = re.compile(r"(?i)(\bbearer\s+)(?!\[redacted\])[^\s'\",;)}\]]+")
_TOKEN_ASSIGNMENT = re.compile(
    r"""(?i)((?:api[_-]?token|access[_-]?token)['"]?\s*[:=]\s*['"]?)(?!\[redacted\])[^\s'",;)}\]]+"""
)

log = logging.getLogger(__name__)


class Redactor:
    """Callable that hides API tokens, Authorization values and the app's current secrets in a text."""

    def __init__(self, secrets: Callable[[], Iterable[str]] | None = None) -> None:
        self._secrets = secrets

    def __call__(self, text: str) -> str:
        text = scrub(text, self._current_secrets())
        text = _BEARER.sub(lambda match: match.group(1) + REDACTED, text)
        text = _TOKEN_ASSIGNMENT.sub(lambda match: match.group(1) + REDACTED, text)
        return mask_tokens(text)

    def _current_secrets(self) -> list[str]:
        if self._secrets is None:
            return []
        try:
            found = [str(secret).strip() for secret in self._secrets() if secret]
        except Exception:  # a failing secrets source must never break logging
            return []
        return sorted({secret for secret in found if len(secret) >= _MIN_SECRET_LENGTH}, key=len, reverse=True)


class RedactingFilter(logging.Filter):
    """Rewrites each record so its message, arguments, traceback and stack hold no secrets.

    The arguments are merged into the message (``record.args`` becomes ``None``), so whatever handler
    formats the record afterwards sees only the redacted text.
    """

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # wrong arguments: logging would print them raw to stderr, so fold them in here
            message = f"{record.msg!s} (unformattable arguments: {record.args!r})"
        record.msg = self.redactor(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor(record.stack_info)
        return True


class RedactingFormatter(logging.Formatter):
    """A formatter whose whole output (message, traceback, any field) passes through a redactor."""

    def __init__(self, redactor: Redactor, fmt: str = LOG_FORMAT) -> None:
        super().__init__(fmt)
        self.redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        return self.redactor(super().format(record))


class _AppHandlerMixin:
    """Marks the handlers :func:`setup_logging` installed, so a second call replaces them."""


class _AppFileHandler(_AppHandlerMixin, logging.handlers.RotatingFileHandler):
    """The app's rotating log file (the mixin marks it as the app's own)."""


class _AppStreamHandler(_AppHandlerMixin, logging.StreamHandler[TextIO]):
    """The app's log on stderr with ``--verbose`` (the mixin marks it as the app's own)."""


def log_file(log_dir: Path) -> Path:
    """The current log file inside ``log_dir`` (older ones are ``….log.1`` to ``….log.5``)."""
    return log_dir / LOG_FILE_NAME


def setup_logging(log_dir: Path, *, verbose: bool = False, secrets: Callable[[], Iterable[str]] | None = None) -> Path:
    """Logs to a rotating file in ``log_dir`` (1 MiB × 5) and to stderr, with secrets redacted in both.

    The file gets INFO and above (DEBUG with ``verbose``), stderr WARNING and above (DEBUG with ``verbose``).
    ``secrets`` is called for every record and returns the strings to hide (the app passes the current token).
    Calling it again replaces the handlers of the previous call. When the folder or file cannot be opened, the
    app logs to stderr only and says so there; the path is returned either way.
    """
    teardown_logging()
    redactor = Redactor(secrets)
    path = log_file(log_dir)
    level = logging.DEBUG if verbose else logging.INFO
    root = logging.getLogger()
    root.setLevel(level)

    if sys.stderr is not None:  # None in a windowed app on Windows (pythonw, the gui-script entry point)
        stream_handler = _AppStreamHandler(sys.stderr)
        stream_handler.setLevel(logging.DEBUG if verbose else logging.WARNING)
        _attach(root, stream_handler, redactor)
    try:
        log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        _owner_only(log_dir, 0o700)
        file_handler = _AppFileHandler(path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUP_COUNT, encoding="utf-8")
        _owner_only(path, 0o600)
    except OSError as error:
        log.warning("Logging to stderr only; cannot write the log file %s: %s", path, error)
        return path
    file_handler.setLevel(level)
    _attach(root, file_handler, redactor)
    return path


def teardown_logging() -> None:
    """Removes and closes the handlers :func:`setup_logging` installed (the app calls it on the way out)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _AppHandlerMixin):
            root.removeHandler(handler)
            handler.close()


def current_redactor() -> Redactor:
    """The redactor :func:`setup_logging` installed, or one that hides token shapes and headers only."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, _AppHandlerMixin):
            for candidate in handler.filters:
                if isinstance(candidate, RedactingFilter):
                    return candidate.redactor
    return Redactor()


def describe_exception(
    exc_type: type[BaseException], exc: BaseException | None, tb: Any, redact: Callable[[str], str] | None = None
) -> tuple[str, str]:
    """``(one-line summary, full traceback)`` of an exception, both redacted."""
    redact = redact or current_redactor()
    details = "".join(traceback.format_exception(exc_type, exc, tb))
    text = str(exc).strip().splitlines()[0] if exc is not None and str(exc).strip() else ""
    summary = f"{exc_type.__name__}: {text}" if text else exc_type.__name__
    if len(summary) > 200:
        summary = summary[:199] + "…"
    return redact(summary), redact(details)


def install_asyncio_handler(
    loop: asyncio.AbstractEventLoop, *, report: Callable[[str, str], None] | None = None
) -> None:
    """Makes ``loop`` log what escapes its tasks and callbacks (redacted) instead of printing it.

    With ``report``, an exception (not a plain warning such as an unclosed session) is also passed on as
    ``report(summary, details)`` — the same callable the app gives ``install_excepthook``.
    """
    asyncio_log = logging.getLogger("desktop_app.asyncio")

    def handle(_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        message = str(context.get("message") or "Unhandled error in the event loop")
        exc = context.get("exception")
        extra = "".join(
            f"\n  {key}: {value!r}" for key, value in context.items() if key not in ("message", "exception")
        )
        if isinstance(exc, BaseException):
            asyncio_log.error("%s%s", message, extra, exc_info=(type(exc), exc, exc.__traceback__))
            if report is not None and not isinstance(exc, asyncio.CancelledError):
                try:
                    report(*describe_exception(type(exc), exc, exc.__traceback__))
                except Exception:
                    asyncio_log.exception("Reporting an event loop error failed")
        else:
            asyncio_log.error("%s%s", message, extra)

    loop.set_exception_handler(handle)


def _attach(root: logging.Logger, handler: logging.Handler, redactor: Redactor) -> None:
    handler.addFilter(RedactingFilter(redactor))
    handler.setFormatter(RedactingFormatter(redactor))
    root.addHandler(handler)


def _owner_only(path: Path, mode: int) -> None:
    with contextlib.suppress(OSError):  # a filesystem without permissions (FAT, some shares): nothing to tighten
        path.chmod(mode)
