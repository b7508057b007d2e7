"""The "Train a model" wizard: a non-modal window of four pages over the TrainingService; every check runs before
anything is uploaded or paid for, and each refusal is one sentence on the page it concerns."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from ...session import (
    DataReady,
    TrainingData,
    TrainingEnd,
    TrainingPlan,
    TrainingRefused,
    TrainingRequest,
    TrainingService,
    problem_of,
)
from ..common.pictures import read_scaled
from ..common.tasks import TaskSlot
from ..common.widgets import named
from .images import PreparedPhotos, prepare_photos
from .pages import THUMB, DestinationPage, PhotosPage, SummaryPage, TrainerPage, TrainingForm, show_problem

TRAINER, PHOTOS, DESTINATION, SUMMARY = range(4)
_PAGE_OF_FIELD = {"trainer": TRAINER, "input": TRAINER, "data": PHOTOS, "destination": DESTINATION,
                  "hardware": DESTINATION, "token": SUMMARY}


class TrainingWizard(QWidget):
    """Trainer → photos → destination → summary; "Start training" hands the plan to the service.

    Signals:
        started(object): a :class:`TrainingRun` just started (the shell follows it).
    """

    started = Signal(object)

    def __init__(self, service: TrainingService, form: TrainingForm, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("trainingWizard")
        self.setWindowTitle(self.tr("Train a model"))
        self.service = service
        self.form = form
        self.data: TrainingData | None = None
        self.plan: TrainingPlan | None = None
        self.trainer_ref: str | None = None
        self._work = Path(tempfile.mkdtemp(prefix="replicate-training-"))
        self._scan = TaskSlot("training photos")
        self._ask = TaskSlot("training check")
        self._thumbs = TaskSlot("training thumbnails")
        self._dialog: QFileDialog | None = None
        self._work_owned = True
        self._setup_ui()

    # ---- public, for the shell and the tests ---------------------------------------------------------

    @property
    def page(self) -> int:
        return self.stack.currentIndex()

    @property
    def busy(self) -> bool:
        return self._scan.running or self._ask.running

    def use_photos(self, sources: Sequence[Path]) -> None:
        """Scans, decodes and downscales the chosen folder or files (off the GUI thread) and shows them."""
        self.photos.use_photos.setChecked(True)
        self._scan.start(self._load_photos(list(sources)))

    def load_trainer(self, reference: str) -> None:
        self._ask.start(self._load_trainer(reference))

    async def settle(self) -> None:
        """Waits for the wizard's running work (tests; the shell never waits)."""
        for slot in (self._scan, self._ask, self._thumbs):
            await slot.wait()

    def go_next(self) -> None:
        page = self.page
        if page == TRAINER:
            if self.trainer_ref != self.trainer.reference():
                self._ask.start(self._load_trainer(self.trainer.reference(), advance=True))
            elif self._form_values() is not None:
                self._show(PHOTOS)
        elif page == PHOTOS:
            problem = self._photos_problem()
            show_problem(self.photos.problem, problem)
            if problem is None:
                self._show(DESTINATION)
                if not self.destination.models.count():
                    self._ask.start(self._fill_destinations())
        elif page == DESTINATION:
            self._ask.start(self._check())
        elif page == SUMMARY and self.plan is not None:
            run = self.service.start(self.plan)
            work = self._work
            self._work_owned = False  # the run packs from it: removed once the zip is made, or the run ends
            run.add_listener(lambda event: _discard(work) if isinstance(event, DataReady | TrainingEnd) else None)
            self.started.emit(run)
            self.close()

    def go_back(self) -> None:
        self._show(max(0, self.page - 1))

    # ---- the work --------------------------------------------------------------------------------------

    async def _load_trainer(self, reference: str, *, advance: bool = False) -> None:
        show_problem(self.trainer.problem, None)
        self.trainer.loaded.setText(self.tr("Reading the trainer's form…"))
        try:
            trainer = await self.service.trainer(reference)
        except Exception as error:  # one sentence in place, never a traceback
            self.trainer.loaded.setText("")
            show_problem(self.trainer.problem, str(error) if isinstance(error, TrainingRefused)
                         else problem_of(error).message)
            return
        files = {spec.name for spec in trainer.input_schema.fields if spec.kind == "file"}
        self.form.set_schema(trainer.input_schema, exclude=files)
        self.trainer_ref = reference
        estimate = self.service.estimate(reference)
        hardware = estimate.hardware if estimate else None
        if hardware:  # a new model runs on the trainer's hardware unless the user picks another
            if self.destination.hardware.findText(hardware) < 0:
                self.destination.hardware.addItem(hardware)
            self.destination.hardware.setCurrentText(hardware)
        self.trainer.loaded.setText(self.tr("%1 trains. Cost: %2").replace("%1", trainer.ref.full_name).replace(
            "%2", estimate.label if estimate else self.tr("Its cost cannot be estimated.")))
        if advance:
            self.go_next()

    async def _load_photos(self, sources: list[Path]) -> None:
        page = self.photos
        self.data, self.plan = None, None
        page.thumbs.clear()
        page.left_out.hide()
        show_problem(page.problem, None)
        page.summary.setText(self.tr("Looking at the photos…"))
        found = await self.service.scan(sources)
        problem = found.problem() if not found.images else None
        if problem is not None:
            page.summary.setText("")
            show_problem(page.problem, problem)
            return
        folder = self._work / "photos"
        await asyncio.to_thread(shutil.rmtree, folder, True)
        page.busy.setRange(0, max(1, found.count))
        page.busy.setValue(0)
        page.busy.show()
        stop = [False]
        loop = asyncio.get_running_loop()

        def progress(done: int, total: int) -> None:
            loop.call_soon_threadsafe(page.busy.setValue, done)

        try:
            prepared = await asyncio.to_thread(prepare_photos, [image.path for image in found.images], folder,
                                               progress=progress, stopped=lambda: stop[0])
        except asyncio.CancelledError:
            stop[0] = True
            raise
        finally:
            page.busy.hide()
        data = await self.service.scan([folder]) if prepared.photos else TrainingData((folder,), empty=True)
        self._show_photos(found, prepared, data)
        self._thumbs.start(self._load_thumbnails(prepared.photos))

    def _show_photos(self, found: TrainingData, prepared: PreparedPhotos, data: TrainingData) -> None:
        page = self.photos
        left = [f"{item.path.name}: {item.reason}" for item in found.left_out]
        left += [f"{path.name}: {self.tr('it cannot be decoded (%1)').replace('%1', reason)}"
                 for path, reason in prepared.broken]
        page.left_out.setPlainText("\n".join(left))
        page.left_out.setVisible(bool(left))
        if not data.images:
            self.data = None
            page.summary.setText("")
            show_problem(page.problem, self.tr("None of the photos can be decoded."))
            return
        self.data = data
        text = self.tr("%1 photos, %2 MB to upload (%3 with captions).").replace("%1", str(data.count)).replace(
            "%2", f"{data.total_bytes / 1_000_000:.1f}").replace("%3", str(data.captions))
        if prepared.downscaled:
            text += " " + self.tr("%1 were made smaller (from %2 MB in all).").replace(
                "%1", str(prepared.downscaled)).replace("%2", f"{prepared.original_bytes / 1_000_000:.1f}")
        if left:
            text += " " + self.tr("%1 files are left out (listed below).").replace("%1", str(len(left)))
        page.summary.setText(text)
        show_problem(page.problem, data.problem())

    async def _load_thumbnails(self, photos: Sequence[Path]) -> None:
        for path in photos:
            image = await asyncio.to_thread(read_scaled, path, THUMB)
            if not image.isNull():
                self.photos.add_thumbnail(path.name, image)

    async def _fill_destinations(self) -> None:
        with contextlib.suppress(Exception):  # the list is a convenience: typing a name works without it
            names = await self.service.destinations()
            self.destination.models.addItems(names)
            self.destination.models.setCurrentIndex(-1)

    async def _check(self) -> None:
        show_problem(self.destination.problem, None)
        values = self._form_values()
        if values is None:
            return
        request = self.request(values)
        try:
            plan = await self.service.check(request, self.data)
        except TrainingRefused as refused:
            self._refused(_PAGE_OF_FIELD.get(refused.field, DESTINATION), str(refused), refused.fields)
            return
        except Exception as error:  # network and account errors: one sentence where the user is
            self._refused(DESTINATION, problem_of(error).message, {})
            return
        self.plan = plan
        self.summary.show_plan(plan.steps(), self.tr("The cost is an estimate: Replicate bills the time the "
                                                     "training really takes. Nothing is paid until you start."))
        self._show(SUMMARY)

    def request(self, values: dict[str, Any]) -> TrainingRequest:
        use_url = self.photos.use_url.isChecked()
        destination = self.destination
        return TrainingRequest(
            trainer=self.trainer.reference(), destination=destination.destination(),
            data=() if use_url or self.data is None else (self._work / "photos",),
            data_url=self.photos.url.text().strip() if use_url else None, inputs=values,
            create_destination=destination.new.isChecked(),
            hardware=destination.hardware.currentText() if destination.new.isChecked() else None,
            description=destination.description.text().strip() or None if destination.new.isChecked() else None)

    def _refused(self, page: int, sentence: str, fields: dict[str, str]) -> None:
        self._show(page)
        label = {TRAINER: self.trainer.problem, PHOTOS: self.photos.problem, DESTINATION: self.destination.problem,
                 SUMMARY: self.summary.problem}[page]
        show_problem(label, sentence)
        if fields:
            self.form.highlight_errors(fields)

    def _form_values(self) -> dict[str, Any] | None:
        values, _errors = self.form.values_for_run()
        if values is None:
            self._refused(TRAINER, self.tr("Some training inputs need fixing first (marked below)."), {})
        return values

    def _photos_problem(self) -> str | None:
        if self.photos.use_url.isChecked():
            return None if self.photos.url.text().strip() else self.tr("Give the URL of a zip of photos.")
        if self._scan.running:
            return self.tr("The photos are still being read; wait a moment.")
        if self.data is None:
            return self.photos.problem.text() or self.tr("Choose a folder or files of photos first.")
        return self.data.problem()

    # ---- the window ------------------------------------------------------------------------------------

    def _setup_ui(self) -> None:
        layout = QVBoxLayout(self)
        self.step = named(QLabel(), "wizardStep")
        layout.addWidget(self.step)
        self.stack = QStackedWidget()
        self.trainer = TrainerPage(self.service.curated_trainers, self.form)  # type: ignore[arg-type]
        self.photos = PhotosPage()
        self.destination = DestinationPage()
        self.summary = SummaryPage()
        for page in (self.trainer, self.photos, self.destination, self.summary):
            self.stack.addWidget(page)
        layout.addWidget(self.stack, 1)
        buttons = QHBoxLayout()
        self.back = named(QPushButton(self.tr("< Back")), "wizardBack")
        self.next = named(QPushButton(self.tr("Next >")), "wizardNext")
        self.cancel = named(QPushButton(self.tr("Cancel")), "wizardCancel")
        buttons.addStretch(1)
        for button in (self.back, self.next, self.cancel):
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self.back.clicked.connect(self.go_back)
        self.next.clicked.connect(self.go_next)
        self.cancel.clicked.connect(self.close)
        self.trainer.load_requested.connect(self.load_trainer)
        self.trainer.trainer.activated.connect(lambda _row: self.load_trainer(self.trainer.reference()))
        self.photos.folder_requested.connect(lambda: self._choose(folder=True))
        self.photos.files_requested.connect(lambda: self._choose(folder=False))
        self.resize(720, 620)
        self._show(TRAINER)

    def _show(self, page: int) -> None:
        self.stack.setCurrentIndex(page)
        titles = (self.tr("Step 1 of 4: the trainer"), self.tr("Step 2 of 4: the photos"),
                  self.tr("Step 3 of 4: where the new version goes"), self.tr("Step 4 of 4: check and start"))
        self.step.setText(f"<b>{titles[page]}</b>")
        self.back.setEnabled(page > TRAINER)
        self.next.setText(self.tr("Start training") if page == SUMMARY else self.tr("Next >"))

    def _choose(self, *, folder: bool) -> None:
        dialog = QFileDialog(self, self.tr("Choose the photos"))
        if folder:
            dialog.setFileMode(QFileDialog.FileMode.Directory)
        else:
            dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
            patterns = "*.jpg *.jpeg *.png *.webp"
            dialog.setNameFilter(self.tr("Photos (%1)").replace("%1", patterns))
        dialog.filesSelected.connect(lambda chosen: self.use_photos([Path(name) for name in chosen]))
        dialog.finished.connect(dialog.deleteLater)
        self._dialog = dialog
        dialog.open()  # never exec(): the wizard runs on the qasync loop

    def closeEvent(self, event: Any) -> None:
        for slot in (self._scan, self._ask, self._thumbs):
            slot.cancel()
        if self._work_owned:
            _discard(self._work)
        super().closeEvent(event)


def _discard(work: Path) -> None:
    """Removes the downscaled copies once nothing needs them (the zip is packed by then)."""
    shutil.rmtree(work, ignore_errors=True)


