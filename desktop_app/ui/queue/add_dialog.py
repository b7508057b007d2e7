"""The "Add to queue" dialog: one run × N (seeds varied or locked), a list of prompts, a matrix over one or two
inputs (or over models) and a folder of files for a file input, over the parameter form's values, with the batch's
estimated cost shown and every job checked against its own model's schema before anything is added (the schemas of
models other than the form's are read from Replicate first)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...replicate import InputSchema, ReplicateError
from ...session.jobs import (
    Axis,
    BatchCheckError,
    BatchSpec,
    BatchSpecError,
    JobSpec,
    expand,
    files_in,
    prompts_from_text,
    read_rows,
)
from ...session.queue import JobQueue
from ...session.queue_schemas import check_names, missing_schemas
from ..common.widgets import named

MAX_COPIES = 1000
MATRIX_AXES = 2
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff")


def parse_value(text: str) -> Any:
    """A matrix value as typed: a whole number, a decimal number or else the text itself."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


class AddToQueueDialog(QDialog):
    """Composes a batch and adds it to the queue (not modal: open it with ``show()``); ``added`` carries the
    new batch's id. ``parameters`` and ``schema`` are the parameter form's values and the schema they were
    checked against (for the composer's ``model``). Every problem is one sentence in the dialog; nothing is added
    until all jobs pass."""

    added = Signal(int)

    def __init__(self, queue: JobQueue, model: str, prompt: str = "", parameters: Mapping[str, Any] | None = None,
                 parent: QWidget | None = None, *, schema: InputSchema | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Add to queue"))
        self.queue = queue
        self.parameters = dict(parameters or {})
        self.schema = schema
        self.schema_model = model
        self.model_edit = named(QLineEdit(model), "queueModelEdit")
        self.prompts = named(QPlainTextEdit(prompt), "queuePromptsEdit")
        self.prompts.setPlaceholderText(self.tr("One prompt per line"))
        self.file_rows: tuple[Mapping[str, Any], ...] = ()
        self.file_button = named(QPushButton(self.tr("From a file…")), "queuePromptsFileButton")
        self.file_button.setToolTip(self.tr("A text file (one prompt per line) or a CSV file (a column per input)"))
        self.file_button.clicked.connect(self.choose_file)
        self.file_label = named(QLabel(), "queuePromptsFile")
        self.copies = named(QSpinBox(), "queueCopies")
        self.copies.setRange(1, MAX_COPIES)
        self.seeds = named(QComboBox(), "queueSeeds")
        self.seeds.addItem(self.tr("Vary the seed"), "vary")
        self.seeds.addItem(self.tr("Lock the seed"), "lock")
        self.axes: list[tuple[QLineEdit, QLineEdit]] = []
        for number in range(1, MATRIX_AXES + 1):
            suffix = "" if number == 1 else str(number)
            key_edit = named(QLineEdit(), f"queueAxisKey{suffix}")
            key_edit.setPlaceholderText(self.tr("Input to vary, e.g. num_inference_steps (or model)"))
            values_edit = named(QLineEdit(), f"queueAxisValues{suffix}")
            values_edit.setPlaceholderText(self.tr("Values, separated by commas"))
            self.axes.append((key_edit, values_edit))
        self.axis_key, self.axis_values = self.axes[0]
        self.axis_key_2, self.axis_values_2 = self.axes[1]
        self.reading: asyncio.Task[None] | None = None  # the other models' schemas being read before adding
        self.folder_key: str | None = None
        self.folder_files: tuple[Path, ...] = ()
        self.folder_button = named(QPushButton(self.tr("Folder…")), "queueFolderButton")
        self.folder_button.setToolTip(self.tr("One job per image in a folder, given to the model's file input"))
        self.folder_button.clicked.connect(self.choose_folder)
        self.folder_label = named(QLabel(), "queueFolder")
        self.estimate_label = named(QLabel(), "queueEstimate")
        self.problem = named(QLabel(), "queueProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: palette(highlighted-text); background: #b00020; padding: 2px;")
        self.problem.hide()
        form = QFormLayout()
        form.addRow(self.tr("Model"), self.model_edit)
        form.addRow(self.tr("Prompts"), self.prompts)
        from_file = QHBoxLayout()
        from_file.addWidget(self.file_button)
        from_file.addWidget(self.file_label, 1)
        form.addRow("", from_file)
        form.addRow(self.tr("Copies of each"), self.copies)
        form.addRow(self.tr("Seeds"), self.seeds)
        form.addRow(self.tr("Matrix: input"), self.axis_key)
        form.addRow(self.tr("Matrix: values"), self.axis_values)
        form.addRow(self.tr("Second input"), self.axis_key_2)
        form.addRow(self.tr("Its values"), self.axis_values_2)
        folder = QHBoxLayout()
        folder.addWidget(self.folder_button)
        folder.addWidget(self.folder_label, 1)
        form.addRow(self.tr("Files"), folder)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.add_button = named(self.buttons.addButton(self.tr("Add to queue"),
                                                       QDialogButtonBox.ButtonRole.AcceptRole), "queueAddToQueue")
        self.buttons.accepted.connect(self.add)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.estimate_label)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        for edit in (self.model_edit, *(edit for pair in self.axes for edit in pair)):
            edit.textChanged.connect(self.update_estimate)
        self.prompts.textChanged.connect(self.update_estimate)
        self.copies.valueChanged.connect(self.update_estimate)
        self.seeds.currentIndexChanged.connect(self.update_estimate)
        self.update_estimate()

    def spec(self) -> BatchSpec:
        """The batch as the dialog stands; raises :class:`BatchSpecError` with one sentence when it cannot be."""
        matrix: list[Axis] = []
        for key_edit, values_edit in self.axes:
            key, values = key_edit.text().strip(), values_edit.text().strip()
            if key or values:
                if not key:
                    raise BatchSpecError(self.tr("Name the input the matrix varies."))
                matrix.append(Axis(key, tuple(parse_value(part.strip()) for part in values.split(",")
                                              if part.strip())))
        rows = self.file_rows or tuple(prompts_from_text(self.prompts.toPlainText()))
        return BatchSpec(self.model_edit.text().strip(), self.parameters, rows=rows, matrix=tuple(matrix),
                         file_key=self.folder_key if self.folder_files else None, files=self.folder_files,
                         repeat=self.copies.value(), seeds=self.seeds.currentData())

    def schemas(self) -> dict[str, InputSchema] | None:
        """The schema each job's model is checked against: the form's, for the model it was read for."""
        return {self.schema_model: self.schema} if self.schema is not None else None

    def file_input(self) -> str | None:
        """The model's first file input (where a folder's files go), if the schema is known and has one."""
        if self.schema is None or self.model_edit.text().strip() != self.schema_model:
            return None
        return next((spec.name for spec in self.schema.fields if spec.kind == "file"), None)

    def choose_folder(self) -> None:
        """Asks for a folder of images (the dialog is opened, not run modal)."""
        chooser = QFileDialog(self, self.tr("A folder of images"))
        chooser.setFileMode(QFileDialog.FileMode.Directory)
        chooser.setOption(QFileDialog.Option.ShowDirsOnly, True)
        chooser.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        chooser.fileSelected.connect(lambda name: self.load_folder(Path(name)))
        chooser.open()

    def load_folder(self, folder: Path) -> bool:
        """Makes one job per image in ``folder``, each given to the model's first file input."""
        key = self.file_input()
        try:
            if key is None:
                raise BatchSpecError(self.tr("This model has no file input to take a folder's images."))
            files = files_in(folder, suffixes=IMAGE_SUFFIXES)
        except BatchSpecError as error:
            self.problem.setText(str(error))
            self.problem.show()
            return False
        self.problem.hide()
        self.folder_key, self.folder_files = key, tuple(files)
        self.folder_label.setText(self.tr("%1: %2 images, to %3").replace("%1", folder.name)
                                  .replace("%2", str(len(files))).replace("%3", key))
        self.update_estimate()
        return True

    def choose_file(self) -> None:
        """Asks for a prompts file (the file dialog is opened, not run modal)."""
        chooser = QFileDialog(self, self.tr("Prompts from a file"))
        chooser.setNameFilters([self.tr("Prompts (*.txt *.csv)"), self.tr("All files (*)")])
        chooser.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        chooser.fileSelected.connect(lambda name: self.load_prompts(Path(name)))
        chooser.open()

    def load_prompts(self, path: Path) -> bool:
        """Takes the batch's rows from ``path`` (the prompt box then shows its prompts, read-only)."""
        try:
            rows = read_rows(path)
        except BatchSpecError as error:
            self.problem.setText(str(error))
            self.problem.show()
            return False
        self.problem.hide()
        self.file_rows = tuple(rows)
        self.prompts.setPlainText("\n".join(str(row.get("prompt", "")) for row in rows))
        self.prompts.setReadOnly(True)
        self.file_label.setText(self.tr("%1: %2 rows").replace("%1", path.name).replace("%2", str(len(rows))))
        self.update_estimate()
        return True

    def jobs(self) -> list[JobSpec]:
        return expand(self.spec())

    def update_estimate(self) -> None:
        try:
            specs = self.jobs()
        except BatchSpecError as error:
            self.estimate_label.setText(str(error))
            self.add_button.setEnabled(False)
            return
        self.add_button.setEnabled(True)
        estimate = self.queue.estimate(specs)
        text = estimate.describe()
        status = self.queue.spending.status(estimate.cost) if self.queue.spending is not None else None
        if status is not None and status.over:
            text += "\n" + self.tr("Over budget: %1").replace("%1", status.describe())
        self.estimate_label.setText(text)

    def add(self) -> None:
        """Adds the batch when every job passes its local checks; else says what to fix and keeps the dialog. When
        the jobs run models whose schema the form does not hold (a matrix over models), those are read first."""
        try:
            specs = self.jobs()
            check_names(specs)  # a typo in a model's name is said at once, before anything is read
        except (BatchSpecError, BatchCheckError, ValueError) as error:
            self._say(str(error))
            return
        known = self.schemas() or {}
        if not missing_schemas(specs, known):
            try:
                batch = self.queue.add(specs, schemas=known or None)
            except (BatchSpecError, BatchCheckError, ValueError) as error:
                self._say(str(error))
                return
            self._added(batch.id)
            return
        if self.reading is None or self.reading.done():
            self.reading = asyncio.get_running_loop().create_task(self._add_reading(specs, known),
                                                                  name="read the batch's schemas")

    async def _add_reading(self, specs: list[JobSpec], known: dict[str, InputSchema]) -> None:
        self.add_button.setEnabled(False)
        self.estimate_label.setText(self.tr("Reading the other models' inputs…"))
        try:
            batch = await self.queue.add_checked(specs, schemas=known,
                                                 form_model=self.schema_model if self.schema is not None else None)
        except (BatchCheckError, ReplicateError, ValueError) as error:
            self.update_estimate()
            self._say(str(error))
            return
        self._added(batch.id)

    def _added(self, batch_id: int) -> None:
        self.reading = None
        self.added.emit(batch_id)
        self.accept()

    def _say(self, message: str) -> None:
        self.problem.setText(message)
        self.problem.show()

    def done(self, result: int) -> None:
        """Closing the dialog while the schemas are read adds nothing."""
        if self.reading is not None and not self.reading.done():
            self.reading.cancel()
        super().done(result)
