"""``python -m build`` makes a wheel and an sdist that carry the package data (icons, ``py.typed``, the
translations), and the wheel installed into a fresh venv finds its icons through ``importlib.resources``."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tarfile
import textwrap
import venv
import zipfile
from pathlib import Path

import pytest

from .conftest import ICONS, ROOT, require_module


@pytest.fixture(scope="session")
def dists(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sdist and the wheel built from this checkout (the wheel is built from the sdist, as PyPI users get it).
    ``-P`` and a temporary working folder: a ``build/`` or ``dist/`` folder in the checkout changes nothing;
    ``--no-isolation``: the build-system requirements come with the test extra instead of being installed now."""
    require_module("build", "build (the `python -m build` tool)")
    require_module("setuptools", "setuptools")
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-P", "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        cwd=out,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    wheels, sdists = list(out.glob("*.whl")), list(out.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, list(out.iterdir())
    return {"wheel": wheels[0], "sdist": sdists[0]}


def expected_package_data() -> set[str]:
    """Package-relative paths the distributions must carry: the icons, py.typed, any compiled translations, the
    core's face (``replicate/__init__.pyi``, read at run time by its lazy loader) and the price table."""
    files = {f"desktop_app/assets/icons/{path.name}" for path in ICONS.glob("icon*.*")}
    files |= {f"desktop_app/i18n/{path.name}" for path in (ROOT / "desktop_app" / "i18n").glob("*.qm")}
    return files | {"desktop_app/py.typed", "desktop_app/resources.py", "desktop_app/replicate/__init__.pyi",
                    "desktop_app/session/data/prices.json"}


def test_wheel_contains_the_package_data(dists: dict[str, Path]) -> None:
    with zipfile.ZipFile(dists["wheel"]) as wheel:
        names = set(wheel.namelist())
        assert wheel.read("desktop_app/assets/icons/icon-512.png")[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(expected_package_data()) >= 10  # 7 PNGs + SVG + py.typed + resources.py at least
    assert expected_package_data() <= names, sorted(expected_package_data() - names)
    assert not [name for name in names if name.startswith(("tests/", "bench/", "packaging/"))]


def test_sdist_contains_the_package_data(dists: dict[str, Path]) -> None:
    with tarfile.open(dists["sdist"]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert expected_package_data() <= names, sorted(expected_package_data() - names)


def test_installed_wheel_finds_its_icons(dists: dict[str, Path], tmp_path: Path) -> None:
    environment = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(environment)
    python = environment / "bin" / "python"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-index", "--no-deps",
         str(dists["wheel"])],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert install.returncode == 0, install.stderr
    # PySide6 comes from this test environment, appended after the fresh venv's own site-packages, so that
    # desktop_app is the installed wheel's copy and not this checkout's.
    script = textwrap.dedent(
        f"""
        import os, sys
        sys.path.append({sysconfig.get_paths()["purelib"]!r})
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        import desktop_app, desktop_app.resources as resources
        assert desktop_app.__file__.startswith({str(environment)!r}), desktop_app.__file__
        for size in resources.ICON_SIZES:
            assert resources.icon_file(size).is_file(), size
        assert resources.icon_file(None).read_text().lstrip().startswith("<?xml")
        from PySide6.QtGui import QGuiApplication
        app = QGuiApplication([])
        icon = resources.app_icon()
        print(sorted(size.width() for size in icon.availableSizes()), icon.pixmap(64).width())
        """
    )
    result = subprocess.run(
        [str(python), "-I", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("]")[0] + "]" == "[16, 32, 48, 64, 128, 256, 512]"
    assert result.stdout.strip().endswith(" 64")
