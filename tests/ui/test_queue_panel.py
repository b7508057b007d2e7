"""The queue panel and the "Add to queue" dialog against the fake Replicate server: a 2 × 2 matrix from the
dialog runs to the end, a running job is canceled on the server, failed jobs are retried, bad input is named."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest_asyncio
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from desktop_app.ui.queue.add_dialog import AddToQueueDialog
from desktop_app.ui.shell.queue_entry import QueueEntry
from desktop_app.ui.shell.queue_wiring import QueueWiring
from tests.fake_replicate import FakeReplicate, Script
from tests.ui.harness import Harness, make_harness, until

FLUX = "black-forest-labs/flux-schnell"
CREATES = f"/v1/models/{FLUX}/predictions"


@dataclass
class Rig:
    harness: Harness
    wiring: QueueWiring

    @property
    def fake(self) -> FakeReplicate:
        return self.harness.fake

    def states(self) -> list[str]:
        return [job.state for job in self.wiring.panel.model.jobs()]


@pytest_asyncio.fixture
async def rig(fake_replicate: FakeReplicate, tmp_path: Path) -> AsyncIterator[Rig]:
    harness = await make_harness(fake_replicate, tmp_path, history=True)
    entry = QueueEntry(harness.window, harness.services, harness.paths, harness.controller)
    wiring = entry.wiring  # made and dispatching, as Queue → Show the queue makes it
    yield Rig(harness, wiring)
    await entry.aclose()
    await harness.close()


def compose(rig: Rig, prompts: str, *, copies: int = 1, key: str = "", values: str = "") -> AddToQueueDialog:
    rig.harness.choose(FLUX)
    dialog = rig.wiring.open_dialog()
    assert dialog is not None
    dialog.prompts.setPlainText(prompts)
    dialog.copies.setValue(copies)
    dialog.axis_key.setText(key)
    dialog.axis_values.setText(values)
    return dialog


async def test_a_2x2_matrix_from_the_dialog_runs_and_opens_in_the_viewer(rig: Rig, screenshots: Path) -> None:
    rig.fake.set_script(FLUX, Script(kind="image", official=True, steps=3))
    rig.wiring.queue.concurrency = 4
    dialog = compose(rig, "a red fox\na blue whale", key="num_inference_steps", values="2, 4")
    assert dialog.isVisible() and not dialog.isModal()
    assert dialog.estimate_label.text() == "~4 runs, ~$0.01 (estimate)"  # flux-schnell: $0.003 an image, 4 × = $0.012
    dialog.add_button.click()  # the model's schema is read first (no parameter form here), then every job checked
    await until(lambda: len(rig.wiring.panel.model.jobs()) == 4, message="the four jobs added")
    assert rig.wiring.dock.isVisible() and rig.wiring.dialog is None  # closed once the batch was added
    await until(lambda: rig.states() == ["succeeded"] * 4, message="the four jobs done")
    sent = sorted((r.json or {})["input"]["prompt"] + f" {(r.json or {})['input']['num_inference_steps']}"
                  for r in rig.fake.requests_to("POST", CREATES))
    assert sent == ["a blue whale 2", "a blue whale 4", "a red fox 2", "a red fox 4"]
    summary = rig.wiring.panel.summary.text()
    assert "4 jobs: 4 done, 0 failed" in summary and "$0.0120" in summary
    table = rig.wiring.panel.table
    cell = table.visualRect(rig.wiring.panel.model.index(0, 1)).center()
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=cell)  # a view opens what was pressed
    QTest.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    await until(lambda: rig.harness.window.viewer.image_count() == 1
                and rig.harness.window.viewer.current_image() is not None, message="the output in the viewer")
    rig.wiring.panel.batch_button.click()  # the batch's four images together in the viewer's strip
    await until(lambda: rig.harness.window.viewer.image_count() == 4
                and all(rig.harness.window.viewer.image_at(i) is not None for i in range(4)),
                message="the batch's four images")
    rig.wiring.dock.resize(1100, 320)
    await asyncio.sleep(0.05)
    assert rig.wiring.dock.grab().save(str(screenshots / "queue.png"))


async def test_cancel_selected_cancels_the_running_prediction_on_the_server(rig: Rig) -> None:
    held = asyncio.Event()
    rig.fake.set_script(FLUX, Script(kind="image", official=True, steps=4, gate=held, gate_after=2))
    rig.wiring.queue.concurrency = 1
    compose(rig, "a lighthouse", copies=2).add_button.click()
    panel = rig.wiring.panel
    await until(lambda: rig.states()[:1] == ["running"], message="the first job running")
    panel.select_job(panel.model.jobs()[0].id)
    panel.cancel_button.click()
    await until(lambda: len(rig.fake.predictions) == 2, message="the second job created")
    held.set()
    await until(lambda: rig.states() == ["canceled", "succeeded"], message="the queue ends")
    statuses = sorted(p.status for p in rig.fake.predictions.values())
    assert statuses == ["canceled", "succeeded"]
    assert rig.fake.requests_to("POST", "/v1/predictions/") != []  # the cancel reached the server


async def test_retry_failed_runs_the_failed_jobs_again(rig: Rig) -> None:
    rig.fake.set_script(FLUX, Script(kind="image", official=True, end="failed", error="out of memory"))
    compose(rig, "one\ntwo").add_button.click()
    await until(lambda: rig.states() == ["failed", "failed"], message="both jobs failed")
    assert "out of memory" in rig.wiring.panel.model.index(0, 2).data()
    rig.fake.set_script(FLUX, Script(kind="image", official=True))
    rig.wiring.panel.retry_button.click()
    await until(lambda: rig.states() == ["succeeded", "succeeded"], message="both jobs done on retry")
    assert len(rig.fake.requests_to("POST", CREATES)) == 4


async def test_bad_input_is_one_sentence_in_the_dialog_and_nothing_is_added(rig: Rig) -> None:
    dialog = compose(rig, "a cat", values="1, 2")
    assert dialog.estimate_label.text() == "Name the input the matrix varies."
    assert not dialog.add_button.isEnabled()
    dialog.axis_key.setText("num_inference_steps")
    assert dialog.add_button.isEnabled()
    dialog.model_edit.setText("nobody/no-such-model:notaversion")
    dialog.add_button.click()
    assert dialog.isVisible() and dialog.problem.isVisible()  # the dialog stays, with what to fix
    assert dialog.problem.text().startswith("Job 1 (num_inference_steps=1): The version of nobody/no-such-model")
    assert dialog.estimate_label.text() == "~2 runs, cost unknown (no price for nobody/no-such-model)"
    assert rig.wiring.panel.model.jobs() == []
    assert rig.fake.requests_to("POST", CREATES) == []


async def test_pause_reorder_and_resume_from_the_panel(rig: Rig) -> None:
    rig.fake.set_script(FLUX, Script(kind="image", official=True))
    panel = rig.wiring.panel
    panel.pause_button.click()
    assert panel.pause_button.text() == "Resume"
    compose(rig, "first\nsecond\nthird").add_button.click()
    await asyncio.sleep(0.1)
    assert rig.fake.requests_to("POST", CREATES) == []
    third = panel.model.jobs()[2].id
    panel.select_job(third)
    panel.up_button.click()
    panel.up_button.click()
    assert [job.prompt for job in panel.model.jobs()] == ["third", "first", "second"]
    rig.wiring.queue.concurrency = 1
    panel.pause_button.click()
    await until(lambda: rig.states() == ["succeeded"] * 3, message="the three jobs done")
    sent = [(r.json or {})["input"]["prompt"] for r in rig.fake.requests_to("POST", CREATES)]
    assert sent == ["third", "first", "second"]


async def test_chat_runs_go_in_the_same_spend_ledger_as_the_queue(rig: Rig) -> None:
    rig.fake.set_script(FLUX, Script(kind="image", official=True))
    compose(rig, "a kite").add_button.click()
    await until(lambda: rig.states() == ["succeeded"], message="the queued job done")
    rig.harness.send("a chat picture")
    await rig.harness.wait_idle()
    spending = rig.wiring.queue.spending
    assert spending is not None
    (row,) = spending.by("model")
    assert (row.key, row.runs, round(row.cost, 4)) == (FLUX, 2, 0.006)  # one queued, one from the chat


async def test_a_4x5_matrix_runs_four_at_a_time_as_the_spin_box_says(rig: Rig) -> None:
    held = asyncio.Event()
    rig.fake.set_script(FLUX, Script(kind="image", official=True, steps=4, gate=held, gate_after=2))
    panel = rig.wiring.panel
    panel.concurrency.setValue(4)
    assert rig.wiring.queue.concurrency == 4
    dialog = compose(rig, "a\nb\nc\nd", key="num_inference_steps", values="1, 2, 3, 4, 5")
    assert dialog.estimate_label.text().startswith("~20 runs, ~$0.06")
    dialog.add_button.click()
    await until(lambda: rig.states().count("running") == 4, message="four jobs running")
    await asyncio.sleep(0.2)  # held half-way: no fifth starts while four run
    assert rig.states().count("running") == 4 and rig.states().count("queued") == 16
    assert len(rig.fake.predictions) == 4
    held.set()
    await until(lambda: rig.states() == ["succeeded"] * 20, limit=30, message="the twenty jobs done")
    assert len(rig.fake.requests_to("POST", CREATES)) == 20
    assert "20 jobs: 20 done, 0 failed" in panel.summary.text() and "$0.0600" in panel.summary.text()


async def test_prompts_from_a_csv_file_carry_their_columns(rig: Rig, tmp_path: Path) -> None:
    rig.fake.set_script(FLUX, Script(kind="image", official=True))
    table = tmp_path / "prompts.csv"
    table.write_text("prompt,num_inference_steps\na lake,2\na hill,3\n", encoding="utf-8")
    dialog = compose(rig, "")
    assert not dialog.load_prompts(tmp_path / "missing.txt")
    assert "cannot be read" in dialog.problem.text()
    assert dialog.load_prompts(table)
    assert dialog.file_label.text() == "prompts.csv: 2 rows" and dialog.prompts.isReadOnly()
    assert dialog.estimate_label.text().startswith("~2 runs")
    dialog.add_button.click()
    await until(lambda: rig.states() == ["succeeded"] * 2, message="both rows done")
    sent = [((r.json or {})["input"]["prompt"], (r.json or {})["input"]["num_inference_steps"])
            for r in rig.fake.requests_to("POST", CREATES)]
    assert sorted(sent) == [("a hill", 3), ("a lake", 2)]


async def test_a_soft_budget_warns_before_and_when_a_batch_passes_it(rig: Rig) -> None:
    rig.fake.set_script(FLUX, Script(kind="image", official=True))
    panel = rig.wiring.panel
    panel.budget.setValue(0.01)
    spending = rig.wiring.queue.spending
    assert spending is not None and spending.budget is not None
    dialog = compose(rig, "one\ntwo\nthree\nfour")  # 4 × $0.003 = $0.012 > $0.01
    lines = dialog.estimate_label.text().splitlines()
    assert lines[0] == "~4 runs, ~$0.01 (estimate)"
    assert lines[1].startswith("Over budget: $0.00 spent this month of a $0.01 budget")
    dialog.add_button.click()  # a soft budget: it warns, the user decides
    await until(lambda: panel.budget_note.isVisible(), message="the budget warning")
    assert panel.budget_note.text().startswith("Over budget:")
    await until(lambda: rig.states() == ["succeeded"] * 4, message="the batch done")
    panel.budget.setValue(0.0)
    assert spending.budget is None and not panel.budget_note.isVisible()


async def test_the_spend_view_totals_by_day_model_and_batch(rig: Rig) -> None:
    rig.fake.set_script(FLUX, Script(kind="image", official=True))
    compose(rig, "a kite\na boat").add_button.click()
    await until(lambda: rig.states() == ["succeeded"] * 2, message="the queued jobs done")
    rig.harness.send("a chat picture")
    await rig.harness.wait_idle()
    view = rig.wiring.panel.open_spending()
    assert view is not None and view.isVisible() and not view.isModal()

    def rows() -> list[list[str]]:
        table = view.table
        return [[item.text() if (item := table.item(r, c)) is not None else "" for c in range(4)]
                for r in range(table.rowCount())]

    ((day, runs, _seconds, cost),) = rows()  # all three today, one row
    assert (date.fromisoformat(day), runs, cost) == (datetime.now(UTC).date(), "3", "$0.0090")
    view.group.setCurrentIndex(view.group.findData("model"))
    assert [[row[0], row[1], row[3]] for row in rows()] == [[FLUX, "3", "$0.0090"]]
    view.group.setCurrentIndex(view.group.findData("batch"))
    assert [[row[0], row[1], row[3]] for row in rows()] == [["a kite (2 runs)", "2", "$0.0060"],
                                                           ["Chat", "1", "$0.0030"]]
    assert view.total.text() == "3 runs, $0.0090 in all"


async def test_a_batch_whose_file_was_removed_opens_the_rest_and_names_the_missing_one(rig: Rig) -> None:
    rig.fake.set_script(FLUX, Script(kind="image", official=True, steps=2))
    dialog = compose(rig, "a kite\na boat")
    dialog.add_button.click()
    await until(lambda: rig.states() == ["succeeded"] * 2, message="the two jobs done")
    gone = rig.wiring.panel.model.jobs()[0].outputs[0]
    gone.unlink()
    rig.wiring.panel.table.selectRow(0)  # "Show batch" shows the selected job's batch
    rig.wiring.panel.batch_button.click()
    await until(lambda: rig.harness.window.viewer.image_count() == 1, message="the one file left, in the viewer")
    assert str(gone) in rig.harness.window.statusBar().currentMessage()
