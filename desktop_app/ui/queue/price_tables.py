"""The two editable tables of the prices dialog: hardware by SKU (dollars a second) and the official models'
prices per output. A cell takes any text; a bad one is marked and named in one sentence under its table."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QSizePolicy, QTableWidget, QTableWidgetItem, QWidget

from ...session.costs import PriceTable, format_dollars

BAD_CELL = QColor("#b00020")
NOT_APPLICABLE = "—"


def fit_table(table: QTableWidget, *, extra: int = 0) -> None:
    """Sizes ``table`` to show all its rows and columns whole (column 0 takes any room left)."""
    table.setWordWrap(False)  # rows one line high, whatever the columns' widths when measured
    table.resizeRowsToContents()
    header = table.horizontalHeader()
    widths = [max(table.sizeHintForColumn(column), header.sectionSizeHint(column))
              for column in range(table.columnCount())]
    table.setMinimumWidth(sum(widths) + 2 * table.frameWidth() + extra)
    height = header.sizeHint().height() + 2 * table.frameWidth()
    height += sum(table.rowHeight(row) for row in range(table.rowCount()))
    table.setFixedHeight(height)


class BadPrice(ValueError):
    """A price cell's text that is not a price: ``negative`` or not a number at all."""

    def __init__(self, negative: bool) -> None:
        super().__init__("negative" if negative else "not a number")
        self.negative = negative


def read_price(text: str) -> float:
    """Dollars from what a person types: ``0.000225``, ``$0.81``, ``0,5`` (a decimal comma); 0 or more."""
    cleaned = text.strip().removeprefix("$").strip()
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        raise BadPrice(negative=False) from None
    if not math.isfinite(value):
        raise BadPrice(negative=False)
    if value < 0:
        raise BadPrice(negative=True)
    return value


def price_text(value: float) -> str:
    """A price as it is edited: plain digits, no exponent, no trailing zeros (``0.000225``, ``0.65``, ``0``)."""
    text = f"{value:.10f}".rstrip("0").rstrip(".")
    return text or "0"


@dataclass
class PriceCell:
    """An editable cell: which entry and field of the price table it holds, and the values to compare with."""

    key: str  # the SKU or the model
    field: str  # per_second, price, input_per_million, output_per_million
    label: str  # how the row is named in a message
    shipped: float | None  # None: the entry is not in the shipped table (the user's own)
    loaded: float
    loaded_text: str

    def value(self, text: str) -> float:
        """The cell's price; an untouched cell keeps its exact value (its text may have rounded it)."""
        return self.loaded if text == self.loaded_text else read_price(text)


class PriceEditor(QTableWidget):
    """A table of prices with editable cells; ``changed`` when a cell's value or validity changes."""

    changed = Signal()

    def __init__(self, columns: int, parent: QWidget | None = None) -> None:
        super().__init__(0, columns, parent)
        self.cells: dict[tuple[int, int], PriceCell] = {}
        self.problems: dict[tuple[int, int], str] = {}
        self.verticalHeader().hide()
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)  # a selection would hide a red cell
        triggers = QAbstractItemView.EditTrigger
        self.setEditTriggers(triggers.DoubleClicked | triggers.SelectedClicked | triggers.EditKeyPressed
                             | triggers.AnyKeyPressed)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.itemChanged.connect(self._edited)

    def fit_rows(self) -> None:
        """Tall and wide enough for every cell: the tables are short, and a scroll bar would hide prices."""
        fit_table(self)

    def first_problem(self) -> str | None:
        return next(iter(self.problems.values()), None) if self.problems else None

    def value_of(self, row: int, column: int) -> float:
        """The current price in a cell (which must be valid)."""
        item = self.item(row, column)
        return self.cells[row, column].value(item.text() if item is not None else "")

    def _text_item(self, text: str, *, align_right: bool = False) -> QTableWidgetItem:
        item = QTableWidgetItem(text)
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
        if align_right:
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return item

    def _price_item(self, row: int, column: int, cell: PriceCell) -> None:
        item = QTableWidgetItem(cell.loaded_text)
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.cells[row, column] = cell
        self.setItem(row, column, item)
        self._mark(row, column, item)

    def _edited(self, item: QTableWidgetItem) -> None:
        if (item.row(), item.column()) in self.cells:
            self._mark(item.row(), item.column(), item)
            self.changed.emit()

    def _mark(self, row: int, column: int, item: QTableWidgetItem) -> None:
        """Validity (red cell, message, tooltip) and change from the shipped price (bold, tooltip)."""
        cell = self.cells[row, column]
        blocked = self.blockSignals(True)
        try:
            try:
                value = cell.value(item.text())
            except BadPrice as bad:
                message = self._problem_text(cell, item.text(), bad)
                self.problems[row, column] = message
                item.setBackground(QBrush(BAD_CELL))
                item.setForeground(QBrush(QColor("white")))
                item.setToolTip(message)
                return
            self.problems.pop((row, column), None)
            item.setBackground(QBrush())
            item.setForeground(QBrush())
            font = QFont(item.font())
            changed = cell.shipped is None or not math.isclose(value, cell.shipped, rel_tol=1e-9, abs_tol=1e-15)
            font.setBold(changed)
            item.setFont(font)
            item.setToolTip(self._shipped_tip(cell) if changed else "")
            self._derived(row, value)
        finally:
            self.blockSignals(blocked)

    def _problem_text(self, cell: PriceCell, text: str, bad: BadPrice) -> str:
        if bad.negative:
            return self.tr("%1: a price cannot be negative (%2). Enter 0 or more dollars.").replace(
                "%1", cell.label).replace("%2", text.strip())
        if not text.strip():
            return self.tr("%1: the price is empty. Enter dollars as a number, 0 or more.").replace("%1", cell.label)
        return self.tr("%1: “%2” is not a price. Enter dollars as a number, 0 or more (e.g. 0.000225).").replace(
            "%1", cell.label).replace("%2", text.strip())

    def _shipped_tip(self, cell: PriceCell) -> str:
        if cell.shipped is None:
            return self.tr("Your own price (not in the shipped table)")
        return self.tr("Changed; shipped price: %1").replace("%1", price_text(cell.shipped))

    def _derived(self, row: int, value: float) -> None:
        """A read-only column computed from the row's price (none by default)."""


