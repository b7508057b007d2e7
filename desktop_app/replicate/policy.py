"""How a prediction is created and followed: the polling knobs, the fastest way per model, the statuses that
end a run."""

from __future__ import annotations

from dataclasses import dataclass

from .models import ModelKind, kind_from_output
from .schema import OutputSpec

TERMINAL = frozenset({"succeeded", "failed", "canceled", "aborted"})


@dataclass(frozen=True)
class FollowPolicy:
    """How a prediction is followed once created.

    ``max_attempts`` × ``delay`` bound how long polling goes on (the seed's knobs): polls come as often as
    the app's poll budget allows when nothing better is known, and ``attempt`` counts the ``delay``-long
    periods begun. ``wait_seconds`` is the ``Prefer: wait`` hold on create for models whose output does not
    stream; those that stream are followed by their stream instead. When the logs tell how fast a run goes,
    polls come every ``delay`` until just before the predicted end and then every ``min_interval``.
    ``max_rate`` polls a second is the budget of a run that is not given the app's.

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
        if self.wait_seconds is not None and not 1 <= self.wait_seconds <= 60:
            raise ValueError("wait_seconds must be between 1 and 60 (Prefer: wait=N)")
        if self.stream_idle <= 0 or self.stream_event_limit <= 0:
            raise ValueError("stream_idle and stream_event_limit must be positive")


# The app's own defaults: results arrive by held request or stream, polling is the fallback.
APP_POLICY = FollowPolicy(max_attempts=300, delay=1.0)


@dataclass(frozen=True)
class FollowPlan:
    """The fastest way to follow one run: the kind it yields, and the ``Prefer: wait`` hold of its create
    (``None``: not held, so its stream can be followed from the start, or it is polled)."""

    kind: ModelKind | None
    wait_seconds: int | None


def plan_follow(known: ModelKind | None, output: OutputSpec | None, policy: FollowPolicy) -> FollowPlan:
    """``known`` is a built-in model's kind (text streams, images are held); otherwise the schema's output
    decides: an iterator streams (text and file streams alike), anything else is held. An unknown output is
    held too, as a careful client would: the held request ends as soon as the run does, and the object it
    returns (its output, its stream URL) tells how to go on."""
    if known is not None:
        return FollowPlan(known, policy.wait_seconds if known == "image" else None)
    kind = kind_from_output(output)
    if output is not None and output.iterator and policy.use_stream:
        return FollowPlan(kind, None)
    return FollowPlan(kind, policy.wait_seconds)
