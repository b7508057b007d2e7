"""Pictures brought into the real window against the fake server: dropped or pasted files and what their metadata
restores, "Use as input" from the bar and the viewer, and a painted mask sent as the exact input the model gets."""

from __future__ import annotations

import base64
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio
from PIL import Image, PngImagePlugin
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop_app.session import form_key
from desktop_app.ui.form.parameter_form import ParameterForm
from desktop_app.ui.shell.picture_wiring import PictureFlows
from tests.fake_replicate import FakeReplicate, Script
from tests.ui.harness import Harness, make_harness, until

FLUX = "black-forest-labs/flux-schnell"
INPAINT = "stability-ai/stable-diffusion-inpainting"
A1111 = ("a castle on a hill at dawn\nNegative prompt: blurry, low quality\n"
         "Steps: 30, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 1234, Size: 512x768, Model: sd_xl_base_1.0")


@pytest_asyncio.fixture
async def harness(fake_replicate: FakeReplicate, tmp_path: Path) -> AsyncIterator[Harness]:
    fake_replicate.set_script(INPAINT, Script(kind="image", task="inpaint", images=[("png", 48, 32)]))
    h = await make_harness(fake_replicate, tmp_path, catalogue=True, history=True)
    await until(lambda: "fake-user" in h.window.account_label.text(), message="the account check")
    yield h
    await h.close()


def flows(h: Harness) -> PictureFlows:
    found = h.window.findChild(PictureFlows)
    assert found is not None
    return found


def form(h: Harness) -> ParameterForm:
    assert h.controller.catalogue is not None and isinstance(h.controller.catalogue.form, ParameterForm)
    return h.controller.catalogue.form


async def form_for(h: Harness, model: str, field: str) -> ParameterForm:
    """Chooses ``model`` as the user does and waits until its form (with ``field``) is on screen."""
    picker = h.window.model_picker
    assert picker.set_current_model(model)
    picker.model_selected.emit(picker.current_model())
    await until(lambda: form(h).editor(field) is not None, message=f"{model}'s form")
    assert h.controller.catalogue is not None
    await h.controller.catalogue.wait_idle()
    return form(h)


def a1111_png(path: Path, size: tuple[int, int] = (64, 96)) -> Path:
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", A1111)
    Image.new("RGB", size, (90, 120, 200)).save(path, "PNG", pnginfo=info)
    return path


def plain_png(path: Path, size: tuple[int, int] = (48, 32), colour: tuple[int, int, int] = (10, 200, 30)) -> Path:
    Image.new("RGB", size, colour).save(path, "PNG")
    return path


def drop(h: Harness, mime: QMimeData) -> None:
    """What the window gets when a file manager drops ``mime`` on it."""
    where = QPointF(h.window.rect().center())
    enter = QDragEnterEvent(where.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(h.window, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(h.window, QDropEvent(where, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                                Qt.KeyboardModifier.NoModifier))


def files(*paths: Path) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in paths])
    return mime


def created_inputs(fake: FakeReplicate) -> list[dict[str, Any]]:
    return [request.json["input"] for request in fake.requests
            if request.method == "POST" and isinstance(request.json, dict) and "input" in request.json]


def data_uri_image(value: str) -> Image.Image:
    header, _, payload = value.partition(",")
    assert header == "data:image/png;base64", header
    image = Image.open(io.BytesIO(base64.b64decode(payload)))
    image.load()
    return image


async def test_a_dropped_a1111_picture_restores_its_settings_into_the_chosen_models_form(
        harness: Harness, tmp_path: Path) -> None:
    await form_for(harness, "flux-schnell", "num_inference_steps")
    drop(harness, files(a1111_png(tmp_path / "castle.png")))
    bar = flows(harness).bar
    await until(lambda: bar.isVisible() and bar.title() == "castle.png", message="the picture bar")
    detail = bar.detail()
    assert "Made with AUTOMATIC1111 / Forge, model sd_xl_base_1.0" in detail
    assert "Prompt: a castle on a hill at dawn" in detail
    assert "seed 1234" in detail and "num_inference_steps 30" in detail and "aspect_ratio 2:3" in detail
    assert "Not used" in detail and "negative_prompt blurry" in detail
    assert bar.restore_button.isVisible()
    assert not bar.use_button.isVisible()  # flux-schnell takes no picture: no silent fallback
    bar.restore_button.click()
    values = form(harness).values()
    assert (values["seed"], values["num_inference_steps"], values["aspect_ratio"]) == (1234, 30, "2:3")
    assert harness.prompt_box.toPlainText() == "a castle on a hill at dawn"
    assert "not used" in harness.window.statusBar().currentMessage()


