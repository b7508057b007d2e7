"""Costs: the shipped, dated price table with the user's overrides, hardware × compute time for community models,
price per output for official ones, batch estimates labelled as such, the spend view and the soft budget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop_app.session.costs import Prices, PriceTable, Usage, format_dollars, usage_of
from desktop_app.session.jobs import BatchSpec, JobSpec, expand
from desktop_app.session.spend import PRICES_KEY, Budget, Spending, prices_for
from desktop_app.storage.queue_store import QueueStore


def test_shipped_table_is_dated_and_has_the_published_hardware_prices() -> None:
    table = PriceTable.shipped()
    assert table.taken  # the date it was taken is part of the table
    per_second = {sku: price.per_second for sku, price in table.hardware.items()}
    assert per_second["cpu"] == 0.000100
    assert per_second["gpu-t4"] == 0.000225
    assert per_second["gpu-a40-small"] == 0.000575
    assert per_second["gpu-l40s"] == 0.000975
    assert per_second["gpu-a100-large"] == 0.001400
    assert per_second["gpu-h100"] == 0.001525
    four = table.hardware_price("gpu-a100-large-4x")
    assert four is not None and four.per_second == pytest.approx(0.0056)
    assert table.hardware_price("gpu-unknown") is None


def test_community_model_costs_its_hardware_times_its_compute_time() -> None:
    prices = Prices(hardware=lambda: {"acme/painter": "gpu-t4"})
    cost = prices.cost_of(Usage("acme/painter:" + "a" * 64, predict_time=10.0))
    assert cost.amount == pytest.approx(0.00225)
    assert cost.estimate
    assert "T4" in cost.basis
    unknown = prices.cost_of(Usage("acme/other", predict_time=3.0))
    assert unknown.amount is None
    assert "hardware" in unknown.basis


def test_official_models_cost_per_output() -> None:
    prices = Prices()
    assert prices.cost_of(Usage("black-forest-labs/flux-schnell", 1.2, outputs=4)).amount == pytest.approx(0.012)
    llama = prices.cost_of(Usage("meta/meta-llama-3-70b-instruct", 2.0, input_tokens=1000, output_tokens=2000))
    assert llama.amount == pytest.approx((1000 * 0.65 + 2000 * 2.75) / 1e6)


def test_user_overrides_win_entry_by_entry() -> None:
    overrides = {"hardware": {"gpu-t4": {"per_second": 0.001}},
                 "models": {"acme/video": {"unit": "video_second", "price": 0.1}}}
    prices = Prices(overrides=lambda: overrides, hardware=lambda: {"acme/painter": "gpu-t4"})
    assert prices.cost_of(Usage("acme/painter", 2.0)).amount == pytest.approx(0.002)
    assert prices.cost_of(Usage("acme/video", 1.0, video_seconds=5)).amount == pytest.approx(0.5)
    assert prices.table.hardware["gpu-l40s"].per_second == 0.000975  # the rest stays as shipped


def test_usage_reads_token_counts_from_metrics_else_from_the_text() -> None:
    reported = usage_of("m", 1.0, {"input_token_count": 12, "output_token_count": 34}, 0, "whatever", {})
    assert (reported.input_tokens, reported.output_tokens) == (12, 34)
    guessed = usage_of("m", 1.0, {}, 0, "x" * 400, {"prompt": "y" * 40})
    assert (guessed.input_tokens, guessed.output_tokens) == (10, 100)


def test_batch_estimate_is_labelled_and_names_what_has_no_price() -> None:
    prices = Prices(recent_times=lambda model: [2.0, 4.0, 100.0] if model == "acme/painter" else [],
                    hardware=lambda: {"acme/painter": "cpu"})
    flux = expand(BatchSpec("black-forest-labs/flux-schnell", {"prompt": "p", "num_outputs": 2}, repeat=20))
    estimate = prices.estimate(flux)
    assert estimate.runs == 20
    assert estimate.cost == pytest.approx(20 * 2 * 0.003)
    assert estimate.describe() == "~20 runs, ~$0.12 (estimate)"
    mixed = prices.estimate([JobSpec("acme/painter", {"prompt": "p"}), JobSpec("acme/unknown", {"prompt": "p"})])
    assert mixed.cost == pytest.approx(4.0 * 0.0001)  # the median of the painter's recent times
    assert mixed.unpriced_models == ("acme/unknown",)
    assert "for 1 of them" in mixed.describe()
    nothing = prices.estimate([JobSpec("acme/unknown", {"prompt": "p"})])
    assert nothing.describe() == "~1 run, cost unknown (no price for acme/unknown)"


def test_dollars_keep_small_amounts_readable() -> None:
    assert [format_dollars(x) for x in (0, 0.0031, 0.12, 1234.5)] == ["$0.00", "$0.0031", "$0.12", "$1,234.50"]


def test_spend_view_and_budget(tmp_path: Path) -> None:
    clock = [datetime(2026, 5, 30, 23, 0, tzinfo=UTC)]
    with QueueStore.open(tmp_path / "queue.sqlite3") as store:
        store.set_model_hardware("acme/painter", "gpu-t4")
        spending = Spending(store, prices_for(store), now=lambda: clock[0])
        spending.record("p1", Usage("acme/painter", 100.0), batch_id=1)
        clock[0] += timedelta(hours=2)  # the next day (and month)
        spending.record("p2", Usage("black-forest-labs/flux-schnell", 1.0, outputs=1))
        spending.record("p3", Usage("acme/nobody-knows", 5.0), batch_id=1)
        by_day = spending.by("day")
        assert [(row.key, row.runs) for row in by_day] == [("2026-05-30", 1), ("2026-05-31", 2)]
        assert by_day[0].cost == pytest.approx(0.0225)
        assert by_day[1].unpriced == 1
        assert {row.key: row.runs for row in spending.by("batch")} == {"1": 2, "chat": 1}
        assert {row.key for row in spending.by("model")} == {"acme/painter", "black-forest-labs/flux-schnell",
                                                             "acme/nobody-knows"}
        assert spending.status() is None
        spending.set_budget(Budget(0.01, "day"))
        status = spending.status(planned=0.5)
        assert status is not None and status.spent == pytest.approx(0.003) and status.over
        assert "budget" in status.describe()
        assert not spending.status(planned=0.001).over  # type: ignore[union-attr]
        with pytest.raises(ValueError, match="positive"):
            spending.set_budget(Budget(0))
        store.set_setting(PRICES_KEY, {"hardware": {"gpu-t4": {"per_second": 1.0}}})
        assert spending.prices.cost_of(Usage("acme/painter", 2.0)).amount == 2.0  # an edit is seen at once


def test_hardware_and_prices_are_checked_before_they_are_kept(tmp_path: Path) -> None:
    with QueueStore.open(tmp_path / "queue.sqlite3") as store:
        spending = Spending(store)
        spending.set_hardware("acme/painter:" + "b" * 64, "gpu-a40-small")
        assert store.model_hardware() == {"acme/painter": "gpu-a40-small"}  # remembered per model, any version
        assert spending.prices.cost_of(Usage("acme/painter", 10.0)).amount == pytest.approx(0.00575)
        with pytest.raises(ValueError, match="no price for the hardware 'gpu-z9'"):
            spending.set_hardware("acme/painter", "gpu-z9")
        spending.set_prices({"models": {"acme/painter": {"unit": "image", "price": 0.01}}})
        assert spending.prices.cost_of(Usage("acme/painter", 10.0, outputs=2)).amount == pytest.approx(0.02)
        with pytest.raises(ValueError, match="cannot be used"):
            spending.set_prices({"models": {"acme/x": {"unit": "furlong", "price": 1}}})
        spending.set_prices(None)
        assert spending.prices.cost_of(Usage("acme/painter", 10.0)).amount == pytest.approx(0.00575)


def test_aliases_are_priced_like_their_full_names() -> None:
    prices = Prices()
    assert prices.cost_of(Usage("flux-schnell", 1.0, outputs=1)).amount == pytest.approx(0.003)
    assert prices.estimate(expand(BatchSpec("flux-schnell", {"prompt": "p"}, repeat=2))).cost == pytest.approx(0.006)


def test_runs_without_a_price_are_priced_once_their_hardware_is_known(tmp_path: Path) -> None:
    with QueueStore.open(tmp_path / "queue.sqlite3") as store:
        spending = Spending(store)
        spending.set_hardware("acme/painter", "gpu-t4")
        spending.record("p1", Usage("acme/painter", 100.0))  # priced now: T4 × 100 s
        spending.record("p2", Usage("acme/upscaler", 10.0))  # hardware not known: no price
        spending.record("p3", Usage("acme/upscaler", None))  # no compute time: no price, ever
        spending.set_budget(Budget(1.0, "day"))
        (row,) = spending.by("day")
        assert (round(row.cost, 6), row.unpriced) == (0.0225, 2)
        spending.set_prices({"hardware": {"gpu-t4": {"name": "Nvidia T4", "per_second": 1.0}}})
        spending.set_hardware("acme/upscaler", "gpu-a40-small")
        costs = {row.key: (round(row.cost, 6), row.unpriced) for row in spending.by("model")}
        assert costs == {"acme/painter": (0.0225, 0),  # priced before: keeps its cost
                         "acme/upscaler": (0.00575, 1)}  # priced now: A40 × 10 s; the one without a time stays
        status = spending.status()
        assert status is not None and status.spent == pytest.approx(0.0225 + 0.00575)
        assert spending.hardware() == {"acme/painter": "gpu-t4", "acme/upscaler": "gpu-a40-small"}
        assert spending.price_overrides() == {"hardware": {"gpu-t4": {"name": "Nvidia T4", "per_second": 1.0}}}
