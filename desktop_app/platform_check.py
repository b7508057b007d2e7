"""Before Qt starts on Linux: can its X11 (xcb) platform plugin load? If not, one sentence naming the Debian
packages to install, instead of Qt's abort ("could not load the Qt platform plugin xcb", which often blames the
wrong library). Qt-free, and cheap when all is well: one ``dlopen`` of the plugin, whose libraries Qt loads anyway."""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

PLUGIN_PARTS = ("Qt", "plugins", "platforms", "libqxcb.so")

# Debian packages whose names do not follow the soname rule in ``debian_package`` (checked against dpkg on Debian
# by tests/test_platform_check.py).
_PACKAGE_EXCEPTIONS = {
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libgobject-2.0.so.0": "libglib2.0-0",
    "libGLdispatch.so.0": "libglvnd0",
    "libgcc_s.so.1": "libgcc-s1",
    "libc.so.6": "libc6",
    "libm.so.6": "libc6",
    "libpthread.so.0": "libc6",
    "libdl.so.2": "libc6",
    "librt.so.1": "libc6",
    "libz.so.1": "zlib1g",
    "libbrotlicommon.so.1": "libbrotli1",
    "libbrotlidec.so.1": "libbrotli1",
}
_SONAME = re.compile(r"^(lib[^/\s]+?)\.so\.(\d+)")
_NOT_FOUND = re.compile(r"^\s*(\S+) => not found", re.M)
_DLERROR = re.compile(r"^(\S+?\.so[.\d]*): cannot open shared object file")


def qt_will_use_xcb(env: Mapping[str, str]) -> bool:
    """Whether Qt will pick its xcb plugin, going by the variables Qt itself reads: ``QT_QPA_PLATFORM`` (a
    ``;``-separated list tried in order), else ``XDG_SESSION_TYPE`` (Wayland first, X11 as the fallback)."""
    requested = env.get("QT_QPA_PLATFORM", "").strip()
    if requested:
        names = [entry.split(":", 1)[0].strip() for entry in requested.split(";")]
    elif env.get("XDG_SESSION_TYPE") == "wayland":
        names = ["wayland", "xcb"]
    else:
        names = ["xcb"]
    for name in names:
        if name.startswith("wayland") and env.get("WAYLAND_DISPLAY"):
            return False  # the Wayland plugin connects, so xcb is never tried
        if name == "xcb":
            return bool(env.get("DISPLAY"))
        if name and not name.startswith("wayland"):
            return False  # offscreen, minimal, eglfs, vnc…
    return False


def xcb_plugin() -> Path | None:
    """The ``libqxcb.so`` of the PySide6 this process would import (the bundle's own when frozen), found without
    importing PySide6; ``None`` when there is none."""
    try:
        spec = importlib.util.find_spec("PySide6")
    except (ImportError, ValueError):
        spec = None
    roots = list(spec.submodule_search_locations or []) if spec is not None else []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        roots.append(str(Path(bundle) / "PySide6"))
    for root in roots:
        plugin = Path(root).joinpath(*PLUGIN_PARTS)
        if plugin.is_file():
            return plugin
    return None


def load_error(plugin: Path) -> str | None:
    """``dlopen``'s complaint about ``plugin``, or ``None`` when it (and every library it needs) loads."""
    import ctypes

    try:
        ctypes.CDLL(str(plugin))
    except OSError as error:
        return str(error)
    return None


def missing_libraries(plugin: Path, error: str) -> list[str]:
    """Every library ``plugin`` needs that cannot be found (``ldd`` lists them all; ``dlopen`` names only the
    first), in ``ldd``'s order. Only called when the plugin did not load, so its imports stay off the start-up path."""
    import shutil
    import subprocess

    ldd = shutil.which("ldd")
    if ldd:
        try:
            output = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=20, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            output = ""
        found = not_found_in_ldd(output)
        if found:
            return found
    first = _DLERROR.match(error)
    return [first.group(1)] if first else []


def not_found_in_ldd(output: str) -> list[str]:
    """The ``… => not found`` libraries of ``ldd`` output, each once."""
    return list(dict.fromkeys(_NOT_FOUND.findall(output)))


def debian_package(soname: str) -> str:
    """The Debian package that ships ``soname``: ``libxcb-icccm.so.4`` → ``libxcb-icccm4``, ``libX11.so.6`` →
    ``libx11-6`` (a hyphen when the name ends in a digit), plus the few exceptions Debian makes."""
    if soname in _PACKAGE_EXCEPTIONS:
        return _PACKAGE_EXCEPTIONS[soname]
    match = _SONAME.match(soname)
    if not match:
        return soname
    name, number = match.group(1).lower(), match.group(2)
    return f"{name}{'-' if name[-1].isdigit() else ''}{number}"


def missing_libraries_sentence(missing: Sequence[str], *, debian: bool, root: bool = False) -> str:
    """One sentence: what is missing and the command that installs it (``debian``: apt-get is there)."""
    packages = " ".join(dict.fromkeys(debian_package(name) for name in missing))
    libraries = missing[0] if len(missing) == 1 else f"{', '.join(missing[:-1])} and {missing[-1]}"
    verb, them = ("is", "it") if len(missing) == 1 else ("are", "them")
    if debian:
        how = f"install {them} with: {'' if root else 'sudo '}apt-get install {packages}"
    else:
        how = f"install the packages that provide {them} (on Debian and Ubuntu: {packages})"
    return f"The window cannot open because Qt's X11 plugin needs {libraries}, which {verb} missing; {how}"


def xcb_problem(env: Mapping[str, str], platform: str = sys.platform) -> str | None:
    """The sentence to print instead of starting Qt, or ``None`` when the window can open (or the trouble is not
    a missing library, which Qt then reports itself)."""
    if not platform.startswith("linux") or not qt_will_use_xcb(env):
        return None
    plugin = xcb_plugin()
    if plugin is None:
        return None
    error = load_error(plugin)
    if error is None:
        return None
    missing = missing_libraries(plugin, error)
    if not missing:
        return None
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    return missing_libraries_sentence(missing, debian=Path("/usr/bin/apt-get").exists(), root=root)
