"""The four pages of the "Train a model" wizard: the trainer and its form, the photos, the destination, the summary.
Pages only show and collect; the wizard does the asking (checks, scans) and tells each page what went wrong."""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ...session import KnownTrainer
from ..common.widgets import named

THUMB = 72
HARDWARE = ("gpu-t4", "gpu-a40-large", "gpu-l40s", "gpu-h100")


class TrainingForm(Protocol):
    """What the wizard needs of the run form's widget (the shell passes ``ParameterForm``)."""

    def set_schema(self, schema: Any, *, exclude: set[str] | None = None) -> None: ...
    def values_for_run(self) -> tuple[dict[str, Any] | None, dict[str, str]]: ...
    def highlight_errors(self, errors: Any) -> dict[str, str]: ...


def _problem_label(name: str) -> QLabel:
    label = named(QLabel(), name)
    label.setWordWrap(True)
    label.setStyleSheet("color: #c0392b;")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def show_problem(label: QLabel, text: str | None) -> None:
    label.setText(text or "")
    label.setVisible(bool(text))


class TrainerPage(QWidget):
    """Step 1: a curated trainer or any ``owner/name:version``, then the trainer's own form."""

    load_requested = Signal(str)

    def __init__(self, trainers: tuple[KnownTrainer, ...], form: QWidget) -> None:
        super().__init__()
        self.form = form
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("Choose a trainer: a model that fine-tunes a new version from your photos. "
                               "Pick one below or type owner/name:version."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        row = QHBoxLayout()
        self.trainer = named(QComboBox(), "trainerChoice")
        self.trainer.setEditable(True)
        for known in trainers:
            self.trainer.addItem(f"{known.model} — {known.title}", known.reference)
        self.trainer.setCurrentIndex(0 if trainers else -1)
        row.addWidget(self.trainer, 1)
        self.load = named(QPushButton(self.tr("Load its form")), "loadTrainer")
        self.load.clicked.connect(lambda: self.load_requested.emit(self.reference()))
        row.addWidget(self.load)
        layout.addLayout(row)
        self.problem = _problem_label("trainerProblem")
        layout.addWidget(self.problem)
        self.loaded = named(QLabel(), "trainerLoaded")
        self.loaded.setWordWrap(True)
        layout.addWidget(self.loaded)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(form)
        layout.addWidget(scroll, 1)

    def reference(self) -> str:
        """The chosen trainer: a curated entry's exact version, or what the user typed."""
        index = self.trainer.currentIndex()
        text = self.trainer.currentText().strip()
        if index >= 0 and text == self.trainer.itemText(index):
            return str(self.trainer.itemData(index))
        return text


class PhotosPage(QWidget):
    """Step 2: a folder or files of photos (thumbnails, what is left out, count and size) or a zip's URL."""

    folder_requested = Signal()
    files_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        self.use_photos = named(QRadioButton(self.tr("Photos from this computer")), "usePhotos")
        self.use_url = named(QRadioButton(self.tr("The URL of a zip of photos")), "useZipUrl")
        group = QButtonGroup(self)
        group.addButton(self.use_photos)
        group.addButton(self.use_url)
        self.use_photos.setChecked(True)
        layout.addWidget(self.use_photos)
        row = QHBoxLayout()
        self.choose_folder = named(QPushButton(self.tr("Choose a folder…")), "chooseFolder")
        self.choose_files = named(QPushButton(self.tr("Choose files…")), "chooseFiles")
        self.choose_folder.clicked.connect(self.folder_requested)
        self.choose_files.clicked.connect(self.files_requested)
        row.addWidget(self.choose_folder)
        row.addWidget(self.choose_files)
        row.addStretch(1)
        layout.addLayout(row)
        note = QLabel(self.tr("Photos larger than 2048 pixels are made smaller (JPEG) before packing, so the zip "
                              "stays under Replicate's 100 MB upload limit; a .txt file beside a photo is its "
                              "caption."))
        note.setWordWrap(True)
        layout.addWidget(note)
        self.busy = named(QProgressBar(), "photosBusy")
        self.busy.setValue(0)
        self.busy.hide()
        layout.addWidget(self.busy)
        self.summary = named(QLabel(), "photosSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.thumbs = named(QListWidget(), "photoThumbnails")
        self.thumbs.setViewMode(QListWidget.ViewMode.IconMode)
        self.thumbs.setIconSize(QSize(THUMB, THUMB))
        self.thumbs.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.thumbs.setMovement(QListWidget.Movement.Static)
        layout.addWidget(self.thumbs, 1)
        self.left_out = named(QPlainTextEdit(), "photosLeftOut")
        self.left_out.setReadOnly(True)
        self.left_out.setMaximumHeight(90)
        self.left_out.hide()
        layout.addWidget(self.left_out)
        layout.addWidget(self.use_url)
        self.url = named(QLineEdit(), "zipUrl")
        self.url.setPlaceholderText("https://example.com/photos.zip")
        self.url.textEdited.connect(lambda _text: self.use_url.setChecked(True))
        layout.addWidget(self.url)
        self.problem = _problem_label("photosProblem")
        layout.addWidget(self.problem)

    def add_thumbnail(self, name: str, image: QImage) -> None:
        item = QListWidgetItem(QIcon(QPixmap.fromImage(image)), name)
        item.setToolTip(name)
        self.thumbs.addItem(item)


class DestinationPage(QWidget):
    """Step 3: one of the user's models, or a new private model made on the spot (name, hardware, description)."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        self.existing = named(QRadioButton(self.tr("Train into one of my models")), "existingModel")
        self.new = named(QRadioButton(self.tr("Create a new private model")), "newModel")
        group = QButtonGroup(self)
        group.addButton(self.existing)
        group.addButton(self.new)
        self.new.setChecked(True)
        layout.addWidget(self.new)
        form = QFormLayout()
        self.name = named(QLineEdit(), "newModelName")
        self.name.setPlaceholderText(self.tr("your-user/model-name"))
        self.hardware = named(QComboBox(), "newModelHardware")
        self.hardware.addItems(HARDWARE)
        self.description = named(QLineEdit(), "newModelDescription")
        form.addRow(self.tr("Name:"), self.name)
        form.addRow(self.tr("Hardware to run it on:"), self.hardware)
        form.addRow(self.tr("Description:"), self.description)
        layout.addLayout(form)
        layout.addWidget(self.existing)
        self.models = named(QComboBox(), "myModels")
        self.models.setEditable(True)
        models_edit = self.models.lineEdit()
        assert models_edit is not None  # editable
        models_edit.setPlaceholderText(self.tr("your-user/model-name"))
        self.models.activated.connect(lambda _row: self.existing.setChecked(True))
        models_edit.textEdited.connect(lambda _text: self.existing.setChecked(True))
        self.name.textEdited.connect(lambda _text: self.new.setChecked(True))
        layout.addWidget(self.models)
        note = QLabel(self.tr("The name is checked with Replicate before anything is created or paid for."))
        note.setWordWrap(True)
        layout.addWidget(note)
        self.problem = _problem_label("destinationProblem")
        layout.addWidget(self.problem)
        layout.addStretch(1)

    def destination(self) -> str:
        return (self.name.text() if self.new.isChecked() else self.models.currentText()).strip()


class SummaryPage(QWidget):
    """Step 4: what will happen, in order, and the cost estimate, before anything is paid."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        title = QLabel(self.tr("This is what will happen when you start:"))
        layout.addWidget(title)
        self.steps = named(QLabel(), "trainingSteps")
        self.steps.setWordWrap(True)
        self.steps.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.steps)
        self.estimate = named(QLabel(), "trainingEstimate")
        self.estimate.setWordWrap(True)
        layout.addWidget(self.estimate)
        self.problem = _problem_label("summaryProblem")
        layout.addWidget(self.problem)
        layout.addStretch(1)

    def show_plan(self, steps: list[str], estimate: str) -> None:
        self.steps.setText("\n".join(f"{number}. {step}" for number, step in enumerate(steps, 1)))
        self.estimate.setText(estimate)
