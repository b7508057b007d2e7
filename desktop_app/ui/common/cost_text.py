"""A run's cost as the window words it: dollars, and "(estimate)" where the app reckoned it from its prices."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLocale

from ...session import Cost
from ...session.costs import format_dollars

SMALLEST = 0.0001  # below this a cost shows as "<$0.0001", not as "$0.0000"


def cost_text(cost: Cost | None) -> str | None:
    """E.g. "~$0.0030 (estimate)"; ``None`` when no price is known (the cost is then not shown)."""
    if cost is None or cost.amount is None:
        return None
    tiny = 0 < cost.amount < SMALLEST
    amount = f"<{_local(format_dollars(SMALLEST))}" if tiny else _local(format_dollars(cost.amount))
    if not cost.estimate:
        return amount
    return QCoreApplication.translate("CostText", "~%1 (estimate)").replace("%1", amount)


def _local(dollars: str) -> str:
    """``format_dollars``'s rounding, with the decimal mark of the window's language ("$0,0030" in Russian)."""
    mark = QLocale().decimalPoint()
    return dollars if mark == "." else dollars.replace(",", "\u2009").replace(".", mark)
