"""The run deadline in the real window: set in Settings (checked there), sent with every run as Cancel-After."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from PySide6.QtWidgets import QDialogButtonBox

from desktop_app.storage.settings import SettingsStore
from desktop_app.ui.dialogs.settings import SettingsDialog
from tests.fake_replicate import FakeReplicate, Script
from tests.ui.harness import Harness, make_harness, until

LLAMA = "meta/meta-llama-3-70b-instruct"


@pytest_asyncio.fixture
async def harness(fake_replicate: FakeReplicate, tmp_path: Path) -> AsyncIterator[Harness]:
    h = await make_harness(fake_replicate, tmp_path)
    await until(lambda: "fake-user" in h.window.account_label.text(), message="the account check")
    yield h
    await h.close()


def _settings(h: Harness) -> SettingsDialog:
    h.window.settings_action.trigger()
    dialog = h.window.findChild(SettingsDialog)
    assert dialog is not None
    return dialog


def _save(dialog: SettingsDialog) -> None:
    box = dialog.findChild(QDialogButtonBox)
    assert box is not None
    button = box.button(QDialogButtonBox.StandardButton.Save)
    assert button is not None
    button.click()


async def test_a_too_short_deadline_is_refused_in_place(harness: Harness) -> None:
    dialog = _settings(harness)
    dialog.deadline_edit.setText("3s")
    _save(dialog)
    assert dialog.isVisible()
    assert "at least 5 seconds" in dialog.error_label.text()
    assert SettingsStore(harness.paths.settings_file).load().deadline is None
    dialog.reject()


async def test_the_saved_deadline_goes_with_every_run(harness: Harness) -> None:
    dialog = _settings(harness)
    dialog.deadline_edit.setText(" 10m ")
    _save(dialog)
    assert SettingsStore(harness.paths.settings_file).load().deadline == "10m"
    harness.fake.set_script(LLAMA, Script(kind="text", official=True, chunks=["Hi"]))
    harness.choose("llama-3-70b")
    harness.send("hello")
    await harness.wait_idle()
    (create,) = harness.fake.requests_to("POST", f"/v1/models/{LLAMA}/predictions")
    assert create.header("Cancel-After") == "10m"

    dialog = _settings(harness)
    assert dialog.deadline_edit.text() == "10m"
    dialog.deadline_edit.setText("")
    _save(dialog)
    assert SettingsStore(harness.paths.settings_file).load().deadline is None
