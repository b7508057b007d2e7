"""Tests for the model picker: groups, aliases, selection signals and custom models added inline."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QMenu, QToolButton, QWidget
from pytestqt.qtbot import QtBot

from desktop_app.replicate import BUILTIN_MODELS
from desktop_app.ui.models.picker import DESCRIPTION_ROLE, ModelPicker

VERSION = "a" * 64


@pytest.fixture
def picker(qtbot: QtBot) -> ModelPicker:
    widget = ModelPicker()
    qtbot.addWidget(widget)
    widget.resize(520, 120)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def combo_of(picker: ModelPicker) -> QComboBox:
    combo = picker.findChild(QComboBox, "model_picker_combo")
    assert combo is not None
    return combo


def child(picker: ModelPicker, kind: type, name: str) -> QWidget:
    widget = picker.findChild(kind, name)
    assert widget is not None, name
    return widget


def texts(picker: ModelPicker) -> list[str]:
    combo = combo_of(picker)
    return [combo.itemText(row) for row in range(combo.count())]


def open_editor(qtbot: QtBot, picker: ModelPicker) -> QLineEdit:
    qtbot.keyClick(combo_of(picker), Qt.Key.Key_End)  # the last entry, "Add model…", is an action
    edit = child(picker, QLineEdit, "model_picker_add_edit")
    assert isinstance(edit, QLineEdit)
    assert edit.isVisible()
    return edit


def test_builtins_are_grouped_under_headers_that_cannot_be_selected(picker: ModelPicker) -> None:
    text_models = [f"{m.alias} — {m.full_name}" for m in BUILTIN_MODELS if m.kind == "text"]
    image_models = [f"{m.alias} — {m.full_name}" for m in BUILTIN_MODELS if m.kind == "image"]
    assert texts(picker) == ["Text", *text_models, "Image", *image_models, "Add model…"]
    combo = combo_of(picker)
    for row in (0, len(text_models) + 1):
        flags = combo.model().flags(combo.model().index(row, 0))
        assert not flags & Qt.ItemFlag.ItemIsSelectable
        assert not flags & Qt.ItemFlag.ItemIsEnabled
    flux = texts(picker).index("flux-schnell — black-forest-labs/flux-schnell")
    assert combo.itemData(flux, Qt.ItemDataRole.ToolTipRole) == "Fast text-to-image model from Black Forest Labs"
    assert combo.itemData(flux, DESCRIPTION_ROLE) == "Fast text-to-image model from Black Forest Labs"


def test_the_first_text_model_is_selected_at_start(picker: ModelPicker) -> None:
    assert picker.current_model() == "llama-3-70b"
    assert picker.current_kind() == "text"
    assert combo_of(picker).currentText() == "llama-3-70b — meta/meta-llama-3-70b-instruct"


def test_choosing_with_the_keyboard_emits_and_skips_headers(qtbot: QtBot, picker: ModelPicker) -> None:
    combo = combo_of(picker)
    picked: list[str] = []
    picker.model_selected.connect(picked.append)
    for _ in range(3):
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert picked == ["mixtral-8x7b", "gemma-2b", "llava-13b"]
    qtbot.keyClick(combo, Qt.Key.Key_Down)  # over the "Image" header
    assert picked[-1] == "flux-schnell"
    assert picker.current_kind() == "image"


def test_set_current_model_accepts_aliases_and_full_names_silently(qtbot: QtBot, picker: ModelPicker) -> None:
    picked: list[str] = []
    picker.model_selected.connect(picked.append)
    assert picker.set_current_model("sdxl")
    assert picker.current_model() == "sdxl"
    assert picker.set_current_model("black-forest-labs/flux-schnell")
    assert picker.current_model() == "flux-schnell"
    pinned = next(m for m in BUILTIN_MODELS if m.alias == "sd-3")
    assert picker.set_current_model(f"{pinned.full_name}:{pinned.version}")
    assert picker.current_model() == "sd-3"
    assert combo_of(picker).currentText().startswith("sd-3 — ")
    assert picked == []
    assert picker.custom_models() == []


def test_set_current_model_refuses_malformed_names(picker: ModelPicker) -> None:
    picker.set_current_model("gemma-2b")
    assert not picker.set_current_model("no slash here")
    assert not picker.set_current_model("owner/name:not-a-version")
    assert picker.current_model() == "gemma-2b"


def test_set_current_model_adds_an_unknown_reference_as_custom(qtbot: QtBot, picker: ModelPicker) -> None:
    with qtbot.waitSignal(picker.custom_models_changed) as blocker:
        assert picker.set_current_model(f"acme/painter:{VERSION}")
    assert blocker.args == [[f"acme/painter:{VERSION}"]]
    assert picker.current_model() == f"acme/painter:{VERSION}"
    assert picker.current_kind() is None
    assert "Custom" in texts(picker)
    assert texts(picker)[-1] == "Add model…"


def test_add_model_refuses_a_bad_name_inline(qtbot: QtBot, picker: ModelPicker) -> None:
    changes: list[list[str]] = []
    picker.custom_models_changed.connect(changes.append)
    edit = open_editor(qtbot, picker)
    assert picker.current_model() == "llama-3-70b"  # "Add model…" never becomes the selection
    qtbot.keyClicks(edit, "not a model")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    error = child(picker, QLabel, "model_picker_error")
    assert isinstance(error, QLabel)
    assert error.isVisible()
    assert "Unknown model 'not a model'" in error.text()
    assert "c62828" in error.styleSheet() or "ff7b72" in error.styleSheet()
    assert changes == []
    assert edit.isVisible()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    assert not error.isVisible()


def test_add_model_accepts_a_reference_selects_it_and_announces_it(qtbot: QtBot, picker: ModelPicker) -> None:
    changes: list[list[str]] = []
    picked: list[str] = []
    picker.custom_models_changed.connect(changes.append)
    picker.model_selected.connect(picked.append)
    edit = open_editor(qtbot, picker)
    qtbot.keyClicks(edit, "  acme/cool-model ")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert changes == [["acme/cool-model"]]
    assert picked == ["acme/cool-model"]
    assert picker.current_model() == "acme/cool-model"
    assert picker.custom_models() == ["acme/cool-model"]
    assert combo_of(picker).currentText() == "acme/cool-model"
    assert not edit.isVisible()


def test_adding_an_alias_just_selects_the_builtin(qtbot: QtBot, picker: ModelPicker) -> None:
    changes: list[list[str]] = []
    picker.custom_models_changed.connect(changes.append)
    edit = open_editor(qtbot, picker)
    qtbot.keyClicks(edit, "playground-v2.5")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert picker.current_model() == "playground-v2.5"
    assert changes == []


def test_escape_closes_the_editor(qtbot: QtBot, picker: ModelPicker) -> None:
    edit = open_editor(qtbot, picker)
    qtbot.keyClicks(edit, "acme/half")
    qtbot.keyClick(edit, Qt.Key.Key_Escape)
    assert not edit.isVisible()
    assert picker.custom_models() == []


def test_the_remove_button_removes_the_current_custom_model(qtbot: QtBot, picker: ModelPicker) -> None:
    button = child(picker, QToolButton, "model_picker_remove_button")
    assert not button.isVisible()  # built-ins cannot be removed
    picker.set_custom_models(["acme/one", "acme/two"])
    picker.set_current_model("acme/two")
    assert button.isVisible()
    changes: list[list[str]] = []
    picked: list[str] = []
    picker.custom_models_changed.connect(changes.append)
    picker.model_selected.connect(picked.append)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert changes == [["acme/one"]]
    assert picked == ["llama-3-70b"]
    assert picker.current_model() == "llama-3-70b"
    assert "acme/two" not in texts(picker)


def test_the_context_menu_removes_a_custom_model(qtbot: QtBot, picker: ModelPicker) -> None:
    picker.set_custom_models(["acme/one"])
    picker.set_current_model("acme/one")
    combo_of(picker).customContextMenuRequested.emit(QPoint(5, 5))
    menu = picker.findChild(QMenu, "model_picker_menu")
    assert menu is not None
    with qtbot.waitSignal(picker.custom_models_changed) as blocker:
        menu.actions()[0].trigger()
    assert blocker.args == [[]]
    assert "Custom" not in texts(picker)
    menu.close()


def test_set_custom_models_keeps_only_new_wellformed_models_and_stays_quiet(
    qtbot: QtBot, picker: ModelPicker
) -> None:
    changes: list[list[str]] = []
    picker.custom_models_changed.connect(changes.append)
    picker.set_custom_models(["acme/one", "bad name", "sdxl", "meta/meta-llama-3-70b-instruct", "acme/one", "x/y"])
    assert picker.custom_models() == ["acme/one", "x/y"]
    assert changes == []
    assert texts(picker)[-4:] == ["Custom", "acme/one", "x/y", "Add model…"]
    picker.set_current_model("x/y")
    picker.set_custom_models([])
    assert picker.current_model() == "llama-3-70b"  # the selection never points at a removed model
