"""The "Train a model" window against the fake server: refusals in place before anything is sent, a folder of photos
to a trained version in the picker, cancel on Replicate, and a training picked up again after a restart."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from PySide6.QtGui import QImage, QImageReader
from PySide6.QtWidgets import QWidget

from desktop_app.session import TrainingCanceled, TrainingSucceeded
from desktop_app.ui.training.follow_panel import TrainingPanel
from desktop_app.ui.training.images import prepare_photos
from desktop_app.ui.training.wizard import DESTINATION, PHOTOS, SUMMARY, TRAINER, TrainingWizard
from tests.fake_replicate import FakeReplicate
from tests.fake_replicate.training_run import TrainingScript
from tests.fake_replicate.trainings import FLUX_TRAINER

from .harness import until
from .training_rig import TrainingRig, photos, set_form

FLUX_VERSION = "f2ab8a5bfe79f02f0789a146cf5e73d2a4ff2684a98c2b303d1e1ff3814271db"


@pytest_asyncio.fixture
async def rig(fake_replicate: FakeReplicate, tmp_path: Path, qtbot: object) -> AsyncIterator[TrainingRig]:
    async with aiohttp.ClientSession() as http:
        made = TrainingRig(fake_replicate, http, tmp_path)
        try:
            yield made
        finally:
            await made.close()


async def shot(widget: QWidget, folder: Path, name: str) -> None:
    await asyncio.sleep(0.05)  # the layout requests posted by the last change run first
    assert widget.grab().save(str(folder / name))


async def choose_trainer(wizard: TrainingWizard, reference: str) -> None:
    wizard.trainer.trainer.setEditText(reference)
    wizard.go_next()
    await wizard.settle()


async def fill_up_to_destination(rig: TrainingRig, wizard: TrainingWizard, folder: Path) -> None:
    await choose_trainer(wizard, rig.trainer_ref)
    assert wizard.page == PHOTOS, wizard.trainer.problem.text()
    wizard.use_photos([folder])
    await wizard.settle()
    wizard.go_next()
    await wizard.settle()
    assert wizard.page == DESTINATION, wizard.photos.problem.text()


# libjpeg says what it thinks of the broken files the test makes (in the worker that decodes them)
@pytest.mark.qt_log_ignore("Bogus", "Premature end of JPEG", "Corrupt JPEG", "JPEG datastream", "Invalid JPEG")
async def test_bad_input_gets_a_sentence_in_place_before_anything_is_sent(rig: TrainingRig) -> None:
    wizard = rig.open_wizard()
    # a model that does not train
    await choose_trainer(wizard, f"black-forest-labs/flux-schnell:{FLUX_VERSION}")
    assert wizard.page == TRAINER and "does not train" in wizard.trainer.problem.text()
    await choose_trainer(wizard, rig.trainer_ref)
    assert wizard.page == PHOTOS and "trains" in wizard.trainer.loaded.text()
    # an empty folder, then a folder with no photos, then broken files among good ones
    empty = rig.tmp_path / "empty"
    empty.mkdir()
    wizard.use_photos([empty])
    await wizard.settle()
    assert f"The folder {empty} is empty." in wizard.photos.problem.text()
    wizard.go_next()
    assert wizard.page == PHOTOS
    (empty / "notes.txt").write_text("no photos")
    wizard.use_photos([empty])
    await wizard.settle()
    assert "There are no JPEG, PNG or WebP photos" in wizard.photos.problem.text()
    folder = photos(rig.tmp_path / "photos", 3)
    good = (folder / "me-1.jpg").read_bytes()
    (folder / "cut.jpg").write_bytes(good[: len(good) // 3])  # a truncated download: its header is fine
    (folder / "scan.bmp").write_bytes(b"BM" + b"\0" * 60)
    wizard.use_photos([folder])
    await wizard.settle()
    left_out = wizard.photos.left_out.toPlainText()
    assert "scan.bmp: BMP images are not supported" in left_out
    assert wizard.data is not None and wizard.data.count in (3, 4)  # Qt may decode a truncated JPEG partly
    assert ("cut.jpg" in left_out) == (wizard.data.count == 3)
    assert "files are left out" in wizard.photos.summary.text()
    wizard.go_next()
    await wizard.settle()
    assert wizard.page == DESTINATION
    # a malformed name, someone else's model, a taken name
    rig.fake.trainings.add_model("fake-user/taken")
    for name, sentence in [("not a name", ""), ("someone-else/faces", "belongs to someone-else"),
                           ("fake-user/taken", "The name fake-user/taken is taken already")]:
        wizard.destination.name.setText(name)
        wizard.go_next()
        await wizard.settle()
        assert wizard.page == DESTINATION and sentence in wizard.destination.problem.text()
        assert wizard.destination.problem.isVisible() or not wizard.isVisible()
    # a fine request reaches the summary, still without sending anything
    wizard.destination.name.setText("fake-user/faces")
    set_form(wizard, steps=500, trigger_word="ZQX")
    wizard.go_next()
    await wizard.settle()
    assert wizard.page == SUMMARY and "Train " in wizard.summary.steps.text()
    assert rig.paid_requests() == []
    assert rig.fake.trainings.trainings == {}


async def test_from_a_folder_of_photos_to_a_trained_model_in_the_picker(rig: TrainingRig, screenshots: Path) -> None:
    folder = photos(rig.tmp_path / "photos", 4)
    wizard = rig.open_wizard()
    await fill_up_to_destination(rig, wizard, folder)
    await until(lambda: wizard.photos.thumbs.count() == 4, message="the thumbnails")
    assert wizard.destination.hardware.currentText() == "gpu-h100"  # the trainer's, by default
    wizard.go_back()
    wizard.go_back()
    assert wizard.page == TRAINER and wizard.form.editor("steps") is not None  # type: ignore[attr-defined]
    await shot(wizard, screenshots, "training-1-trainer.png")
    wizard.go_next()
    assert "4 photos" in wizard.photos.summary.text() and "1 with captions" in wizard.photos.summary.text()
    await shot(wizard, screenshots, "training-2-photos.png")
    wizard.go_next()
    wizard.destination.name.setText("fake-user/my-face")
    wizard.destination.description.setText("My face")
    await shot(wizard, screenshots, "training-3-destination.png")
    wizard.go_next()
    await wizard.settle()
    assert wizard.page == SUMMARY, wizard.destination.problem.text()
    steps = wizard.summary.steps.text()
    assert "Pack 4 photos (1 with captions" in steps
    assert "Create the private model fake-user/my-face on gpu-h100" in steps
    assert "Cost: about $" in steps and "estimate" in steps
    await shot(wizard, screenshots, "training-4-summary.png")
    assert rig.paid_requests() == []  # nothing is sent before "Start training"

    wizard.go_next()  # Start training
    (panel,) = rig.wiring.dock_contents.panels
    await until(lambda: panel.end is not None, message="the training to end")

    assert isinstance(panel.end, TrainingSucceeded), panel.status.text()
    version = f"fake-user/my-face:{rig.fake.models['fake-user/my-face'].version}"
    assert panel.end.version == version
    assert rig.window.model_picker.current_model() == version
    assert version in rig.window.model_picker.custom_models()
    assert rig.window.chat.findChild(QWidget, "chat_prompt").toPlainText() == "a photo of TOK"  # type: ignore
    assert panel.progress.value() == 100 and "100%" in panel.logs.toPlainText()
    assert [p.split("/versions/")[0] for _m, p in rig.paid_requests()] == [
        "/v1/files", "/v1/models", f"/v1/models/{FLUX_TRAINER}"]
    (training,) = rig.fake.trainings.trainings.values()
    assert "Extracted 4 images, 1 with captions" in training.logs
    assert any(version in message for _title, message in rig.tray.messages)  # the window was not active
    await until(lambda: version in rig.wiring.dock_contents.history.toPlainText(), message="the history")
    rig.wiring.dock_contents.tabs.setCurrentIndex(0)
    await shot(rig.wiring.dock_contents, screenshots, "training-5-follow.png")


async def start_a_held_training(rig: TrainingRig) -> tuple[asyncio.Event, TrainingPanel]:
    """A training started from the wizard into fake-user/faces, held running on the fake until the event is set;
    its follow panel once it says "Training…"."""
    held = asyncio.Event()
    rig.fake.trainings.scripts[FLUX_TRAINER] = TrainingScript(gate=held, gate_after=2)
    wizard = rig.open_wizard()
    await fill_up_to_destination(rig, wizard, photos(rig.tmp_path / "photos"))
    wizard.destination.name.setText("fake-user/faces")
    wizard.go_next()
    await wizard.settle()
    wizard.go_next()
    (panel,) = rig.wiring.dock_contents.panels
    await until(lambda: panel.status.text() == "Training…", message="the training to run")
    return held, panel


async def test_cancel_in_the_panel_cancels_the_training_on_replicate(rig: TrainingRig) -> None:
    _held, panel = await start_a_held_training(rig)

    panel.cancel.click()
    await until(lambda: panel.end is not None, message="the cancel")

    assert isinstance(panel.end, TrainingCanceled) and panel.end.on_server
    (training,) = rig.fake.trainings.trainings.values()
    assert training.status == "canceled"
    assert rig.fake.requests_to("POST", f"/v1/trainings/{training.id}/cancel")


async def test_a_training_goes_on_after_quitting_and_is_picked_up_at_the_next_start(rig: TrainingRig) -> None:
    held, panel = await start_a_held_training(rig)
    (training,) = rig.fake.trainings.trainings.values()

    await rig.quit_app()
    assert training.status == "processing" and not rig.fake.requests_to("POST", "/v1/trainings/")
    held.set()
    again = rig.start_app()
    (resumed,) = await again.start()

    assert resumed.training_id == training.id
    (panel,) = again.wiring.dock_contents.panels
    await until(lambda: panel.end is not None, message="the resumed training to end")
    assert isinstance(panel.end, TrainingSucceeded)
    assert rig.window.model_picker.current_model() == panel.end.version
    assert len(rig.fake.trainings.trainings) == 1  # followed by its id, never started again


@pytest.mark.qt_log_ignore("Bogus", "Premature end of JPEG", "Corrupt JPEG", "JPEG datastream", "Invalid JPEG",
                           "Not a JPEG", "Unsupported marker")
def test_large_photos_are_downscaled_and_broken_ones_named(tmp_path: Path) -> None:
    source = tmp_path / "in"
    source.mkdir()
    big = QImage(3000, 1500, QImage.Format.Format_RGB32)
    big.fill(0x336699)
    assert big.save(str(source / "big.png"))
    photos(source, 1)
    (source / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")

    prepared = prepare_photos([source / "big.png", source / "me-0.jpg", source / "broken.jpg"], tmp_path / "out")

    assert [path.name for path in prepared.photos] == ["big.jpg", "me-0.jpg"]
    assert prepared.downscaled == 1
    assert QImageReader(str(tmp_path / "out" / "big.jpg")).size().width() == 2048
    assert (tmp_path / "out" / "me-0.txt").read_text() == "TOK at the seaside"
    assert [path.name for path, _reason in prepared.broken] == ["broken.jpg"]

