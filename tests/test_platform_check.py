"""The start-up check of Qt's xcb plugin: which platform Qt will pick, the libraries ``ldd`` reports missing, their
Debian packages (checked against dpkg), one sentence and exit 1 for a plugin that really cannot load, and the real
window opening under Xvfb when everything is there."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from desktop_app import platform_check
from desktop_app.platform_check import (
    debian_package,
    missing_libraries_sentence,
    not_found_in_ldd,
    qt_will_use_xcb,
)

ROOT = Path(__file__).resolve().parent.parent
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Qt's xcb plugin exists on Linux only")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DISPLAY": ":0"}, True),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"}, True),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb:nomitshm"}, True),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, False),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "wayland", "WAYLAND_DISPLAY": "wayland-0"}, False),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "wayland;xcb"}, True),  # no compositor: Qt falls back to xcb
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "wayland;xcb", "WAYLAND_DISPLAY": "wayland-0"}, False),
        ({"DISPLAY": ":0", "XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0"}, False),
        ({"DISPLAY": ":0", "XDG_SESSION_TYPE": "wayland"}, True),
        ({"DISPLAY": ":0", "XDG_SESSION_TYPE": "x11", "WAYLAND_DISPLAY": "wayland-0"}, True),
        ({}, False),  # no display at all: __main__.display_problem says so first
        ({"QT_QPA_PLATFORM": "xcb"}, False),
    ],
)
def test_which_platform_qt_will_use(env: dict[str, str], expected: bool) -> None:
    assert qt_will_use_xcb(env) is expected


LDD_OUTPUT = """\
\tlinux-vdso.so.1 (0x00007ffc9a5f4000)
\tlibQt6XcbQpa.so.6 => /opt/venv/PySide6/Qt/plugins/platforms/../../lib/libQt6XcbQpa.so.6 (0x00007f2e0c000000)
\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007f2e0bff0000)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-icccm.so.4 => not found
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f2e0b800000)
"""


def test_not_found_libraries_are_read_from_ldd_once_each() -> None:
    assert not_found_in_ldd(LDD_OUTPUT) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    assert not_found_in_ldd("\tlibc.so.6 => /lib/libc.so.6 (0x1)\n") == []


@pytest.mark.parametrize(
    ("soname", "package"),
    [
        ("libxcb-cursor.so.0", "libxcb-cursor0"),
        ("libxcb-icccm.so.4", "libxcb-icccm4"),
        ("libxcb-render-util.so.0", "libxcb-render-util0"),
        ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
        ("libX11-xcb.so.1", "libx11-xcb1"),
        ("libX11.so.6", "libx11-6"),
        ("libGLX.so.0", "libglx0"),
        ("libglib-2.0.so.0", "libglib2.0-0"),
        ("libz.so.1", "zlib1g"),
    ],
)
def test_debian_package_names(soname: str, package: str) -> None:
    assert debian_package(soname) == package


def test_one_sentence_names_the_libraries_and_the_command() -> None:
    sentence = missing_libraries_sentence(["libxcb-icccm.so.4", "libxcb-keysyms.so.1"], debian=True)
    assert sentence == (
        "The window cannot open because Qt's X11 plugin needs libxcb-icccm.so.4 and libxcb-keysyms.so.1, which are "
        "missing; install them with: sudo apt-get install libxcb-icccm4 libxcb-keysyms1"
    )
    as_root = missing_libraries_sentence(["libxcb-cursor.so.0"], debian=True, root=True)
    assert as_root.endswith("which is missing; install it with: apt-get install libxcb-cursor0")
    elsewhere = missing_libraries_sentence(["libxcb-cursor.so.0"], debian=False)
    assert elsewhere.endswith("install the packages that provide it (on Debian and Ubuntu: libxcb-cursor0)")
    for text in (sentence, as_root, elsewhere):
        assert "\n" not in text and text.count(". ") == 0


def _plugin() -> Path:
    plugin = platform_check.xcb_plugin()
    assert plugin is not None, "PySide6's libqxcb.so was not found"
    return plugin


def _ldd(path: Path) -> str:
    return subprocess.run(["ldd", str(path)], capture_output=True, text=True, check=True, timeout=60).stdout


def _dpkg_owner(path: str) -> str | None:
    """The package dpkg records for ``path`` (tried as given, resolved, and without /usr: merged-/usr systems
    register some libraries under /lib)."""
    resolved = os.path.realpath(path)
    for candidate in dict.fromkeys([path, resolved, path.removeprefix("/usr"), resolved.removeprefix("/usr")]):
        result = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True, check=False)
        if result.returncode == 0:
            return result.stdout.split(":", 1)[0].strip()
    return None


@linux_only
@pytest.mark.skipif(shutil.which("dpkg") is None, reason="dpkg knows Debian's package names; this is not Debian")
def test_package_names_match_dpkg_for_every_library_the_plugin_loads() -> None:
    """Every system library libqxcb.so resolves (transitively) is owned by the package ``debian_package`` names,
    and packaging/qt-system-deps.sh's `qt display` groups install every one the plugin and its Qt library need
    directly (what a bare desktop may lack)."""
    resolved = re.findall(r"^\s*(\S+) => (/\S+)", _ldd(_plugin()), re.M)
    system = [(soname, path) for soname, path in resolved if "PySide6" not in path]
    assert len(system) > 20, resolved
    wrong = {soname: (debian_package(soname), _dpkg_owner(path)) for soname, path in system
             if _dpkg_owner(path) != debian_package(soname)}
    assert wrong == {}, "debian_package(soname) vs dpkg -S"

    listed = subprocess.run(
        ["bash", str(ROOT / "packaging" / "qt-system-deps.sh"), "--list", "qt", "display"],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    qt_lib = _plugin().parent.parent.parent / "lib" / "libQt6XcbQpa.so.6"
    direct = re.findall(r"\(NEEDED\).*\[(\S+)\]", subprocess.run(
        ["readelf", "-d", str(_plugin()), str(qt_lib)], capture_output=True, text=True, check=True).stdout)
    needed = {debian_package(name) for name in direct if not name.startswith("libQt6")}
    needed -= {"libc6", "libstdc++6", "libgcc-s1"}  # the base system
    assert needed, direct
    assert needed <= set(listed), sorted(needed - set(listed))


def _fake_pyside_missing(tmp_path: Path, library: bytes, stand_in: bytes) -> Path:
    """A PySide6 folder whose libqxcb.so needs ``stand_in`` (no such file anywhere) instead of ``library``:
    a copy of the real plugin with that one name changed, next to the real Qt libraries."""
    assert len(library) == len(stand_in)
    real = _plugin()
    qt = tmp_path / "PySide6" / "Qt"
    (qt / "plugins" / "platforms").mkdir(parents=True)
    (tmp_path / "PySide6" / "__init__.py").write_text("", encoding="utf-8")
    (qt / "lib").symlink_to(real.parent.parent.parent / "lib")  # the plugin's RUNPATH is $ORIGIN/../../lib
    data = real.read_bytes()
    assert data.count(library + b"\0") == 1, "the plugin no longer names that library"
    (qt / "plugins" / "platforms" / "libqxcb.so").write_bytes(data.replace(library + b"\0", stand_in + b"\0"))
    return tmp_path


def _child_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "DISPLAY")}
    return {**env, "PYTHONDONTWRITEBYTECODE": "1", **extra}


@linux_only
def test_a_plugin_that_cannot_load_gives_one_sentence_and_exit_1(tmp_path: Path) -> None:
    """The real entry point, with a libqxcb.so that really cannot load: one sentence naming the package, exit 1,
    and Qt is never started (no Qt abort, no traceback). The check runs in a child so this process loads nothing."""
    fake_root = _fake_pyside_missing(tmp_path / "site", b"libxcb-icccm.so.4", b"libxcb-qqqqq.so.4")
    code = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(fake_root)!r})
        from desktop_app.__main__ import main
        code = main([])
        print("PySide6.QtCore" in sys.modules)
        sys.exit(code)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=_child_env(DISPLAY=":99"), capture_output=True, text=True, timeout=60,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout.strip() == "False", "Qt was imported before the check"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("The window cannot open because Qt's X11 plugin needs libxcb-qqqqq.so.4")
    assert re.search(r"apt-get install .*\blibxcb-qqqqq4\b", lines[0]), lines[0]


@linux_only
def test_the_check_passes_and_costs_nothing_when_qt_will_not_use_xcb(tmp_path: Path) -> None:
    fake_root = _fake_pyside_missing(tmp_path / "site", b"libxcb-icccm.so.4", b"libxcb-qqqqq.so.4")
    code = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(fake_root)!r})
        from desktop_app.platform_check import xcb_problem
        print(repr(xcb_problem({{"DISPLAY": ":99", "QT_QPA_PLATFORM": "offscreen"}})))
        print(repr(xcb_problem({{"DISPLAY": ":99"}}, platform="darwin")))
        print("ctypes" in sys.modules)
        print(xcb_problem({{"DISPLAY": ":99"}}).startswith("The window cannot open because"))
        """
    )
    result = subprocess.run([sys.executable, "-c", code], env=_child_env(), capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["None", "None", "False", "True"]


def test_this_environment_passes_the_check() -> None:
    """Where ``make test`` ran, the display group is installed: the real plugin loads (checked in a child, so
    that this process does not load the X11 libraries)."""
    code = "from desktop_app.platform_check import xcb_problem; print(repr(xcb_problem({'DISPLAY': ':99'})))"
    result = subprocess.run([sys.executable, "-c", code], env=_child_env(), capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "None", f"{result.stdout.strip()} (make test-deps installs them)"


# The real entry point under Xvfb on Qt's xcb platform: once the window has painted, a grab of the X root window
# (what the X server really shows) is saved, then the window closes as a person would close it.
WINDOW_UNDER_XVFB = r"""
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
import desktop_app.app
from desktop_app.__main__ import main

_open_window = desktop_app.app.open_window
shot = Path(sys.argv[1])


def open_window(paths, **options):
    app, window, store = _open_window(paths, **options)

    def grab():
        geometry = window.frameGeometry()
        QGuiApplication.primaryScreen().grabWindow(0).save(str(shot))
        print("platform", QGuiApplication.platformName(), flush=True)
        print("geometry", geometry.x(), geometry.y(), geometry.width(), geometry.height(), flush=True)
        window.close()

    QTimer.singleShot(1500, grab)
    return app, window, store


desktop_app.app.open_window = open_window
sys.exit(main([]))
"""


@linux_only
def test_the_real_window_opens_on_xcb_under_xvfb(tmp_path: Path) -> None:
    xvfb_run = shutil.which("xvfb-run")
    if xvfb_run is None:
        pytest.fail("xvfb-run is missing: `make test-deps` installs it (Debian packages xvfb and xauth)")
    home = tmp_path / "home"
    shot = tmp_path / "root-window.png"
    env = _child_env(
        HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_STATE_HOME=str(home / ".local" / "state"), XDG_CACHE_HOME=str(home / ".cache"),
        REPLICATE_API_BASE_URL="http://127.0.0.1:9/v1", LC_ALL="C.UTF-8",
    )
    result = subprocess.run(
        [xvfb_run, "-a", "-s", "-screen 0 1920x1200x24", sys.executable, "-c", WINDOW_UNDER_XVFB, str(shot)],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "could not load the Qt platform plugin" not in result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)
    assert lines.get("platform") == "xcb", result.stdout
    x, y, width, height = (int(part) for part in lines["geometry"].split())
    image = QImage(str(shot))
    assert (image.width(), image.height()) == (1920, 1200)
    assert 300 < width < 1920 and 200 < height < 1200, lines["geometry"]
    inside: set[int] = set()
    outside: set[int] = set()
    for px in range(0, 1920, 7):
        for py in range(0, 1200, 7):
            within = x <= px < x + width and y <= py < y + height
            (inside if within else outside).add(image.pixel(px, py))
    assert len(inside) > 5, "the window's area of the X screen is flat: nothing was drawn there"
    assert len(outside) == 1, "around the window the X screen keeps its plain background"


def test_without_ldd_the_first_missing_library_comes_from_dlopen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    error = "libxcb-cursor.so.0: cannot open shared object file: No such file or directory"
    assert platform_check.missing_libraries(Path("/nowhere/libqxcb.so"), error) == ["libxcb-cursor.so.0"]
    # Not a missing library (a symbol or version mismatch): nothing to name, so Qt reports it itself.
    mismatch = "/x/libqxcb.so: undefined symbol: _ZN7QWindow4showEv"
    assert platform_check.missing_libraries(Path("/nowhere/libqxcb.so"), mismatch) == []
