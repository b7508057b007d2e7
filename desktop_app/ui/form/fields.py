"""Editors for one model input each, by field kind: numbers with sliders, choices, switches, text, lists.

The base class lives here too; files (``files.py``) and seeds (``seed.py``) have editors of their own."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QSlider,
    QSpinBox,
    QWidget,
)

from ...replicate import FieldSpec
from ..common.widgets import named

INT_MIN, INT_MAX = -(2**31), 2**31 - 1  # QSpinBox holds a C int
SEED_MAX = INT_MAX
_SLIDER_STEPS = 1000


class FieldEditor(QFrame):
    """One input's editor, framed so that an error can colour its border (``invalid`` property).

    ``value()`` gives ``None`` for an empty field. Programmatic changes (``set_value``, ``reset``)
    stay quiet; only the user's edits emit ``edited``.

    Signals:
        edited(): the user changed the value.
    """

    edited = Signal()

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self._quiet = False
        self.setObjectName(f"field_{spec.name}")
        self.setProperty("fieldFrame", True)
        self.setProperty("invalid", False)
        row = QHBoxLayout(self)
        row.setContentsMargins(2, 2, 2, 2)
        row.setSpacing(6)
        self._row = row
        self._focus: QWidget = self
        self._setup_ui()
        if spec.description:
            for child in self.findChildren(QWidget):
                if not child.toolTip():
                    child.setToolTip(spec.description)
        self.reset()

    def value(self) -> Any:
        """The typed value, or ``None`` when the field is empty."""
        raise NotImplementedError

    def set_value(self, value: Any) -> bool:
        """Shows ``value`` (``None`` empties the field); ``False`` when it cannot be shown here."""
        with self._quietly():
            return self._show(value)

    def reset(self) -> None:
        """Back to the schema's default (or empty)."""
        self.set_value(self.spec.default if self.spec.has_default else None)

    def prepare_run(self) -> bool:
        """Called before each run; ``True`` when it changed the value (a new random seed)."""
        return False

    def focus_widget(self) -> QWidget:
        """The widget that takes the keyboard focus (and the label's buddy)."""
        return self._focus

    def set_invalid(self, invalid: bool) -> None:
        if bool(self.property("invalid")) == invalid:
            return
        self.setProperty("invalid", invalid)
        self.style().unpolish(self)
        self.style().polish(self)
        self.update()

    # ---- for subclasses

    def _setup_ui(self) -> None:
        raise NotImplementedError

    def _show(self, value: Any) -> bool:
        raise NotImplementedError

    def _on_changed(self, *_args: Any) -> None:
        if not self._quiet:
            self.edited.emit()

    @contextlib.contextmanager
    def _quietly(self) -> Iterator[None]:
        was, self._quiet = self._quiet, True
        try:
            yield
        finally:
            self._quiet = was


