"""What a queue journey left behind, judged against the fake server: every job ended exactly once, each succeeded
job kept exactly its own prediction's outputs, each failed one says why in one sentence, nothing was created twice
for one job, and creates were paced (none inside a hold a 429 asked for, none in a herd)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from desktop_app.session.pacing import DOCUMENTED_PER_MINUTE
from desktop_app.session.queue_events import JobThrottled
from desktop_app.storage.queue_store import JobRecord
from tests.fake_replicate import FakeReplicate
from tests.fake_replicate.faults import FaultKind, Status, phase_of
from tests.fake_replicate.prediction import FakePrediction

from .report import Outcome

JobKey = tuple[str, str]  # (model, prompt): what tells a batch's jobs apart on the server
HERD_GAP = 60.0 / DOCUMENTED_PER_MINUTE / 2  # creates closer than this (half the documented spacing) are a herd


@dataclass(frozen=True)
class JobEnd:
    """One job as the queue left it, with the files it kept (read back from where they were saved)."""

    key: JobKey
    state: str
    error: str | None
    prediction_id: str | None
    kept: tuple[bytes, ...]
    sent: bool = False  # it keeps a create whose answer was not read: a retry looks for that prediction first

    @classmethod
    def of(cls, job: JobRecord) -> JobEnd:
        prompt = job.input.get("prompt")
        kept = tuple(Path(path).read_bytes() for path in job.outputs)
        return cls((job.model, str(prompt)), job.state, job.error, job.prediction_id, kept, job.sent_at is not None)


def made_for(fake: FakeReplicate, key: JobKey) -> list[FakePrediction]:
    """The predictions the server holds for one job."""
    model, prompt = key
    return [p for p in list(fake.predictions.values())
            if p.model.full_name == model and str(p.input.get("prompt")) == prompt]


def served(prediction: FakePrediction) -> tuple[bytes, ...]:
    """What the model made, as a job keeps it: its files' bytes, or its text reply."""
    if prediction.files:
        return tuple(data for _type, data in prediction.files.values())
    text = "".join(prediction.output) if isinstance(prediction.output, list) else str(prediction.output or "")
    return (text.encode("utf-8"),) if text else ()


def sentence_problem(text: str | None, token: str) -> str | None:
    """Why ``text`` is not one clear sentence for the user, or ``None`` when it is."""
    if not text or not text.strip():
        return "no reason given"
    if "\n" in text or "Traceback" in text or token in text:
        return f"not one clean line: {text!r}"
    return None


def judge(fake: FakeReplicate, ends: Sequence[JobEnd], *, paused: str | None = None,
          canceled: Iterable[JobKey] = ()) -> Outcome:
    """The batch's outcome: ``wrong`` on any broken promise, else ``paused`` (the queue stopped itself for an
    account problem), ``error`` (some jobs failed, each saying why) or ``result`` (every job succeeded)."""
    meant_canceled = set(canceled)
    for end in ends:
        problem = _job_problem(fake, end, end.key in meant_canceled, paused is not None)
        if problem is not None:
            return Outcome("wrong", f"job {end.key[1]!r}: {problem}")
    failed = [end for end in ends if end.state == "failed"]
    done = sum(end.state == "succeeded" for end in ends)
    if paused is not None:
        queued = sum(end.state == "queued" for end in ends)
        return Outcome("paused", f"{paused} ({done} succeeded, {len(failed)} failed, {queued} kept queued)")
    if failed:
        return Outcome("error", f"{done} of {len(ends)} succeeded; failed: {failed[0].error}")
    return Outcome("result", f"{done} of {len(ends)} jobs succeeded, every output exact")


def _job_problem(fake: FakeReplicate, end: JobEnd, meant_canceled: bool, paused: bool) -> str | None:
    made = made_for(fake, end.key)
    if len(made) > 1:
        return f"{len(made)} predictions created for one job"
    if end.state in ("creating", "running"):
        return f"left {end.state}"
    if end.state == "queued" and not paused:
        return "never ran"
    if end.state == "canceled":
        if not meant_canceled:
            return "canceled though nobody asked"
        left = [p.status for p in made if p.status != "canceled"]
        return f"canceled here, its prediction left {left[0]} on the server" if left else None
    if meant_canceled:
        return f"{end.state} though it was canceled"
    if end.state == "failed":
        paid = [p.id for p in made if p.status == "succeeded" and p.id != end.prediction_id]
        if paid and not end.sent:  # a retry would pay for another run instead of taking this one's outputs
            return f"failed while its prediction {paid[0]} succeeded on the server, unknown to the job"
        return sentence_problem(end.error, fake.token)
    if end.state == "succeeded":
        if not made or end.prediction_id != made[0].id:
            return f"succeeded with prediction {end.prediction_id}, not the one made for it"
        expected = served(made[0])
        if end.kept != expected or not expected:
            return f"kept {len(end.kept)} output(s) that are not the model's {len(expected)}"
    return None


def declared_wait(kind: FaultKind) -> float:
    """How long a scripted 429 asks the client to wait (``Retry-After`` or the body's ``retry_after``)."""
    if not _is_429(kind) or not isinstance(kind, Status):
        return 0.0
    header = kind.headers.get("Retry-After")
    if header is not None:
        return float(header)
    if isinstance(kind.body, dict) and isinstance(kind.body.get("retry_after"), int | float):
        return float(kind.body["retry_after"])
    return 0.0


def pacing_problem(fake: FakeReplicate, refused: int, wait: float) -> str | None:
    """Whether creates kept to the pace: the first ``refused`` creates got a 429 asking for ``wait`` seconds;
    nothing may arrive before that wait has passed, and no two creates may arrive in a herd."""
    times = [r.time for r in fake.requests if phase_of(r.method, r.path) == "create"]
    for index in range(min(refused, len(times))):
        early = [t for t in times[index + 1:] if t < times[index] + wait * 0.9]
        if early:
            return f"a create came {early[0] - times[index]:.2f} s after a 429 that asked for {wait:g} s"
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    herd = [gap for gap in gaps if gap < HERD_GAP]
    if herd:
        return f"{len(herd) + 1} creates came within {HERD_GAP:.2f} s of each other"
    return None


def throttling_problem(fake: FakeReplicate, kind: FaultKind, heard: Sequence[JobThrottled], window: int
                       ) -> str | None:
    """After a 429 the window of jobs in flight shrinks, creates wait as long as asked and then go one at a
    time: every 429 reached the queue, none was sent inside a hold, none in a herd (a herd against the account's
    own limit would show as a run of 429s)."""
    scripted = sum(1 for fault in fake.faults.applied if fault.phase == "create" and _is_429(fault.kind))
    refused = scripted + fake.rate_limits.throttled["create"]
    if len(heard) != refused:
        return f"{refused} creates refused with a 429, {len(heard)} heard by the queue"
    if not heard:
        return "no create was refused"
    if heard[0].pacing.allowed >= window:
        return f"the window stayed at {heard[0].pacing.allowed} jobs after a 429"
    if fake.rate_limits.throttled["create"] > 2:
        return f"{fake.rate_limits.throttled['create']} creates refused by the account's limit: a herd"
    return pacing_problem(fake, scripted, declared_wait(kind))


def _is_429(kind: FaultKind) -> bool:
    return isinstance(kind, Status) and kind.code == 429
