"""What every headless command shares: exit codes, the stored token, models' schemas cached on disk, and how it
reports (lines on stderr, or JSON lines on stdout)."""

from __future__ import annotations

import argparse
import contextlib
import json
from collections.abc import Sequence
from dataclasses import asdict, is_dataclass
from typing import Any, TextIO

from .replicate import ModelSchemas

EXIT_OK, EXIT_USAGE, EXIT_API, EXIT_FAILED, EXIT_TIMEOUT, EXIT_INTERRUPTED = 0, 2, 3, 4, 5, 130


def stored_token() -> str | None:
    """The token the app keeps (keyring or file), when there is one."""
    try:
        from .storage import AppPaths, TokenStore

        token, _source = TokenStore(AppPaths.default().config_dir).resolve({})
        return token
    except Exception:  # a broken keyring must not stop a run that has no token anyway
        return None


def schema_source() -> ModelSchemas:
    """Models' schemas, cached on disk where the window keeps them too (from the API alone without a cache)."""
    try:
        from .storage import AppPaths
        from .storage.schema_cache import SchemaCache

        return ModelSchemas(SchemaCache(AppPaths.default().cache_dir / "schemas"))
    except Exception:  # no usable cache folder: read schemas from the API each run
        return ModelSchemas()


def parse_args(parser: argparse.ArgumentParser, argv: Sequence[str], stdout: TextIO,
               stderr: TextIO) -> argparse.Namespace | int:
    """The parsed arguments, or the exit code when argparse ended the command (usage error, or ``--help``)
    after writing to the given streams rather than to the process's."""
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            return parser.parse_args(argv)
    except SystemExit as exit_:
        return EXIT_USAGE if exit_.code else EXIT_OK


class LineReporter:
    """The part of every command's reporter that is the same: errors and notes as lines on stderr, or with
    ``--json`` one JSON object a line on stdout."""

    def __init__(self, stdout: TextIO, stderr: TextIO, *, as_json: bool) -> None:
        self.stdout, self.stderr, self.as_json = stdout, stderr, as_json

    def error(self, message: str, code: int | None) -> None:
        if self.as_json:
            self._json({"event": "error", "message": message, "exit_code": code})
        self._err(f"Error: {message}")

    def _err(self, line: str) -> None:
        print(line, file=self.stderr, flush=True)

    def _json(self, payload: dict[str, Any]) -> None:
        self.stdout.write(json.dumps(payload, ensure_ascii=False, default=str) + "\n")
        self.stdout.flush()


def event_fields(event: object) -> dict[str, Any]:
    """An event's fields for a ``--json`` line (a dataclass as a dict; anything else as its text)."""
    if is_dataclass(event) and not isinstance(event, type):
        return asdict(event)
    return {"value": str(event)}
