"""Prices and hardware: the user edits the shipped price table and says which hardware a community model runs on,
from the Queue menu or the spend view; bad values are named where they were typed, Reset brings the shipped prices
back, and what is saved is what every cost afterwards (spend view, estimates) is reckoned from."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QTableWidget
from pytestqt.qtbot import QtBot

from desktop_app.session.costs import Usage
from desktop_app.session.jobs import BatchSpec, expand
from desktop_app.session.spend import PRICES_KEY, Spending
from desktop_app.storage.queue_store import QueueStore
from desktop_app.ui.queue.price_tables import BAD_CELL, BadPrice, read_price
from desktop_app.ui.queue.prices_dialog import PricesDialog
from desktop_app.ui.shell.costs_wiring import CostsWiring
from desktop_app.ui.shell.main_window import MainWindow

FLUX = "black-forest-labs/flux-schnell"
LLAMA = "meta/meta-llama-3-70b-instruct"
T4_ROW, FLUX_ROW, LLAMA_ROW = 1, 0, 3


@pytest.fixture
def store(tmp_path: Path) -> Iterator[QueueStore]:
    with QueueStore.open(tmp_path / "queue.sqlite3") as opened:
        yield opened


@pytest.fixture
def window(qtbot: QtBot) -> MainWindow:
    main = MainWindow()
    qtbot.addWidget(main)
    main.resize(1280, 800)
    main.show()
    return main


def open_from_menu(window: MainWindow, spending: Spending, current: str | None = "acme/painter") -> PricesDialog:
    """What Queue → Prices and hardware… does (the menu itself is tested in test_prices_flows)."""
    wiring = CostsWiring(window, spending, lambda: current)
    wiring.open_dialog()
    dialog = wiring.dialog
    assert dialog is not None and dialog.isVisible() and not dialog.isModal()
    return dialog


def type_into(table: QTableWidget, row: int, column: int, text: str) -> None:
    """Edits a cell as a person does: the cell's editor, the text typed over what was there, Return. (These tests
    are synchronous: no qasync loop runs, so processing Qt's events here is no nested loop.)"""
    item = table.item(row, column)
    assert item is not None and item.flags() & Qt.ItemFlag.ItemIsEditable
    table.setCurrentCell(row, column)
    table.editItem(item)
    (editor,) = [editor for editor in table.findChildren(QLineEdit) if editor.isVisible()]  # (closed ones linger)
    editor.selectAll()
    QTest.keyClicks(editor, text) if text else editor.clear()
    QTest.keyClick(editor, Qt.Key.Key_Return)
    QApplication.processEvents()  # the delegate commits the edit a moment later (a queued call)


