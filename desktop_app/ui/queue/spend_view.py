"""The spend view: what the queue's and the chat's paid runs cost, totalled by day, by model or by batch."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...session import Spending
from ...session.costs import format_dollars
from ...session.queue import JobQueue
from ..common.widgets import named
from .prices_dialog import PricesDialog, open_prices


class SpendView(QDialog):
    """A window (not modal) with one row per day, model or batch: runs, seconds of compute and cost; ``refresh()``
    reads the ledger again."""

    def __init__(self, queue: JobQueue, spending: Spending, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Spending"))
        self.queue = queue
        self.spending = spending
        self.group = named(QComboBox(), "spendGroup")
        self.group.addItem(self.tr("By day"), "day")
        self.group.addItem(self.tr("By model"), "model")
        self.group.addItem(self.tr("By batch"), "batch")
        self.group.currentIndexChanged.connect(self.refresh)
        self.table = named(QTableWidget(0, 4), "spendTable")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.total = named(QLabel(), "spendTotal")
        self.note = named(QLabel(), "spendNote")
        self.note.setWordWrap(True)
        self.prices_button = named(QPushButton(self.tr("Prices and hardware…")), "spendPricesButton")
        self.prices_button.setToolTip(self.tr("The prices these costs are estimated from, and the hardware each "
                                              "community model runs on"))
        self.prices_button.clicked.connect(self.open_prices)
        top = QHBoxLayout()
        top.addWidget(self.group)
        top.addStretch(1)
        top.addWidget(self.prices_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.total)
        layout.addWidget(self.note)
        self.resize(560, 360)
        self.refresh()

    def refresh(self) -> None:
        group = self.group.currentData()
        rows = self.spending.by(group)
        titles = {str(batch.id): batch.title for batch in self.queue.board.batches()} if group == "batch" else {}
        heading = {"day": self.tr("Day"), "model": self.tr("Model"), "batch": self.tr("Batch")}[group]
        self.table.setHorizontalHeaderLabels([heading, self.tr("Runs"), self.tr("Seconds"), self.tr("Cost")])
        self.table.setRowCount(len(rows))
        for number, row in enumerate(rows):
            key = self.tr("Chat") if group == "batch" and row.key == "chat" else titles.get(row.key, row.key)
            cost = format_dollars(row.cost)
            if row.unpriced:
                cost += " " + self.tr("(+%1 unpriced)").replace("%1", str(row.unpriced))
            cells = (key, str(row.runs), f"{row.seconds:.1f}", cost)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(number, column, item)
        self.total.setText(self.tr("%1 runs, %2 in all").replace("%1", str(sum(row.runs for row in rows)))
                           .replace("%2", format_dollars(sum(row.cost for row in rows))))
        unpriced = sum(row.unpriced for row in rows)
        note = self.tr("Costs are estimates from the app's prices; Replicate does not report them.")
        if unpriced:
            note += " " + self.tr("%n run(s) have no price: say which hardware their model runs on in Prices and "
                                  "hardware.", "", unpriced)
        self.note.setText(note)

    def open_prices(self) -> PricesDialog:
        """The prices dialog, with a row for each model whose runs have no price yet; its Save refreshes this."""
        unpriced = [row.key for row in self.spending.by("model") if row.unpriced]
        dialog = open_prices(self.spending, self, models=unpriced)
        dialog.saved.connect(self.refresh)
        return dialog
