"""Trainers the app suggests, and what a training costs — an estimate: the trainer's hardware × how long such a
training typically runs. Replicate's API tells neither a trainer's hardware nor a price (replicate-python#243), so
both come from the small tables below; kept self-contained so that a shared price table can replace them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# US dollars per second of hardware time (replicate.com/pricing, as in replicate-api.md §9a).
PRICE_PER_SECOND: dict[str, float] = {
    "cpu": 0.000100,
    "gpu-t4": 0.000225,
    "gpu-a40-small": 0.000575,
    "gpu-a40-large": 0.000725,
    "gpu-l40s": 0.000975,
    "gpu-a100-large": 0.001400,
    "gpu-h100": 0.001525,
}
HARDWARE_NAMES: dict[str, str] = {
    "cpu": "CPU", "gpu-t4": "Nvidia T4", "gpu-a40-small": "Nvidia A40", "gpu-a40-large": "Nvidia A40 (Large)",
    "gpu-l40s": "Nvidia L40S", "gpu-a100-large": "Nvidia A100 (80GB)", "gpu-h100": "Nvidia H100",
}
_MULTI = re.compile(r"^(?P<base>.+?)-(?P<count>[248])x$|^gpu-(?P<count2>[248])x-(?P<rest>.+)$")


@dataclass(frozen=True)
class KnownTrainer:
    """A trainer the app suggests: its exact version, what it is for, the hardware its trainings run on, how long
    a typical training takes at ``typical_steps``, and the names of its data and trigger-word inputs."""

    model: str
    version: str
    title: str
    hardware: str
    typical_seconds: float
    typical_steps: int = 1000
    data_input: str = "input_images"
    trigger_input: str | None = "trigger_word"

    @property
    def reference(self) -> str:
        return f"{self.model}:{self.version}"


# Versions as seen in public reports (replicate/flux-fine-tuner#72, replicate-python#293); hardware and durations
# as the trainers' pages state them — UNCONFIRMED by the API. The service checks every version trains before use.
CURATED_TRAINERS: tuple[KnownTrainer, ...] = (
    KnownTrainer("ostris/flux-dev-lora-trainer",
                 "b6af14222e6bd9be257cbc1ea4afda3cd0503e1133083b9d1de0364d8568e6ef",
                 "FLUX.1 [dev] LoRA — a face, a product or a style from 10–30 photos", "gpu-h100", 20 * 60),
    KnownTrainer("stability-ai/sdxl",
                 "39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b",
                 "SDXL fine-tune — a face, an object or a style", "gpu-a40-large", 15 * 60,
                 trigger_input="token_string"),
)


@dataclass(frozen=True)
class CostEstimate:
    """An estimate, never a quote: ``dollars`` ≈ ``seconds`` of ``hardware`` at its price per second."""

    hardware: str
    seconds: float
    dollars: float
    price_per_second: float

    @property
    def label(self) -> str:
        name = HARDWARE_NAMES.get(self.hardware, self.hardware)
        return (f"about ${self.dollars:.2f} (estimate: {name} at ${self.price_per_second:.6f}/s × a typical "
                f"{_duration(self.seconds)}; Replicate bills the time the training really takes)")


def known_trainer(reference: str) -> KnownTrainer | None:
    """The curated entry for ``owner/name`` or ``owner/name:version`` (any version of a known trainer model)."""
    model = reference.split(":", 1)[0].strip()
    return next((trainer for trainer in CURATED_TRAINERS if trainer.model == model), None)


def price_per_second(hardware: str) -> float | None:
    """The price of a SKU, multi-GPU variants (``…-2x``, ``gpu-2x-…``) at the single price times the count."""
    if hardware in PRICE_PER_SECOND:
        return PRICE_PER_SECOND[hardware]
    match = _MULTI.match(hardware)
    if match is None:
        return None
    base = match["base"] or f"gpu-{match['rest']}"
    single = PRICE_PER_SECOND.get(base)
    return single * int(match["count"] or match["count2"]) if single is not None else None


def estimate_training_cost(trainer: str, training_input: Mapping[str, Any] | None = None) -> CostEstimate | None:
    """The estimate for a training of ``trainer`` (scaled by its ``steps`` input when it has one), or ``None``
    when the app does not know the trainer's hardware and typical duration."""
    known = known_trainer(trainer)
    if known is None:
        return None
    price = price_per_second(known.hardware)
    if price is None:
        return None
    seconds = known.typical_seconds
    steps = (training_input or {}).get("steps")
    if isinstance(steps, int) and not isinstance(steps, bool) and steps > 0:
        seconds = known.typical_seconds * steps / known.typical_steps
    return CostEstimate(known.hardware, seconds, seconds * price, price)


def _duration(seconds: float) -> str:
    minutes = seconds / 60
    if minutes < 1:
        return f"{seconds:.0f} s"
    if minutes < 90:
        return f"{minutes:.0f} min"
    return f"{minutes / 60:.1f} h"
