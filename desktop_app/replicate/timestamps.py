"""Replicate's ISO 8601 timestamps (``2023-08-16T19:33:26.678378653Z``) as epoch seconds."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_FRACTION = re.compile(r"(\.\d{6})\d+")


def epoch_seconds(value: object) -> float | None:
    """The moment ``value`` names, or ``None`` when it is not a readable timestamp. Replicate writes up to nine
    fractional digits (Python reads six) and ``Z`` for UTC; a timestamp without a zone is taken as UTC."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(_FRACTION.sub(r"\1", value.strip()).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
