"""The layout fits the model: the chat gets the width for text, the viewer for images, the parameters open wide
enough for every editor (at 1280×800), and the widths the user drags to are remembered per kind."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from PySide6.QtWidgets import QScrollArea, QWidget

from desktop_app.storage.settings import SettingsStore
from desktop_app.ui.form.parameter_form import ParameterForm
from tests.fake_replicate import FakeReplicate, Script
from tests.ui.harness import Harness, make_harness, until
from tests.ui.scaled_app import run_scaled

ROOT = Path(__file__).resolve().parents[2]
LLAMA = "meta/meta-llama-3-70b-instruct"
FLUX = "black-forest-labs/flux-schnell"


@pytest_asyncio.fixture
async def harness(fake_replicate: FakeReplicate, tmp_path: Path) -> AsyncIterator[Harness]:
    h = await make_harness(fake_replicate, tmp_path, history=True, catalogue=True)
    await until(lambda: "fake-user" in h.window.account_label.text(), message="the account check")
    yield h
    await h.close()


def hidden_editors(panel: QScrollArea) -> list[str]:
    """The editors of the form that are not wholly inside the panel's viewport, left to right."""
    form = panel.widget()
    assert isinstance(form, ParameterForm)
    viewport = panel.viewport()
    cut = []
    for spec in form.schema().fields:
        editor = form.editor(spec.name)
        if not isinstance(editor, QWidget) or not editor.isVisibleTo(form):
            continue
        left = editor.mapTo(viewport, editor.rect().topLeft()).x()
        right = editor.mapTo(viewport, editor.rect().topRight()).x()
        if left < 0 or right >= viewport.width():
            cut.append(spec.name)
    return cut


async def open_parameters(h: Harness, alias: str) -> QScrollArea:
    h.choose(alias)
    flow = h.controller.catalogue
    assert flow is not None
    flow.load_schema(alias)
    await flow.wait_idle()
    h.window.parameters_button.click()
    await asyncio.sleep(0.05)  # the panel's layout settles
    panel = h.window.parameters_panel
    assert isinstance(panel, QScrollArea)
    return panel


async def test_the_parameters_open_with_every_editor_whole_at_1280_by_800(harness: Harness,
                                                                         screenshots: Path) -> None:
    assert (harness.window.width(), harness.window.height()) == (1280, 800)
    panel = await open_parameters(harness, "flux-schnell")
    form = panel.widget()
    assert isinstance(form, ParameterForm) and form.editor("num_outputs") is not None
    assert panel.isVisible()
    assert not panel.horizontalScrollBar().isVisible()
    assert hidden_editors(panel) == []
    chat = harness.window.chat
    assert harness.window.panes.pane_width("chat") >= max(280, chat.minimumSizeHint().width())  # still usable
    harness.window.grab().save(str(screenshots / "parameters-1280.png"))

    panel = await open_parameters(harness, "llama-3-70b")  # another form, rebuilt in the open panel
    await until(lambda: not panel.horizontalScrollBar().isVisible() and hidden_editors(panel) == [],
                message="the text model's form fitting")


async def test_the_chat_gets_the_width_for_text_and_the_viewer_for_images(harness: Harness,
                                                                          screenshots: Path) -> None:
    panes = harness.window.panes
    harness.fake.set_script(FLUX, Script(kind="image", images=[("png", 768, 512)]))
    harness.choose("flux-schnell")
    harness.window.model_picker.model_selected.emit("flux-schnell")
    assert panes.kind == "image"
    assert panes.pane_width("viewer") > panes.pane_width("chat") >= 280
    harness.send("a lighthouse on a cliff at dusk")
    await until(lambda: harness.window.viewer.current_image() is not None, message="the image")
    await harness.wait_idle()
    await until(lambda: harness.last_turn().image_count == 1, message="the thumbnail in the chat")
    await asyncio.sleep(0.1)
    harness.window.grab().save(str(screenshots / "layout-image.png"))

    harness.window.new_chat_requested.emit()
    harness.fake.set_script(LLAMA, Script(kind="text", chunks=[
        "A lighthouse keeper's day starts before dawn: ", "check the lamp, wind the clockwork, ",
        "clean the lens, and write the weather in the log.\n\n", "- **Morning**: lens and lamp\n",
        "- **Noon**: paint and repairs\n", "- **Night**: the watch"]))
    harness.choose("llama-3-70b")
    harness.window.model_picker.model_selected.emit("llama-3-70b")
    assert panes.kind == "text"
    assert panes.pane_width("viewer") == 0  # no empty viewer beside a text model
    assert panes.pane_width("chat") > 700
    assert harness.window.sidebar.width() > 0
    harness.send("What does a lighthouse keeper do all day?")
    await harness.wait_idle()
    assert panes.kind == "text" and panes.pane_width("viewer") == 0
    await asyncio.sleep(0.1)
    harness.window.grab().save(str(screenshots / "layout-text.png"))


