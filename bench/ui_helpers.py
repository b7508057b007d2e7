"""Shared pieces of the GUI benchmarks: the Qt application, a qasync runner, an event-loop stall monitor, verdicts."""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[1]
T = TypeVar("T")

# No display on the benchmark machines: default to offscreen (an explicit QT_QPA_PLATFORM still wins).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if str(ROOT) not in sys.path:  # `python bench/ui_x.py` as well as `python -m bench.ui_x`
    sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QObject, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def qt_app() -> QApplication:
    """The process's QApplication, created on first use."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    return app


def run_on_qasync(factory: Callable[[], Coroutine[Any, Any, T]], *, plain_qasync: bool = False) -> T:
    """Runs ``factory()`` to completion on a fresh qasync loop, so Qt timers and asyncio share one thread.

    By default the loop is the one the app runs on (``AppEventLoop``); ``plain_qasync`` uses qasync's own.
    """
    import qasync

    from desktop_app.ui.shell.event_loop import AppEventLoop

    app = qt_app()
    loop_type = qasync.QEventLoop if plain_qasync else AppEventLoop
    with asyncio.Runner(loop_factory=lambda: loop_type(app)) as runner:
        return runner.run(factory())


async def until(predicate: Callable[[], bool], limit: float, message: str, step: float = 0.005) -> None:
    """Awaits (Qt and asyncio keep running) until ``predicate()`` holds; never a nested Qt loop (trap 3)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError(f"gave up after {limit:g} s waiting for {message}")
        await asyncio.sleep(step)


class StallMonitor(QObject):
    """A precise high-frequency QTimer on the GUI thread; a long gap between two ticks is a stall of the loop.

    ``stall`` of a gap is the gap minus the timer interval: 0 on an idle loop, the blocked time otherwise.
    """

    def __init__(self, interval_ms: int = 5) -> None:
        super().__init__()
        self.interval = interval_ms / 1000.0
        self.ticks: list[float] = []
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_timer_timeout)

    def start(self) -> None:
        self.ticks = [time.perf_counter()]
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self.ticks.append(time.perf_counter())  # a stall still running at the end counts too

    def stalls(self, after: float | None = None, until: float | None = None) -> list[float]:
        """The stall of every gap that ended within (after, until]."""
        result = []
        for before, end in zip(self.ticks, self.ticks[1:], strict=False):
            if (after is None or end > after) and (until is None or end <= until):
                result.append(max(0.0, end - before - self.interval))
        return result

    def max_stall(self, after: float | None = None, until: float | None = None) -> float:
        return max(self.stalls(after, until), default=0.0)

    def count_over(self, limit: float, after: float | None = None, until: float | None = None) -> int:
        return sum(1 for stall in self.stalls(after, until) if stall > limit)

    def _on_timer_timeout(self) -> None:
        self.ticks.append(time.perf_counter())


@dataclass
class Verdict:
    """One figure checked against its target."""

    name: str
    value: float
    limit: float
    unit: str
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.value <= self.limit

    def line(self) -> str:
        mark = "PASS" if self.passed else "MISS"
        extra = f"  ({self.detail})" if self.detail else ""
        value = f"{self.value:.{_digits(self.unit)}f}{self.unit}"
        return f"  [{mark}] {self.name}: {value} (target ≤ {self.limit:g}{self.unit}){extra}"


def _digits(unit: str) -> int:
    return 1 if unit in (" ms", " MiB") else 2


def median(values: list[float]) -> float:
    return statistics.median(values)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def spread(values: list[float], scale: float = 1000.0, unit: str = "ms") -> str:
    """``a / b / c ms`` for a list of measurements, for the record next to the median."""
    return " / ".join(f"{value * scale:.0f}" for value in values) + f" {unit}"
