"""The PyInstaller one-folder bundle: built once per session from this checkout (about 30 s here), then the
bundled app must paint its window and exit cleanly, run the headless CLI against the fake server, carry its
package data and stay under a size bound."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

import desktop_app
from tests.integration.helpers import ThreadedFake

from .conftest import APP_ID, ICONS, PACKAGING, ROOT, require_module, require_tool

# Measured 2026-11 on Linux, Python 3.11 + PySide6-Essentials 6.11.3 + PyInstaller 6.22.3: 146 MiB. The bound
# leaves room for dependency updates and catches a heavy module (QtWebEngine, numpy, …) sneaking in.
MAX_BUNDLE_MIB = 200
SENTENCE = "The quick brown fox jumps over the lazy dog."


@dataclass
class Bundle:
    folder: Path
    executable: Path
    build_seconds: float


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    """Builds the bundle with packaging/build_bundle.py into a temporary folder (PyInstaller comes with the test
    extra; a ``build/`` or ``dist/`` folder in the checkout is neither read nor written)."""
    require_module("PyInstaller", "PyInstaller")
    out = tmp_path_factory.mktemp("pyinstaller")
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(PACKAGING / "build_bundle.py"), "--dist", str(out / "dist"), "--work", str(out / "work")],
        cwd=out,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    folder = out / "dist" / "replicate-desktop"
    executable = folder / ("replicate-desktop.exe" if sys.platform == "win32" else "replicate-desktop")
    assert executable.is_file(), result.stdout
    return Bundle(folder, executable, time.monotonic() - started)


def app_env(home: Path, **extra: str) -> dict[str, str]:
    """A minimal environment for the bundled app: a fresh HOME, offscreen Qt, a UTF-8 locale (without one Qt
    prints a locale warning on stderr)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "LC_ALL": "C.UTF-8",
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    return {**env, **extra}


def test_bundle_opens_the_window_and_exits_cleanly(bundle: Bundle, tmp_path: Path) -> None:
    started = time.monotonic()
    result = subprocess.run(
        [str(bundle.executable), "--smoke-test"],
        env=app_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", f"the bundled app wrote to stderr:\n{result.stderr}"
    assert "Traceback" not in result.stdout
    assert elapsed < 60, f"the smoke test took {elapsed:.1f} s"


def test_bundle_reports_its_version(bundle: Bundle, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(bundle.executable), "--version"], env=app_env(tmp_path), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"replicate-desktop {desktop_app.__version__}"


def test_bundle_runs_the_headless_cli_against_the_fake_server(bundle: Bundle, tmp_path: Path) -> None:
    """aiohttp, its C extensions and ssl work inside the bundle: text streams, an image is saved."""
    server = ThreadedFake()
    fake = server.start()
    try:
        env = app_env(tmp_path, REPLICATE_API_TOKEN=fake.token, REPLICATE_API_BASE_URL=fake.base_url)
        text = subprocess.run(
            [str(bundle.executable), "generate", "llama-3-70b", "hello"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        out = tmp_path / "images"
        image = subprocess.run(
            [str(bundle.executable), "generate", "flux-schnell", "a lighthouse", "--out", str(out)],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        server.stop()
    assert (text.returncode, text.stdout) == (0, SENTENCE + "\n"), text.stderr
    assert "Traceback" not in text.stderr
    assert image.returncode == 0, image.stderr
    (saved,) = out.iterdir()
    assert saved.stat().st_size > 0 and image.stdout.strip() == str(saved)


def test_bundle_carries_the_package_data(bundle: Bundle) -> None:
    internal = bundle.folder / "_internal"
    for icon in ICONS.glob("icon*.*"):
        assert (internal / "desktop_app" / "assets" / "icons" / icon.name).read_bytes() == icon.read_bytes()
    for catalogue in (ROOT / "desktop_app" / "i18n").glob("*.qm"):
        assert (internal / "desktop_app" / "i18n" / catalogue.name).is_file(), catalogue.name
    assert list((internal / "PySide6" / "Qt" / "translations").glob("qtbase_*.qm")), "Qt's own translations"
    assert (internal / "desktop_app" / "replicate" / "__init__.pyi").is_file(), "the core's face (read at run time)"
    prices = ROOT / "desktop_app" / "session" / "data" / "prices.json"
    assert (internal / "desktop_app" / "session" / "data" / "prices.json").read_bytes() == prices.read_bytes()
    # What the About dialog and keyring read through importlib.metadata.
    # (An editable install contributes the checkout's .egg-info instead of a .dist-info.)
    for distribution in ("replicate_desktop", "aiohttp", "qasync", "keyring"):
        found = [*internal.glob(f"{distribution}-*.dist-info"), *internal.glob(f"{distribution}*.egg-info")]
        assert found, distribution


def test_bundle_leaves_out_what_the_app_does_not_use(bundle: Bundle) -> None:
    internal = bundle.folder / "_internal"
    names = {path.name for path in internal.rglob("*")}
    for unwanted in ("QtWebEngineCore", "QtQml", "QtQuick", "Qt3DCore", "QtMultimedia", "QtNetwork", "QtPdf"):
        assert not [name for name in names if unwanted in name], unwanted
    for package in ("numpy", "tkinter", "PIL", "pytest", "pydantic", "replicate"):
        assert not (internal / package).exists(), package


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ldd and the share/ tree are Linux-only")
def test_bundle_qt_libraries_resolve_inside_the_bundle(bundle: Bundle) -> None:
    """Every Qt library, plugin and binding finds the Qt libraries it needs inside the bundle (the spec prunes
    Qt; this catches pruning too much). System libraries a desktop provides (GTK, Wayland) may be absent here."""
    internal = bundle.folder / "_internal"
    qt_lib = internal / "PySide6" / "Qt" / "lib"
    env = {**os.environ, "LD_LIBRARY_PATH": f"{internal}:{qt_lib}:{internal / 'PySide6'}"}
    checked = 0
    for library in sorted(internal.joinpath("PySide6").rglob("*.so*")):
        if library.is_symlink() or not library.is_file():
            continue
        output = subprocess.run(["ldd", str(library)], env=env, capture_output=True, text=True, check=False).stdout
        missing = re.findall(r"^\s*(\S+) => not found", output, re.M)
        assert not [name for name in missing if re.match(r"lib(Qt6|pyside6|shiboken6|icu)", name)], (library, missing)
        checked += 1
    assert checked > 20


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the share/ tree is made for Linux bundles")
def test_linux_bundle_ships_desktop_integration(bundle: Bundle) -> None:
    share = bundle.folder / "share"
    desktop_file = share / "applications" / f"{APP_ID}.desktop"
    assert (share / "metainfo" / f"{APP_ID}.metainfo.xml").is_file()
    for size in (16, 32, 48, 64, 128, 256, 512):
        assert (share / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png").is_file()
    assert (share / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()
    tool = require_tool("desktop-file-validate", "desktop-file-utils")
    result = subprocess.run([tool, str(desktop_file)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout


def test_bundle_size_is_bounded(bundle: Bundle, capsys: pytest.CaptureFixture[str]) -> None:
    size = sum(path.lstat().st_size for path in bundle.folder.rglob("*") if path.is_file() and not path.is_symlink())
    mib = size / 2**20
    with capsys.disabled():
        print(f"\n[bundle] {bundle.folder.name}: {mib:.1f} MiB, built in {bundle.build_seconds:.0f} s", flush=True)
    assert mib < MAX_BUNDLE_MIB, f"bundle is {mib:.1f} MiB (bound {MAX_BUNDLE_MIB} MiB)"
