"""The desktop entry and AppStream metainfo validate with the freedesktop tools, agree with the project
(command name, version, app id, window class), and ``make install-desktop`` installs them with the icons."""

from __future__ import annotations

import configparser
import re
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlparse

import desktop_app

from .conftest import APP_ID, DESKTOP_FILE, METAINFO_FILE, PACKAGING, ROOT, require_tool


def desktop_entry(path: Path = DESKTOP_FILE) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_file_validates() -> None:
    tool = require_tool("desktop-file-validate", "desktop-file-utils")
    result = subprocess.run([tool, str(DESKTOP_FILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in result.stdout.lower() and "warning" not in result.stdout.lower(), result.stdout


def test_metainfo_validates() -> None:
    tool = require_tool("appstreamcli", "appstream")
    result = subprocess.run([tool, "validate", "--no-net", str(METAINFO_FILE)], capture_output=True, text=True)
    # Passes with one "info": AppStream < 1.0 (Debian 12) does not know <developer> yet, which 1.0 requires.
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation was successful" in result.stdout, result.stdout
    assert not re.search(r"^[EW]: ", result.stdout, re.M), result.stdout


def test_desktop_entry_matches_the_project() -> None:
    entry = desktop_entry()
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert entry["Exec"] in scripts, "Exec= must be the console script pyproject.toml installs"
    assert entry["TryExec"] == entry["Exec"]
    assert entry["Icon"] == APP_ID
    assert entry["Type"] == "Application" and entry["Terminal"] == "false"
    # Qt sets WM_CLASS to (argv[0] name, QApplication.applicationName()); desktops match StartupWMClass to it.
    app_source = (ROOT / "desktop_app" / "app.py").read_text(encoding="utf-8")
    application_name = re.search(r'setApplicationName\("([^"]+)"\)', app_source)
    assert application_name, "desktop_app/app.py no longer sets the application name"
    assert entry["StartupWMClass"] == application_name.group(1)
    assert entry["Name"] == application_name.group(1)


def test_metainfo_matches_the_project() -> None:
    component = ET.parse(METAINFO_FILE).getroot()
    assert component.get("type") == "desktop-application"
    assert component.findtext("id") == APP_ID
    assert component.findtext("launchable") == DESKTOP_FILE.name
    assert component.findtext("metadata_license") == "CC0-1.0"
    assert component.findtext("project_license") == "MIT"
    assert component.findtext("name") == desktop_entry()["Name"]
    releases = component.findall("releases/release")
    assert releases[0].get("version") == desktop_app.__version__, "add a <release> for the new version"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", releases[0].get("date") or ""), "releases need an ISO date"
    assert {url.get("type") for url in component.findall("url")} >= {"homepage", "bugtracker"}
    assert component.find("content_rating[@type='oars-1.1']") is not None
    screenshots = component.findall("screenshots/screenshot/image")
    assert screenshots
    for image in screenshots:
        path = urlparse(image.text or "").path
        local = ROOT / "docs" / "screenshots" / Path(path).name
        assert path.endswith(f"/docs/screenshots/{local.name}") and local.is_file(), image.text


def test_install_desktop_installs_launcher_metainfo_and_icons(tmp_path: Path) -> None:
    data_dir = tmp_path / "share"
    command = ["bash", str(PACKAGING / "install-desktop.sh"), "--exec", "/opt/Replicate Desktop/replicate-desktop"]
    result = subprocess.run(
        [*command, "--data-dir", str(data_dir)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    installed = data_dir / "applications" / f"{APP_ID}.desktop"
    entry = desktop_entry(installed)
    assert entry["Exec"] == '"/opt/Replicate Desktop/replicate-desktop"'  # quoted: the path has a space
    assert entry["TryExec"] == "/opt/Replicate Desktop/replicate-desktop"
    assert (data_dir / "metainfo" / f"{APP_ID}.metainfo.xml").read_bytes() == METAINFO_FILE.read_bytes()
    icons = data_dir / "icons" / "hicolor"
    for size in (16, 32, 48, 64, 128, 256, 512):
        assert (icons / f"{size}x{size}" / "apps" / f"{APP_ID}.png").is_file()
    assert (icons / "scalable" / "apps" / f"{APP_ID}.svg").is_file()
    tool = require_tool("desktop-file-validate", "desktop-file-utils")
    validation = subprocess.run([tool, str(installed)], capture_output=True, text=True, timeout=60)
    assert validation.returncode == 0, validation.stdout

    removal = subprocess.run(
        ["bash", str(PACKAGING / "install-desktop.sh"), "--uninstall", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert removal.returncode == 0, removal.stderr
    assert not installed.exists()
    assert not list(icons.rglob(f"{APP_ID}.*"))


def test_install_desktop_defaults_to_xdg_data_home(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        ["bash", str(PACKAGING / "install-desktop.sh")], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    entry = desktop_entry(tmp_path / "data" / "applications" / f"{APP_ID}.desktop")
    venv_command = ROOT / ".venv" / "bin" / "replicate-desktop"
    # Not on PATH here: the checkout's .venv command when it exists, else the bare name (with a warning).
    assert entry["Exec"] == (str(venv_command) if venv_command.exists() else "replicate-desktop")
