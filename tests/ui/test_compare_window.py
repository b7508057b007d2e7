"""The comparison window against the fake server: three text models stream side by side, each measured, and the
chosen reply goes on in the chat with its model."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from PySide6.QtGui import QTextCursor

from desktop_app.ui.shell.compare_wiring import CompareWiring
from tests.fake_replicate import FakeReplicate, Script
from tests.ui.harness import Harness, make_harness, until

LLAMA = "meta/meta-llama-3-70b-instruct"
MIXTRAL = "mistralai/mixtral-8x7b-instruct-v0.1"
GEMMA = "google-deepmind/gemma-2b-it"


@pytest_asyncio.fixture
async def rig(fake_replicate: FakeReplicate, tmp_path: Path) -> AsyncIterator[tuple[Harness, CompareWiring]]:
    harness = await make_harness(fake_replicate, tmp_path, history=True)
    wiring = CompareWiring(harness.window, harness.services, harness.controller)
    yield harness, wiring
    if wiring.compare is not None:
        wiring.compare.close()
    await harness.close()


async def test_three_models_stream_together_and_one_is_continued(rig: tuple[Harness, CompareWiring],
                                                                  screenshots: Path) -> None:
    harness, wiring = rig
    held = asyncio.Event()
    harness.fake.set_script(LLAMA, Script(kind="text", official=True, chunks=["Hel", "lo", " from", " Llama"],
                                          gate=held, gate_after=2))
    harness.fake.set_script(MIXTRAL, Script(kind="text", chunks=["Bon", "jour", " from", " Mixtral"]))
    harness.fake.set_script(GEMMA, Script(kind="text", chunks=["Hi", " from", " Gemma"]))
    harness.choose(LLAMA)
    harness.prompt_box.setPlainText("Say hello")
    window = wiring.open_window()
    assert window.isVisible() and not window.isModal()
    assert window.prompt.toPlainText() == "Say hello" and window.models() == ["llama-3-70b"]  # the picker's alias
    window.model_edits[1].setText(MIXTRAL)
    window.model_edits[2].setText(GEMMA)
    window.compare_button.click()
    columns = window.columns
    assert [column.lane.model for column in columns] == [LLAMA, MIXTRAL, GEMMA]
    await until(lambda: columns[2].continue_button.isEnabled(), message="gemma done")
    await until(lambda: columns[0].text.toPlainText() == "Hello", message="llama half-way")
    assert columns[2].text.toPlainText() == "Hi from Gemma"
    assert not columns[0].continue_button.isEnabled()  # held half-way: nothing to continue from yet
    selection = columns[0].text.textCursor()
    selection.select(QTextCursor.SelectionType.Document)  # the user selects what streamed so far, to copy it
    columns[0].text.setTextCursor(selection)
    held.set()
    await until(lambda: all(column.continue_button.isEnabled() for column in columns), message="all three done")
    assert [column.text.toPlainText() for column in columns] == ["Hello from Llama", "Bonjour from Mixtral",
                                                                  "Hi from Gemma"]
    # the rest was appended, not the whole text set again (which would have dropped the user's selection)
    assert columns[0].text.textCursor().selectedText().startswith("Hello")
    for column in columns:
        measures = column.measures.text().splitlines()
        assert [line.split(":")[0] for line in measures] == ["First token", "Tokens/s", "Total", "Compute", "Cost"]
        assert "—" not in "".join(measures[:4]), measures  # every time and speed is known once it finished
    assert columns[0].measures.text().endswith("(estimate)")  # llama has a price; the cost is labelled an estimate
    window.resize(1100, 500)
    await asyncio.sleep(0.05)
    assert window.grab().save(str(screenshots / "compare.png"))

    columns[1].continue_button.click()
    turns = harness.window.chat.turns()
    assert [(turn.role, turn.text) for turn in turns] == [("user", "Say hello"),
                                                           ("assistant", "Bonjour from Mixtral")]
    assert harness.window.model_picker.current_model() == "mixtral-8x7b"  # its alias in the picker
    harness.send("And in German?")
    await harness.wait_idle()
    creates = harness.fake.requests_to("POST", f"/v1/models/{MIXTRAL}/predictions")
    follow_up = (creates[-1].json or {})["input"]["prompt"]
    assert "Bonjour from Mixtral" in follow_up and "And in German?" in follow_up


async def test_a_bad_choice_is_one_sentence_and_nothing_is_sent(rig: tuple[Harness, CompareWiring]) -> None:
    harness, wiring = rig
    window = wiring.open_window()
    window.prompt.setPlainText("Say hello")
    window.model_edits[0].setText(LLAMA)
    window.compare_button.click()
    assert window.problem.isVisible()
    assert window.problem.text() == "Compare 2 to 4 different models; 1 chosen."
    assert window.columns == [] and harness.fake.predictions == {}


async def test_image_models_show_their_outputs_side_by_side(rig: tuple[Harness, CompareWiring]) -> None:
    harness, wiring = rig
    flux, sdxl = "black-forest-labs/flux-schnell", "bytedance/sdxl-lightning-4step"
    harness.fake.set_script(flux, Script(kind="image", official=True))
    harness.fake.set_script(sdxl, Script(kind="image", images=[("png", 8, 8), ("png", 8, 8)]))
    window = wiring.open_window()
    window.prompt.setPlainText("a lighthouse")
    window.model_edits[0].setText(flux)
    window.model_edits[1].setText(sdxl)
    window.compare_button.click()
    columns = window.columns
    await until(lambda: all(column.continue_button.isEnabled() for column in columns), message="both done")
    assert [column.images.count() for column in columns] == [1, 2]
    await until(lambda: all(not column.images.item(row).icon().isNull()
                            for column in columns for row in range(column.images.count())),
                message="every tile's picture, decoded off the GUI thread")
    assert all(column.images.isVisible() and not column.text.isVisible() for column in columns)
