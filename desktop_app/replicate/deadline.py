"""Per-run deadlines: Replicate's ``Cancel-After`` header, checked before anything is created, and what an
ended-by-deadline prediction tells the user (aborted runs are free, canceled ones are charged for their time)."""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import TYPE_CHECKING

from .errors import ConfigurationError, PredictionAborted, PredictionCanceled, PredictionError

if TYPE_CHECKING:  # a type only: the network stack is not loaded for it
    from .client import JSON

MIN_SECONDS = 5  # replicate-api.md §2.2: the server refuses shorter deadlines
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
_PARTS = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$")


class DeadlineError(ConfigurationError):
    """A deadline that Replicate would refuse (malformed, or under its minimum)."""

    exit_code = 2


class AbortedBeforeStart(PredictionAborted):
    """The prediction never started: its deadline passed while it waited (aborted runs are not charged)."""

    def __init__(self, *, prediction_id: str | None = None, deadline: str | None = None) -> None:
        self.deadline = deadline  # as sent in Cancel-After (``5m``), when known
        cause = f"its deadline ({deadline}) passed" if deadline else "its deadline passed"
        PredictionError.__init__(
            self,
            f"The prediction was stopped before it started: {cause} while it waited for the model. "
            "Aborted runs are not charged.",
            prediction_id=prediction_id,
        )


class CanceledAtDeadline(PredictionCanceled):
    """The prediction was running when its deadline passed, and was canceled (charged for the time it ran)."""

    def __init__(self, *, prediction_id: str | None = None, deadline: str | None = None) -> None:
        self.deadline = deadline
        cause = f"its deadline ({deadline}) passed" if deadline else "its deadline passed"
        PredictionError.__init__(
            self,
            f"The prediction was canceled because {cause} while it was running. "
            "Replicate charges for the time it ran.",
            prediction_id=prediction_id,
        )


def parse_deadline(value: str | float | None) -> int | None:
    """Whole seconds of a deadline written ``30s``, ``5m``, ``1h30m`` (h, m, s in that order) or as a bare
    number of seconds; ``None`` or blank means no deadline. Raises :class:`DeadlineError` with one sentence."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise DeadlineError(f"The deadline {value!r} is not a duration such as 30s, 5m or 1h30m.")
    if isinstance(value, int | float):
        seconds = float(value)
        shown = f"{value:g} s"
    else:
        text = value.strip().lower().replace(" ", "")
        if not text:
            return None
        shown = value.strip()
        if _NUMBER.match(text):
            seconds = float(text)
        else:
            match = _PARTS.match(text)
            if match is None or not any(match.groups()):
                raise DeadlineError(f"The deadline {shown!r} is not a duration such as 30s, 5m or 1h30m.")
            hours, minutes, secs = (float(part) if part else 0.0 for part in match.groups())
            seconds = hours * 3600 + minutes * 60 + secs
    if not math.isfinite(seconds) or seconds < MIN_SECONDS:
        raise DeadlineError(
            f"The deadline {shown} is shorter than Replicate's minimum of {MIN_SECONDS} seconds "
            "(leave it empty for no deadline)."
        )
    return math.ceil(seconds)


def cancel_after(seconds: int) -> str:
    """The ``Cancel-After`` value for a whole number of seconds: ``45s``, ``5m``, ``1h30m``, ``2h0m5s`` → ``2h5s``."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "") + (f"{secs}s" if secs else "")
    return text or "0s"


def deadline_end(prediction: JSON, requested: int | None) -> PredictionError | None:
    """The error that says a prediction ended because of its deadline, or ``None`` when it did not.

    ``aborted`` is only ever the deadline's doing (the run had not started); ``canceled`` is, when the
    prediction carries a deadline and ended at or after it (otherwise someone canceled it)."""
    status = prediction.get("status")
    shown = cancel_after(requested) if requested else None
    prediction_id = str(prediction.get("id") or "") or None
    if status == "aborted":  # Replicate aborts only runs whose deadline passed before they started
        return AbortedBeforeStart(prediction_id=prediction_id, deadline=shown)
    if status != "canceled":
        return None
    deadline = _moment(prediction.get("deadline"))
    ended = _moment(prediction.get("completed_at"))
    if deadline is None or ended is None or ended < deadline:
        return None
    return CanceledAtDeadline(prediction_id=prediction_id, deadline=shown)


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
