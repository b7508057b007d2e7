"""Where prices meet the window: Queue → "Prices and hardware…" (queue_entry.py) opens the prices dialog for the
model picked in the window; once saved, the open spend views and the add dialog's estimate are reckoned again."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject

from ...session import Spending
from ..queue.add_dialog import AddToQueueDialog
from ..queue.prices_dialog import PricesDialog, open_prices
from ..queue.spend_view import SpendView
from .main_window import MainWindow


class CostsWiring(QObject):
    """Owns the prices dialog of one main window (one at a time: a second open raises it)."""

    def __init__(self, window: MainWindow, spending: Spending | None,
                 current_model: Callable[[], str | None]) -> None:
        super().__init__(window)
        self.window = window
        self.spending = spending
        self.current_model = current_model
        self.dialog: PricesDialog | None = None

    def open_dialog(self) -> PricesDialog | None:
        """Shows the dialog (not modal) for the window's current model; ``None`` when no ledger is kept."""
        if self.spending is None:
            return None
        dialog = open_prices(self.spending, self.window, current=self.current_model())
        if dialog is not self.dialog:  # new, or opened from the spend view: told about its Save once
            self.dialog = dialog
            dialog.saved.connect(self.prices_saved)
        return dialog

    def prices_saved(self) -> None:
        """What shows a cost is reckoned again with the new prices."""
        for view in self.window.findChildren(SpendView):
            view.refresh()
        for add_dialog in self.window.findChildren(AddToQueueDialog):
            add_dialog.update_estimate()
        self.window.statusBar().showMessage(self.tr("Prices and hardware saved: costs are estimated with them."),
                                            8000)
