"""Progress from the tqdm bars that diffusion models print into their logs."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

# ASCII digits, and few of them: int() refuses more than 4300 digits, and no bar counts that far.
_TQDM = re.compile(r"(?:^|(?<=[\s:]))\s*(\d{1,3})%\s*\|.+?\|\s*(\d{1,15})/(\d{1,15})", re.ASCII)
_RATE = re.compile(r"(\d{1,15}(?:\.\d{1,15})?)\s*(it/s|s/it)", re.ASCII)


@dataclass(frozen=True)
class LogProgress:
    """The last tqdm bar in the logs: fraction done (0 to 1), step counts (0 ≤ current ≤ total, total > 0)
    and speed when printed."""

    percentage: float
    current: int
    total: int
    steps_per_second: float | None = None

    def seconds_left(self) -> float | None:
        """Estimated seconds until the bar completes, from the printed rate."""
        if not self.steps_per_second or self.total <= 0:
            return None
        return max(0.0, (self.total - self.current) / self.steps_per_second)


def parse_progress(logs: str | None, *, anywhere: bool = False) -> LogProgress | None:
    """Reads the last well-formed tqdm line of ``logs`` (scanning from the end), or ``None``.

    Lines whose numbers contradict each other (over 100 %, more steps done than there are) are skipped. A bar must
    start its line, as the official clients read it; with ``anywhere`` it may follow a label, as trainers print
    theirs (``flux_train_replicate:  11%|█ | 110/1000 …``, ``# PTI :step: 4, epoch: 4:   1%|…``)."""
    if not logs:
        return None
    find = _TQDM.search if anywhere else _TQDM.match
    for line in reversed(logs.replace("\r", "\n").split("\n")):
        match = find(line.strip())
        if match is None:
            continue
        pct, current, total = (int(group) for group in match.groups())
        if pct > 100 or total <= 0 or current > total:
            continue
        rate = None
        rate_match = _RATE.search(line)
        if rate_match:
            value = float(rate_match[1])
            if value > 0 and math.isfinite(value):
                rate = value if rate_match[2] == "it/s" else 1.0 / value
        return LogProgress(pct / 100.0, current, total, rate)
    return None


def last_log_line(logs: str | None) -> str | None:
    """The last non-empty line of the logs, stripped."""
    if not logs:
        return None
    for line in reversed(logs.replace("\r", "\n").split("\n")):
        if line.strip():
            return line.strip()
    return None
