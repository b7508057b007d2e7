"""Shared paths and helpers for the packaging tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
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
    """The path of a command-line tool. Missing on a Debian-like system is a failure (``make system-deps``
    installs it); elsewhere the test is skipped, since only Debian's package list is maintained here."""
    path = shutil.which(name)
    if path:
        return path
    if shutil.which("dpkg-query"):
        pytest.fail(f"{name} is missing: run `make system-deps` (Debian package {debian_package})")
    pytest.skip(f"{name} not installed (Debian package {debian_package}) and this is not a Debian-like system")


def ensure_installed(requirement: str, module: str) -> None:
    """Installs ``requirement`` with pip into the running environment when ``module`` is not importable (the
    tools only the packaging tests need are not in the project's test extra)."""
    probe = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, check=False)
    if probe.returncode != 0:
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", requirement],
            check=True,
            env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
        )
