"""Run deadlines: what ``Cancel-After`` accepts, how it is written, and what an ended-by-deadline run says."""

from __future__ import annotations

import pytest

from desktop_app.replicate import DeadlineError, PredictionAborted, PredictionCanceled, parse_deadline
from desktop_app.replicate.deadline import AbortedBeforeStart, CanceledAtDeadline, cancel_after, deadline_end


@pytest.mark.parametrize(("text", "seconds"), [
    ("30s", 30), ("5m", 300), ("1h", 3600), ("1h30m", 5400), ("1h30m45s", 5445), ("2h5s", 7205),
    ("90", 90), (" 10M ", 600), ("1.5m", 90), ("5.2", 6), (45, 45), (7.5, 8), (None, None), ("", None), ("  ", None),
])
def test_durations_are_read_as_whole_seconds(text: str | float | None, seconds: int | None) -> None:
    assert parse_deadline(text) == seconds


@pytest.mark.parametrize("text", ["soon", "5 minutes", "m5", "30m1h", "1d", "-30s", "1h-5m", "s", "nan"])
def test_malformed_durations_are_refused_in_one_sentence(text: str) -> None:
    with pytest.raises(DeadlineError, match=r"is not a duration such as 30s, 5m or 1h30m\.$") as caught:
        parse_deadline(text)
    assert caught.value.exit_code == 2


@pytest.mark.parametrize("text", ["4s", "0", "4.9", 0, 3])
def test_deadlines_under_five_seconds_are_refused(text: str | int) -> None:
    with pytest.raises(DeadlineError, match="shorter than Replicate's minimum of 5 seconds"):
        parse_deadline(text)


@pytest.mark.parametrize(("seconds", "header"), [
    (5, "5s"), (60, "1m"), (90, "1m30s"), (3600, "1h"), (5400, "1h30m"), (7205, "2h5s"), (3661, "1h1m1s"),
])
def test_cancel_after_is_the_shortest_spelling(seconds: int, header: str) -> None:
    assert cancel_after(seconds) == header
    assert parse_deadline(header) == seconds


def _ended(status: str, *, deadline: str | None = None, completed_at: str | None = None) -> dict[str, object]:
    prediction: dict[str, object] = {"id": "p1", "status": status}
    if deadline:
        prediction["deadline"] = deadline
    if completed_at:
        prediction["completed_at"] = completed_at
    return prediction


def test_an_aborted_run_was_stopped_before_it_started_and_is_not_charged() -> None:
    error = deadline_end(_ended("aborted", deadline="2025-05-01T10:05:00.000Z",
                                completed_at="2025-05-01T10:05:00.010Z"), 300)
    assert isinstance(error, AbortedBeforeStart)
    assert isinstance(error, PredictionAborted)
    assert str(error) == ("The prediction was stopped before it started: its deadline (5m) passed while it waited "
                          "for the model. Aborted runs are not charged.")
    assert error.prediction_id == "p1"


def test_a_run_canceled_at_its_deadline_is_charged_for_its_time() -> None:
    error = deadline_end(_ended("canceled", deadline="2025-05-01T10:05:00Z",
                                completed_at="2025-05-01T10:05:00.002Z"), None)
    assert isinstance(error, CanceledAtDeadline)
    assert isinstance(error, PredictionCanceled)
    assert "canceled because its deadline passed while it was running" in str(error)
    assert "charges for the time it ran" in str(error)


@pytest.mark.parametrize("prediction", [
    _ended("canceled"),  # no deadline: someone canceled it
    _ended("canceled", deadline="2025-05-01T10:05:00Z", completed_at="2025-05-01T10:01:00Z"),  # before it
    _ended("canceled", deadline="not a date", completed_at="2025-05-01T10:06:00Z"),
    _ended("succeeded", deadline="2025-05-01T10:05:00Z", completed_at="2025-05-01T10:06:00Z"),
    _ended("failed"),
])
def test_other_endings_are_not_the_deadline(prediction: dict[str, object]) -> None:
    assert deadline_end(prediction, 300) is None
