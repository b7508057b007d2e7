"""Prices and hardware in the running window: from the spend view (runs without a price get one once their model's
hardware is said), and from the Queue menu while "Add to queue" is open (its estimate and the job's cost follow)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QTableWidget

from desktop_app.session.costs import Usage
from desktop_app.ui.common.translations import install_translations, remove_translations
from desktop_app.ui.queue.prices_dialog import PricesDialog
from desktop_app.ui.queue.spend_view import SpendView
from desktop_app.ui.shell.costs_wiring import CostsWiring
from desktop_app.ui.shell.queue_entry import QueueEntry
from desktop_app.ui.shell.queue_wiring import QueueWiring
from tests.fake_replicate import FakeReplicate, Script
from tests.ui.harness import Harness, make_harness, until

FLUX = "black-forest-labs/flux-schnell"


@dataclass
class Rig:
    harness: Harness
    entry: QueueEntry
    queue: QueueWiring
    costs: CostsWiring

    def states(self) -> list[str]:
        return [job.state for job in self.queue.panel.model.jobs()]


@pytest_asyncio.fixture
async def rig(fake_replicate: FakeReplicate, tmp_path: Path) -> AsyncIterator[Rig]:
    harness = await make_harness(fake_replicate, tmp_path, history=True)
    entry = QueueEntry(harness.window, harness.services, harness.paths, harness.controller)
    queue = entry.wiring  # made and dispatching, as Queue → Show the queue makes it
    yield Rig(harness, entry, queue, entry.costs)
    await entry.aclose()
    await harness.close()


@pytest.fixture
def english() -> Iterator[None]:
    """The English catalogue installed: it holds the plural forms ("1 run has", "2 runs have")."""
    app = QCoreApplication.instance()
    assert app is not None
    install_translations(app, "en")
    yield
    remove_translations(app)


def rows(table: QTableWidget) -> list[list[str]]:
    return [[item.text() if (item := table.item(r, c)) is not None else "" for c in range(table.columnCount())]
            for r in range(table.rowCount())]


def set_price(table: QTableWidget, row: int, column: int, text: str) -> None:
    """What committing an edit does to the cell (typing through the editor is tested in test_prices_dialog)."""
    item = table.item(row, column)
    assert item is not None
    item.setText(text)


async def test_runs_without_a_price_get_one_when_the_spend_view_is_told_their_hardware(rig: Rig, english: None) -> None:
    spending = rig.queue.queue.spending
    assert spending is not None
    spending.record("p1", Usage("acme/painter", 200.0))  # a community model whose hardware is not known
    spending.record("p2", Usage(FLUX, 1.0, outputs=1))
    view = rig.queue.panel.open_spending()
    assert view is not None
    view.group.setCurrentIndex(view.group.findData("model"))
    assert [[row[0], row[3]] for row in rows(view.table)] == [["acme/painter", "$0.00 (+1 unpriced)"],
                                                              [FLUX, "$0.0030"]]
    assert view.note.text() == ("Costs are estimates from the app's prices; Replicate does not report them. 1 run "
                                "has no price: say which hardware its model runs on in Prices and hardware.")
    spending.record("p3", Usage("acme/painter", 100.0))
    view.refresh()
    assert "2 runs have no price: say which hardware their model runs on" in view.note.text()
    dialog = view.open_prices()
    assert isinstance(dialog, PricesDialog) and dialog.isVisible()
    assert dialog.per_model.rows() == ["acme/painter"]  # offered: the model whose run has no price
    rig.harness.choose("acme/upscaler")
    assert rig.costs.open_dialog() is dialog  # the Queue menu raises the same dialog, with the window's model
    assert dialog.per_model.rows() == ["acme/painter", "acme/upscaler"]
    combo = dialog.per_model.combo("acme/painter")
    combo.setCurrentIndex(combo.findData("gpu-a40-small"))
    dialog.save_button.click()
    await asyncio.sleep(0)
    assert [[row[0], row[3]] for row in rows(view.table)] == [["acme/painter", "$0.17"],  # A40 $0.000575 × 300 s
                                                              [FLUX, "$0.0030"]]
    assert view.total.text() == "3 runs, $0.18 in all"
    assert view.note.text() == "Costs are estimates from the app's prices; Replicate does not report them."


async def test_a_price_saved_from_the_menu_is_used_by_the_open_add_dialog_and_the_job(rig: Rig) -> None:
    rig.harness.fake.set_script(FLUX, Script(kind="image", official=True))
    rig.harness.choose(FLUX)
    add = rig.queue.open_dialog()
    assert add is not None
    add.prompts.setPlainText("a kite\na boat")
    assert add.estimate_label.text() == "~2 runs, ~$0.0060 (estimate)"  # 2 × $0.003
    rig.entry.prices_action.trigger()  # Queue → Prices and hardware…
    dialog = rig.costs.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.per_model.rows() == []  # flux-schnell is billed per output: no hardware to choose
    flux_row = dialog.models.models.index(FLUX)
    set_price(dialog.models, flux_row, dialog.models.PRICE, "0.05")
    dialog.save_button.click()
    assert add.estimate_label.text() == "~2 runs, ~$0.10 (estimate)"  # the open dialog reckoned again
    add.add_button.click()
    await until(lambda: rig.states() == ["succeeded"] * 2, message="the two jobs done")
    spending = rig.queue.queue.spending
    assert spending is not None
    ((model, runs, cost),) = [(row.key, row.runs, round(row.cost, 4)) for row in spending.by("model")]
    assert (model, runs, cost) == (FLUX, 2, 0.1)
    view = rig.queue.panel.open_spending()
    assert isinstance(view, SpendView) and view.total.text() == "2 runs, $0.10 in all"