class NumberEditor(FieldEditor):
    """Integer or number: a spin box honouring the bounds, plus a slider kept in sync when both are known.

    A field without a default may stay empty: the spin box then shows "Not set" at one step below
    its range."""

    def _setup_ui(self) -> None:
        spec = self.spec
        self._integer = spec.kind == "integer"
        self._decimals = 0 if self._integer else _decimals(spec)
        unit = 1.0 if self._integer else 10.0 ** -self._decimals
        low = _inside(spec.minimum, unit, spec.exclusive_minimum, up=True)
        high = _inside(spec.maximum, unit, spec.exclusive_maximum, up=False)
        self._low, self._high = low, high
        self._optional = not (spec.has_default and spec.default is not None)
        floor = low if low is not None else (INT_MIN + 1 if self._integer else -1e12)
        ceiling = high if high is not None else (INT_MAX if self._integer else 1e12)
        self._empty = floor - unit if self._optional else None
        spin: QSpinBox | QDoubleSpinBox
        if self._integer:
            spin = named(QSpinBox(self), f"field_{spec.name}_spin")
            spin.setRange(int(self._empty if self._empty is not None else floor), int(ceiling))
        else:
            spin = named(QDoubleSpinBox(self), f"field_{spec.name}_spin")
            spin.setDecimals(self._decimals)
            spin.setRange(self._empty if self._empty is not None else floor, ceiling)
            spin.setSingleStep(_step(low, high, unit))
        spin.setAccelerated(True)
        spin.setKeyboardTracking(False)
        spin.setStepType(QAbstractSpinBox.StepType.DefaultStepType)
        if self._optional:
            spin.setSpecialValueText(self.tr("Not set"))
        spin.setMinimumWidth(96)
        self._spin = self._focus = spin
        self._row.addWidget(spin)
        self._slider: QSlider | None = None
        if low is not None and high is not None and high > low:
            slider = named(QSlider(Qt.Orientation.Horizontal, self), f"field_{spec.name}_slider")
            ticks = int(high - low) if self._integer and high - low <= 1_000_000 else _SLIDER_STEPS
            slider.setRange(0, ticks)
            slider.valueChanged.connect(self._on_slider_value_changed)
            self._slider = slider
            self._row.addWidget(slider, 1)
        else:
            self._row.addStretch(1)
        spin.valueChanged.connect(self._on_spin_value_changed)

    def value(self) -> int | float | None:
        current = self._spin.value()
        if self._empty is not None and current <= self._empty:
            return None
        return int(current) if self._integer else float(current)

    def spin_box(self) -> QSpinBox | QDoubleSpinBox:
        return self._spin

    def slider(self) -> QSlider | None:
        return self._slider

    def _show(self, value: Any) -> bool:
        if value is None and self._empty is None:
            value = self.spec.default  # a field with a default is never empty
        if value is None:
            self._spin.setValue(self._empty)  # type: ignore[arg-type]
            self._sync_slider()
            return True
        if isinstance(value, bool):
            return False
        try:
            number = float(value)
        except (TypeError, ValueError):
            return False
        if self._integer and not number.is_integer():
            return False
        self._spin.setValue(int(number) if self._integer else number)  # type: ignore[arg-type]
        self._sync_slider()
        return True

    def _on_spin_value_changed(self, _value: float) -> None:
        self._sync_slider()
        self._on_changed()

    def _on_slider_value_changed(self, position: int) -> None:
        if self._slider is None or self._low is None or self._high is None or self._slider.signalsBlocked():
            return
        span = self._high - self._low
        number = self._low + span * position / max(1, self._slider.maximum())
        self._spin.setValue(round(number) if self._integer else round(number, self._decimals))  # type: ignore[arg-type]

    def _sync_slider(self) -> None:
        if self._slider is None or self._low is None or self._high is None:
            return
        current = self.value()
        fraction = 0.0 if current is None else (current - self._low) / (self._high - self._low)
        self._slider.blockSignals(True)
        self._slider.setValue(round(fraction * self._slider.maximum()))
        self._slider.blockSignals(False)


class EnumEditor(FieldEditor):
    """A fixed set of choices: a combo box. Without a default, the first entry means "not set"."""

    def _setup_ui(self) -> None:
        combo = named(QComboBox(self), f"field_{self.spec.name}_combo")
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        if not self.spec.has_default or self.spec.default is None:
            combo.addItem(self.tr("Not set"), None)
        for choice in self.spec.choices:
            combo.addItem(str(choice), choice)
        combo.currentIndexChanged.connect(self._on_changed)
        self._combo = self._focus = combo
        self._row.addWidget(combo)
        self._row.addStretch(1)

    def value(self) -> Any:
        return self._combo.currentData()

    def _show(self, value: Any) -> bool:
        items = [self._combo.itemData(index) for index in range(self._combo.count())]
        exact = [i for i, data in enumerate(items) if data == value and type(data) is type(value)]
        loose = [i for i, data in enumerate(items) if value is not None and data is not None
                 and (data == value or str(data) == str(value))]
        found = exact or loose
        if found:
            self._combo.setCurrentIndex(found[0])
        return bool(found)