async def test_the_widths_the_user_chose_are_remembered_per_kind(fake_replicate: FakeReplicate,
                                                                 tmp_path: Path) -> None:
    first = await make_harness(fake_replicate, tmp_path, history=True)
    try:
        window, panes = first.window, first.window.panes
        window.resize(780, 560)  # inside the offscreen screen (800 × 600), which restoreGeometry clamps to
        await asyncio.sleep(0)
        window.model_picker.set_current_model("llama-3-70b")
        window.model_picker.model_selected.emit("llama-3-70b")
        sizes = window.splitter.sizes()
        window.splitter.setSizes([sizes[0], sizes[1] - 320, 320])  # the user opens a viewer beside the text
        window.splitter.splitterMoved.emit(sizes[0] + sizes[1] - 320, 2)
        text_sizes = window.splitter.sizes()
        window.model_picker.model_selected.emit("flux-schnell")
        image_sizes = window.splitter.sizes()
        assert image_sizes != text_sizes
        window.model_picker.model_selected.emit("llama-3-70b")
        assert window.splitter.sizes() == text_sizes
        viewer = panes.pane_width("viewer")
        assert viewer >= 290  # opened (at least as wide as the viewer can be)
    finally:
        await first.close()
    saved = SettingsStore(first.paths.settings_file).load().pane_widths
    assert saved["text"]["viewer"] == viewer

    second = await make_harness(fake_replicate, tmp_path, history=True)  # last model: llama-3-70b
    try:
        assert second.window.panes.kind == "text"
        assert second.window.splitter.sizes() == text_sizes
    finally:
        await second.close()


_DRIVE = r'''
import asyncio
from PySide6.QtWidgets import QWidget


async def drive(window, facts):
    panel = window.findChild(QWidget, "parametersPanel")
    while panel.widget().editor("num_outputs") is None:
        await asyncio.sleep(0.02)
    window.parameters_button.click()
    await asyncio.sleep(0.3)
    form, viewport = panel.widget(), panel.viewport()
    cut = []
    for spec in form.schema().fields:
        editor = form.editor(spec.name)
        if editor is None or not editor.isVisibleTo(form):
            continue
        left = editor.mapTo(viewport, editor.rect().topLeft()).x()
        right = editor.mapTo(viewport, editor.rect().topRight()).x()
        if left < 0 or right >= viewport.width():
            cut.append(spec.name)
    facts.update(horizontal_bar=panel.horizontalScrollBar().isVisible(), cut=cut,
                 editors=sum(1 for spec in form.schema().fields if form.editor(spec.name) is not None),
                 chat=window.panes.pane_width("chat"), parameters=window.panes.pane_width("parameters"))
'''


@pytest.mark.e2e
def test_the_parameters_are_whole_at_200_percent(tmp_path: Path, screenshots: Path) -> None:
    facts, shot = run_scaled(tmp_path, "flux-schnell", _DRIVE)
    assert facts["window_ratio"] == 2.0 and facts["logical"] == [1280, 800], facts
    assert facts["editors"] >= 4, facts
    assert facts["cut"] == [] and not facts["horizontal_bar"], facts
    assert facts["chat"] >= 280, facts
    (screenshots / "parameters-200.png").write_bytes(shot.read_bytes())



def test_feature_menus_sit_between_edit_and_help(qtbot: object) -> None:
    """Help stays the last menu whatever features add theirs; View takes its usual place right after Edit."""
    from desktop_app.ui.shell.main_window import MainWindow

    window = MainWindow()
    try:
        window.add_menu("&Queue", "menu_queue")
        window.add_menu("&View", "menu_view", after_edit=True)
        titles = [action.text() for action in window.menuBar().actions()]
        assert titles == ["&File", "&Edit", "&View", "&Queue", "&Help"]
    finally:
        window.deleteLater()
