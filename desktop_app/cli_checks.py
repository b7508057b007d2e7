"""Free checks for ``replicate-desktop generate``: everything local is verified before the first request."""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .replicate import (
    MAX_UPLOAD_BYTES,
    DeadlineError,
    EmptyPromptError,
    FollowPolicy,
    ModelKind,
    UnknownModelError,
    get_model,
    known_kind,
    parse_deadline,
)
from .storage.folders import folder_problem

MAX_DELAY = 3600.0  # seconds between polls; more would leave a run unwatched for hours


class UsageError(Exception):
    """A mistake on the command line; ``str()`` is one sentence telling what to fix."""


@dataclass(frozen=True)
class CheckedArgs:
    """The command line once every free check passed: typed model input (local files as ``Path``) and policy."""

    model: str
    kind: ModelKind | None
    extra: dict[str, Any]
    policy: FollowPolicy


def check_generate_args(args: argparse.Namespace) -> CheckedArgs:
    """Runs every check that needs no network, in the order a user reads the command; raises :class:`UsageError`."""
    try:
        model = get_model(args.model)
    except UnknownModelError as error:
        raise UsageError(str(error)) from None
    if not args.prompt.strip():
        raise UsageError(str(EmptyPromptError()))
    extra = parse_inputs(args.input)
    policy = check_policy(args.max_attempts, args.delay)
    try:
        parse_deadline(getattr(args, "deadline", None))
    except DeadlineError as error:
        raise UsageError(str(error)) from None
    kind = known_kind(model)
    if kind != "text":  # images (or outputs of a model only its result can classify) are saved to --out
        problem = folder_problem(args.out)
        if problem is not None:
            raise UsageError(f"{problem} Choose another with --out.")
    return CheckedArgs(model, kind, extra, policy)


def parse_inputs(pairs: Sequence[str]) -> dict[str, Any]:
    """``key=value`` pairs; values that parse as JSON (numbers, booleans, lists) are decoded and must hold
    only finite numbers; ``key=@path`` names a local file, which must be readable and under 100 MB."""
    result: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"-i expects KEY=VALUE, got {pair!r}.")
        if key in result:
            raise UsageError(f"-i {key} is given twice; give each input once.")
        if raw.startswith("@"):
            result[key] = check_file_input(key, raw[1:])
            continue
        try:
            value = json.loads(raw)
        except ValueError:
            value = raw
        if not _finite(value):
            raise UsageError(f"-i {key}={raw}: numbers must be finite (NaN and Infinity cannot be sent).")
        result[key] = value
    return result


def check_file_input(key: str, name: str) -> Path:
    """The path of a file input, after checking it can be read and sent."""
    if not name:
        raise UsageError(f"-i {key}=@ needs a file name after the @.")
    path = Path(name).expanduser()
    try:
        if not path.exists():
            raise UsageError(f"-i {key}=@{name}: there is no file at {path}.")
        if path.is_dir():
            raise UsageError(f"-i {key}=@{name}: {path} is a folder, not a file.")
        size = path.stat().st_size
        with path.open("rb") as file:
            file.read(1)
    except ValueError:
        raise UsageError(f"-i {key}=@{name!r} is not a valid file name.") from None
    except OSError as error:
        reason = (error.strerror or str(error)).lower()
        raise UsageError(f"-i {key}=@{name}: {path} cannot be read ({reason}).") from None
    if size >= MAX_UPLOAD_BYTES:
        raise UsageError(f"-i {key}=@{name}: {path} is {size / 1_000_000:.1f} MB; files must be less than 100 MB.")
    return path


def check_policy(max_attempts: int, delay: float) -> FollowPolicy:
    """The polling policy, once both numbers are finite and in range."""
    if max_attempts < 1:
        raise UsageError(f"--max-attempts must be at least 1, got {max_attempts}.")
    if not math.isfinite(delay) or not 0 < delay <= MAX_DELAY:
        raise UsageError(f"--delay must be a number of seconds above 0 and at most {MAX_DELAY:g}, got {delay:g}.")
    return FollowPolicy(max_attempts=max_attempts, delay=delay)


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_finite(item) for item in value)
    if isinstance(value, dict):
        return all(_finite(item) for item in value.values())
    return True