class BoolEditor(FieldEditor):
    """A check box; its value is always a bool."""

    def _setup_ui(self) -> None:
        self._check = self._focus = named(QCheckBox(self), f"field_{self.spec.name}_check")
        self._check.toggled.connect(self._on_changed)
        self._row.addWidget(self._check)
        self._row.addStretch(1)

    def value(self) -> bool:
        return self._check.isChecked()

    def _show(self, value: Any) -> bool:
        if value is None:
            self._check.setChecked(False)
            return True
        if isinstance(value, str):
            value = value.strip().lower() in ("true", "1", "yes", "on")
        self._check.setChecked(bool(value))
        return True


class TextEditor(FieldEditor):
    """A line of text (hidden for secrets), or a few lines for long text."""

    def _setup_ui(self) -> None:
        self._line: QLineEdit | None = None
        self._box: QPlainTextEdit | None = None
        if self.spec.kind == "text":
            box = named(QPlainTextEdit(self), f"field_{self.spec.name}_text")
            box.setTabChangesFocus(True)
            lines = QFontMetrics(box.font()).lineSpacing()
            box.setFixedHeight(lines * 3 + 14)
            box.textChanged.connect(self._on_changed)
            self._box = self._focus = box
            self._row.addWidget(box, 1)
        else:
            line = named(QLineEdit(self), f"field_{self.spec.name}_edit")
            if self.spec.secret:
                line.setEchoMode(QLineEdit.EchoMode.Password)
            line.textChanged.connect(self._on_changed)
            self._line = self._focus = line
            self._row.addWidget(line, 1)

    def value(self) -> str | None:
        text = self._box.toPlainText() if self._box is not None else self._line.text() if self._line else ""
        return text if text.strip() else None

    def _show(self, value: Any) -> bool:
        text = "" if value is None else str(value)
        if self._box is not None:
            self._box.setPlainText(text)
        elif self._line is not None:
            self._line.setText(text)
        return value is None or isinstance(value, str)


class ArrayEditor(FieldEditor):
    """A list as comma-separated values; items become numbers for number lists."""

    def _setup_ui(self) -> None:
        line = named(QLineEdit(self), f"field_{self.spec.name}_edit")
        line.setPlaceholderText(self.tr("Comma-separated values"))
        line.textChanged.connect(self._on_changed)
        self._line = self._focus = line
        self._row.addWidget(line, 1)

    def value(self) -> list[Any] | None:
        items = [part.strip() for part in self._line.text().split(",") if part.strip()]
        return [_item(self.spec.item_kind, item) for item in items] or None

    def _show(self, value: Any) -> bool:
        if value is None:
            self._line.clear()
            return True
        items = value if isinstance(value, list | tuple) else [value]
        self._line.setText(", ".join(str(item) for item in items))
        return True


# ---- helpers ---------------------------------------------------------------------------------


def _decimals(spec: FieldSpec) -> int:
    found = 2
    for number in (spec.default, spec.minimum, spec.maximum):
        if isinstance(number, float) and not isinstance(number, bool):
            text = f"{number:.10f}".rstrip("0")
            found = max(found, len(text.partition(".")[2]))
    return min(found, 6)


def _inside(bound: float | None, unit: float, exclusive: bool, *, up: bool) -> float | None:
    if bound is None:
        return None
    clamped = max(float(INT_MIN + 1), min(float(INT_MAX), float(bound)))
    if exclusive:
        clamped += unit if up else -unit
    return clamped


def _step(low: float | None, high: float | None, unit: float) -> float:
    if low is None or high is None:
        return max(unit, 0.1)
    span = high - low
    step = 0.01 if span <= 2 else 0.05 if span <= 10 else 0.1 if span <= 100 else 1.0
    return max(step, unit)


def _item(kind: str | None, text: str) -> Any:
    if kind in ("integer", "number"):
        try:
            number = float(text)
        except ValueError:
            return text  # validation explains
        return int(number) if kind == "integer" and number.is_integer() else number
    return text
