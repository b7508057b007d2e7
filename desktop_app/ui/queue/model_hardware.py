"""The prices dialog's "hardware per model" part: for the model picked in the window, the models already set and
any other one typed in, the hardware it runs on (a community model is billed for its time on that hardware)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...session.costs import PriceTable, model_name
from ..common.widgets import named

MULTI_GPU = (2, 4, 8)
VISIBLE_ROWS = 4
_MODEL_NAME = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


def hardware_choices(table: PriceTable, keep: Sequence[str] = ()) -> list[tuple[str, str]]:
    """(SKU, label) of every hardware the table prices: each SKU, then its 2×, 4× and 8× variants for GPUs;
    ``keep`` adds SKUs already chosen that are not among them."""
    choices = []
    for sku, price in table.hardware.items():
        choices.append((sku, f"{price.name} — {sku}"))
    for sku, price in table.hardware.items():
        if sku.startswith("gpu-"):
            choices += [(f"{sku}-{count}x", f"{count}× {price.name} — {sku}-{count}x") for count in MULTI_GPU]
    known = {sku for sku, _label in choices}
    return choices + [(sku, sku) for sku in keep if sku not in known]


class ModelHardware(QWidget):
    """One row per community model with a choice of hardware ("Not known" forgets it); ``changes()`` gives
    what differs from what was loaded."""

    MODEL, HARDWARE = 0, 1

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = named(QTableWidget(0, 2), "modelHardwareTable")
        self.table.setHorizontalHeaderLabels([self.tr("Model"), self.tr("Runs on")])
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(self.MODEL, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(self.HARDWARE, QHeaderView.ResizeMode.ResizeToContents)
        self.note = named(QLabel(), "modelHardwareNote")  # lines broken in the text (see PricesDialog)
        self.note.hide()
        self.add_edit = named(QLineEdit(), "modelHardwareAdd")
        self.add_edit.setPlaceholderText(self.tr("Another model: owner/name"))
        self.add_edit.returnPressed.connect(self.add_typed)
        self.add_button = named(QPushButton(self.tr("Add")), "modelHardwareAddButton")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self.add_typed)
        self.problem = named(QLabel(), "modelHardwareProblem")
        self.problem.setStyleSheet("color: palette(highlighted-text); background: #b00020; padding: 2px;")
        self.problem.hide()
        adding = QHBoxLayout()
        adding.addWidget(self.add_edit, 1)
        adding.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.note)
        layout.addWidget(self.table)
        layout.addLayout(adding)
        layout.addWidget(self.problem)
        self.loaded: dict[str, str | None] = {}
        self.official: frozenset[str] = frozenset()
        self.choices: list[tuple[str, str]] = []

    def load(self, table: PriceTable, chosen: Mapping[str, str], *, current: str | None = None,
             others: Sequence[str] = ()) -> None:
        """Rows for ``current`` (the window's model, marked), ``others`` and every model in ``chosen``; models
        billed per output and local ones get no row (the note says why, for the current one)."""
        self.official = frozenset(table.models)
        self.choices = hardware_choices(table, list(chosen.values()))
        self.table.setRowCount(0)
        self.loaded = {}
        self.note.hide()
        current_name = None
        if current:
            current_name = self._current_row(current, chosen)
        for model in [*others, *chosen]:
            name = model_name(model)
            if name != current_name and name not in self.loaded and name not in self.official:
                self._add_row(name, chosen.get(name))
        self._fit()

    def add_models(self, models: Sequence[str | None]) -> None:
        """Rows for the community models among ``models`` that have none yet (a dialog already open, asked again)."""
        for model in models:
            name = model_name(model) if model and not model.startswith("cog:") else None
            if name and name not in self.loaded and name not in self.official and _MODEL_NAME.match(name):
                self._add_row(name, None)
        self._fit()

    def rows(self) -> list[str]:
        return list(self.loaded)

    def combo(self, model: str) -> QComboBox:
        """The hardware choice of a model's row (which must exist)."""
        widget = self.table.cellWidget(self.rows().index(model_name(model)), self.HARDWARE)
        assert isinstance(widget, QComboBox)
        return widget

    def changes(self) -> dict[str, str | None]:
        """model → SKU (or ``None``: forget it) for every row whose choice differs from what was loaded."""
        result: dict[str, str | None] = {}
        for row, model in enumerate(self.loaded):
            widget = self.table.cellWidget(row, self.HARDWARE)
            chosen = widget.currentData() if isinstance(widget, QComboBox) else None
            if chosen != self.loaded[model]:
                result[model] = chosen
        return result

    def add_typed(self) -> None:
        """Adds a row for the model typed in (or names what is wrong with it, under the field)."""
        typed = self.add_edit.text().strip()
        if not typed:
            return
        name = model_name(typed)
        if not _MODEL_NAME.match(name):
            self._problem(self.tr("“%1” is not a model name:\nwrite it as owner/name, e.g. acme/upscaler.")
                          .replace("%1", typed))
            return
        if name in self.official:
            self._problem(self.tr("%1 is billed per output\n(see the official models below), not by hardware.")
                          .replace("%1", name))
            return
        self.problem.hide()
        self.add_edit.clear()
        if name not in self.loaded:
            self._add_row(name, None)
            self._fit()
        self.combo(name).setFocus()

    def _current_row(self, current: str, chosen: Mapping[str, str]) -> str | None:
        name = model_name(current)
        if current.startswith("cog:"):
            self._say(self.tr("The model picked in the window runs on a Cog server of your own:\n"
                              "Replicate does not bill its runs."))
            return None
        if name in self.official:
            self._say(self.tr("%1, the model picked in the window, is billed per output\n"
                              "(see the official models below): it needs no hardware.").replace("%1", name))
            return None
        self._add_row(name, chosen.get(name), current=True)
        return name

    def _add_row(self, model: str, sku: str | None, *, current: bool = False) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        label = self.tr("%1 (picked in the window)").replace("%1", model) if current else model
        item = QTableWidgetItem(label)
        item.setToolTip(model)
        self.table.setItem(row, self.MODEL, item)
        combo = named(QComboBox(), f"hardwareChoice{row}")
        combo.addItem(self.tr("Not known (its runs have no price)"), None)
        for value, text in self.choices:
            combo.addItem(text, value)
        combo.setCurrentIndex(max(0, combo.findData(sku)) if sku is not None else 0)
        combo.setAccessibleName(self.tr("Hardware %1 runs on").replace("%1", model))
        self.table.setCellWidget(row, self.HARDWARE, combo)
        self.loaded[model] = sku

    def _fit(self) -> None:
        """Every column whole; up to four rows shown (more scroll)."""
        self.table.resizeRowsToContents()
        header = self.table.horizontalHeader()
        model_width = max([self.table.sizeHintForColumn(self.MODEL), header.sectionSizeHint(self.MODEL), 200])
        combo_width = max(self.table.sizeHintForColumn(self.HARDWARE), header.sectionSizeHint(self.HARDWARE))
        scroll = self.table.verticalScrollBar().sizeHint().width() if self.table.rowCount() > VISIBLE_ROWS else 0
        self.table.setMinimumWidth(model_width + combo_width + scroll + 2 * self.table.frameWidth())
        row = self.table.rowHeight(0) if self.table.rowCount() else self.table.verticalHeader().defaultSectionSize()
        height = header.sizeHint().height() + 2 * self.table.frameWidth()
        self.table.setFixedHeight(height + row * min(max(self.table.rowCount(), 1), VISIBLE_ROWS))

    def _say(self, text: str) -> None:
        self.note.setText(text)
        self.note.show()

    def _problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()
