""""Send to…" in the real window against the fake server: an output run through an upscaler in one step, the result
linked to its source in the history, the "Made from" line followed back; and the default preset starting a form."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QMenu

from desktop_app.session import Gallery, ProgressChanged, RunCanceled
from desktop_app.ui.form.presets_menu import PresetsMenu
from desktop_app.ui.shell.send_to import SendToFlow
from tests.fake_replicate import FakeReplicate, Script
from tests.ui.harness import Harness, make_harness, until
from tests.ui.test_picture_flows import INPAINT, created_inputs, form, form_for

FLUX = "black-forest-labs/flux-schnell"
UPSCALE = "nightmareai/real-esrgan"


@pytest_asyncio.fixture
async def harness(fake_replicate: FakeReplicate, tmp_path: Path) -> AsyncIterator[Harness]:
    fake_replicate.set_script(FLUX, Script(kind="image", images=[("png", 40, 40)], official=True))
    fake_replicate.set_script(UPSCALE, Script(kind="image", task="upscale", output_kind="single",
                                              images=[("png", 160, 160)]))
    fake_replicate.set_script(INPAINT, Script(kind="image", task="inpaint"))
    h = await make_harness(fake_replicate, tmp_path, catalogue=True, history=True)
    await until(lambda: "fake-user" in h.window.account_label.text(), message="the account check")
    yield h
    await h.close()


def send_to(h: Harness) -> SendToFlow:
    found = h.window.findChild(SendToFlow)
    assert found is not None
    return found


async def a_fox(h: Harness) -> Path:
    await form_for(h, "flux-schnell", "num_inference_steps")
    h.send("a fox in the snow")
    await h.wait_idle()
    await h.flush()
    source = h.window.viewer.path_at(0)
    assert source is not None
    return source


async def test_send_to_runs_an_upscaler_on_the_output_and_links_the_result(harness: Harness) -> None:
    source = await a_fox(harness)
    turns = len(harness.window.chat.turns())
    menu = send_to(harness).offer(0, QPoint(100, 100))
    assert isinstance(menu, QMenu) and menu.isVisible()
    choices = {action.text(): action for action in menu.actions() if not action.isSeparator()}
    assert UPSCALE in choices
    choices[UPSCALE].trigger()
    menu.close()
    viewer = harness.window.viewer
    await until(lambda: viewer.path_at(0) not in (None, source), limit=15, message="the upscaled picture")
    flow = send_to(harness)
    await until(lambda: flow.run is not None and flow.run.done, message="the run's end")
    await until(lambda: viewer.chain_bar.isVisible(), message="the Made from line")

    (created,) = [inputs for inputs in created_inputs(harness.fake) if "image" in inputs]
    assert created["image"] == "data:image/png;base64," + base64.b64encode(source.read_bytes()).decode()
    assert set(created) == {"image", "prompt"}  # the model's own defaults for the rest: nothing else was asked
    assert len(harness.window.chat.turns()) == turns  # the chat is the conversation's text; this is not in it

    await harness.flush()
    gallery = Gallery(harness.services.recorder)
    result = await gallery.item(viewer.path_at(0))  # type: ignore[arg-type]
    first = await gallery.item(source)
    assert result.model == UPSCALE and result.source_output_id == first.id
    assert [step.id for step in await gallery.chain(result.id)] == [result.id, first.id]
    assert [step.output_id for step in viewer.chain_bar.steps()] == [first.id]
    assert "black-forest-labs/flux-schnell · a fox in the snow" in viewer.chain_bar._label.text()
    assert viewer.image_at(0) is not None and viewer.image_at(0).width() == 160  # type: ignore[union-attr]

    viewer.chain_bar._label.linkActivated.emit(f"output:{first.id}")
    await until(lambda: viewer.path_at(0) == source, message="the first step shown")
    await until(lambda: viewer.chain_bar.isHidden(), message="the first step has no Made from line")
    assert len(harness.window.chat.turns()) == turns


async def test_a_model_that_takes_no_picture_is_refused_in_one_sentence(harness: Harness) -> None:
    source = await a_fox(harness)
    before = len(created_inputs(harness.fake))
    send_to(harness).send(source, FLUX)
    await until(lambda: "cannot go to" in harness.window.statusBar().currentMessage(), message="the sentence")
    assert "has no input for an image" in harness.window.statusBar().currentMessage()
    assert len(created_inputs(harness.fake)) == before


async def test_the_default_preset_starts_the_models_form(harness: Harness) -> None:
    await form_for(harness, "flux-schnell", "num_inference_steps")
    menu = harness.window.findChild(PresetsMenu, "presetsButton")
    assert menu is not None and menu.isEnabled() and menu.model() is not None
    steps = form(harness).editor("num_inference_steps")
    assert steps is not None and steps.set_value(9)
    assert menu.save("Nine steps")
    assert menu.set_default("Nine steps")
    assert steps.set_value(3)
    await form_for(harness, INPAINT, "mask")
    assert menu.model() == INPAINT
    await form_for(harness, "flux-schnell", "num_inference_steps")
    assert form(harness).values()["num_inference_steps"] == 9
    model = menu.model()
    assert model is not None and "flux-schnell" in model


async def test_escape_stops_a_run_sent_on_and_cancels_it_on_the_server(harness: Harness) -> None:
    source = await a_fox(harness)
    gate = asyncio.Event()
    harness.fake.set_script(UPSCALE, Script(kind="image", task="upscale", output_kind="single", gate=gate))
    flow = send_to(harness)
    flow.send(source, UPSCALE)
    await until(lambda: flow.run is not None and any(isinstance(event, ProgressChanged) for event in flow.run.events)
                and len(harness.fake.predictions) == 2, message="the sent run's prediction")
    harness.window.stop_action.trigger()
    await until(lambda: flow.run is not None and flow.run.done, message="the sent run to stop")
    assert flow.run is not None and isinstance(flow.run.end, RunCanceled)
    assert any(request.path.endswith("/cancel") for request in harness.fake.requests_to("POST", "/v1/predictions/"))
    gate.set()
