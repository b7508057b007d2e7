"""The queue panel: every job with its status, progress and cost, and the buttons that steer the queue."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...session import Budget
from ...session.queue import JobQueue
from ...session.queue_events import (
    BatchFinished,
    BudgetWarning,
    JobChanged,
    JobProgress,
    JobsAdded,
    JobView,
    QueueChanged,
    QueueEvent,
)
from ..common.widgets import named
from .job_model import JobTableModel

MAX_CONCURRENCY = 16


class QueuePanel(QWidget):
    """Lists the queue's jobs and steers it (pause, cancel, retry, reorder, how many at once); a double-click
    on a job asks to open its result (``open_requested``), which the shell connects to the viewer."""

    open_requested = Signal(object)  # JobView
    batch_requested = Signal(int)  # a batch id: show its outputs together
    add_requested = Signal()

    def __init__(self, queue: JobQueue, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.queue = queue
        self.model = JobTableModel()
        self.table = named(QTableView(), "queueTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(self._open)
        self.add_button = self._button(self.tr("Add…"), "queueAddButton", self.add_requested.emit)
        self.pause_button = self._button(self.tr("Pause"), "queuePauseButton", self.toggle_pause)
        self.cancel_button = self._button(self.tr("Cancel selected"), "queueCancelButton", self.cancel_selected)
        self.cancel_all_button = self._button(self.tr("Cancel all"), "queueCancelAllButton", self.queue.cancel_all)
        self.retry_button = self._button(self.tr("Retry failed"), "queueRetryButton", self.queue.retry_failed)
        self.batch_button = self._button(self.tr("Show batch"), "queueShowBatchButton", self.show_batch)
        self.up_button = self._button(self.tr("Move up"), "queueUpButton", lambda: self.move_selected(-1))
        self.down_button = self._button(self.tr("Move down"), "queueDownButton", lambda: self.move_selected(1))
        self.concurrency = named(QSpinBox(), "queueConcurrency")
        self.concurrency.setRange(1, MAX_CONCURRENCY)
        self.concurrency.setValue(queue.concurrency)
        self.concurrency.setToolTip(self.tr("How many jobs run at once"))
        self.concurrency.valueChanged.connect(self._set_concurrency)
        self.budget = named(QDoubleSpinBox(), "queueBudget")
        self.budget.setRange(0.0, 100000.0)
        self.budget.setDecimals(2)
        self.budget.setPrefix("$")
        self.budget.setSpecialValueText(self.tr("no budget"))
        self.budget.setToolTip(self.tr("A soft monthly budget: the queue warns when spending passes it"))
        current = queue.spending.budget if queue.spending is not None else None
        self.budget.setValue(current.amount if current is not None else 0.0)
        self.budget.setEnabled(queue.spending is not None)
        self.budget.valueChanged.connect(self._set_budget)
        self.budget_note = named(QLabel(), "queueBudgetNote")
        self.budget_note.setWordWrap(True)
        self.budget_note.hide()
        self.summary = named(QLabel(), "queueSummary")
        self.summary.setWordWrap(True)
        tools = QHBoxLayout()
        for button in (self.add_button, self.pause_button, self.cancel_button, self.cancel_all_button,
                       self.retry_button, self.batch_button, self.up_button, self.down_button):
            tools.addWidget(button)
        tools.addStretch(1)
        at_once = QLabel(self.tr("At once:"))
        at_once.setBuddy(self.concurrency)
        tools.addWidget(at_once)
        tools.addWidget(self.concurrency)
        budget = QLabel(self.tr("Budget a month:"))
        budget.setBuddy(self.budget)
        tools.addWidget(budget)
        tools.addWidget(self.budget)
        layout = QVBoxLayout(self)
        layout.addLayout(tools)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.budget_note)
        layout.addWidget(self.summary)
        self._unsubscribe = queue.subscribe(self.on_event)
        self.refresh()

    def _button(self, text: str, name: str, slot: object) -> QPushButton:
        button = named(QPushButton(text), name)
        button.clicked.connect(lambda: slot())  # type: ignore[operator]
        return button

    # ---- what the queue says ----------------------------------------------------------------------

    def on_event(self, event: QueueEvent) -> None:
        if isinstance(event, JobChanged):
            if self.model.row_of(event.job.id) < 0:
                self.refresh()
            else:
                self.model.update(event.job)
            self._show_totals()
        elif isinstance(event, JobProgress):
            self.model.set_percent(event.job_id, event.percent)
        elif isinstance(event, JobsAdded | QueueChanged):
            self.refresh()
        elif isinstance(event, BatchFinished):
            self._show_totals()
        elif isinstance(event, BudgetWarning):
            self.budget_note.setText(self.tr("Over budget: %1").replace("%1", event.status.describe()))
            self.budget_note.show()

    def refresh(self) -> None:
        """Lists the queue again, keeping the selection."""
        chosen = {job.id for job in self.selected()}
        self.model.reset(self.queue.board.jobs())
        selection = self.table.selectionModel()
        for row, job in enumerate(self.model.jobs()):
            if job.id in chosen:
                selection.select(self.model.index(row, 0), selection.SelectionFlag.Select
                                 | selection.SelectionFlag.Rows)
        self.pause_button.setText(self.tr("Resume") if self.queue.paused else self.tr("Pause"))
        if self.concurrency.value() != self.queue.concurrency:
            self.concurrency.blockSignals(True)
            self.concurrency.setValue(self.queue.concurrency)
            self.concurrency.blockSignals(False)
        self._show_totals()

    def _show_totals(self) -> None:
        jobs = self.model.jobs()
        done = sum(job.state == "succeeded" for job in jobs)
        failed = sum(job.state == "failed" for job in jobs)
        cost = sum(job.cost or 0.0 for job in jobs)
        compute = sum(job.predict_time or 0.0 for job in jobs)
        text = (self.tr("%1 jobs: %2 done, %3 failed · compute %4 s · cost $%5")
                .replace("%1", str(len(jobs))).replace("%2", str(done)).replace("%3", str(failed))
                .replace("%4", f"{compute:.1f}").replace("%5", f"{cost:.4f}"))
        if self.queue.reason:
            text += " · " + self.queue.reason
        self.summary.setText(text)

    # ---- what the user does -----------------------------------------------------------------------

    def selected(self) -> list[JobView]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [job for row in rows if (job := self.model.job_at(row)) is not None]

    def select_job(self, job_id: int) -> None:
        row = self.model.row_of(job_id)
        self.table.selectRow(row)

    def toggle_pause(self) -> None:
        if self.queue.paused:
            self.queue.resume()
        else:
            self.queue.pause()
        self.refresh()

    def cancel_selected(self) -> int:
        return sum(self.queue.cancel(job.id) for job in self.selected())

    def move_selected(self, step: int) -> None:
        """Moves the selected waiting job one place earlier (-1) or later (+1) among the waiting ones."""
        waiting = [job.id for job in self.model.jobs() if job.state == "queued"]
        chosen = [job.id for job in self.selected() if job.id in waiting]
        if len(chosen) != 1:
            return
        place = waiting.index(chosen[0]) + step
        if 0 <= place < len(waiting):
            self.queue.move(chosen[0], place)
            self.refresh()

    def show_batch(self) -> None:
        """Asks for the selected job's batch's outputs together (in the viewer's strip)."""
        chosen = self.selected()
        if chosen:
            self.batch_requested.emit(chosen[0].batch_id)

    def _set_budget(self, amount: float) -> None:
        if self.queue.spending is not None:
            self.queue.spending.set_budget(Budget(amount, "month") if amount > 0 else None)
            self.budget_note.hide()

    def _set_concurrency(self, value: int) -> None:
        self.queue.concurrency = value

    def _open(self, index: QModelIndex) -> None:
        job = self.model.job_at(index.row())
        if job is not None and job.outputs:
            self.open_requested.emit(job)

    def stop(self) -> None:
        """Stops listening to the queue (it is closing)."""
        self._unsubscribe()
