"""Where the money went: the spend ledger (one entry per paid prediction, batch jobs and chat runs alike), the
spend view by day, model and batch, and the soft budget the user sets (a warning, never a stop)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from ..storage.queue_store import QueueStore, SpendEntry
from .costs import Cost, Prices, PriceTable, Usage, format_dollars, model_name, usage_of
from .events import RunFinished
from .run import Run

Period = Literal["day", "month"]
Group = Literal["day", "model", "batch"]
BUDGET_KEY = "budget"
PRICES_KEY = "price_overrides"


@dataclass(frozen=True)
class Budget:
    """A soft limit on what the runs of one ``period`` (the current day or month, UTC) may cost."""

    amount: float
    period: Period = "month"


@dataclass(frozen=True)
class BudgetStatus:
    """The budget against what its period has cost so far and what a planned batch would add."""

    budget: Budget
    spent: float
    planned: float | None = None

    @property
    def over(self) -> bool:
        return self.spent + (self.planned or 0.0) > self.budget.amount

    def describe(self) -> str:
        period = "today" if self.budget.period == "day" else "this month"
        text = f"{format_dollars(self.spent)} spent {period} of a {format_dollars(self.budget.amount)} budget"
        if self.planned:
            text += f"; this batch adds ~{format_dollars(self.planned)} (estimate)"
        return text + "."


@dataclass(frozen=True)
class SpendRow:
    """One line of the spend view: ``key`` is the day (YYYY-MM-DD), the model or the batch id."""

    key: str
    runs: int
    seconds: float
    cost: float
    unpriced: int  # runs without a known price (not in ``cost``)


def prices_for(store: QueueStore, table: Any = None) -> Prices:
    """Prices read through the queue store: the user's overrides, the hardware per model, recent times."""
    return Prices(table, overrides=lambda: store.setting(PRICES_KEY), hardware=store.model_hardware,
                  recent_times=store.recent_predict_times)


