"""The queue's jobs as a table: model, label or prompt, status, progress and cost, one row a job."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, QPersistentModelIndex, Qt

from ...session.queue_events import JobView

Index = QModelIndex | QPersistentModelIndex


def state_text(state: str) -> str:
    """A job's state in the user's words."""
    names = {"queued": QCoreApplication.translate("QueuePanel", "Queued"),
             "creating": QCoreApplication.translate("QueuePanel", "Starting"),
             "running": QCoreApplication.translate("QueuePanel", "Running"),
             "succeeded": QCoreApplication.translate("QueuePanel", "Done"),
             "failed": QCoreApplication.translate("QueuePanel", "Failed"),
             "canceled": QCoreApplication.translate("QueuePanel", "Canceled")}
    return names.get(state, state)


def column_titles() -> tuple[str, ...]:
    return (QCoreApplication.translate("QueuePanel", "Model"), QCoreApplication.translate("QueuePanel", "Job"),
            QCoreApplication.translate("QueuePanel", "Status"), QCoreApplication.translate("QueuePanel", "Progress"),
            QCoreApplication.translate("QueuePanel", "Compute"), QCoreApplication.translate("QueuePanel", "Cost"))


class JobTableModel(QAbstractTableModel):
    """The jobs the queue panel lists, in queue order; ``update`` replaces one job's row in place."""

    COLUMNS = 6

    def __init__(self) -> None:
        super().__init__()
        self._jobs: list[JobView] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._jobs)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else self.COLUMNS

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return column_titles()[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        job = self._jobs[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(job, index.column())
        if role == Qt.ItemDataRole.ToolTipRole:
            return job.error or job.prompt or job.label
        if role == Qt.ItemDataRole.UserRole:
            return job.id
        return None

    def _text(self, job: JobView, column: int) -> str:
        if column == 0:
            return job.model
        if column == 1:
            prompt = job.prompt or ""
            return " — ".join(part for part in (job.label, prompt[:60]) if part)
        if column == 2:
            return state_text(job.state) if not job.error else f"{state_text(job.state)}: {job.error}"
        if column == 3:
            return "" if job.percent is None else f"{job.percent:.0f}%"
        if column == 4:
            return f"{job.predict_time:.2f} s" if job.predict_time is not None else ""
        return f"${job.cost:.4f}" if job.cost is not None else ""

    def jobs(self) -> list[JobView]:
        return list(self._jobs)

    def job_at(self, row: int) -> JobView | None:
        return self._jobs[row] if 0 <= row < len(self._jobs) else None

    def row_of(self, job_id: int) -> int:
        return next((row for row, job in enumerate(self._jobs) if job.id == job_id), -1)

    def reset(self, jobs: list[JobView]) -> None:
        self.beginResetModel()
        self._jobs = list(jobs)
        self.endResetModel()

    def update(self, job: JobView) -> None:
        row = self.row_of(job.id)
        if row < 0:
            return
        self._jobs[row] = job
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.COLUMNS - 1))

    def set_percent(self, job_id: int, percent: float | None) -> None:
        row = self.row_of(job_id)
        if row < 0 or percent is None:
            return
        self._jobs[row] = replace(self._jobs[row], percent=percent)
        cell = self.index(row, 3)
        self.dataChanged.emit(cell, cell)
