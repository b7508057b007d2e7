"""The parameter form in the window: built from the model's schema, sent with the prompt, 422s highlighted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDoubleSpinBox, QPlainTextEdit, QSpinBox

from desktop_app.session import resolve_files
from desktop_app.storage.settings import SettingsStore
from desktop_app.ui.form.fields import EnumEditor, NumberEditor
from desktop_app.ui.form.parameter_form import ParameterForm
from desktop_app.ui.models.catalogue_flow import CatalogueFlow
from tests.fake_replicate import FakeReplicate, Script
from tests.ui.harness import Harness, make_harness, until

FLUX = "black-forest-labs/flux-schnell"


@pytest_asyncio.fixture
async def harness(fake_replicate: FakeReplicate, tmp_path: Path) -> AsyncIterator[Harness]:
    h = await make_harness(fake_replicate, tmp_path, catalogue=True)
    await until(lambda: "fake-user" in h.window.account_label.text(), message="the account check")
    yield h
    await h.close()


def _form(flow: CatalogueFlow) -> ParameterForm:
    assert isinstance(flow.form, ParameterForm)  # the window's form, behind the flow's SchemaForm protocol
    return flow.form


def _flow(h: Harness) -> CatalogueFlow:
    assert h.controller.catalogue is not None
    return h.controller.catalogue


async def _form_for(h: Harness, alias: str) -> CatalogueFlow:
    h.choose(alias)
    flow = _flow(h)
    flow.load_schema(alias)
    await flow.wait_idle()  # the cached card, then the fresh one: the form is final only after both
    assert _form(flow).editor("num_outputs") is not None
    return flow


async def test_form_values_are_sent_with_the_prompt(harness: Harness, tmp_path: Path) -> None:
    harness.fake.set_script(FLUX, Script(kind="image", images=[("png", 32, 32), ("png", 32, 32)]))
    flow = await _form_for(harness, "flux-schnell")
    assert _form(flow).editor("prompt") is None  # the chat's prompt box feeds the prompt
    outputs = _form(flow).editor("num_outputs")
    assert isinstance(outputs, NumberEditor)
    spin = outputs.spin_box()
    assert isinstance(spin, QSpinBox | QDoubleSpinBox)
    assert (spin.minimum(), spin.maximum()) == (1, 4)
    spin.setValue(2)
    ratio = _form(flow).editor("aspect_ratio")
    assert isinstance(ratio, EnumEditor)
    assert ratio.set_value("16:9")
    seed = _form(flow).editor("seed")
    assert seed is not None
    assert seed.set_value(1234)

    harness.send("a red fox")
    await harness.wait_idle()
    (create,) = harness.fake.requests_to("POST", f"/v1/models/{FLUX}/predictions")
    assert create.json is not None
    sent = create.json["input"]
    assert sent["prompt"] == "a red fox"
    assert (sent["num_outputs"], sent["aspect_ratio"], sent["seed"]) == (2, "16:9", 1234)
    assert sent["num_inference_steps"] == 4  # defaults are sent as the form shows them
    assert harness.last_turn().state == "done"


async def test_a_small_local_image_is_sent_as_a_data_uri(harness: Harness, tmp_path: Path) -> None:
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    image.fill(0x336699)
    path = tmp_path / "input.png"
    assert image.save(str(path))
    await _form_for(harness, "flux-schnell")
    resolved = await resolve_files(harness.services.account.client, {"image": path, "steps": 4}, inline_only=False)
    assert resolved["image"].startswith("data:image/png;base64,")
    assert resolved["steps"] == 4


async def test_a_422_highlights_the_field_it_names(harness: Harness) -> None:
    flow = await _form_for(harness, "flux-schnell")
    harness.fake.fail_next("POST", rf"/v1/models/{FLUX}/predictions", 422, body={
        "title": "Input validation failed", "status": 422, "detail": "num_outputs: must be at most 4",
        "invalid_fields": [{"type": "maximum", "field": "input.num_outputs", "description": "must be at most 4"}],
    })
    harness.send("a lake")
    await harness.wait_idle()
    assert harness.last_turn().state == "failed"
    assert "num_outputs" in (harness.last_turn().error or "")
    editor = _form(flow).editor("num_outputs")
    assert editor is not None
    assert editor.property("invalid") is True or editor.focus_widget().property("invalid") is True
    assert harness.window.parameters_panel.isVisible()


async def test_a_refreshed_card_that_did_not_change_keeps_what_the_user_typed(harness: Harness) -> None:
    flow = await _form_for(harness, "flux-schnell")
    cached = flow.cache.get(*FLUX.split("/"))
    assert cached is not None
    outputs = _form(flow).editor("num_outputs")
    assert outputs is not None and outputs.set_value(3)
    _form(flow).highlight_errors({"num_outputs": "must be at most 4"})
    flow._schemas.card_loaded.emit(cached)  # what the runner does when the network answers after the cache
    assert _form(flow).editor("num_outputs") is outputs
    assert outputs.value() == 3 and outputs.property("invalid") is True


async def test_invalid_values_are_refused_before_sending(harness: Harness) -> None:
    flow = await _form_for(harness, "flux-schnell")
    json_editor = _form(flow).findChild(QPlainTextEdit, "parameter_form_json")
    assert json_editor is not None
    json_editor.setPlainText("{not json")
    harness.send("anything")
    await harness.wait_idle()
    assert harness.fake.requests_to("POST", "/v1/models/") == []  # nothing is sent
    assert harness.window.parameters_panel.isVisible()
    assert "parameters need fixing" in (harness.last_turn().error or harness.last_turn().text)
    assert harness.prompt_box.toPlainText() == "anything"  # the prompt is given back, not lost


async def test_form_values_are_remembered_per_model(harness: Harness) -> None:
    flow = await _form_for(harness, "flux-schnell")
    outputs = _form(flow).editor("num_outputs")
    assert outputs is not None
    assert outputs.set_value(3)
    harness.send("three foxes")
    await harness.wait_idle()
    stored = SettingsStore(harness.paths.settings_file).load().model_inputs[FLUX]
    assert stored["num_outputs"] == 3
    assert "seed" not in stored

    harness.choose("llama-3-70b")
    flow.load_schema("llama-3-70b")
    await until(lambda: _form(flow).editor("num_outputs") is None, message="the text model's form")
    await _form_for(harness, "flux-schnell")
    restored = _form(flow).editor("num_outputs")
    assert restored is not None
    await until(lambda: restored.value() == 3, message="the remembered value")


async def test_use_these_settings_again_restores_the_form(harness: Harness) -> None:
    flow = await _form_for(harness, "flux-schnell")
    harness.services.preferences.reuse_inputs(FLUX, {"num_outputs": 4, "seed": 77, "aspect_ratio": "3:2"})
    flow.load_schema(FLUX)
    outputs = _form(flow).editor("num_outputs")
    await until(lambda: _form(flow).editor("num_outputs") is not outputs
                and _form(flow).values().get("num_outputs") == 4, message="the reused inputs in the form")
    values = _form(flow).values()
    assert (values["seed"], values["aspect_ratio"]) == (77, "3:2")


async def test_an_attached_image_goes_to_a_vision_models_image_input(harness: Harness, tmp_path: Path) -> None:
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    image.fill(0x993366)
    path = tmp_path / "photo.png"
    assert image.save(str(path))
    llava = "yorickvp/llava-13b"
    harness.fake.set_script(llava, Script(kind="text", chunks=["A", " purple", " square."], image_input=True))
    harness.choose("llava-13b")
    flow = _flow(harness)
    flow.load_schema("llava-13b")
    await until(lambda: _form(flow).editor("image") is not None, message="the vision model's form")
    harness.controller.models.attach(path)
    assert any("photo.png" in t.text for t in harness.window.chat.turns() if t.role == "system-note")
    harness.send("What is in this picture?")
    await harness.wait_idle()
    creates = harness.fake.requests_to("POST", "/v1/")
    sent = creates[-1].json
    assert sent is not None
    assert sent["input"]["image"].startswith("data:image/png;base64,")
    assert harness.last_turn().text == "A purple square."


async def test_attaching_to_a_model_without_image_input_says_so(harness: Harness, tmp_path: Path) -> None:
    await _form_for(harness, "flux-schnell")
    harness.controller.models.attach(tmp_path / "none.png")
    assert "takes no image input" in (harness.last_turn().error or harness.last_turn().text)


async def test_the_prompt_box_feeds_a_prompt_field_with_another_name(harness: Harness) -> None:
    from desktop_app.replicate import parse_input_schema

    flow = _flow(harness)
    harness.choose("llama-3-70b")
    _form(flow).set_schema(parse_input_schema({"components": {"schemas": {"Input": {
        "type": "object", "required": ["text"],
        "properties": {"text": {"type": "string", "title": "Text", "description": "Text prompt", "x-order": 0}},
    }}}}))
    prompt_field = flow.schema().prompt_field
    assert prompt_field is not None and prompt_field.name == "text"
    harness.fake.set_script("meta/meta-llama-3-70b-instruct", Script(kind="text", chunks=["ok"]))
    harness.send("hello there")
    await harness.wait_idle()
    (create,) = harness.fake.requests_to("POST", "/v1/models/meta/meta-llama-3-70b-instruct/predictions")
    assert create.json is not None
    assert create.json["input"]["text"] == "User: hello there\nAssistant:"
