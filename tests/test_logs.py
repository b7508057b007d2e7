"""The log file and stderr: rotation, levels, idempotency, and no token or secret in any of it."""

from __future__ import annotations

import asyncio
import logging
import logging.handlers
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.logs import (
    LOG_BACKUP_COUNT,
    LOG_MAX_BYTES,
    RedactingFilter,
    Redactor,
    current_redactor,
    describe_exception,
    install_asyncio_handler,
    log_file,
    setup_logging,
    teardown_logging,
)

TOKEN = "r8_" + "A1b2C3d4E5" * 4
CUSTOM_SECRET = "my-old-style-secret-7f3a"
log = logging.getLogger("desktop_app.tests.logs")


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    yield
    teardown_logging()
    root.setLevel(level)


def _ours() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if type(h).__name__.startswith("_App")]


def _file_handler() -> logging.handlers.RotatingFileHandler:
    (handler,) = [h for h in _ours() if isinstance(h, logging.handlers.RotatingFileHandler)]
    return handler


def _stream_handler() -> logging.Handler:
    (handler,) = [h for h in _ours() if not isinstance(h, logging.handlers.RotatingFileHandler)]
    assert isinstance(handler, logging.StreamHandler)
    return handler


def _read(path: Path) -> str:
    for handler in _ours():
        handler.flush()
    return path.read_text(encoding="utf-8")


