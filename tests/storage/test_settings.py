"""SettingsStore and validate_settings: defaults, repairs, corrupt files, atomic saves, the token guard."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from desktop_app.storage import CURRENT_SCHEMA_VERSION, Settings, SettingsStore, validate_settings

TOKEN = "r8_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r"
FIXED_NOW = datetime(2026, 11, 28, 14, 30, 5)


def _store(tmp_path: Path, **kwargs: Any) -> SettingsStore:
    return SettingsStore(tmp_path / "settings.json", clock=lambda: FIXED_NOW, **kwargs)


def _write(store: SettingsStore, content: Any) -> None:
    text = content if isinstance(content, str) else json.dumps(content)
    store.path.write_text(text, encoding="utf-8")


def test_missing_file_gives_defaults_without_warning(tmp_path: Path) -> None:
    store = _store(tmp_path)

    settings = store.load()

    assert settings == Settings()
    assert settings.base_url == "https://api.replicate.com/v1"
    assert (settings.poll_delay, settings.max_attempts, settings.wait_seconds) == (1.0, 300, 60)
    assert settings.theme == "system"
    assert settings.last_model == "flux-schnell"
    assert settings.custom_models == []
    assert settings.splitter_sizes == []
    assert store.last_warning is None
    assert not store.path.exists()


def test_defaults_do_not_share_lists() -> None:
    first, second = Settings(), Settings()
    first.custom_models.append("owner/name")
    assert second.custom_models == []


def test_save_then_load_round_trips_every_field(tmp_path: Path) -> None:
    store = _store(tmp_path / "nested" / "config")
    original = Settings(
        base_url="http://127.0.0.1:8080/v1",
        poll_delay=0.5,
        max_attempts=20,
        wait_seconds=5,
        proxy="http://proxy.local:3128",
        output_dir="/tmp/out",
        theme="dark",
        last_model="owner/model",
        custom_models=["owner/model", "owner/other:" + "a" * 64],
        last_save_dir="/tmp/saved",
        window_geometry="AdnQywADAAAAAAAA",
        window_state="AAAA/wAAAAD9",
        splitter_sizes=[300, 700],
        language="ru",
    )

    written = store.save(original)
    loaded = _store(tmp_path / "nested" / "config").load()

    assert written == original
    assert loaded == original
    assert json.loads(store.path.read_text(encoding="utf-8"))["schema_version"] == CURRENT_SCHEMA_VERSION


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.save(Settings(theme="light"))
    store.save(Settings(theme="dark"))

    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.json"]
    assert json.loads(store.path.read_text(encoding="utf-8"))["theme"] == "dark"


def test_failed_save_keeps_the_previous_file_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = _store(tmp_path)
    store.save(Settings(theme="light"))
    before = store.path.read_bytes()

    def full_disk(fd: int, data: Any) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", full_disk)
    with pytest.raises(OSError, match="No space"):
        store.save(Settings(theme="dark"))
    monkeypatch.undo()

    assert store.path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.json"]


def test_save_fsyncs_and_replaces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        calls.append("fsync")
        real_fsync(fd)

    def replace(source: Any, target: Any) -> None:
        calls.append("replace")
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)

    _store(tmp_path).save(Settings())

    assert calls[:2] == ["fsync", "replace"]


@pytest.mark.parametrize(
    "content",
    ["{not json", "", "[1, 2, 3]", '"just a string"', b"\xff\xfe\x00garbage"],
    ids=["broken", "empty", "list", "string", "binary"],
)
def test_corrupt_file_gives_defaults_and_is_kept_aside(tmp_path: Path, content: str | bytes) -> None:
    store = _store(tmp_path)
    raw = content if isinstance(content, bytes) else content.encode("utf-8")
    store.path.write_bytes(raw)

    settings = store.load()

    backup = tmp_path / "settings.json.bad-20261128-143005"
    assert settings == Settings()
    assert backup.read_bytes() == raw
    assert not store.path.exists()
    assert store.last_warning is not None
    assert str(store.path) in store.last_warning
    assert str(backup) in store.last_warning
    assert "defaults" in store.last_warning


def test_second_corrupt_file_in_the_same_second_does_not_overwrite_the_first_backup(tmp_path: Path) -> None:
    store = _store(tmp_path)
    _write(store, "{first")
    store.load()
    _write(store, "{second")
    store.load()

    assert (tmp_path / "settings.json.bad-20261128-143005").read_text(encoding="utf-8") == "{first"
    assert (tmp_path / "settings.json.bad-20261128-143005-2").read_text(encoding="utf-8") == "{second"


def test_unreadable_file_gives_defaults_and_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = _store(tmp_path)
    _write(store, {"theme": "dark"})

    def denied(self: Path, *args: Any, **kwargs: Any) -> str:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_text", denied)
    settings = store.load()
    monkeypatch.undo()

    assert settings == Settings()
    assert store.last_warning is not None
    assert "Permission denied" in store.last_warning
    kept = tmp_path / "settings.json.bad-20261128-143005"
    assert json.loads(kept.read_text(encoding="utf-8")) == {"theme": "dark"}


def test_warning_is_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = _store(tmp_path)
    _write(store, "{oops")
    with caplog.at_level(logging.WARNING):
        store.load()
    assert any("not valid JSON" in record.getMessage() for record in caplog.records)


def test_out_of_range_numbers_are_clamped_with_warnings(tmp_path: Path) -> None:
    store = _store(tmp_path)
    _write(store, {"poll_delay": 0.0, "max_attempts": 50_000, "wait_seconds": -3, "theme": "dark"})

    settings = store.load()

    assert settings.poll_delay == 0.1
    assert settings.max_attempts == 10_000
    assert settings.wait_seconds == 1
    assert settings.theme == "dark"  # valid neighbours survive
    assert store.last_warning is not None
    for name in ("poll_delay", "max_attempts", "wait_seconds"):
        assert name in store.last_warning
    assert store.path.exists()  # a repairable file is not moved aside


@pytest.mark.parametrize(
    ("name", "bad_value"),
    [
        ("poll_delay", "fast"),
        ("poll_delay", True),
        ("poll_delay", None),
        ("max_attempts", 2.5),
        ("max_attempts", "300"),
        ("wait_seconds", [60]),
        ("base_url", 42),
        ("base_url", "ftp://example.com"),
        ("base_url", "   "),
        ("theme", "purple"),
        ("last_model", ""),
        ("language", None),
        ("custom_models", "owner/name"),
        ("splitter_sizes", {"a": 1}),
        ("proxy", 8080),
        ("window_geometry", ["x"]),
    ],
)
def test_mistyped_values_fall_back_to_the_default_field_by_field(name: str, bad_value: Any) -> None:
    neighbour, neighbour_value = ("language", "de") if name != "language" else ("theme", "dark")

    settings, warnings = validate_settings({name: bad_value, neighbour: neighbour_value})

    assert getattr(settings, name) == getattr(Settings(), name)
    assert len(warnings) == 1
    assert repr(name) in warnings[0]
    assert getattr(settings, neighbour) == neighbour_value


def test_integral_float_and_int_float_are_accepted() -> None:
    settings, warnings = validate_settings({"max_attempts": 12.0, "poll_delay": 2})
    assert settings.max_attempts == 12
    assert isinstance(settings.max_attempts, int)
    assert settings.poll_delay == 2.0
    assert isinstance(settings.poll_delay, float)
    assert warnings == []


def test_non_finite_numbers_are_replaced(tmp_path: Path) -> None:
    store = _store(tmp_path)
    _write(store, '{"poll_delay": NaN, "max_attempts": Infinity}')

    settings = store.load()

    assert (settings.poll_delay, settings.max_attempts) == (1.0, 300)
    assert store.last_warning is not None


def test_bad_list_entries_are_dropped_and_good_ones_kept() -> None:
    settings, warnings = validate_settings(
        {"custom_models": ["owner/a", 3, "no-slash", None, "owner/b"], "splitter_sizes": [200, -1, True, 800]}
    )
    assert settings.custom_models == ["owner/a", "owner/b"]
    assert settings.splitter_sizes == [200, 800]
    assert len(warnings) == 2


def test_text_is_stripped_and_empty_optionals_become_none() -> None:
    settings, warnings = validate_settings({"proxy": "  ", "output_dir": " /x ", "last_model": " owner/m "})
    assert settings.proxy is None
    assert settings.output_dir == "/x"
    assert settings.last_model == "owner/m"
    assert warnings == []


def test_unknown_keys_are_ignored_on_load_and_kept_on_save(tmp_path: Path) -> None:
    store = _store(tmp_path)
    _write(store, {"theme": "light", "future_feature": {"enabled": True}})

    settings = store.load()
    assert settings.theme == "light"
    assert not hasattr(settings, "future_feature")
    assert store.last_warning is None

    settings.theme = "dark"
    store.save(settings)
    saved = json.loads(store.path.read_text(encoding="utf-8"))
    assert saved["future_feature"] == {"enabled": True}
    assert saved["theme"] == "dark"


def test_newer_schema_is_read_with_a_warning(tmp_path: Path) -> None:
    store = _store(tmp_path)
    _write(store, {"schema_version": CURRENT_SCHEMA_VERSION + 5, "theme": "dark"})

    settings = store.load()

    assert settings.theme == "dark"
    assert store.last_warning is not None
    assert "newer version" in store.last_warning


def test_migrations_upgrade_older_files(tmp_path: Path) -> None:
    seen: list[dict[str, Any]] = []

    def from_zero(raw: dict[str, Any]) -> dict[str, Any]:
        seen.append(dict(raw))
        raw["theme"] = {"night": "dark"}.get(raw.pop("colour_scheme"), "system")
        return raw

    store = _store(tmp_path, migrations={0: from_zero})
    _write(store, {"schema_version": 0, "colour_scheme": "night"})

    settings = store.load()

    assert seen == [{"schema_version": 0, "colour_scheme": "night"}]
    assert settings.theme == "dark"
    assert settings.schema_version == CURRENT_SCHEMA_VERSION
    assert store.last_warning is None


def test_old_schema_without_a_migration_is_read_as_is_with_a_warning(tmp_path: Path) -> None:
    store = _store(tmp_path, migrations={})
    _write(store, {"schema_version": 0, "theme": "light"})

    settings = store.load()

    assert settings.theme == "light"
    assert store.last_warning is not None
    assert "schema 0" in store.last_warning


@pytest.mark.parametrize(
    "field_values",
    [
        {"proxy": TOKEN},
        {"base_url": f"https://api.replicate.com/v1?token={TOKEN}"},
        {"custom_models": ["owner/model", TOKEN]},
        {"last_model": TOKEN},
    ],
)
def test_save_refuses_anything_that_looks_like_a_token(tmp_path: Path, field_values: dict[str, Any]) -> None:
    store = _store(tmp_path)

    with pytest.raises(ValueError, match="looks like a Replicate API token") as caught:
        store.save(Settings(**field_values))

    assert TOKEN not in str(caught.value)
    assert not store.path.exists()


def test_short_r8_strings_are_not_mistaken_for_tokens(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.save(Settings(last_model="owner/r8_model"))
    assert store.load().last_model == "owner/r8_model"


def test_token_found_in_a_hand_edited_file_is_dropped_not_echoed(tmp_path: Path) -> None:
    store = _store(tmp_path)
    _write(store, {"proxy": TOKEN, "custom_models": ["owner/a", TOKEN]})

    settings = store.load()

    assert settings.proxy is None
    assert settings.custom_models == ["owner/a"]
    assert store.last_warning is not None
    assert TOKEN not in store.last_warning
    store.save(settings)  # the repaired settings can be saved again
    assert TOKEN not in store.path.read_text(encoding="utf-8")


def test_save_clamps_out_of_range_values_and_returns_what_it_wrote(tmp_path: Path) -> None:
    store = _store(tmp_path)

    written = store.save(Settings(poll_delay=0.0, wait_seconds=600))

    assert (written.poll_delay, written.wait_seconds) == (0.1, 60)
    assert store.last_warning is not None
    saved = json.loads(store.path.read_text(encoding="utf-8"))
    assert (saved["poll_delay"], saved["wait_seconds"]) == (0.1, 60)


def test_saved_file_is_readable_json_with_every_field(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.save(Settings(language="ру"))
    saved = json.loads(store.path.read_text(encoding="utf-8"))
    assert set(saved) == set(asdict(Settings()))
    assert saved["language"] == "ру"
    assert repr(store) == f"SettingsStore({str(store.path)!r})"


def test_failing_migration_keeps_the_file_aside_and_uses_defaults(tmp_path: Path) -> None:
    def broken(raw: dict[str, Any]) -> dict[str, Any]:
        raise KeyError("colour_scheme")

    store = _store(tmp_path, migrations={0: broken})
    _write(store, {"schema_version": 0, "theme": "dark"})

    settings = store.load()

    assert settings == Settings()
    assert store.last_warning is not None
    assert "could not be upgraded" in store.last_warning
    kept = tmp_path / "settings.json.bad-20261128-143005"
    assert json.loads(kept.read_text(encoding="utf-8")) == {"schema_version": 0, "theme": "dark"}


def test_absurdly_nested_json_does_not_crash(tmp_path: Path) -> None:
    store = _store(tmp_path)
    _write(store, "[" * 100_000 + "]" * 100_000)

    assert store.load() == Settings()
    assert store.last_warning is not None
