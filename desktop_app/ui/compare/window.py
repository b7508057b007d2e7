"""The comparison window: the prompt and 2–4 models, then a column per model streaming together."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from ...session import CompareError, Comparison, HistoryRecorder, Prices, RunService, problem_of
from ..common.errors import describe_problem
from ..common.widgets import named
from .lane_column import LaneColumn

SLOTS = 4


class CompareWindow(QWidget):
    """Puts one prompt to the models typed in its slots (2–4) at once; ``continue_with`` carries the
    :class:`Comparison` and the index of the lane the user chose to go on with. A separate top-level window
    (shown, never run modal); closing it stops the lanes still running."""

    continue_with = Signal(object, int)  # Comparison, lane index

    def __init__(self, runs: RunService, recorder: HistoryRecorder | None = None, *,
                 models: Sequence[str] = (), prompt: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Compare models"))
        self.runs = runs
        self.recorder = recorder
        self.comparison: Comparison | None = None
        self.columns: list[LaneColumn] = []
        self.prompt = named(QPlainTextEdit(prompt), "comparePrompt")
        self.prompt.setPlaceholderText(self.tr("The prompt to put to every model"))
        self.prompt.setMaximumHeight(80)
        self.model_edits = [named(QLineEdit(), f"compareModel{slot}") for slot in range(SLOTS)]
        for edit, model in zip(self.model_edits, models, strict=False):
            edit.setText(model)
        for edit in self.model_edits:
            edit.setPlaceholderText(self.tr("owner/model (optional)"))
        self.compare_button = named(QPushButton(self.tr("Compare")), "compareButton")
        self.compare_button.clicked.connect(self.start)
        self.problem = named(QLabel(), "compareProblem")
        self.problem.setWordWrap(True)
        self.problem.hide()
        chooser = QHBoxLayout()
        for edit in self.model_edits:
            chooser.addWidget(edit)
        chooser.addWidget(self.compare_button)
        self.lanes = QHBoxLayout()
        layout = QVBoxLayout(self)
        layout.addWidget(self.prompt)
        layout.addLayout(chooser)
        layout.addWidget(self.problem)
        layout.addLayout(self.lanes, 1)

    def models(self) -> list[str]:
        return [edit.text().strip() for edit in self.model_edits if edit.text().strip()]

    def start(self) -> Comparison | None:
        """Checks every model's request (nothing is sent if one fails), then runs them all at once."""
        self.stop()
        try:
            comparison = Comparison(self.runs, self.prompt.toPlainText(), self.models(), recorder=self.recorder,
                                    prices=Prices())
            lanes = comparison.start()
        except CompareError as error:
            self._say(str(error))
            return None
        except Exception as error:  # the core's checks: one sentence, never a traceback
            self._say(describe_problem(problem_of(error, checked_locally=True)))
            return None
        self.problem.hide()
        self.comparison = comparison
        for column in self.columns:
            column.detach()
            column.deleteLater()
        self.columns = []
        for index, lane in enumerate(lanes):
            column = LaneColumn(lane)
            column.continue_requested.connect(lambda index=index: self.continue_with.emit(comparison, index))
            self.lanes.addWidget(column, 1)
            self.columns.append(column)
        return comparison

    def stop(self) -> None:
        """Stops the lanes still running (each canceled on the server)."""
        if self.comparison is not None:
            self.comparison.cancel()

    def closeEvent(self, event: object) -> None:
        self.stop()
        for column in self.columns:  # the lanes' last events (their cancel) come after the columns are gone
            column.detach()
        super().closeEvent(event)  # type: ignore[arg-type]

    def _say(self, message: str) -> None:
        self.problem.setText(message)
        self.problem.show()
