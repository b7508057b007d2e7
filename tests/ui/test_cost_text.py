"""A run's cost as the window words it: rounded as the ledger rounds, tiny ones not shown as zero, an estimate
labelled, no price no text, and the decimal mark of the window's language."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QLocale

from desktop_app.session import Cost
from desktop_app.ui.common.cost_text import cost_text


@pytest.fixture
def locale() -> Iterator[None]:
    before = QLocale()
    yield
    QLocale.setDefault(before)


def test_costs_are_worded_as_estimates_rounded_and_never_a_false_zero(locale: None) -> None:
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    assert cost_text(Cost(0.003, "per image")) == "~$0.0030 (estimate)"
    assert cost_text(Cost(1234.5, "A100 × 1 h", estimate=False)) == "$1,234.50"
    assert cost_text(Cost(0.00001, "tokens")) == "~<$0.0001 (estimate)"
    assert cost_text(Cost(0.0, "free")) == "~$0.00 (estimate)"
    assert cost_text(Cost(None, "no price")) is None and cost_text(None) is None


def test_the_decimal_mark_follows_the_windows_language(locale: None) -> None:
    QLocale.setDefault(QLocale(QLocale.Language.Russian, QLocale.Country.Russia))
    assert cost_text(Cost(0.003, "per image")) == "~$0,0030 (estimate)"
    assert cost_text(Cost(1234.5, "A100 × 1 h", estimate=False)) == "$1\u2009234,50"
