"""The real core against every scripted fault of the matrix (matrix.py): each row must survive, as its
expectation says, within a generous bound; `make faults` turns the observed outcomes into docs/reliability.md."""

from __future__ import annotations

import asyncio
import logging
import traceback

import aiohttp
import pytest

from desktop_app.replicate import ReplicateError
from tests.fake_replicate import FakeReplicate
from tests.fake_replicate.elsewhere import ELSEWHERE, LoopbackResolver
from tests.fake_replicate.faults import MalformedPrediction

from . import flows
from .matrix import ONCE, ROWS, Row, ScriptedStream
from .report import Outcome, Report

BOUND = 60.0  # seconds; rows take well under one, this only turns a hang into a failure
ENDED = frozenset({"succeeded", "failed", "canceled", "aborted"})


async def observe(row: Row, fake: FakeReplicate, session: aiohttp.ClientSession) -> Outcome:
    """Runs the row's journey once and classifies what the user would get."""
    flows.prepare(fake)
    if isinstance(row.kind, ScriptedStream):
        row.kind.apply(fake)
    fake.faults.add(row.phase, row.kind, times=row.times)
    client = flows.make_client(session, fake)
    try:
        result = await asyncio.wait_for(flows.FLOWS[row.flow](client, fake), BOUND)
    except ReplicateError as error:
        return Outcome("error", f"{type(error).__name__}: {error}")
    except TimeoutError:
        return Outcome("hang", f"no end within {BOUND:g} s")
    except Exception as error:  # what the row exists to catch: anything else escaping the core
        return Outcome("crash", "".join(traceback.format_exception_only(error)).strip())
    return Outcome("result" if result.correct else "wrong", result.detail)


def server_said_it_ended(row: Row) -> bool:
    """The fault itself answers that the run ended (a lie the client cannot see through)."""
    return isinstance(row.kind, MalformedPrediction) and row.kind.set.get("status") in ENDED


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
async def test_the_core_survives(row: Row, fake_replicate: FakeReplicate, session: aiohttp.ClientSession,
                                 resolver: LoopbackResolver, caplog: pytest.LogCaptureFixture,
                                 fault_report: Report) -> None:
    caplog.set_level(logging.DEBUG)

    outcome = await observe(row, fake_replicate, session)
    fault_report.record(row, outcome, caplog.text, fake_replicate)

    assert fake_replicate.faults.applied, "the scripted fault never fired: the row tests nothing"
    assert fake_replicate.token not in caplog.text
    # Nothing but loopback: another host is reached only by an https hop of a download or a stream, and
    # never with the token.
    assert set(resolver.asked) <= ({ELSEWHERE} if row.may_go_elsewhere else set()), resolver.asked
    elsewhere = [r for r in fake_replicate.requests if (r.header("Host") or "").startswith(ELSEWHERE)]
    assert all(r.header("Authorization") is None for r in elsewhere)
    if row.may_go_elsewhere and row.times == ONCE:  # the hop was followed, over TLS, to the CDN "elsewhere"
        assert [r.path for r in elsewhere] == [fake_replicate.faults.applied[0].path]
    if row.expect != "quiet" and not server_said_it_ended(row):  # nobody pays for a run nobody follows
        running = {p.id: p.status for p in fake_replicate.predictions.values() if p.status not in ENDED}
        assert not running, f"left running on the server: {running}"
    if row.expect == "error":
        assert outcome.kind == "error", outcome
        assert "\n" not in outcome.text and "Traceback" not in outcome.text, outcome
        assert fake_replicate.token not in outcome.text
    elif row.expect == "quiet":
        assert outcome.kind == "wrong", outcome  # closed without an exception; the run could not be canceled
        warnings = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Could not cancel")]
        assert len(warnings) == 1 and "\n" not in warnings[0], warnings
    else:
        assert outcome.kind == "result", outcome
