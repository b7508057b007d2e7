"""What runs cost: the price table shipped with the app (dated; the user may override any price), the hardware
each community model runs on (as the user says, remembered), the cost of a run and the estimate of a batch.

Replicate's API gives no cost and no public model's hardware (replicate-api.md §9a), so every figure here is an
estimate and says so: hardware price × ``metrics.predict_time`` for models billed by time, price × outputs for
official models billed per output (images, tokens, seconds of video).
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from typing import Any, Literal

from ..replicate import UnknownModelError, get_model
from .jobs import JobSpec

Unit = Literal["image", "output", "token", "video_second"]
_MULTI_GPU = re.compile(r"^(?P<base>.+)-(?P<count>\d+)x$")
CHARS_PER_TOKEN = 4.0  # a rough reading of English text, for estimates before a run
DEFAULT_OUTPUT_TOKENS = 512


@dataclass(frozen=True)
class HardwarePrice:
    """A hardware SKU (``gpu-t4``) and its price per second of compute."""

    sku: str
    name: str
    per_second: float


@dataclass(frozen=True)
class OutputPrice:
    """An official model billed per output: per image/output/second of video (``price``), or per million input
    and output tokens."""

    model: str
    unit: Unit
    price: float = 0.0
    input_per_million: float = 0.0
    output_per_million: float = 0.0


@dataclass(frozen=True)
class PriceTable:
    """Prices as of ``taken`` (a date), from ``source``; hardware by SKU, official models by name."""

    taken: str
    source: str
    hardware: Mapping[str, HardwarePrice]
    models: Mapping[str, OutputPrice]

    @classmethod
    def shipped(cls) -> PriceTable:
        """The table that comes with the app (``desktop_app/session/data/prices.json``)."""
        text = resources.files(__package__ or "desktop_app.session").joinpath("data/prices.json").read_text("utf-8")
        return cls.from_json(json.loads(text))

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PriceTable:
        hardware = {str(sku): HardwarePrice(str(sku), str(item.get("name", sku)), float(item["per_second"]))
                    for sku, item in dict(data.get("hardware") or {}).items()}
        models = {str(name): _output_price(str(name), item) for name, item in dict(data.get("models") or {}).items()}
        return cls(str(data.get("taken", "")), str(data.get("source", "")), hardware, models)

    def merged(self, overrides: Mapping[str, Any] | None) -> PriceTable:
        """This table with the user's prices (same JSON shape) taking precedence, entry by entry."""
        if not overrides:
            return self
        extra = PriceTable.from_json(overrides)
        return PriceTable(self.taken, self.source, {**self.hardware, **extra.hardware}, {**self.models, **extra.models})

    def hardware_price(self, sku: str) -> HardwarePrice | None:
        """The price of ``sku``; a multi-GPU SKU (``gpu-a100-large-2x``) costs the single price times the count."""
        if sku in self.hardware:
            return self.hardware[sku]
        match = _MULTI_GPU.match(sku)
        base = self.hardware.get(match.group("base")) if match else None
        if match is None or base is None:
            return None
        count = int(match.group("count"))
        return HardwarePrice(sku, f"{count}× {base.name}", base.per_second * count)


@dataclass(frozen=True)
class Usage:
    """What a run used, as far as it is known: compute seconds, output files, tokens, seconds of video."""

    model: str
    predict_time: float | None = None
    outputs: int = 0
    input_tokens: int | None = None
    output_tokens: int | None = None
    video_seconds: float | None = None


@dataclass(frozen=True)
class Cost:
    """A run's cost in dollars (``None`` when no price is known), and how it was reckoned (``basis``)."""

    amount: float | None
    basis: str
    estimate: bool = True


@dataclass(frozen=True)
class BatchEstimate:
    """What a batch is expected to cost before it starts. ``priced`` of ``runs`` have a price; the models
    without one are named."""

    runs: int
    cost: float | None
    priced: int
    unpriced_models: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    def describe(self) -> str:
        """E.g. ``~40 runs, ~$0.12 (estimate)``."""
        runs = f"~{self.runs} run{'s' if self.runs != 1 else ''}"
        if self.cost is None:
            return f"{runs}, cost unknown (no price for {', '.join(self.unpriced_models)})"
        partial = f" for {self.priced} of them" if self.priced < self.runs else ""
        return f"{runs}, ~{format_dollars(self.cost)}{partial} (estimate)"


def model_name(model: str) -> str:
    """``owner/name`` of a model given by alias, full name or ``owner/name:version`` (as given when unknown)."""
    try:
        return get_model(model).split(":", 1)[0]
    except UnknownModelError:
        return model.split(":", 1)[0]


def format_dollars(amount: float) -> str:
    """$0.12, $0.0031, $12.50: enough digits to tell small runs apart."""
    if amount == 0:
        return "$0.00"
    places = Decimal("0.0001") if abs(amount) < 0.01 else Decimal("0.01")
    rounded = Decimal(repr(amount)).quantize(places, ROUND_HALF_UP)  # $0.015 shows as $0.02, as a person rounds
    return f"${rounded:,}"


