"""The queue's rows of the fault matrix, as data: which queue journey (queue_flows.py, cli_flow.py) meets which
scripted fault in which phase, and what surviving means for a batch.

``result``: every job succeeded, each keeping exactly its own prediction's outputs (for a comparison: every
lane). ``error``: every job ended; those the fault hit failed, each with one sentence, the others are exact (the
command line exits 4). ``paused``: an account problem (a refused token, billing) failed the job that met it and
paused the queue with one sentence, the jobs not started are kept queued (the command line exits 3). ``quiet``: a
canceled job whose prediction could not be canceled on the server says so in one log line.
Every row also requires that no job is lost or left running, that no job made two predictions, and (the
``quiet`` rows aside) that no prediction is left running on the server. Rows about 429s also check the pace:
the window of jobs in flight shrank, no create was sent before the wait a 429 asked for had passed, and none
came in a herd.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from aiohttp import web

from tests.fake_replicate import FakeReplicate
from tests.fake_replicate.fault_kinds import Captured
from tests.fake_replicate.faults import (
    EchoHeaders,
    FaultKind,
    MalformedJSON,
    MalformedPrediction,
    Redirect,
    Reset,
    Stall,
    Status,
    WrongContentType,
)
from tests.fake_replicate.rate_limits import CreateLimit

from .flows import Flow
from .matrix import (
    ALWAYS,
    CLIENT_ERRORS,
    DROPPED,
    ECHOES,
    NOT_FOUND,
    ONCE,
    RETRY_NOW,
    SERVER_ERRORS,
    STALLS,
    THROTTLED,
    Row,
    _rows,
)


@dataclass(frozen=True)
class AccountLimit(FaultKind):
    """The account's own create limit, as Replicate sets it for an account under $5 of credit (6 a minute, a
    burst of 1, here ``speed`` times faster), told only by the 429s (no ``ratelimit-*`` hints): the fake's token
    bucket refuses what comes too soon, with ``retry_after`` and the reduced limit in the text. The rule only
    marks the first create, which the bucket lets through."""

    speed: float = 60
    replaces: ClassVar[bool] = False

    def describe(self) -> str:
        return f"the account's low-credit limit ({6 * self.speed:g} a minute, burst 1), told by 429s only"

    def apply(self, fake: FakeReplicate) -> None:
        fake.rate_limits.create = CreateLimit.low_credit(speed=self.speed)
        fake.rate_limits.hints = False

    async def answer(self, request: web.Request, real: Captured | None) -> web.StreamResponse:
        assert real is not None
        return web.Response(status=real.status, headers=real.headers, body=real.body)


HOLD_ONE = Status(429, headers={"Retry-After": "1"})  # a burst of two: the queue must wait out each hold
ACCOUNT = (Status(401), Status(402))
UNREADABLE = (WrongContentType(), MalformedJSON())
CANT_FOLLOW = (MalformedPrediction(drop=("id",)), MalformedPrediction(set={"status": 42}))
HELD_CREATE = Stall(0.5)  # long enough for the queue to be closed (or the job canceled) while it is held


def _batch() -> list[Row]:
    """One queue, one batch. A create is never sent twice for one job: an answer lost after Replicate acted is
    looked up; one Replicate refused without acting (429, 5xx from the API) is sent again, at most three times."""
    flow: Flow = "batch"
    other_client_errors = tuple(kind for kind in CLIENT_ERRORS if kind not in ACCOUNT)
    return [
        *_rows("create", flow, THROTTLED, ONCE, "result"),
        Row("create", flow, HOLD_ONE, 2, "result"),
        Row("create", flow, AccountLimit(), ONCE, "result"),
        *_rows("create", flow, SERVER_ERRORS, ONCE, "result"),
        *_rows("create", flow, (Status(500), Status(503, headers=RETRY_NOW)), ALWAYS, "error"),
        *_rows("create", flow, other_client_errors, ONCE, "error"),
        *_rows("create", flow, ACCOUNT, ONCE, "paused"),
        Row("create", flow, NOT_FOUND, ONCE, "result"),
        Row("create", flow, NOT_FOUND, ALWAYS, "error"),
        *_rows("create", flow, (*DROPPED, *STALLS, *UNREADABLE), ONCE, "result"),
        *_rows("create", flow, (*DROPPED, STALLS[0], *UNREADABLE), ALWAYS, "result"),
        Row("create", flow, CANT_FOLLOW[0], ONCE, "result"),  # no usable id: looked up like a lost answer
        Row("create", flow, CANT_FOLLOW[1], ONCE, "error"),  # it exists but cannot be followed: canceled
        Row("create", flow, ECHOES[0], ONCE, "error"),
        Row("create", flow, ECHOES[1], ONCE, "result"),  # not JSON: unreadable, so looked up, then sent again
        *_rows("poll", flow, (*THROTTLED[:1], *SERVER_ERRORS[:2], *DROPPED, *STALLS), ONCE, "result"),
        *_rows("poll", flow, (Status(503, headers=RETRY_NOW), Reset(0)), ALWAYS, "error"),
        *_rows("poll", flow, (NOT_FOUND, MalformedJSON(), MalformedPrediction(set={"status": 42})), ONCE, "error"),
        *_rows("stream", flow, (Status(500), Reset(30)), ALWAYS, "result"),
        *_rows("download", flow, (THROTTLED[0], *SERVER_ERRORS[:2], *DROPPED, *STALLS), ONCE, "result"),
        Row("download", flow, Redirect.https_elsewhere(), ONCE, "result"),
        *_rows("download", flow, (Status(500), Reset(0)), ALWAYS, "error"),
        *_rows("download", flow, (NOT_FOUND, Status(403)), ONCE, "error"),
        *_rows("upload", flow, (THROTTLED[0], *STALLS), ONCE, "result"),
        *_rows("upload", flow, (Status(500), Reset(0), Status(413)), ONCE, "error"),
    ]


def _restart() -> list[Row]:
    """The queue closed mid-batch and a new one opened on the same database, the fault still active: jobs in
    flight are followed by their prediction ids, a create left without its answer is looked up before anything is
    sent again, waiting jobs run."""
    flow: Flow = "batch restart"
    return [
        *_rows("create", flow, (Reset(0), HELD_CREATE, MalformedJSON()), ALWAYS, "result"),
        Row("create", flow, Status(503, headers=RETRY_NOW), ALWAYS, "error"),
        *_rows("poll", flow, (Status(503, headers=RETRY_NOW), Reset(0)), ONCE, "result"),
        *_rows("poll", flow, (Status(503, headers=RETRY_NOW), Reset(0)), ALWAYS, "error"),
        Row("stream", flow, Reset(30), ALWAYS, "result"),
        Row("download", flow, Status(500), ONCE, "result"),
        Row("download", flow, Status(500), ALWAYS, "error"),
    ]


def _cancel() -> list[Row]:
    """A canceled job's prediction is canceled on the server — also one whose create had no answer yet, found
    first — and a failed cancel is tried again; a waiting job that is canceled never runs."""
    flow: Flow = "batch cancel"
    return [
        *_rows("create", flow, (HELD_CREATE, Reset(0)), ONCE, "result"),
        *_rows("cancel", flow, (THROTTLED[0], *SERVER_ERRORS[:2], *DROPPED), ONCE, "result"),
        *_rows("cancel", flow, (Status(500), NOT_FOUND, EchoHeaders()), ALWAYS, "quiet"),
    ]


def _cli() -> list[Row]:
    """``replicate-desktop batch`` over the same queue: exit 0 when every job survived, 4 when any failed (the
    summary line counts them), 3 for an account problem."""
    flow: Flow = "cli batch"
    return [
        Row("create", flow, THROTTLED[1], ONCE, "result"),
        Row("create", flow, Status(500), ONCE, "result"),
        Row("create", flow, Status(500), ALWAYS, "error"),
        Row("create", flow, Reset(0), ALWAYS, "result"),
        Row("create", flow, Status(401), ONCE, "paused"),
        Row("poll", flow, Status(503, headers=RETRY_NOW), ONCE, "result"),
        Row("download", flow, Reset(0), ONCE, "result"),
        Row("download", flow, NOT_FOUND, ONCE, "error"),
    ]


def _compare() -> list[Row]:
    """A comparison's lanes are ordinary runs: each ends exact or says why, and a lane's create is sent once."""
    flow: Flow = "compare"
    return [
        *_rows("create", flow, (THROTTLED[0], Reset(0)), ONCE, "result"),
        Row("create", flow, Status(500), ONCE, "error"),
        Row("poll", flow, Status(503, headers=RETRY_NOW), ONCE, "result"),
        Row("poll", flow, Status(503, headers=RETRY_NOW), ALWAYS, "error"),
        Row("stream", flow, Reset(30), ALWAYS, "result"),
        Row("download", flow, Status(500), ONCE, "result"),
        Row("download", flow, NOT_FOUND, ONCE, "error"),
    ]


QUEUE_ROWS: tuple[Row, ...] = (*_batch(), *_restart(), *_cancel(), *_cli(), *_compare())


def about_429s(row: Row) -> bool:
    """Rows whose creates must also keep to the pace (see the module's description)."""
    return row.phase == "create" and (isinstance(row.kind, AccountLimit)
                                      or (isinstance(row.kind, Status) and row.kind.code == 429))