async def test_this_apps_own_picture_restores_its_exact_model(harness: Harness, tmp_path: Path) -> None:
    await form_for(harness, "flux-schnell", "num_inference_steps")
    form(harness).editor("num_inference_steps").set_value(7)  # type: ignore[union-attr]
    harness.send("a red fox")
    await harness.wait_idle()
    await harness.flush()
    kept = harness.window.viewer.path_at(0)
    assert kept is not None
    copy = tmp_path / "fox-from-a-friend.png"
    copy.write_bytes(kept.read_bytes())
    await form_for(harness, INPAINT, "mask")
    drop(harness, files(copy))
    bar = flows(harness).bar
    await until(lambda: bar.title() == copy.name and bar.restore_button.isVisible(), message="the bar")
    assert "Made with Replicate Desktop, model black-forest-labs/flux-schnell" in bar.detail()
    harness.prompt_box.clear()
    bar.restore_button.click()
    await until(lambda: form(harness).editor("aspect_ratio") is not None, message="flux's form again")
    await until(lambda: form(harness).values().get("num_inference_steps") == 7, message="the restored steps")
    assert form_key(harness.window.model_picker.current_model()) == FLUX
    assert harness.prompt_box.toPlainText() == "a red fox"


async def test_a_broken_or_foreign_file_gets_one_sentence_and_no_actions(harness: Harness, tmp_path: Path) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    drop(harness, files(broken))
    bar = flows(harness).bar
    await until(lambda: bar.title() == "broken.png", message="the bar")
    assert "is not a picture this app can read" in bar.detail()
    assert "\n" not in bar.detail()
    assert not any(button.isVisible() for button in (bar.restore_button, bar.use_button, bar.mask_button,
                                                     bar.others_button))
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    drop(harness, files(notes))
    await until(lambda: bar.title() == "notes.txt", message="the bar")
    assert "is not a picture" in bar.detail()


async def test_use_as_input_from_the_bar_and_from_the_viewer(harness: Harness, tmp_path: Path) -> None:
    await form_for(harness, INPAINT, "mask")
    await form_for(harness, "flux-schnell", "num_inference_steps")  # flux takes no picture; the painter knows both
    picture = plain_png(tmp_path / "green.png")
    drop(harness, files(picture))
    bar = flows(harness).bar
    await until(lambda: bar.title() == "green.png", message="the bar")
    assert not bar.use_button.isVisible()
    assert INPAINT in bar.other_models()
    bar.use_requested.emit(INPAINT)  # the "Other models…" menu's choice
    await until(lambda: form(harness).editor("mask") is not None
                and form(harness).values().get("image") == picture, message="the picture in the image input")
    assert harness.window.model_picker.current_model() == INPAINT
    assert harness.window.parameters_panel.isVisible()

    await form_for(harness, "flux-schnell", "num_inference_steps")
    harness.send("a meadow")
    await harness.wait_idle()
    await harness.flush()
    output = harness.window.viewer.path_at(0)
    assert output is not None
    await form_for(harness, INPAINT, "mask")
    harness.window.viewer.picture_actions.use_action.trigger()
    assert form(harness).values()["image"] == output
    assert "goes to “Image” of" in harness.window.statusBar().currentMessage()


