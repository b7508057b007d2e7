"""AppPaths: platform defaults, the test layout, and creating folders only on request."""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import FrozenInstanceError, fields
from pathlib import Path

import pytest

from desktop_app.storage import AppPaths


def test_under_puts_every_folder_inside_root_and_creates_nothing(tmp_path: Path) -> None:
    paths = AppPaths.under(tmp_path / "root")

    for item in fields(paths):
        folder = getattr(paths, item.name)
        assert folder.is_relative_to(tmp_path / "root")
    assert len({getattr(paths, item.name) for item in fields(paths)}) == len(fields(paths))
    assert not (tmp_path / "root").exists()
    assert paths.settings_file == tmp_path / "root" / "config" / "settings.json"
    assert paths.presets_file == tmp_path / "root" / "config" / "presets.json"
    assert paths.thumbnails_dir == tmp_path / "root" / "cache" / "thumbnails"


def test_ensure_creates_every_folder_and_keeps_config_private(tmp_path: Path) -> None:
    paths = AppPaths.under(tmp_path)

    paths.ensure()
    paths.ensure()  # idempotent

    for item in fields(paths):
        assert getattr(paths, item.name).is_dir()
    if os.name == "posix":
        assert stat.S_IMODE(paths.config_dir.stat().st_mode) & 0o077 == 0


def test_paths_are_frozen(tmp_path: Path) -> None:
    paths = AppPaths.under(tmp_path)
    with pytest.raises(FrozenInstanceError):
        paths.config_dir = tmp_path  # type: ignore[misc]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG layout")
def test_default_follows_xdg_and_falls_back_to_data_dir_for_outputs() -> None:
    home = Path(os.environ["HOME"])  # the conftest points HOME and XDG_* at a temporary folder

    paths = AppPaths.default()

    assert paths.config_dir == home / ".config" / "replicate-desktop"
    assert paths.data_dir == home / ".local" / "share" / "replicate-desktop"
    assert paths.state_dir == home / ".local" / "state" / "replicate-desktop"
    assert paths.cache_dir == home / ".cache" / "replicate-desktop"
    assert paths.log_dir.is_relative_to(home)
    assert paths.outputs_dir == paths.data_dir / "outputs"  # no Pictures folder in the fresh home
    assert not paths.config_dir.exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG layout")
def test_default_saves_outputs_in_pictures_when_it_exists(monkeypatch: pytest.MonkeyPatch) -> None:
    home = Path(os.environ["HOME"])
    pictures = home / "Pictures"
    pictures.mkdir()
    monkeypatch.setenv("XDG_PICTURES_DIR", str(pictures))

    paths = AppPaths.default("other-app")

    assert paths.outputs_dir == pictures / "Replicate Desktop"
    assert paths.config_dir.name == "other-app"
    assert not paths.outputs_dir.exists()