class HardwarePrices(PriceEditor):
    """Hardware (name, SKU) and its price a second; the price an hour beside it, read-only."""

    PRICE, HOURLY = 2, 3

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(4, parent)
        self.setHorizontalHeaderLabels([self.tr("Hardware"), self.tr("SKU"), self.tr("$ per second"),
                                        self.tr("$ per hour")])
        self.skus: list[str] = []
        self.names: dict[str, str] = {}

    def load(self, table: PriceTable, shipped: PriceTable) -> None:
        self.blockSignals(True)
        self.cells.clear()
        self.problems.clear()
        self.skus = list(table.hardware)
        self.names = {sku: price.name for sku, price in table.hardware.items()}
        self.setRowCount(len(self.skus))
        for row, sku in enumerate(self.skus):
            price = table.hardware[sku]
            self.setItem(row, 0, self._text_item(price.name))
            self.setItem(row, 1, self._text_item(sku))
            self.setItem(row, self.HOURLY, self._text_item("", align_right=True))
            known = shipped.hardware.get(sku)
            self._price_item(row, self.PRICE, PriceCell(sku, "per_second", price.name,
                                                         known.per_second if known else None, price.per_second,
                                                         price_text(price.per_second)))
        self.blockSignals(False)
        self.fit_rows()

    def overrides(self) -> dict[str, Any]:
        """The rows that differ from the shipped table, in its JSON shape (valid cells only: check first)."""
        result: dict[str, Any] = {}
        for row, sku in enumerate(self.skus):
            cell = self.cells[row, self.PRICE]
            value = self.value_of(row, self.PRICE)
            if cell.shipped is None or not math.isclose(value, cell.shipped, rel_tol=1e-9, abs_tol=1e-15):
                result[sku] = {"name": self.names[sku], "per_second": value}
        return result

    def _derived(self, row: int, value: float) -> None:
        item = self.item(row, self.HOURLY)
        if item is not None:
            item.setText(format_dollars(value * 3600))


class ModelPrices(PriceEditor):
    """Official models and what they cost per output: per image, output or second of video, or per million
    input and output tokens (the columns that do not apply show a dash)."""

    PRICE, INPUT, OUTPUT = 2, 3, 4

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(5, parent)
        self.setHorizontalHeaderLabels([self.tr("Model"), self.tr("Billed"), self.tr("$ each"),
                                        self.tr("$ per 1M input tokens"), self.tr("$ per 1M output tokens")])
        self.units: dict[str, str] = {}
        self.models: list[str] = []

    def load(self, table: PriceTable, shipped: PriceTable) -> None:
        self.blockSignals(True)
        self.cells.clear()
        self.problems.clear()
        self.models = list(table.models)
        self.units = {name: price.unit for name, price in table.models.items()}
        self.setRowCount(len(self.models))
        for row, name in enumerate(self.models):
            price = table.models[name]
            known = shipped.models.get(name)
            known = known if known is not None and known.unit == price.unit else None
            self.setItem(row, 0, self._text_item(name))
            self.setItem(row, 1, self._text_item(self.unit_text(price.unit)))
            fields = (("input_per_million", self.INPUT), ("output_per_million", self.OUTPUT)) \
                if price.unit == "token" else (("price", self.PRICE),)
            for column in (self.PRICE, self.INPUT, self.OUTPUT):
                self.setItem(row, column, self._text_item(NOT_APPLICABLE, align_right=True))
            for field, column in fields:
                value = float(getattr(price, field))
                label = name if len(fields) == 1 else self._token_label(name, field)
                self._price_item(row, column, PriceCell(name, field, label,
                                                        float(getattr(known, field)) if known else None, value,
                                                        price_text(value)))
        self.blockSignals(False)
        self.fit_rows()

    def unit_text(self, unit: str) -> str:
        return {"image": self.tr("per image"), "output": self.tr("per output"), "token": self.tr("per token"),
                "video_second": self.tr("per second of video")}.get(unit, unit)

    def overrides(self) -> dict[str, Any]:
        """The models whose prices differ from the shipped table, in its JSON shape (check the cells first)."""
        result: dict[str, Any] = {}
        for row, name in enumerate(self.models):
            entry: dict[str, Any] = {"unit": self.units[name]}
            differs = False
            for column in (self.PRICE, self.INPUT, self.OUTPUT):
                cell = self.cells.get((row, column))
                if cell is None:
                    continue
                value = self.value_of(row, column)
                entry[cell.field] = value
                differs |= cell.shipped is None or not math.isclose(value, cell.shipped, rel_tol=1e-9,
                                                                    abs_tol=1e-15)
            if differs:
                result[name] = entry
        return result

    def _token_label(self, name: str, field: str) -> str:
        if field == "input_per_million":
            return self.tr("%1 (input tokens)").replace("%1", name)
        return self.tr("%1 (output tokens)").replace("%1", name)
