"""Prices and hardware: the user's own prices over the table shipped with the app (hardware a second, official
models per output) and the hardware each community model runs on, kept through ``Spending``; every cost the app
shows afterwards — the spend view, a batch's estimate, a run's cost — is reckoned from them."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...session import Spending
from ...session.costs import PriceTable
from ..common.widgets import named
from .model_hardware import ModelHardware
from .price_tables import HardwarePrices, ModelPrices, PriceEditor

PROBLEM_STYLE = "color: palette(highlighted-text); background: #b00020; padding: 2px;"


class PricesDialog(QDialog):
    """Not modal. Save keeps the prices that differ from the shipped ones (``Spending.set_prices``) and the
    hardware chosen per model (``Spending.set_hardware``), then emits ``saved``; nothing is kept before."""

    saved = Signal()

    def __init__(self, spending: Spending, *, current: str | None = None, models: Sequence[str] = (),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Prices and hardware"))
        self.spending = spending
        self.shipped: PriceTable = spending.prices.shipped
        # The texts break their lines themselves: a wrapped label's height is misjudged by the layouts.
        self.intro = named(QLabel(self.tr(
            "Replicate does not report what a run costs: every cost the app shows is an estimate from these prices.\n"
            "The prices shipped with the app were taken on %1 from replicate.com/pricing and the official\n"
            "models' pages. Change any that no longer hold: changed prices are in bold.").replace(
                "%1", self.shipped.taken)), "pricesIntro")
        self.hardware = named(HardwarePrices(), "hardwarePrices")
        self.models = named(ModelPrices(), "modelPrices")
        self.hardware_problem = self._problem_label("hardwarePricesProblem")
        self.models_problem = self._problem_label("modelPricesProblem")
        self.per_model = named(ModelHardware(), "modelHardware")
        self.applies = named(QLabel(self.tr(
            "Prices apply to runs from now on, to estimates, and to earlier runs that had no price.\n"
            "Runs priced before keep their cost.")), "pricesApply")
        self.status = self._problem_label("pricesProblem")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("pricesSave")
        self.reset_button = named(QPushButton(self.tr("Reset to shipped prices")), "pricesReset")
        self.reset_button.setToolTip(self.tr("Show the prices of %1 again; Save keeps them").replace(
            "%1", self.shipped.taken))
        self.buttons.addButton(self.reset_button, QDialogButtonBox.ButtonRole.ResetRole)
        self.reset_button.clicked.connect(self.reset)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.hardware.changed.connect(self._update_problems)
        self.models.changed.connect(self._update_problems)
        self._lay_out()
        table = spending.prices.table
        self.hardware.load(table, self.shipped)
        self.models.load(table, self.shipped)
        self.per_model.load(table, spending.hardware(), current=current, others=models)
        self._update_problems()

    def _lay_out(self) -> None:
        hardware_box = QGroupBox(self.tr("Hardware: billed per second of compute (community models)"))
        box_layout = QVBoxLayout(hardware_box)
        box_layout.addWidget(self.hardware)
        box_layout.addStretch(1)
        per_model_box = QGroupBox(self.tr("Which hardware each community model runs on"))
        per_model_layout = QVBoxLayout(per_model_box)
        explain = QLabel(self.tr("Replicate's API does not say; the model's page on replicate.com does.\n"
                                 "Runs of a model whose hardware is not known have no price."))
        per_model_layout.addWidget(explain)
        per_model_layout.addWidget(self.per_model)
        per_model_layout.addStretch(1)
        models_box = QGroupBox(self.tr("Official models: billed per output"))
        models_layout = QVBoxLayout(models_box)
        models_layout.addWidget(self.models)
        hardware_row = QHBoxLayout()
        hardware_row.addWidget(hardware_box, 1)
        hardware_row.addWidget(per_model_box, 1)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)  # grows when a problem line shows
        layout.addWidget(self.intro)
        layout.addLayout(hardware_row)
        layout.addWidget(self.hardware_problem)
        layout.addWidget(models_box)
        layout.addWidget(self.models_problem)
        layout.addWidget(self.applies)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

    def reset(self) -> None:
        """Shows the shipped prices again (kept when the user presses Save)."""
        self.hardware.load(self.shipped, self.shipped)
        self.models.load(self.shipped, self.shipped)
        self._update_problems()

    def save(self) -> bool:
        """Keeps the prices and the hardware per model, and closes; a problem is said in the dialog instead."""
        if self.hardware.problems or self.models.problems:
            self._update_problems()
            return False
        overrides = {key: value for key, value in (("hardware", self.hardware.overrides()),
                                                   ("models", self.models.overrides())) if value}
        try:
            self.spending.set_prices(overrides or None)
            for model, sku in self.per_model.changes().items():
                self.spending.set_hardware(model, sku)
        except ValueError as error:  # the session's own checks: said here, nothing else changes
            self.status.setText(str(error))
            self.status.show()
            return False
        self.saved.emit()
        self.accept()
        return True

    def _update_problems(self) -> None:
        for editor, label in ((self.hardware, self.hardware_problem), (self.models, self.models_problem)):
            self._show_problem(editor, label)
        self.save_button.setEnabled(not self.hardware.problems and not self.models.problems)

    @staticmethod
    def _show_problem(editor: PriceEditor, label: QLabel) -> None:
        text = editor.first_problem()
        label.setText(text or "")
        label.setVisible(text is not None)

    def _problem_label(self, name: str) -> QLabel:
        label = named(QLabel(), name)  # one line, the dialog's width (a wrapped label's height is misjudged)
        label.setStyleSheet(PROBLEM_STYLE)
        label.hide()
        return label


def open_prices(spending: Spending, anchor: QWidget, *, current: str | None = None,
                models: Sequence[str] = ()) -> PricesDialog:
    """Shows the prices dialog of ``anchor``'s main window (not modal): the one already open, raised and given
    rows for ``current`` and ``models``, or a new one."""
    root = anchor
    while (parent := root.parentWidget()) is not None:
        root = parent
    for dialog in root.findChildren(PricesDialog):
        if dialog.isVisible():
            dialog.per_model.add_models([current, *models])
            dialog.raise_()
            dialog.activateWindow()
            return dialog
    dialog = PricesDialog(spending, current=current, models=models, parent=root)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.resize(dialog.sizeHint())
    dialog.show()
    return dialog