class Spending:
    """The ledger and the budget, in the queue store. ``record_run`` is the hook for a chat's runs:
    ``RunService(on_finished=spending.record_run)``."""

    def __init__(self, store: QueueStore, prices: Prices | None = None, *,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.store = store
        self.prices = prices or prices_for(store)
        self.now = now

    def record(self, prediction_id: str, usage: Usage, *, batch_id: int | None = None) -> Cost:
        """Prices one paid run and adds it to the ledger (once per prediction); returns its cost."""
        cost = self.prices.cost_of(usage)
        self.store.add_spend(SpendEntry(prediction_id, model_name(usage.model), cost.basis, usage.predict_time,
                                        usage.outputs, cost.amount, batch_id, self.now()))
        return cost

    def record_run(self, run: Run, finished: RunFinished) -> Cost | None:
        """Adds a finished run of the chat (or a comparison) to the ledger; ``None`` when it has no prediction
        (a local Cog server's runs cost nothing on Replicate)."""
        if run.prediction_id is None or run.model.startswith("cog:"):
            return None
        model_input: Mapping[str, Any] = {}
        if run.request is not None:
            model_input = {"prompt": run.request.prompt or "", **run.request.parameters}
        usage = usage_of(run.model, finished.predict_time, finished.metrics, len(run.outputs), finished.text,
                         model_input)
        return self.record(run.prediction_id, usage)

    def by(self, group: Group, *, since: datetime | None = None, until: datetime | None = None) -> list[SpendRow]:
        """The spend view: totals per day, model or batch, in time order (batches and models by first spend).

        A run priced when it was recorded keeps that cost; a run that had no price then (the hardware its model
        runs on was not known) is priced with today's prices once it can be."""
        cost = self._late_pricing()
        rows: dict[str, list[SpendEntry]] = {}
        for entry in self.store.spend(since=since, until=until):
            if group == "day":
                key = entry.at.astimezone(UTC).date().isoformat()
            elif group == "model":
                key = entry.model
            else:
                key = str(entry.batch_id) if entry.batch_id is not None else "chat"
            rows.setdefault(key, []).append(entry)
        result = []
        for key, entries in rows.items():
            costs = [cost(entry) for entry in entries]
            result.append(SpendRow(key, len(entries), sum(e.predict_time or 0.0 for e in entries),
                                   sum(c or 0.0 for c in costs), sum(c is None for c in costs)))
        return result

    def hardware(self) -> dict[str, str]:
        """The hardware the user said each model runs on (``owner/name`` → SKU)."""
        return self.store.model_hardware()

    def price_overrides(self) -> dict[str, Any]:
        """The user's own prices as kept (the price table's JSON shape); empty when the shipped ones are used."""
        raw = self.store.setting(PRICES_KEY)
        return dict(raw) if isinstance(raw, dict) else {}

    def set_hardware(self, model: str, sku: str | None) -> None:
        """Remembers which hardware a community model runs on (``None`` forgets it); the SKU must have a price."""
        if sku is not None and self.prices.table.hardware_price(sku) is None:
            known = ", ".join(sorted(self.prices.table.hardware))
            raise ValueError(f"There is no price for the hardware {sku!r}; choose one of {known}.")
        self.store.set_model_hardware(model_name(model), sku)

    def set_prices(self, overrides: Mapping[str, Any] | None) -> None:
        """Keeps the user's own prices (the price table's JSON shape: ``hardware`` and ``models``), checked first."""
        if overrides:
            try:
                PriceTable.from_json(overrides)
            except (KeyError, TypeError, ValueError) as error:
                raise ValueError(f"Those prices cannot be used: {error}.") from None
        self.store.set_setting(PRICES_KEY, dict(overrides) if overrides else None)

    @property
    def budget(self) -> Budget | None:
        raw = self.store.setting(BUDGET_KEY)
        if not isinstance(raw, dict) or not isinstance(raw.get("amount"), int | float):
            return None
        period: Period = "day" if raw.get("period") == "day" else "month"
        return Budget(float(raw["amount"]), period)

    def set_budget(self, budget: Budget | None) -> None:
        """Sets (or with ``None`` removes) the soft budget; it must be a positive amount."""
        if budget is not None and not budget.amount > 0:
            raise ValueError("A budget is a positive amount of dollars.")
        self.store.set_setting(BUDGET_KEY, None if budget is None else
                               {"amount": budget.amount, "period": budget.period})

    def status(self, planned: float | None = None) -> BudgetStatus | None:
        """The budget against its period's spend so far (and ``planned``); ``None`` without a budget."""
        budget = self.budget
        if budget is None:
            return None
        now = self.now().astimezone(UTC)
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        if budget.period == "month":
            start = start.replace(day=1)
        cost = self._late_pricing()
        spent = sum(cost(entry) or 0.0 for entry in self.store.spend(since=start, until=now + timedelta(seconds=1)))
        return BudgetStatus(budget, spent, planned)

    def costs_of(self, prediction_ids: Sequence[str]) -> dict[str, Cost]:
        """What these predictions cost, as the ledger keeps them (priced late where no price was known then);
        those it does not have, or cannot price, are left out."""
        cost = self._late_pricing()
        found = {}
        for entry in self.store.spend(predictions=prediction_ids) if prediction_ids else []:
            amount = cost(entry)
            if amount is not None:
                found[entry.prediction_id] = Cost(amount, entry.basis)
        return found

    def _late_pricing(self) -> Callable[[SpendEntry], float | None]:
        """An entry's cost: as recorded, else (no price was known then) from today's prices and hardware, read
        once for the whole ledger."""
        today = self.prices.snapshot()

        def cost(entry: SpendEntry) -> float | None:
            if entry.cost is not None:
                return entry.cost
            return today.cost_of(Usage(entry.model, entry.predict_time, entry.outputs)).amount

        return cost
