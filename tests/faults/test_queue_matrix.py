"""The job queue, the command line's batch and a comparison against every scripted fault of the queue's rows
(queue_matrix.py): each row must survive as its expectation says, within a generous bound; their outcomes join the
core's in docs/reliability.md."""

from __future__ import annotations

import asyncio
import logging
import signal
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import FrameType

import aiohttp
import pytest

from tests.fake_replicate import FakeReplicate
from tests.fake_replicate.elsewhere import ELSEWHERE, LoopbackResolver
from tests.integration.helpers import ThreadedFake

from . import queue_flows
from .cli_flow import cli
from .matrix import Row
from .queue_flows import QueueEnv
from .queue_matrix import QUEUE_ROWS, AccountLimit, about_429s
from .report import Outcome, Report

BOUND = 60.0  # seconds; rows take about a second, this only turns a hang into a failure
ENDED = frozenset({"succeeded", "failed", "canceled", "aborted"})
Journey = Callable[[QueueEnv], Awaitable[Outcome]]
JOURNEYS: dict[str, Journey] = {"batch": queue_flows.batch, "batch restart": queue_flows.restart,
                                "batch cancel": queue_flows.cancel, "compare": queue_flows.compare}
IN_LOOP = [row for row in QUEUE_ROWS if row.flow in JOURNEYS]
COMMAND_LINE = [row for row in QUEUE_ROWS if row.flow == "cli batch"]


def test_every_row_is_one_of_a_kind() -> None:
    ids = [row.id for row in QUEUE_ROWS]
    assert len(set(ids)) == len(ids)
    assert len(IN_LOOP) + len(COMMAND_LINE) == len(QUEUE_ROWS)


async def observe(row: Row, env: QueueEnv) -> Outcome:
    if isinstance(row.kind, AccountLimit):
        row.kind.apply(env.fake)
    env.fake.faults.add(row.phase, row.kind, times=row.times)
    try:
        return await asyncio.wait_for(JOURNEYS[row.flow](env), BOUND)
    except TimeoutError:
        return Outcome("hang", f"no end within {BOUND:g} s")
    except Exception as error:  # what the row exists to catch: anything escaping the queue
        return Outcome("crash", "".join(traceback.format_exception_only(error)).strip())


def check(row: Row, outcome: Outcome, fake: FakeReplicate, *, text: str, records: list[logging.LogRecord]) -> None:
    """What every queue row requires besides its outcome (see queue_matrix.py)."""
    assert fake.faults.applied, "the scripted fault never fired: the row tests nothing"
    assert fake.token not in text
    if row.expect != "quiet":
        running = {p.id: p.status for p in list(fake.predictions.values()) if p.status not in ENDED}
        assert not running, f"left running on the server: {running}"
    else:
        warnings = [r.getMessage() for r in records if r.getMessage().startswith("Could not cancel")]
        assert len(warnings) == 1 and "\n" not in warnings[0], warnings
    wanted = "wrong" if row.expect == "quiet" else row.expect
    assert outcome.kind == wanted, outcome


@pytest.mark.parametrize("row", IN_LOOP, ids=[row.id for row in IN_LOOP])
async def test_the_queue_survives(row: Row, fake_replicate: FakeReplicate, session: aiohttp.ClientSession,
                                  resolver: LoopbackResolver, caplog: pytest.LogCaptureFixture, tmp_path: Path,
                                  fault_report: Report) -> None:
    caplog.set_level(logging.DEBUG)
    env = QueueEnv(fake_replicate, session, tmp_path, row.kind, row.times, throttled=about_429s(row))

    outcome = await observe(row, env)
    fault_report.record(row, outcome, caplog.text, fake_replicate)

    assert set(resolver.asked) <= ({ELSEWHERE} if row.may_go_elsewhere else set()), resolver.asked
    check(row, outcome, fake_replicate, text=caplog.text, records=caplog.records)


def bounded(journey: Callable[[], Outcome]) -> Outcome:
    """Runs a journey that must stay on the main thread (the command line sets signal handlers), turning a hang
    into an outcome with an alarm."""

    def alarm(_signal: int, _frame: FrameType | None) -> None:
        raise TimeoutError

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, BOUND)
    try:
        return journey()
    except TimeoutError:
        return Outcome("hang", f"no end within {BOUND:g} s")
    except Exception as error:
        return Outcome("crash", "".join(traceback.format_exception_only(error)).strip())
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("row", COMMAND_LINE, ids=[row.id for row in COMMAND_LINE])
def test_the_command_line_batch_survives(row: Row, threaded_fake: ThreadedFake, monkeypatch: pytest.MonkeyPatch,
                                         caplog: pytest.LogCaptureFixture, tmp_path: Path,
                                         fault_report: Report) -> None:
    caplog.set_level(logging.DEBUG)
    fake = threaded_fake.fake
    monkeypatch.setenv("REPLICATE_API_TOKEN", fake.token)
    monkeypatch.setenv("REPLICATE_API_BASE_URL", fake.base_url)

    outcome = bounded(lambda: cli(threaded_fake, tmp_path, row.phase, row.kind, row.times))
    fault_report.record(row, outcome, caplog.text, fake)

    check(row, outcome, fake, text=caplog.text, records=caplog.records)
