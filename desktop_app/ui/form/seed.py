"""The seed editor: a spin box, a Randomise button, and a lock that keeps the seed for the next runs."""

from __future__ import annotations

import random
from typing import Any

from PySide6.QtWidgets import QCheckBox, QPushButton, QSpinBox

from ..common.widgets import named
from .fields import SEED_MAX, FieldEditor


class SeedEditor(FieldEditor):
    """A seed: a spin box ("Random" when empty), a Randomise button and a Lock check box.

    Unlocked, every run gets a new random seed (shown here). Typing a seed locks it.
    """

    def _setup_ui(self) -> None:
        spec = self.spec
        low = max(0, int(spec.minimum)) if spec.minimum is not None else 0
        high = min(SEED_MAX, int(spec.maximum)) if spec.maximum is not None else SEED_MAX
        self._low, self._high = low, max(low, high)
        spin = named(QSpinBox(self), f"field_{spec.name}_spin")
        spin.setRange(low - 1, self._high)
        spin.setSpecialValueText(self.tr("Random"))
        spin.setKeyboardTracking(False)
        spin.setMinimumWidth(120)
        spin.valueChanged.connect(self._on_spin_value_changed)
        self._spin = self._focus = spin
        button = named(QPushButton(self.tr("Randomise"), self), f"field_{spec.name}_randomise")
        button.setToolTip(self.tr("Pick a new random seed now"))
        button.clicked.connect(self._on_randomise_clicked)
        lock = named(QCheckBox(self.tr("Lock"), self), f"field_{spec.name}_lock")
        lock.setToolTip(self.tr("Keep this seed for the next runs; unlocked, each run gets a new random seed"))
        lock.toggled.connect(self._on_changed)
        self._lock = lock
        self._random = random.SystemRandom()
        self._row.addWidget(spin)
        self._row.addWidget(button)
        self._row.addWidget(lock)
        self._row.addStretch(1)

    def value(self) -> int | None:
        current = self._spin.value()
        return None if current < self._low else current

    def is_locked(self) -> bool:
        return self._lock.isChecked()

    def randomise(self) -> int:
        """Shows a new random seed (the lock stays as it is) and returns it."""
        seed = self._random.randint(self._low, self._high)
        with self._quietly():
            self._spin.setValue(seed)
        return seed

    def prepare_run(self) -> bool:
        if self._lock.isChecked():
            return False
        self.randomise()
        return True

    def _show(self, value: Any) -> bool:
        if value is None or isinstance(value, bool) or not isinstance(value, int | float | str):
            self._spin.setValue(self._low - 1)
            self._lock.setChecked(False)
            return value is None
        try:
            seed = int(value)
        except ValueError:
            return False
        if not self._low <= seed <= self._high:  # e.g. -1 for "random": the model's own default applies
            self._spin.setValue(self._low - 1)
            self._lock.setChecked(False)
            return True
        self._spin.setValue(seed)
        self._lock.setChecked(True)
        return True

    def _on_spin_value_changed(self, value: int) -> None:
        if not self._quiet and value >= self._low:
            with self._quietly():
                self._lock.setChecked(True)  # a seed typed by hand is meant to be kept
        self._on_changed()

    def _on_randomise_clicked(self) -> None:
        self.randomise()
        self.edited.emit()
