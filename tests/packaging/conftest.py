"""Shared paths and helpers for the packaging tests."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

import desktop_app

ROOT = Path(desktop_app.__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
RESOURCES = ROOT / "resources"
ICONS = ROOT / "desktop_app" / "assets" / "icons"
APP_ID = "io.github.replicate_desktop.ReplicateDesktop"
DESKTOP_FILE = RESOURCES / f"{APP_ID}.desktop"
METAINFO_FILE = RESOURCES / f"{APP_ID}.metainfo.xml"


def require_tool(name: str, debian_package: str) -> str:
    """The path of a command-line tool. Missing on a Debian-like system is a failure (``make test-deps``
    installs it); elsewhere the test is skipped, since only Debian's package list is maintained here."""
    path = shutil.which(name)
    if path:
        return path
    if shutil.which("dpkg-query"):
        pytest.fail(f"{name} is missing: run `make test-deps` (Debian package {debian_package})")
    pytest.skip(f"{name} not installed (Debian package {debian_package}) and this is not a Debian-like system")


def require_module(module: str, requirement: str) -> None:
    """Fails with a sentence when a build tool the packaging tests use is missing: tests install nothing, the
    project's ``test`` extra brings them (``make test`` installs it)."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:  # no origin: a bare folder (e.g. the checkout's build/), not the tool
        pytest.fail(f"{requirement} is missing from this environment: the `test` extra has it (make test installs it)")
