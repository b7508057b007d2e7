"""Settings saved as they change, and the form values remembered per model (no secrets, seeds or files)."""

from __future__ import annotations

from pathlib import Path

from desktop_app.session import Preferences, form_key
from desktop_app.storage.settings import Settings, SettingsStore


def test_remembered_inputs_leave_out_secrets_seeds_and_files(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "settings.json")
    preferences = Preferences(store, store.load())

    problem = preferences.remember_inputs("flux-schnell", {"num_outputs": 2, "seed": 7, "api_key": "s3cret",
                                                           "image": tmp_path / "a.png"}, secret={"api_key"})

    assert problem is None
    assert preferences.remembered_inputs("black-forest-labs/flux-schnell") == {"num_outputs": 2}
    assert store.load().model_inputs == {"black-forest-labs/flux-schnell": {"num_outputs": 2}}  # saved at once
    assert "s3cret" not in (tmp_path / "settings.json").read_text(encoding="utf-8")


def test_reused_inputs_go_to_the_models_form(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "settings.json")
    preferences = Preferences(store, store.load())

    preferences.reuse_inputs("black-forest-labs/flux-schnell:" + "a" * 64, {"prompt": "x", "seed": 42})

    assert preferences.remembered_inputs("flux-schnell") == {"seed": 42}  # a reused seed stays as it was


def test_a_change_that_cannot_be_saved_still_applies_and_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the settings folder should be", encoding="utf-8")
    heard: list[Exception] = []
    preferences = Preferences(SettingsStore(blocker / "settings.json"), Settings(), on_save_failed=heard.append)

    problem = preferences.update(last_model="sdxl")

    assert isinstance(problem, OSError)
    assert heard == [problem]
    assert preferences.settings.last_model == "sdxl"


def test_the_follow_policy_comes_from_the_settings(tmp_path: Path) -> None:
    preferences = Preferences(SettingsStore(tmp_path / "s.json"), Settings(max_attempts=12, poll_delay=0.5,
                                                                          wait_seconds=30))

    policy = preferences.follow_policy()

    assert (policy.max_attempts, policy.delay, policy.wait_seconds) == (12, 0.5, 30)


def test_form_keys_name_the_model_without_alias_or_version() -> None:
    assert form_key("flux-schnell") == "black-forest-labs/flux-schnell"
    assert form_key("owner/name:" + "0" * 64) == "owner/name"
    assert form_key(" cog:http://localhost:5000 ") == "cog:http://localhost:5000"
