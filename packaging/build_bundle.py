"""Builds the PyInstaller one-folder bundle: ``python packaging/build_bundle.py`` → ``dist/replicate-desktop/``.

Runs with the project's ``.venv`` (``make package``), where the ``test`` extra brings PyInstaller; it installs
nothing itself. Builds ``packaging/replicate-desktop.spec`` and prints how long that took and how big the bundle is.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "replicate-desktop.spec"
BUNDLE_NAME = "replicate-desktop"
# Tested with 6.22.3 (PySide6-Essentials 6.11.3, Python 3.11); 6.x before that lacks hooks for recent PySide6.
PYINSTALLER_REQUIREMENT = "pyinstaller>=6.22"


class MissingPyInstaller(RuntimeError):
    """PyInstaller is not installed in the environment running this script."""


def require_pyinstaller() -> None:
    """Raises ``MissingPyInstaller`` with the command that installs it when PyInstaller cannot be imported."""
    if importlib.util.find_spec("PyInstaller") is None:
        raise MissingPyInstaller(
            f"PyInstaller is not installed for {sys.executable}: run `make package` (the project's .venv has it), "
            f"or install it with: {sys.executable} -m pip install '{PYINSTALLER_REQUIREMENT}'"
        )


def tree_size(path: Path) -> int:
    """Bytes of all regular files under ``path`` (symlinks counted once, as links)."""
    return sum(entry.lstat().st_size for entry in path.rglob("*") if entry.is_file() and not entry.is_symlink())


def executable(bundle: Path) -> Path:
    """The launcher inside a built bundle folder."""
    return bundle / (f"{BUNDLE_NAME}.exe" if sys.platform == "win32" else BUNDLE_NAME)


def build(dist: Path, work: Path, *, quiet: bool = False) -> Path:
    """Builds the bundle into ``dist/replicate-desktop`` (``work`` holds PyInstaller's intermediate files)."""
    require_pyinstaller()
    command = [
        sys.executable,
        "-P",  # a build/ or dist/ folder in the checkout must not shadow an installed package
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--clean",
        "--log-level",
        "WARN",
        "--distpath",
        str(dist),
        "--workpath",
        str(work),
        str(SPEC),
    ]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=quiet, text=True, check=False)
    if result.returncode != 0:
        details = f"\n{result.stdout}\n{result.stderr}" if quiet else ""
        raise RuntimeError(f"PyInstaller failed with exit code {result.returncode}{details}")
    bundle = dist / BUNDLE_NAME
    if not executable(bundle).is_file():
        raise RuntimeError(f"PyInstaller finished but {executable(bundle)} is missing")
    return bundle


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder (default: dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller", help="intermediate files")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        bundle = build(args.dist.resolve(), args.work.resolve())
    except MissingPyInstaller as error:
        print(error, file=sys.stderr)
        return 1
    elapsed = time.monotonic() - started
    size = tree_size(bundle)
    print(f"Built {executable(bundle)} in {elapsed:.0f} s; bundle size {size / 2**20:.1f} MiB ({bundle})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
