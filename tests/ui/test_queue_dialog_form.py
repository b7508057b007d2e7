"""The "Add to queue" dialog with the parameter form behind it: the form's values go with every job and each job
is checked against the model's schema before anything is sent; a matrix over two inputs; a folder of images."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest_asyncio
from PySide6.QtWidgets import QPlainTextEdit

from desktop_app.ui.form.parameter_form import ParameterForm
from desktop_app.ui.models.catalogue_flow import CatalogueFlow
from desktop_app.ui.queue.add_dialog import AddToQueueDialog
from desktop_app.ui.shell.queue_entry import QueueEntry
from desktop_app.ui.shell.queue_wiring import QueueWiring
from tests.fake_replicate import FakeReplicate, Script
from tests.ui.harness import Harness, make_harness, until

FLUX = "black-forest-labs/flux-schnell"
UPSCALE = "nightmareai/real-esrgan"
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGP4DwABAQEAWk1v8QAAAABJRU5ErkJggg==")


@dataclass
class Rig:
    harness: Harness
    wiring: QueueWiring
    flow: CatalogueFlow

    @property
    def fake(self) -> FakeReplicate:
        return self.harness.fake

    def states(self) -> list[str]:
        return [job.state for job in self.wiring.panel.model.jobs()]

    def sent(self, model: str) -> list[dict[str, Any]]:
        return [(r.json or {})["input"] for r in self.fake.requests_to("POST", f"/v1/models/{model}/predictions")]

    async def form_for(self, model: str) -> ParameterForm:
        self.harness.choose(model)
        self.flow.load_schema(model)
        await self.flow.wait_idle()
        form = self.flow.form
        assert isinstance(form, ParameterForm)
        return form

    def dialog(self) -> AddToQueueDialog:
        dialog = self.wiring.open_dialog()
        assert dialog is not None
        return dialog


@pytest_asyncio.fixture
async def rig(fake_replicate: FakeReplicate, tmp_path: Path) -> AsyncIterator[Rig]:
    harness = await make_harness(fake_replicate, tmp_path, history=True, catalogue=True)
    flow = harness.controller.catalogue
    assert flow is not None
    entry = QueueEntry(harness.window, harness.services, harness.paths, harness.controller, flow)
    wiring = entry.wiring  # made and dispatching, as Queue → Show the queue makes it
    await until(lambda: "fake-user" in harness.window.account_label.text(), message="the account check")
    yield Rig(harness, wiring, flow)
    await entry.aclose()
    await harness.close()


async def test_the_forms_values_go_with_each_job_and_a_value_out_of_range_is_refused(rig: Rig) -> None:
    rig.fake.set_script(FLUX, Script(kind="image", official=True))
    form = await rig.form_for(FLUX)
    form.set_values({"aspect_ratio": "16:9"})
    rig.harness.prompt_box.setPlainText("a red fox")
    dialog = rig.dialog()
    assert dialog.parameters["aspect_ratio"] == "16:9" and dialog.schema is not None
    dialog.axis_key.setText("num_inference_steps")
    dialog.axis_values.setText("2, 99")  # flux-schnell takes 1 to 50 steps
    dialog.add_button.click()
    assert dialog.isVisible() and dialog.problem.isVisible()
    problem = dialog.problem.text()
    assert problem.startswith("Job 2 (num_inference_steps=99):") and "50" in problem
    assert len(problem.splitlines()) == 1
    assert rig.wiring.panel.model.jobs() == []
    assert rig.sent(FLUX) == [] and rig.fake.predictions == {}  # nothing created, nothing paid for
    dialog.axis_values.setText("2, 4")
    dialog.add_button.click()
    assert not dialog.isVisible()
    await until(lambda: rig.states() == ["succeeded"] * 2, message="both jobs done")
    sent = sorted((i["prompt"], i["num_inference_steps"], i["aspect_ratio"]) for i in rig.sent(FLUX))
    assert sent == [("a red fox", 2, "16:9"), ("a red fox", 4, "16:9")]


async def test_a_form_with_something_to_fix_opens_no_dialog(rig: Rig) -> None:
    form = await rig.form_for(FLUX)
    json_editor = form.findChild(QPlainTextEdit, "parameter_form_json")
    assert json_editor is not None
    json_editor.setPlainText('{"guidance": NaN}')  # JSON cannot carry it
    assert rig.wiring.open_dialog() is None
    assert rig.harness.window.statusBar().currentMessage().startswith("Fix the parameters before adding")
    assert rig.fake.predictions == {}
    assert rig.harness.window.parameters_panel.isVisible()  # the fields to fix are shown
    await asyncio.sleep(0.05)  # the panes' deferred re-layout runs before the window is closed


async def test_a_2x3_matrix_over_two_inputs_makes_six_jobs(rig: Rig) -> None:
    rig.fake.set_script(FLUX, Script(kind="image", official=True))
    rig.wiring.queue.concurrency = 4
    await rig.form_for(FLUX)
    rig.harness.prompt_box.setPlainText("a lighthouse")
    dialog = rig.dialog()
    dialog.axis_key.setText("aspect_ratio")
    dialog.axis_values.setText("1:1, 16:9")
    dialog.axis_key_2.setText("num_inference_steps")
    dialog.axis_values_2.setText("1, 2, 3")
    assert dialog.estimate_label.text().startswith("~6 runs")
    dialog.add_button.click()
    await until(lambda: rig.states() == ["succeeded"] * 6, message="the six jobs done")
    sent = sorted((i["aspect_ratio"], i["num_inference_steps"]) for i in rig.sent(FLUX))
    assert sent == [("16:9", 1), ("16:9", 2), ("16:9", 3), ("1:1", 1), ("1:1", 2), ("1:1", 3)]
    assert all(i["prompt"] == "a lighthouse" for i in rig.sent(FLUX))


async def test_a_folder_of_images_makes_one_job_per_image_for_the_file_input(rig: Rig, tmp_path: Path) -> None:
    rig.fake.set_script(UPSCALE, Script(kind="image", task="upscale", output_kind="single", official=True))
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("a.png", "b.png", "c.png"):
        (folder / name).write_bytes(PIXEL)
    (folder / "notes.txt").write_text("not an image", encoding="utf-8")
    await rig.form_for(UPSCALE)
    dialog = rig.dialog()
    assert not dialog.load_folder(tmp_path / "missing")
    assert "cannot be read" in dialog.problem.text()
    assert dialog.load_folder(folder)
    assert dialog.folder_label.text() == "photos: 3 images, to image"
    assert dialog.estimate_label.text().startswith("~3 runs")
    dialog.add_button.click()
    assert not dialog.isVisible(), dialog.problem.text()
    await until(lambda: rig.states() == ["succeeded"] * 3, message="the three upscales done")
    sent = rig.sent(UPSCALE)
    assert len(sent) == 3 and all(str(i["image"]).startswith(("data:image/png", "https://")) for i in sent)
    assert sorted(job.label for job in rig.wiring.panel.model.jobs()) == ["a.png", "b.png", "c.png"]


async def test_a_matrix_over_models_checks_each_model_against_its_own_schema(rig: Rig) -> None:
    llama = "meta/meta-llama-3-70b-instruct"
    rig.fake.set_script(FLUX, Script(kind="image", official=True))
    await rig.form_for(FLUX)
    rig.harness.prompt_box.setPlainText("a kite")
    dialog = rig.dialog()
    dialog.axis_key.setText("model")
    dialog.axis_values.setText(f"{FLUX}, {llama}")
    dialog.axis_key_2.setText("num_inference_steps")
    dialog.axis_values_2.setText("2")
    dialog.add_button.click()  # the other model's schema is read first
    await until(lambda: dialog.problem.isVisible(), message="the refusal")
    assert dialog.problem.text().endswith(f"{llama} has no input called num_inference_steps.")
    assert dialog.isVisible() and dialog.add_button.isEnabled()
    assert rig.wiring.panel.model.jobs() == [] and rig.fake.predictions == {}
    dialog.axis_key_2.setText("")
    dialog.axis_values_2.setText("")
    dialog.add_button.click()
    await until(lambda: rig.states() == ["succeeded"] * 2, message="both models' jobs done")
    assert [i["prompt"] for i in rig.sent(FLUX)] == ["a kite"] and rig.sent(FLUX)[0]["aspect_ratio"] == "1:1"
    (reply,) = rig.sent(llama)
    assert "aspect_ratio" not in reply and "num_outputs" not in reply  # flux's untouched form values stay behind