async def test_a_painted_mask_is_the_exact_input_the_model_gets_and_stays_for_retries(
        harness: Harness, tmp_path: Path) -> None:
    await form_for(harness, INPAINT, "mask")
    picture = plain_png(tmp_path / "room.png", size=(48, 32))
    drop(harness, files(picture))
    bar = flows(harness).bar
    await until(lambda: bar.title() == "room.png" and bar.mask_button.isVisible(), message="the bar")
    bar.mask_button.click()
    painter = flows(harness).painter
    assert painter is not None and painter.isVisible() and not painter.isModal()
    painter.canvas.paint_stroke([QPointF(4, 16), QPointF(20, 16)], size=6)
    painter.canvas.paint_stroke([QPointF(12, 16)], tool="eraser", size=2)
    painter.accept()
    await until(lambda: isinstance(form(harness).values().get("mask"), Path), message="the mask in the form")
    mask_path = form(harness).values()["mask"]
    assert mask_path.parent.parent.name == "inputs"  # kept beside the history, so retries find it
    assert form(harness).values()["image"] == picture

    harness.send("a window in the wall")
    await harness.wait_idle()
    (sent,) = created_inputs(harness.fake)
    image, mask = data_uri_image(sent["image"]), data_uri_image(sent["mask"])
    assert image.size == mask.size == (48, 32)
    assert mask.mode == "L" and set(mask.getextrema()) == {0, 255}
    assert mask.getpixel((6, 16)) == 255 and mask.getpixel((19, 16)) == 255  # the stroke
    assert mask.getpixel((12, 16)) == 0  # erased again
    assert mask.getpixel((6, 2)) == 0 and mask.getpixel((40, 16)) == 0  # never painted

    harness.window.chat.regenerate_requested.emit()
    await until(lambda: len(created_inputs(harness.fake)) == 2, message="the retry")
    await harness.wait_idle()
    assert created_inputs(harness.fake)[1]["mask"] == sent["mask"]
    await harness.flush()
    assert harness.store is not None
    recorded = [generation.input for generation in _generations(harness)]
    assert all(Path(value["mask"]) == mask_path for value in recorded)

    bar.mask_button.click()  # painting again starts from the mask already painted
    again = flows(harness).painter
    assert again is not None
    assert again.canvas.mask_image().pixelColor(6, 16).value() == 255
    again.reject()


async def test_a_pasted_picture_is_kept_and_brought_in(harness: Harness) -> None:
    image = QImage(20, 10, QImage.Format.Format_RGB32)
    image.fill(0x884422)
    QGuiApplication.clipboard().setImage(image)
    harness.window.paste_picture_action.trigger()
    bar = flows(harness).bar
    await until(lambda: bar.isVisible() and bar.title().endswith(".png"), message="the pasted picture")
    assert "carries no generation settings" in bar.detail()
    QGuiApplication.clipboard().setText("just words")
    harness.window.paste_picture_action.trigger()
    assert harness.window.statusBar().currentMessage() == "The clipboard holds no picture."


async def test_a_web_address_alone_is_refused_in_one_sentence(harness: Harness) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl("https://example.com/cat.png")])
    where = QPoint(10, 10)
    enter = QDragEnterEvent(where, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(harness.window, enter)
    assert not enter.isAccepted()  # nothing this window can take: the drag is refused where it is


def _generations(h: Harness) -> list[Any]:
    assert h.store is not None
    with h.store.reading() as db:
        ids = [row[0] for row in db.execute("SELECT id FROM generations ORDER BY id")]
    return [h.store.get_generation(generation_id) for generation_id in ids]


async def test_the_prompt_box_takes_pictures_and_keeps_taking_text(harness: Harness, tmp_path: Path) -> None:
    box = harness.prompt_box
    picture = plain_png(tmp_path / "dropped-on-the-prompt.png")
    mime = files(picture)
    where = QPointF(box.viewport().rect().center())
    enter = QDragEnterEvent(where.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(box.viewport(), enter)
    assert enter.isAccepted()
    QApplication.sendEvent(box.viewport(), QDropEvent(where, Qt.DropAction.CopyAction, mime,
                                                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    bar = flows(harness).bar
    await until(lambda: bar.title() == picture.name, message="the bar")
    assert box.toPlainText() == ""  # the picture, not its path, was taken

    image = QImage(12, 12, QImage.Format.Format_RGB32)
    image.fill(0x2255AA)
    QGuiApplication.clipboard().setImage(image)
    box.setFocus()
    QTest.keyClick(box, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    await until(lambda: bar.title() != picture.name, message="the pasted picture")
    assert box.toPlainText() == ""
    QGuiApplication.clipboard().setText("a heron at dusk")
    QTest.keyClick(box, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert box.toPlainText() == "a heron at dusk"