def cell(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    assert item is not None
    return item.text()


def bold(table: QTableWidget, row: int, column: int) -> bool:
    item = table.item(row, column)
    assert item is not None
    return item.font().bold()


def test_prices_are_read_as_people_type_them() -> None:
    assert [read_price(text) for text in ("0.000225", " $0.81 ", "0,5", "0", "2")] == [0.000225, 0.81, 0.5, 0.0, 2.0]
    for text, negative in (("abc", False), ("", False), ("nan", False), ("inf", False), ("-1", True)):
        with pytest.raises(BadPrice) as caught:
            read_price(text)
        assert caught.value.negative is negative


def test_saved_prices_and_hardware_are_what_later_costs_and_estimates_use(window: MainWindow, store: QueueStore,
                                                                        tmp_path: Path) -> None:
    spending = Spending(store)
    dialog = open_from_menu(window, spending)
    assert dialog.shipped.taken in dialog.intro.text() and "estimate" in dialog.intro.text()
    assert (cell(dialog.hardware, T4_ROW, 1), cell(dialog.hardware, T4_ROW, 2)) == ("gpu-t4", "0.000225")
    assert cell(dialog.hardware, T4_ROW, 3) == "$0.81"  # per hour, beside it
    assert dialog.per_model.rows() == ["acme/painter"]  # the model picked in the window
    type_into(dialog.hardware, T4_ROW, 2, "0.001")
    assert cell(dialog.hardware, T4_ROW, 3) == "$3.60" and bold(dialog.hardware, T4_ROW, 2)
    type_into(dialog.models, FLUX_ROW, 2, "0,01")  # a decimal comma is a decimal point
    combo = dialog.per_model.combo("acme/painter")
    combo.setCurrentIndex(combo.findData("gpu-t4"))
    assert spending.price_overrides() == {} and spending.hardware() == {}  # nothing kept before Save
    dialog.save_button.click()
    assert not dialog.isVisible()
    assert spending.price_overrides() == {"hardware": {"gpu-t4": {"name": "Nvidia T4", "per_second": 0.001}},
                                          "models": {FLUX: {"unit": "image", "price": 0.01}}}
    assert spending.hardware() == {"acme/painter": "gpu-t4"}
    assert window.statusBar().currentMessage().startswith("Prices and hardware saved")

    assert spending.record("p1", Usage("acme/painter", 10.0)).amount == pytest.approx(0.01)  # T4 $0.001 × 10 s
    assert spending.record("p2", Usage(FLUX, 1.0, outputs=3)).amount == pytest.approx(0.03)
    estimate = spending.prices.estimate(expand(BatchSpec("flux-schnell", {"prompt": "a kite"}, repeat=2)))
    assert estimate.describe() == "~2 runs, ~$0.02 (estimate)"
    assert {row.key: round(row.cost, 4) for row in spending.by("model")} == {"acme/painter": 0.01, FLUX: 0.03}

    with QueueStore.open(tmp_path / "queue.sqlite3") as reopened:  # the app started again
        again = Spending(reopened)
        assert again.prices.table.hardware["gpu-t4"].per_second == 0.001
        assert again.prices.cost_of(Usage("acme/painter", 10.0)).amount == pytest.approx(0.01)
        dialog = PricesDialog(again, current="acme/painter", parent=window)
        assert cell(dialog.hardware, T4_ROW, 2) == "0.001" and bold(dialog.hardware, T4_ROW, 2)
        assert cell(dialog.models, FLUX_ROW, 2) == "0.01" and not bold(dialog.hardware, 0, 2)
        assert dialog.per_model.combo("acme/painter").currentData() == "gpu-t4"


def test_a_bad_value_is_named_under_the_table_and_nothing_is_kept(window: MainWindow, store: QueueStore) -> None:
    spending = Spending(store)
    dialog = open_from_menu(window, spending)
    type_into(dialog.hardware, T4_ROW, 2, "abc")
    assert dialog.hardware_problem.isVisible()
    assert dialog.hardware_problem.text() == ("Nvidia T4: “abc” is not a price. Enter dollars as a number, 0 or more "
                                              "(e.g. 0.000225).")
    item = dialog.hardware.item(T4_ROW, 2)
    assert item is not None and item.background().color() == QColor(BAD_CELL)
    assert item.toolTip() == dialog.hardware_problem.text()
    assert not dialog.save_button.isEnabled()
    assert not dialog.save() and dialog.isVisible()
    type_into(dialog.hardware, T4_ROW, 2, "-0.5")
    assert dialog.hardware_problem.text() == "Nvidia T4: a price cannot be negative (-0.5). Enter 0 or more dollars."
    type_into(dialog.hardware, T4_ROW, 2, "")
    assert dialog.hardware_problem.text().startswith("Nvidia T4: the price is empty.")
    type_into(dialog.models, LLAMA_ROW, 3, "lots")
    assert dialog.models_problem.text().startswith(f"{LLAMA} (input tokens): “lots” is not a price.")
    type_into(dialog.hardware, T4_ROW, 2, "0.0003")
    assert not dialog.hardware_problem.isVisible() and not dialog.save_button.isEnabled()  # llama's still bad
    type_into(dialog.models, LLAMA_ROW, 3, "0.7")
    assert not dialog.models_problem.isVisible() and dialog.save_button.isEnabled()
    assert store.setting(PRICES_KEY) is None  # nothing was kept while a value was bad
    dialog.save_button.click()
    assert spending.prices.table.hardware["gpu-t4"].per_second == 0.0003
    assert spending.prices.table.models[LLAMA].input_per_million == 0.7
    assert spending.prices.table.models[LLAMA].output_per_million == 2.75  # untouched


def test_reset_brings_back_the_shipped_prices_and_keeps_the_hardware(window: MainWindow, store: QueueStore) -> None:
    spending = Spending(store)
    spending.set_prices({"hardware": {"gpu-t4": {"name": "Nvidia T4", "per_second": 0.5}},
                         "models": {FLUX: {"unit": "image", "price": 0.2}}})
    spending.set_hardware("acme/painter", "gpu-l40s")
    dialog = open_from_menu(window, spending)
    assert (cell(dialog.hardware, T4_ROW, 2), cell(dialog.models, FLUX_ROW, 2)) == ("0.5", "0.2")
    item = dialog.hardware.item(T4_ROW, 2)
    assert item is not None and item.toolTip() == "Changed; shipped price: 0.000225"
    type_into(dialog.hardware, 0, 2, "oops")  # a bad value, then Reset: the shipped prices, nothing bad
    dialog.reset_button.click()
    assert (cell(dialog.hardware, T4_ROW, 2), cell(dialog.models, FLUX_ROW, 2)) == ("0.000225", "0.003")
    assert (cell(dialog.hardware, 0, 2), bold(dialog.hardware, T4_ROW, 2)) == ("0.0001", False)
    assert not dialog.hardware_problem.isVisible() and dialog.save_button.isEnabled()
    assert spending.price_overrides() != {}  # Reset shows them; Save keeps them
    dialog.save_button.click()
    assert store.setting(PRICES_KEY) is None and spending.price_overrides() == {}
    assert spending.prices.cost_of(Usage(FLUX, 1.0, outputs=1)).amount == pytest.approx(0.003)
    assert spending.hardware() == {"acme/painter": "gpu-l40s"}


def test_hardware_already_set_is_listed_and_can_be_forgotten(window: MainWindow, store: QueueStore) -> None:
    spending = Spending(store)
    spending.set_hardware("acme/upscaler", "gpu-a100-large-2x")
    dialog = open_from_menu(window, spending, current="flux-schnell")  # an official model: priced per output
    assert dialog.per_model.rows() == ["acme/upscaler"]
    assert dialog.per_model.note.text().startswith(f"{FLUX}, the model picked in the window, is billed per output")
    combo = dialog.per_model.combo("acme/upscaler")
    assert combo.currentText() == "2× Nvidia A100 (80GB) — gpu-a100-large-2x"
    combo.setCurrentIndex(0)  # "Not known"
    assert combo.currentText() == "Not known (its runs have no price)"
    dialog.save_button.click()
    assert spending.hardware() == {}
    assert spending.prices.cost_of(Usage("acme/upscaler", 10.0)).amount is None


def test_another_model_can_be_added_by_name(window: MainWindow, store: QueueStore) -> None:
    spending = Spending(store)
    dialog = open_from_menu(window, spending, current="cog:http://127.0.0.1:5000")
    assert dialog.per_model.rows() == [] and "Cog server of your own" in dialog.per_model.note.text()
    per_model = dialog.per_model
    per_model.add_edit.setText("not a model")
    per_model.add_button.click()
    assert per_model.problem.isVisible() and per_model.problem.text().startswith("“not a model” is not a model name")
    per_model.add_edit.setText("black-forest-labs/flux-dev")
    per_model.add_button.click()
    assert per_model.problem.text().startswith("black-forest-labs/flux-dev is billed per output")
    per_model.add_edit.setText("acme/new-model")
    QTest.keyClick(per_model.add_edit, Qt.Key.Key_Return)
    assert not per_model.problem.isVisible() and per_model.rows() == ["acme/new-model"]
    combo = per_model.combo("acme/new-model")
    combo.setCurrentIndex(combo.findData("gpu-l40s"))
    dialog.save_button.click()
    assert spending.hardware() == {"acme/new-model": "gpu-l40s"}


def test_the_dialog_fits_a_1280x800_screen_whole(window: MainWindow, store: QueueStore, screenshots: Path,
                                                 tmp_path: Path) -> None:
    spending = Spending(store)
    spending.set_hardware("acme/upscaler", "gpu-a40-small")
    spending.set_prices({"hardware": {"gpu-h100": {"name": "Nvidia H100", "per_second": 0.0016}}})
    dialog = open_from_menu(window, spending)
    QTest.qWait(50)  # the layout settles (a synchronous test: no qasync loop runs here)
    assert dialog.grab().save(str(screenshots / "prices.png"))
    type_into(dialog.hardware, T4_ROW, 2, "abc")  # with a problem line shown: the tallest it gets
    QTest.qWait(50)
    assert dialog.width() <= 1280 and dialog.height() <= 800 - 40  # room for a title bar
    for table in (dialog.hardware, dialog.models, dialog.per_model.table):
        assert table.horizontalHeader().length() <= table.viewport().width(), table.objectName()
        last = table.rowCount() - 1
        assert table.rowViewportPosition(last) + table.rowHeight(last) <= table.viewport().height(), \
            table.objectName()
    problem, box = dialog.hardware_problem, dialog.hardware.parentWidget()
    assert box is not None and problem.isVisible() and problem.geometry().top() >= box.geometry().bottom()
    assert dialog.grab().save(str(tmp_path / "prices-problem.png"))  # looked at; not one for the docs