class Prices:
    """The prices in use: the shipped table, the user's overrides and the hardware chosen per model.

    ``overrides`` and ``hardware`` are read through the callables given (the queue store's settings), so an
    edit is seen at once; ``recent_times(model)`` gives a model's latest compute times for estimates.
    """

    def __init__(
        self,
        table: PriceTable | None = None,
        *,
        overrides: Callable[[], Mapping[str, Any] | None] = lambda: None,
        hardware: Callable[[], Mapping[str, str]] = dict,
        recent_times: Callable[[str], Sequence[float]] = lambda _model: (),
    ) -> None:
        self.shipped = table or PriceTable.shipped()
        self._overrides = overrides
        self._hardware = hardware
        self._recent_times = recent_times

    @property
    def table(self) -> PriceTable:
        return self.shipped.merged(self._overrides())

    def snapshot(self) -> Prices:
        """These prices as they are now (overrides and hardware read once), to price many runs alike."""
        hardware = dict(self._hardware())
        return Prices(self.table, hardware=lambda: hardware, recent_times=self._recent_times)

    def hardware_of(self, model: str) -> str | None:
        """The hardware the user said ``model`` runs on (by ``owner/name``, any version)."""
        return self._hardware().get(model_name(model))

    def cost_of(self, usage: Usage) -> Cost:
        """The cost of one run (an estimate: Replicate does not report it)."""
        table = self.table
        name = model_name(usage.model)
        priced = table.models.get(name)
        if priced is not None:
            return _output_cost(priced, usage)
        sku = self.hardware_of(name)
        hardware = table.hardware_price(sku) if sku else None
        if hardware is None:
            why = f"no price for {sku}" if sku else f"the hardware {name} runs on is not known"
            return Cost(None, why)
        if usage.predict_time is None:
            return Cost(None, "no compute time was reported")
        amount = hardware.per_second * usage.predict_time
        return Cost(amount, f"{hardware.name} × {usage.predict_time:.2f} s")

    def estimate(self, jobs: Sequence[JobSpec]) -> BatchEstimate:
        """The expected cost of ``jobs``: per output for official models (their ``num_outputs``, or one), and for
        the others the median of the model's recent compute times in the ledger × its hardware's price."""
        total, priced, unpriced = 0.0, 0, []
        median_time: dict[str, float | None] = {}
        for job in jobs:
            name = model_name(job.model)
            if name not in median_time:
                times = list(self._recent_times(name))
                median_time[name] = statistics.median(times) if times else None
            outputs = job.input.get("num_outputs", 1)
            prompt = job.prompt or ""
            max_tokens = next((job.input[key] for key in ("max_tokens", "max_new_tokens")
                               if isinstance(job.input.get(key), int)), DEFAULT_OUTPUT_TOKENS)
            cost = self.cost_of(Usage(name, median_time[name], outputs if isinstance(outputs, int) else 1,
                                      input_tokens=round(len(prompt) / CHARS_PER_TOKEN), output_tokens=max_tokens,
                                      video_seconds=_number(job.input.get("duration"))))
            if cost.amount is None:
                if name not in unpriced:
                    unpriced.append(name)
                continue
            total += cost.amount
            priced += 1
        return BatchEstimate(len(jobs), total if priced else None, priced, tuple(unpriced))


def usage_of(model: str, predict_time: float | None, metrics: Mapping[str, Any], outputs: int, text: str,
             model_input: Mapping[str, Any]) -> Usage:
    """A finished run's usage: token counts from its metrics when the model reports them, else read from the
    text (about four characters a token); seconds of video from its ``duration`` input."""
    input_tokens = _int(metrics.get("input_token_count"))
    output_tokens = _int(metrics.get("output_token_count"))
    if output_tokens is None and text:
        output_tokens = round(len(text) / CHARS_PER_TOKEN)
    if input_tokens is None:
        prompt = model_input.get("prompt")
        input_tokens = round(len(prompt) / CHARS_PER_TOKEN) if isinstance(prompt, str) else None
    return Usage(model, predict_time, outputs, input_tokens, output_tokens, _number(model_input.get("duration")))


def _output_cost(priced: OutputPrice, usage: Usage) -> Cost:
    if priced.unit == "token":
        if usage.input_tokens is None and usage.output_tokens is None:
            return Cost(None, "no token counts")
        tokens_in, tokens_out = usage.input_tokens or 0, usage.output_tokens or 0
        amount = (tokens_in * priced.input_per_million + tokens_out * priced.output_per_million) / 1e6
        return Cost(amount, f"{tokens_in} input + {tokens_out} output tokens")
    if priced.unit == "video_second":
        if usage.video_seconds is None:
            return Cost(None, "the video's length is not known")
        return Cost(priced.price * usage.video_seconds, f"{usage.video_seconds:g} s of video × "
                    f"{format_dollars(priced.price)}")
    count = max(usage.outputs, 1)
    noun = "image" if priced.unit == "image" else "output"
    return Cost(priced.price * count, f"{count} {noun}{'s' if count != 1 else ''} × {format_dollars(priced.price)}")


def _output_price(model: str, item: Mapping[str, Any]) -> OutputPrice:
    unit = str(item.get("unit", "output"))
    if unit not in ("image", "output", "token", "video_second"):
        raise ValueError(f"{model}: unknown price unit {unit!r}")
    return OutputPrice(model, unit, float(item.get("price", 0.0)),  # type: ignore[arg-type]
                       float(item.get("input_per_million", 0.0)), float(item.get("output_per_million", 0.0)))


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
