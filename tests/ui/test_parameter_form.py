"""The parameter form: editors per field kind from realistic Cog schemas, typed values, errors, JSON, drops."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

from desktop_app.replicate import parse_input_schema
from desktop_app.ui.form.fields import NumberEditor
from desktop_app.ui.form.files import FileEditor
from desktop_app.ui.form.parameter_form import JSON_KEY, ParameterForm
from desktop_app.ui.form.seed import SeedEditor
from desktop_app.ui.shell.theme import apply_theme

W = TypeVar("W", bound=QWidget)


def cog_schema(inputs: dict[str, Any], required: list[str], **extra: Any) -> dict[str, Any]:
    """An ``openapi_schema`` laid out the way Cog generates it."""
    return {
        "openapi": "3.0.2", "info": {"title": "Cog", "version": "0.1.0"}, "paths": {},
        "components": {"schemas": {
            "Input": {"type": "object", "title": "Input", "required": required, "properties": inputs},
            "Output": {"type": "string", "title": "Output"},
            **extra,
        }},
    }


LANGUAGE_MODEL = cog_schema({
    "prompt": {"type": "string", "title": "Prompt", "x-order": 0, "description": "Prompt to send to the model."},
    "system_prompt": {"type": "string", "title": "System Prompt", "default": "You are a helpful assistant",
                      "x-order": 1, "description": "System prompt to send to the model."},
    "max_tokens": {"type": "integer", "title": "Max Tokens", "default": 512, "minimum": 1, "maximum": 4096,
                   "x-order": 2, "description": "The maximum number of tokens the model should generate."},
    "temperature": {"type": "number", "title": "Temperature", "default": 0.7, "minimum": 0.01, "maximum": 5,
                    "x-order": 3, "description": "The value used to modulate the next token probabilities."},
    "top_p": {"type": "number", "title": "Top P", "default": 0.9, "minimum": 0, "maximum": 1, "x-order": 4,
              "description": "A probability threshold for generating the output."},
}, ["prompt"])

DIFFUSION_MODEL = cog_schema(
    {
        "prompt": {"type": "string", "title": "Prompt", "x-order": 0, "description": "Input prompt"},
        "negative_prompt": {"type": "string", "title": "Negative Prompt", "default": "", "x-order": 1,
                            "description": "Things you do not want to see in the image"},
        "aspect_ratio": {"allOf": [{"$ref": "#/components/schemas/aspect_ratio"}], "default": "1:1", "x-order": 2,
                         "description": "Aspect ratio for the generated image"},
        "num_outputs": {"type": "integer", "title": "Num Outputs", "default": 1, "minimum": 1, "maximum": 4,
                        "x-order": 3, "description": "Number of images to output."},
        "seed": {"type": "integer", "title": "Seed", "x-order": 4, "description": "Random seed. Leave blank to "
                 "randomize the seed"},
        "image": {"type": "string", "format": "uri", "title": "Image", "x-order": 5,
                  "description": "Input image for image to image mode"},
        "output_format": {"allOf": [{"$ref": "#/components/schemas/output_format"}], "default": "webp",
                          "x-order": 6, "description": "Format of the output images"},
        "disable_safety_checker": {"type": "boolean", "title": "Disable Safety Checker", "default": False,
                                   "x-order": 7, "description": "Disable safety checker for generated images."},
    },
    ["prompt"],
    aspect_ratio={"type": "string", "title": "aspect_ratio", "enum": ["1:1", "16:9", "21:9", "3:2", "9:16"],
                  "description": "An enumeration."},
    output_format={"type": "string", "title": "output_format", "enum": ["webp", "png", "jpg"],
                   "description": "An enumeration."},
)

UPSCALER = cog_schema(
    {
        "image": {"type": "string", "format": "uri", "title": "Image", "x-order": 0, "description": "Input image"},
        "scale": {"allOf": [{"$ref": "#/components/schemas/scale"}], "default": 4, "x-order": 1,
                  "description": "Factor to scale image by"},
    },
    ["image"],
    scale={"type": "integer", "title": "scale", "enum": [2, 4, 8], "description": "An enumeration."},
)

MALFORMED = cog_schema(
    {
        "prompt": {"type": "string", "title": "Prompt", "x-order": 0},
        "steps": {"type": "integer", "title": "Steps", "default": 20, "minimum": 1, "maximum": 50, "x-order": 1},
        "style": {"$ref": "#/components/schemas/missing_style", "x-order": 2},
        "controlnet": {"type": "object", "title": "Controlnet", "x-order": 3,
                       "description": "A mapping of control names to weights"},
    },
    ["prompt", "controlnet"],
)


def make_form(qtbot: QtBot, openapi: dict[str, Any]) -> ParameterForm:
    form = ParameterForm()
    qtbot.addWidget(form)
    form.set_schema(parse_input_schema(openapi))
    form.resize(560, 640)
    form.show()
    return form


def child(parent: QWidget, kind: type[W], name: str) -> W:
    found = parent.findChild(kind, name)
    assert found is not None, name
    return found


def png_file(path: Path, color: str = "#2f6feb") -> Path:
    image = QImage(64, 48, QImage.Format.Format_RGB32)
    image.fill(QColor(color))
    assert image.save(str(path))
    return path


# ---- building and reading values -----------------------------------------------------------------


def test_language_model_form_fills_and_reads_exact_typed_values(qtbot: QtBot) -> None:
    form = make_form(qtbot, LANGUAGE_MODEL)
    assert form.editor("prompt") is None  # the prompt box of the window fills it
    labels = [label.text() for label in form.findChildren(QLabel) if label.objectName().startswith("label_")]
    assert labels == ["System Prompt", "Max Tokens", "Temperature", "Top P"]
    assert form.values() == {"system_prompt": "You are a helpful assistant", "max_tokens": 512,
                             "temperature": 0.7, "top_p": 0.9}
    max_tokens = child(form, QSpinBox, "field_max_tokens_spin")
    assert (max_tokens.minimum(), max_tokens.maximum()) == (1, 4096)
    temperature = child(form, QDoubleSpinBox, "field_temperature_spin")
    assert (temperature.minimum(), temperature.maximum()) == (0.01, 5.0)
    assert temperature.toolTip() == "The value used to modulate the next token probabilities."

    system = child(form, QPlainTextEdit, "field_system_prompt_text")
    system.clear()
    qtbot.keyClicks(system, "Answer like a pirate.")
    max_tokens.setValue(1024)
    temperature.setValue(1.25)
    child(form, QDoubleSpinBox, "field_top_p_spin").setValue(0.5)

    assert form.values() == {"system_prompt": "Answer like a pirate.", "max_tokens": 1024,
                             "temperature": 1.25, "top_p": 0.5}
    values, errors = form.values_for_run()
    assert errors == {}
    assert values == {"system_prompt": "Answer like a pirate.", "max_tokens": 1024, "temperature": 1.25,
                      "top_p": 0.5}


def test_diffusion_model_form_covers_every_kind(qtbot: QtBot, tmp_path: Path) -> None:
    form = make_form(qtbot, DIFFUSION_MODEL)
    assert form.values() == {"aspect_ratio": "1:1", "num_outputs": 1, "output_format": "webp",
                             "disable_safety_checker": False}
    aspect = child(form, QComboBox, "field_aspect_ratio_combo")
    assert [aspect.itemText(i) for i in range(aspect.count())] == ["1:1", "16:9", "21:9", "3:2", "9:16"]
    assert child(form, QLabel, "label_aspect_ratio").text() == "Aspect ratio"  # Cog's raw enum title, made readable

    qtbot.keyClicks(child(form, QPlainTextEdit, "field_negative_prompt_text"), "blurry, low quality")
    aspect.setCurrentIndex(aspect.findText("16:9"))
    child(form, QSpinBox, "field_num_outputs_spin").setValue(3)
    child(form, QSpinBox, "field_seed_spin").setValue(42)
    photo = png_file(tmp_path / "photo.png")
    path_edit = child(form, QLineEdit, "field_image_path")
    qtbot.keyClicks(path_edit, str(photo))
    output = child(form, QComboBox, "field_output_format_combo")
    output.setCurrentIndex(output.findText("png"))
    qtbot.mouseClick(child(form, QCheckBox, "field_disable_safety_checker_check"), Qt.MouseButton.LeftButton)

    assert form.values() == {
        "negative_prompt": "blurry, low quality", "aspect_ratio": "16:9", "num_outputs": 3, "seed": 42,
        "image": photo, "output_format": "png", "disable_safety_checker": True,
    }
    values, errors = form.values_for_run()
    assert errors == {}
    assert values == form.values()


def test_upscaler_requires_its_image_and_keeps_integer_choices(qtbot: QtBot, tmp_path: Path) -> None:
    form = make_form(qtbot, UPSCALER)
    assert child(form, QLabel, "label_image").text() == "Image *"
    assert form.values() == {"scale": 4}
    scale = child(form, QComboBox, "field_scale_combo")
    scale.setCurrentIndex(scale.findText("8"))

    values, errors = form.values_for_run()
    assert values is None
    assert set(errors) == {"image"}
    image = form.editor("image")
    assert image is not None
    assert image.property("invalid") is True
    error = child(form, QLabel, "error_image")
    assert error.isVisibleTo(form)
    assert error.text() == "Image is required."

    photo = png_file(tmp_path / "in.png")
    image.set_value(photo)
    values, errors = form.values_for_run()
    assert (values, errors) == ({"image": photo, "scale": 8}, {})
    assert image.property("invalid") is False
    assert not error.isVisibleTo(form)


def test_missing_local_file_blocks_the_run(qtbot: QtBot, tmp_path: Path) -> None:
    form = make_form(qtbot, UPSCALER)
    qtbot.keyClicks(child(form, QLineEdit, "field_image_path"), str(tmp_path / "gone.png"))
    values, errors = form.values_for_run()
    assert values is None
    assert "no file" in errors["image"]


def test_url_in_a_file_field_is_a_string(qtbot: QtBot) -> None:
    form = make_form(qtbot, UPSCALER)
    qtbot.keyClicks(child(form, QLineEdit, "field_image_path"), "https://example.com/cat.png")
    assert form.values() == {"image": "https://example.com/cat.png", "scale": 4}
    assert form.values_for_run() == ({"image": "https://example.com/cat.png", "scale": 4}, {})


# ---- sliders, reset, seed --------------------------------------------------------------------------


def test_slider_and_spin_box_stay_in_sync(qtbot: QtBot) -> None:
    form = make_form(qtbot, DIFFUSION_MODEL)
    spin = child(form, QSpinBox, "field_num_outputs_spin")
    slider = child(form, QSlider, "field_num_outputs_slider")
    assert (slider.minimum(), slider.maximum(), slider.value()) == (0, 3, 0)
    slider.setValue(2)
    assert spin.value() == 3
    spin.setValue(4)
    assert slider.value() == 3

    llm = make_form(qtbot, LANGUAGE_MODEL)
    temperature = child(llm, QDoubleSpinBox, "field_temperature_spin")
    temp_slider = child(llm, QSlider, "field_temperature_slider")
    temp_slider.setValue(temp_slider.maximum())
    assert temperature.value() == 5.0
    temperature.setValue(0.01)
    assert temp_slider.value() == 0
    assert llm.findChild(QSlider, "field_max_tokens_slider") is not None
    assert llm.values()["temperature"] == 0.01


def test_number_without_bounds_has_no_slider_and_may_stay_empty(qtbot: QtBot) -> None:
    form = make_form(qtbot, cog_schema({
        "steps": {"type": "integer", "title": "Steps", "x-order": 0},
        "scale": {"type": "number", "title": "Scale", "default": 1.5, "x-order": 1},
    }, []))
    steps = form.editor("steps")
    assert isinstance(steps, NumberEditor)
    assert steps.slider() is None
    assert steps.spin_box().text() == "Not set"
    assert form.values() == {"scale": 1.5}
    steps.spin_box().setValue(30)
    assert form.values() == {"steps": 30, "scale": 1.5}


def test_reset_restores_defaults_and_announces_it(qtbot: QtBot) -> None:
    form = make_form(qtbot, DIFFUSION_MODEL)
    child(form, QSpinBox, "field_num_outputs_spin").setValue(4)
    child(form, QComboBox, "field_output_format_combo").setCurrentIndex(2)
    child(form, QSpinBox, "field_seed_spin").setValue(7)
    with qtbot.waitSignal(form.values_changed, timeout=1000):
        qtbot.mouseClick(child(form, QPushButton, "parameter_form_reset"), Qt.MouseButton.LeftButton)
    assert form.values() == {"aspect_ratio": "1:1", "num_outputs": 1, "output_format": "webp",
                             "disable_safety_checker": False}
    seed = form.editor("seed")
    assert isinstance(seed, SeedEditor)
    assert not seed.is_locked()


def test_unlocked_seed_changes_every_run_and_shows_it(qtbot: QtBot) -> None:
    form = make_form(qtbot, DIFFUSION_MODEL)
    spin = child(form, QSpinBox, "field_seed_spin")
    lock = child(form, QCheckBox, "field_seed_lock")
    assert spin.text() == "Random"
    assert not lock.isChecked()
    assert "seed" not in form.values()

    first, _ = form.values_for_run()
    second, _ = form.values_for_run()
    assert first is not None and second is not None
    assert isinstance(first["seed"], int)
    assert first["seed"] != second["seed"]
    assert spin.value() == second["seed"]
    assert form.values()["seed"] == second["seed"]

    lock.setChecked(True)
    third, _ = form.values_for_run()
    assert third is not None and third["seed"] == second["seed"]

    with qtbot.waitSignal(form.values_changed, timeout=1000):
        qtbot.mouseClick(child(form, QPushButton, "field_seed_randomise"), Qt.MouseButton.LeftButton)
    assert spin.value() != second["seed"]
    assert lock.isChecked()  # randomising keeps the lock: roll once, then keep


def test_typing_a_seed_locks_it(qtbot: QtBot) -> None:
    form = make_form(qtbot, DIFFUSION_MODEL)
    spin = child(form, QSpinBox, "field_seed_spin")
    spin.setValue(1234)
    assert child(form, QCheckBox, "field_seed_lock").isChecked()
    values, _ = form.values_for_run()
    assert values is not None and values["seed"] == 1234


# ---- errors ----------------------------------------------------------------------------------------


def test_server_errors_highlight_fields_named_with_or_without_input_prefix(qtbot: QtBot) -> None:
    form = make_form(qtbot, DIFFUSION_MODEL)
    unplaced = form.highlight_errors({
        "input.num_outputs": "num_outputs must be less than or equal to 4",
        "output_format": "output_format must be one of webp, png, jpg",
        "input": "prompt is required",
    })
    assert unplaced == {"input": "prompt is required"}
    for name in ("num_outputs", "output_format"):
        editor = form.editor(name)
        assert editor is not None and editor.property("invalid") is True
        assert child(form, QLabel, f"error_{name}").isVisibleTo(form)
    assert child(form, QLabel, "error_num_outputs").text() == "num_outputs must be less than or equal to 4"
    general = child(form, QLabel, "parameter_form_error")
    assert general.isVisibleTo(form)
    assert general.text() == "prompt is required"
    aspect = form.editor("aspect_ratio")
    assert aspect is not None and aspect.property("invalid") is False

    child(form, QSpinBox, "field_num_outputs_spin").setValue(2)  # editing a field clears its error
    num_outputs = form.editor("num_outputs")
    assert num_outputs is not None and num_outputs.property("invalid") is False
    form.clear_errors()
    output_format = form.editor("output_format")
    assert output_format is not None and output_format.property("invalid") is False
    assert not general.isVisibleTo(form)


# ---- schemas the form cannot fully show -----------------------------------------------------------


def test_malformed_schema_offers_json_merged_into_values(qtbot: QtBot) -> None:
    form = make_form(qtbot, MALFORMED)
    notice = child(form, QLabel, "parameter_form_notice")
    assert notice.isVisibleTo(form)
    assert "can't be shown as a form; edit them as JSON below" in notice.text()
    assert "controlnet" in notice.text()
    json_edit = child(form, QPlainTextEdit, "parameter_form_json")
    assert json_edit.isVisibleTo(form)
    assert form.editor("steps") is not None
    assert form.editor("controlnet") is None

    values, errors = form.values_for_run()  # the required object field is missing
    assert values is None
    assert "controlnet" in errors
    assert "controlnet" in child(form, QLabel, "parameter_form_json_error").text()

    json_edit.setPlainText('{"controlnet": {"canny": 0.5}, "style": "anime"}')
    assert form.values() == {"steps": 20, "controlnet": {"canny": 0.5}, "style": "anime"}
    assert form.values_for_run() == ({"steps": 20, "controlnet": {"canny": 0.5}, "style": "anime"}, {})

    json_edit.setPlainText('{"controlnet": ')
    error = child(form, QLabel, "parameter_form_json_error")
    assert error.isVisibleTo(form)
    assert error.text().startswith("This is not valid JSON")
    values, errors = form.values_for_run()
    assert values is None
    assert set(errors) >= {JSON_KEY}
    assert form.values() == {"steps": 20}  # invalid JSON adds nothing

    json_edit.setPlainText("[1, 2]")
    assert "must be an object" in error.text()


def test_schema_without_input_is_json_only(qtbot: QtBot) -> None:
    form = make_form(qtbot, {"openapi": "3.0.2"})
    assert child(form, QLabel, "parameter_form_notice").isVisibleTo(form)
    child(form, QPlainTextEdit, "parameter_form_json").setPlainText('{"prompt": "hi", "n": 2}')
    assert form.values_for_run() == ({"prompt": "hi", "n": 2}, {})


def test_set_values_restores_fields_and_sends_unknown_keys_to_json(qtbot: QtBot, tmp_path: Path) -> None:
    form = make_form(qtbot, DIFFUSION_MODEL)
    photo = png_file(tmp_path / "p.png")
    form.set_values({"prompt": "ignored: the prompt box owns it", "aspect_ratio": "9:16", "num_outputs": 2,
                     "seed": 99, "image": str(photo), "disable_safety_checker": True, "lora_scale": 0.8})
    assert form.values() == {"aspect_ratio": "9:16", "num_outputs": 2, "seed": 99, "image": photo,
                             "output_format": "webp", "disable_safety_checker": True, "lora_scale": 0.8}
    seed = form.editor("seed")
    assert isinstance(seed, SeedEditor) and seed.is_locked()
    assert child(form, QPlainTextEdit, "parameter_form_json").isVisibleTo(form)
    form.set_values({"image": "data:image/png;base64,AAAA"})
    assert form.values() == {"aspect_ratio": "1:1", "num_outputs": 1, "image": "data:image/png;base64,AAAA",
                             "output_format": "webp", "disable_safety_checker": False}


def test_values_changed_follows_user_edits_only(qtbot: QtBot) -> None:
    form = make_form(qtbot, LANGUAGE_MODEL)
    seen: list[int] = []
    form.values_changed.connect(lambda: seen.append(1))
    form.set_values({"max_tokens": 100})
    form.set_schema(parse_input_schema(LANGUAGE_MODEL))
    assert seen == []
    child(form, QSpinBox, "field_max_tokens_spin").setValue(64)
    assert len(seen) == 1


# ---- files -----------------------------------------------------------------------------------------


def drop(widget: QWidget, path: Path) -> bool:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    center = widget.rect().center()
    enter = QDragEnterEvent(QPoint(center), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    if not enter.isAccepted():
        return False
    event = QDropEvent(QPointF(center), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)
    return event.isAccepted()


def test_dropping_an_image_sets_the_file_field_and_its_thumbnail(qtbot: QtBot, tmp_path: Path) -> None:
    form = make_form(qtbot, DIFFUSION_MODEL)
    editor = form.editor("image")
    assert isinstance(editor, FileEditor)
    photo = png_file(tmp_path / "dropped.png", "#cf222e")
    with qtbot.waitSignal(form.values_changed, timeout=1000):
        assert drop(editor, photo)
    assert form.values()["image"] == photo
    assert child(form, QLineEdit, "field_image_path").text() == str(photo)
    thumb = child(form, QLabel, "field_image_thumbnail").pixmap()
    assert not thumb.isNull()
    assert thumb.toImage().pixelColor(thumb.width() // 2, thumb.height() // 2) == QColor("#cf222e")
    assert not drop(editor, tmp_path / "missing.png")  # not a file: refused
    assert form.values()["image"] == photo


def test_choose_opens_a_non_modal_dialog_and_takes_its_file(qtbot: QtBot, tmp_path: Path) -> None:
    form = make_form(qtbot, UPSCALER)
    editor = form.editor("image")
    assert isinstance(editor, FileEditor)
    qtbot.mouseClick(child(form, QPushButton, "field_image_choose"), Qt.MouseButton.LeftButton)
    dialog = editor.dialog()  # the click returned: no nested event loop ran
    assert isinstance(dialog, QFileDialog)
    assert dialog.isVisible()
    photo = png_file(tmp_path / "chosen.png")
    dialog.fileSelected.emit(str(photo))
    dialog.close()
    assert form.values() == {"image": photo, "scale": 4}


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_screenshot_in_light_and_dark(
    qtbot: QtBot, qapp: QApplication, tmp_path: Path, screenshots: Path, theme: str
) -> None:
    style, palette = qapp.style().name(), qapp.palette()
    try:
        apply_theme(qapp, theme)
        form = ParameterForm()
        form.set_schema(parse_input_schema(DIFFUSION_MODEL))
        scroll = QScrollArea()
        qtbot.addWidget(scroll)
        scroll.setWidgetResizable(True)
        scroll.setWidget(form)
        scroll.resize(560, 520)
        scroll.show()
        assert ("#ff7b72" if theme == "dark" else "#cf222e") in form.styleSheet()
        qtbot.keyClicks(child(form, QPlainTextEdit, "field_negative_prompt_text"), "blurry, low quality")
        image = form.editor("image")
        assert image is not None
        image.set_value(png_file(tmp_path / "input.png", "#d98c2b"))
        form.highlight_errors({"input.num_outputs": "num_outputs must be less than or equal to 4"})
        qtbot.wait(20)
        shot = scroll.grab().toImage()
        shot.save(str(screenshots / f"catalogue_form_{theme}.png"))
        frame = form.editor("num_outputs")
        assert frame is not None
        corner = frame.mapTo(scroll, QPoint(frame.width() // 2, 0))
        border = shot.pixelColor(corner)
        assert border.red() > 180 and border.green() < 140, border.name()  # the red border is painted
        background = shot.pixelColor(scroll.width() - 20, scroll.height() - 20)
        assert background.lightness() < 100 if theme == "dark" else background.lightness() > 200
    finally:
        qapp.setStyle(style)
        qapp.setPalette(palette)
