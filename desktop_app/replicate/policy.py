"""How a prediction is followed once created: the polling knobs and the statuses that end a run."""

from __future__ import annotations

from dataclasses import dataclass

TERMINAL = frozenset({"succeeded", "failed", "canceled", "aborted"})


@dataclass(frozen=True)
class FollowPolicy:
    """How a prediction is followed once created.

    ``max_attempts`` × ``delay`` bound polling (the seed's knobs). ``wait_seconds`` is the
    ``Prefer: wait`` hold on create for image models; text models stream instead. When the
    logs tell how fast a run goes, polls move up to the predicted end and then come every
    ``min_interval``, never more than ``max_rate`` requests in any one second.

    ``stream_idle``: seconds an open stream may stay without any event before a GET checks on the
    prediction (repeated at most that often, and never more than ``max_rate`` a second, while it stays
    silent), so a finished prediction is never waited on for long. ``stream_event_limit``: bytes one
    stream line or event may take; a bigger one ends the stream and the prediction is followed by GET.
    """

    max_attempts: int = 30
    delay: float = 5.0
    wait_seconds: int | None = 60
    use_stream: bool = True
    min_interval: float = 0.05
    max_rate: int = 10
    cancel_timeout: float = 5.0
    stream_idle: float = 1.0
    stream_event_limit: int = 32 * 1024 * 1024

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.delay <= 0:
            raise ValueError("delay must be positive")
        if self.stream_idle <= 0 or self.stream_event_limit <= 0:
            raise ValueError("stream_idle and stream_event_limit must be positive")


# The app's own defaults: results arrive by held request or stream, polling is the fallback.
APP_POLICY = FollowPolicy(max_attempts=300, delay=1.0)