def test_creates_the_file_in_an_owner_only_folder(tmp_path: Path) -> None:
    log_dir = tmp_path / "state" / "log"
    path = setup_logging(log_dir)
    assert path == log_file(log_dir) == log_dir / "replicate-desktop.log"
    log.info("hello from the test")
    text = _read(path)
    assert "hello from the test" in text
    assert " INFO " in text and "desktop_app.tests.logs" in text
    assert text[:4].isdigit()  # starts with the date and time
    assert stat.S_IMODE(log_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_rotation_is_configured(tmp_path: Path) -> None:
    setup_logging(tmp_path)
    handler = _file_handler()
    assert (handler.maxBytes, handler.backupCount) == (LOG_MAX_BYTES, LOG_BACKUP_COUNT) == (1024 * 1024, 5)
    handler.maxBytes = 2000  # rotate quickly to see it happen
    for number in range(100):
        log.warning("line %d %s", number, "x" * 80)
    assert (tmp_path / "replicate-desktop.log.1").exists()
    assert not (tmp_path / "replicate-desktop.log.6").exists()


def test_calling_twice_does_not_duplicate_handlers(tmp_path: Path) -> None:
    setup_logging(tmp_path)
    path = setup_logging(tmp_path)
    assert len(_ours()) == 2
    log.warning("once only")
    assert _read(path).count("once only") == 1


def test_stderr_gets_warnings_or_everything_when_verbose(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(tmp_path)
    assert _stream_handler().level == logging.WARNING
    assert _file_handler().level == logging.INFO
    log.info("quiet info")
    log.warning("loud warning")
    err = capsys.readouterr().err
    assert "loud warning" in err and "quiet info" not in err

    setup_logging(tmp_path, verbose=True)
    assert _stream_handler().level == logging.DEBUG == _file_handler().level
    log.debug("debug detail")
    assert "debug detail" in capsys.readouterr().err


def test_token_shapes_headers_and_secrets_are_redacted_everywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = setup_logging(tmp_path, secrets=lambda: [CUSTOM_SECRET, ""])
    log.warning("in the message %s", "r8_" + "z" * 30)
    log.warning("token %s", TOKEN)
    log.warning("headers %s", {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"})
    log.warning("raw header Authorization: Bearer xyz-secret-123 and Authorization: Token abc-secret-456")
    log.warning("custom %s", CUSTOM_SECRET)
    try:
        raise RuntimeError(f"request failed with {TOKEN} / Authorization: Bearer xyz-secret-123 / {CUSTOM_SECRET}")
    except RuntimeError:
        log.exception("the call failed")
    text = _read(path)
    err = capsys.readouterr().err
    for output in (text, err):
        for leaked in (TOKEN, "r8_zzzz", "xyz-secret-123", "abc-secret-456", CUSTOM_SECRET):
            assert leaked not in output
        assert "Authorization: Bearer [redacted]" in output
        assert "'Authorization': 'Bearer [redacted]'" in output
        assert "r8_…" in output
        assert "Traceback (most recent call last)" in output and "RuntimeError: request failed" in output
        assert "'Accept': 'application/json'" in output  # ordinary values are kept


def test_wrong_arguments_are_folded_in_redacted() -> None:
    """Logging would print a record it cannot format raw to stderr (``--- Logging error ---``)."""
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "custom %s and %(odd)s", (CUSTOM_SECRET,), None)
    RedactingFilter(Redactor(lambda: [CUSTOM_SECRET])).filter(record)
    assert record.args is None
    assert record.getMessage() == "custom %s and %(odd)s (unformattable arguments: ('[redacted]',))"


def test_secrets_are_read_per_record(tmp_path: Path) -> None:
    current: list[str] = []
    path = setup_logging(tmp_path, secrets=lambda: current)
    current.append("token-set-later-1234")
    log.warning("now %s", "token-set-later-1234")
    assert "token-set-later-1234" not in _read(path)


def test_a_failing_secrets_source_does_not_break_logging(tmp_path: Path) -> None:
    def broken() -> list[str]:
        raise RuntimeError("keyring gone")

    path = setup_logging(tmp_path, secrets=broken)
    log.warning("still logged %s", TOKEN)
    text = _read(path)
    assert "still logged r8_…" in text and TOKEN not in text


def test_redactor_is_idempotent_and_leaves_ordinary_text() -> None:
    redact = Redactor(lambda: ["sekrit-value"])
    once = redact(f"Authorization: Bearer {TOKEN} token=sekrit-value api_token=abc123")
    assert redact(once) == once
    assert once == "Authorization: Bearer [redacted] token=[redacted] api_token=[redacted]"
    assert redact("Token expired; try again") == "Token expired; try again"


def test_current_redactor_is_the_installed_one(tmp_path: Path) -> None:
    assert CUSTOM_SECRET in current_redactor()(CUSTOM_SECRET)  # nothing installed: token shapes only
    setup_logging(tmp_path, secrets=lambda: [CUSTOM_SECRET])
    assert CUSTOM_SECRET not in current_redactor()(CUSTOM_SECRET)


def test_describe_exception_gives_a_redacted_summary_and_traceback() -> None:
    try:
        raise ValueError(f"bad {TOKEN}\nsecond line")
    except ValueError as error:
        summary, details = describe_exception(type(error), error, error.__traceback__)
    assert summary == "ValueError: bad r8_…"
    assert details.startswith("Traceback") and TOKEN not in details


def test_an_unwritable_folder_leaves_stderr_logging(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    path = setup_logging(blocker / "log")
    assert path == blocker / "log" / "replicate-desktop.log"
    assert len(_ours()) == 1
    assert "cannot write the log file" in capsys.readouterr().err


def test_asyncio_errors_are_logged_redacted_and_reported(tmp_path: Path) -> None:
    path = setup_logging(tmp_path)
    reports: list[tuple[str, str]] = []

    async def failing() -> None:
        raise RuntimeError(f"task failed with {TOKEN}")

    async def main() -> None:
        loop = asyncio.get_running_loop()
        install_asyncio_handler(loop, report=lambda summary, details: reports.append((summary, details)))
        loop.call_exception_handler({"message": "Unclosed client session"})
        task = loop.create_task(failing())
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert task.done()
        loop.call_exception_handler({"message": "Task exception was never retrieved", "exception": task.exception()})

    asyncio.run(main())
    text = _read(path)
    assert "Unclosed client session" in text
    assert "Task exception was never retrieved" in text and "RuntimeError: task failed with r8_…" in text
    assert TOKEN not in text
    assert len(reports) == 1  # the plain warning is logged, not reported
    assert reports[0][0] == "RuntimeError: task failed with r8_…"
    assert TOKEN not in reports[0][1]


def test_imports_without_qt() -> None:
    code = (
        "import sys\n"
        "for name in ('PySide6', 'shiboken6', 'qasync'): sys.modules[name] = None\n"
        "import desktop_app.logs\n"
        "print('clean')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "clean"


def test_a_windowed_app_without_stderr_logs_to_the_file_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", None)
    path = setup_logging(tmp_path)
    log.warning("no console here")
    assert [type(h).__name__ for h in _ours()] == ["_AppFileHandler"]
    assert "no console here" in _read(path)
