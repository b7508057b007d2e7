"""The "Add to queue" dialog: one run × N (seeds varied or locked), a list of prompts and one matrix axis, with
the batch's estimated cost shown before anything is added."""

from __future__ import annotations

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

from ...session.jobs import (
    Axis,
    BatchCheckError,
    BatchSpec,
    BatchSpecError,
    JobSpec,
    expand,
    prompts_from_text,
    read_rows,
)
from ...session.queue import JobQueue
from ..common.widgets import named

MAX_COPIES = 1000


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
    new batch's id. Every problem is one sentence in the dialog; nothing is added until all jobs pass."""

    added = Signal(int)

    def __init__(self, queue: JobQueue, model: str, prompt: str = "", parameters: Mapping[str, Any] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Add to queue"))
        self.queue = queue
        self.parameters = dict(parameters or {})
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
        self.axis_key = named(QLineEdit(), "queueAxisKey")
        self.axis_key.setPlaceholderText(self.tr("Input to vary, e.g. num_inference_steps (or model)"))
        self.axis_values = named(QLineEdit(), "queueAxisValues")
        self.axis_values.setPlaceholderText(self.tr("Values, separated by commas"))
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
        for edit in (self.model_edit, self.axis_key, self.axis_values):
            edit.textChanged.connect(self.update_estimate)
        self.prompts.textChanged.connect(self.update_estimate)
        self.copies.valueChanged.connect(self.update_estimate)
        self.seeds.currentIndexChanged.connect(self.update_estimate)
        self.update_estimate()

    def spec(self) -> BatchSpec:
        """The batch as the dialog stands; raises :class:`BatchSpecError` with one sentence when it cannot be."""
        matrix: tuple[Axis, ...] = ()
        key, values = self.axis_key.text().strip(), self.axis_values.text().strip()
        if key or values:
            if not key:
                raise BatchSpecError(self.tr("Name the input the matrix varies."))
            matrix = (Axis(key, tuple(parse_value(part.strip()) for part in values.split(",") if part.strip())),)
        rows = self.file_rows or tuple(prompts_from_text(self.prompts.toPlainText()))
        return BatchSpec(self.model_edit.text().strip(), self.parameters, rows=rows, matrix=matrix,
                         repeat=self.copies.value(), seeds=self.seeds.currentData())

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
        """Adds the batch when every job passes its local checks; else says what to fix and keeps the dialog."""
        try:
            batch = self.queue.add(self.jobs())
        except (BatchSpecError, BatchCheckError, ValueError) as error:
            self.problem.setText(str(error))
            self.problem.show()
            return
        self.added.emit(batch.id)
        self.accept()
