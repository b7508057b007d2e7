"""The preset menu beside the form: save, apply, update, rename, delete, default, export and import — all from
the menu and its non-modal dialogs, against a real presets file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QInputDialog
from pytestqt.qtbot import QtBot

from desktop_app.replicate import parse_input_schema
from desktop_app.session import Presets
from desktop_app.storage.presets import PresetStore
from desktop_app.ui.form.parameter_form import ParameterForm
from desktop_app.ui.form.presets_menu import PresetsMenu

FLUX = "black-forest-labs/flux-schnell"
SCHEMA = parse_input_schema({"components": {"schemas": {"Input": {"type": "object", "required": ["prompt"],
                                                                  "properties": {
    "prompt": {"type": "string", "x-order": 0},
    "image": {"type": "string", "format": "uri", "x-order": 1},
    "num_inference_steps": {"type": "integer", "default": 4, "minimum": 1, "maximum": 50, "x-order": 2},
    "guidance": {"type": "number", "default": 3.5, "minimum": 0, "maximum": 10, "x-order": 3},
    "go_fast": {"type": "boolean", "default": True, "x-order": 4},
}}}}})


@pytest.fixture
def form(qtbot: QtBot) -> ParameterForm:
    widget = ParameterForm()
    qtbot.addWidget(widget)
    widget.set_schema(SCHEMA)
    return widget


@pytest.fixture
def presets(tmp_path: Path) -> Presets:
    return Presets(PresetStore(tmp_path / "presets.json"))


@pytest.fixture
def menu(form: ParameterForm, presets: Presets) -> PresetsMenu:
    button = PresetsMenu(presets, form)
    form.add_header(button)
    button.set_model(FLUX)
    return button


def action(menu: PresetsMenu, text: str):
    for item in menu.menu_actions():
        if item.text().replace("&&", "&") == text:
            return item
    raise AssertionError(f"no menu item {text!r} in {[item.text() for item in menu.menu_actions()]}")


def answer(menu: PresetsMenu, text: str) -> None:
    dialog = menu.dialog
    assert isinstance(dialog, QInputDialog) and dialog.isVisible()
    dialog.setTextValue(text)
    dialog.accept()


def set_steps(form: ParameterForm, steps: int) -> None:
    editor = form.editor("num_inference_steps")
    assert editor is not None and editor.set_value(steps)


def test_save_from_the_menu_keeps_the_values_without_files_and_apply_brings_them_back(
        menu: PresetsMenu, form: ParameterForm, presets: Presets, tmp_path: Path) -> None:
    set_steps(form, 28)
    picture = tmp_path / "cat.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n")
    image = form.editor("image")
    assert image is not None and image.set_value(picture)
    announced: list[str] = []
    menu.announced.connect(announced.append)
    assert action(menu, "No presets for this model yet").isEnabled() is False
    action(menu, "Save values as…").trigger()
    answer(menu, "Detailed")
    assert presets.names(FLUX) == ["Detailed"]
    assert presets.apply(FLUX, "Detailed").values == {"num_inference_steps": 28, "guidance": 3.5, "go_fast": True}
    assert "image" in announced[-1]
    form.reset()
    assert form.values()["num_inference_steps"] == 4
    action(menu, "Detailed").trigger()
    assert form.values()["num_inference_steps"] == 28
    assert action(menu, "Detailed").isChecked()


def test_update_rename_delete_from_the_menu(menu: PresetsMenu, form: ParameterForm, presets: Presets) -> None:
    set_steps(form, 10)
    assert menu.save("Ten")
    set_steps(form, 12)
    action(menu, "Update “Ten”").trigger()
    assert presets.apply(FLUX, "Ten").values["num_inference_steps"] == 12
    action(menu, "Rename “Ten”…").trigger()
    answer(menu, "Twelve")
    assert presets.names(FLUX) == ["Twelve"]
    assert menu.current() == "Twelve"
    action(menu, "Delete “Twelve”").trigger()
    assert presets.names(FLUX) == []
    assert menu.current() is None


def test_a_name_that_cannot_be_used_opens_the_dialog_again_with_the_reason(menu: PresetsMenu) -> None:
    action(menu, "Save values as…").trigger()
    first = menu.dialog
    answer(menu, "   ")
    again = menu.dialog
    assert isinstance(again, QInputDialog) and again is not first and again.isVisible()
    assert "needs a name" in again.labelText()
    answer(menu, "Fine")
    assert menu.presets.names(FLUX) == ["Fine"]


def test_the_default_preset_is_marked_and_starts_the_form(menu: PresetsMenu, form: ParameterForm,
                                                          presets: Presets) -> None:
    set_steps(form, 20)
    menu.save("Twenty")
    action(menu, "Start the form with “Twenty”").trigger()
    assert presets.default(FLUX) == "Twenty"
    assert action(menu, "Twenty (default)").isChecked()
    start = presets.starting_values(FLUX, form.schema())
    assert start is not None and start.values["num_inference_steps"] == 20
    action(menu, "Stop starting the form with “Twenty”").trigger()
    assert presets.default(FLUX) is None


def test_export_and_import_through_file_dialogs(menu: PresetsMenu, form: ParameterForm, presets: Presets,
                                                tmp_path: Path, qtbot: QtBot) -> None:
    set_steps(form, 8)
    menu.save("Eight")
    action(menu, "Export this model's presets…").trigger()
    dialog = menu.dialog
    assert isinstance(dialog, QFileDialog) and dialog.isVisible()
    exported = tmp_path / "shared.json"
    dialog.fileSelected.emit(str(exported))
    dialog.reject()
    document = json.loads(exported.read_text())
    assert "Eight" in json.dumps(document)

    other = Presets(PresetStore(tmp_path / "other.json"))
    receiver = PresetsMenu(other, form)
    qtbot.addWidget(receiver)
    receiver.set_model(FLUX)
    messages: list[str] = []
    receiver.announced.connect(messages.append)
    action(receiver, "Import presets…").trigger()
    assert isinstance(receiver.dialog, QFileDialog)
    receiver.dialog.fileSelected.emit(str(exported))
    receiver.dialog.reject()
    assert other.names(FLUX) == ["Eight"]
    assert messages[-1] == "Imported 1 preset(s)."


def test_a_broken_import_is_one_sentence_and_changes_nothing(menu: PresetsMenu, presets: Presets,
                                                             tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    messages: list[str] = []
    menu.announced.connect(messages.append)
    assert not menu.import_from(broken)
    assert messages and messages[-1].startswith("The presets could not be imported: ")
    assert "\n" not in messages[-1]
    assert presets.names(FLUX) == []


def test_without_a_model_the_menu_is_disabled(form: ParameterForm, presets: Presets, qtbot: QtBot) -> None:
    button = PresetsMenu(presets, form)
    qtbot.addWidget(button)
    assert not button.isEnabled()
    button.set_model(FLUX)
    assert button.isEnabled()
    button.set_model(None)
    assert not button.isEnabled()
