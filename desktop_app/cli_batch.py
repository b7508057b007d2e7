"""Headless ``replicate-desktop batch``: the app's job queue from the command line.

    replicate-desktop batch MODEL [--prompts FILE] [PROMPT] [-n N] [--matrix KEY=V1,V2,…]… [-i KEY=VALUE]…
                            [--concurrency N] [--out DIR] [--json]

Every job is checked against its own model's input schema (each model of a ``--matrix model=…`` read from
Replicate) before anything is created. Every output is saved into ``--out``; the batch itself is kept there too
(``.replicate-batch.sqlite3``), so the same command run again after a crash or a kill takes it up where it
stopped: queued jobs run, running ones are followed by their prediction ids, and nothing runs twice. Ctrl+C
cancels what is running, on the server too. Exit codes as for ``generate``: 0 all succeeded, 2 a usage error
(nothing sent), 3 an account or API problem, 4 when any job failed, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import signal
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, TextIO

import aiohttp

from .cli_batch_parts import BatchArgs, FolderOutputs, check_batch_args, lock_folder
from .cli_checks import UsageError
from .cli_common import (
    EXIT_API,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    LineReporter,
    event_fields,
    schema_source,
    stored_token,
)
from .replicate import MissingTokenError, PollBudget, ReplicateClient
from .session.backends import Backends
from .session.costs import format_dollars
from .session.jobs import BatchCheckError
from .session.queue import JobQueue
from .session.queue_events import (
    BatchFinished,
    BudgetWarning,
    JobChanged,
    JobOutput,
    JobProgress,
    JobsAdded,
    JobThrottled,
    QueueChanged,
    QueueEvent,
)
from .session.queue_schemas import SchemaReadError
from .session.spend import Spending
from .storage.queue_store import BatchRecord, QueueStore, QueueStoreError

STORE_NAME = ".replicate-batch.sqlite3"
_EVENT_NAMES: dict[type, str] = {JobsAdded: "added", JobChanged: "job", JobProgress: "progress", JobOutput: "output",
                                 JobThrottled: "throttled", QueueChanged: "queue", BatchFinished: "batch_finished",
                                 BudgetWarning: "budget_warning"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="replicate-desktop batch",
        description="Run many predictions of one model (or several) through the app's queue; every output is "
                    "saved to --out. Run the same command again to finish a batch that was interrupted.",
    )
    parser.add_argument("model", help="an alias (e.g. flux-schnell) or owner/name[:version]")
    parser.add_argument("prompt", nargs="?", help="the prompt (or give --prompts)")
    parser.add_argument("--prompts", type=Path, metavar="FILE",
                        help="one prompt per line; a .csv file gives one job per row, its columns as inputs")
    parser.add_argument("-n", type=int, default=1, metavar="N", help="run each job N times, with varied seeds")
    parser.add_argument("--lock-seed", action="store_true", help="with -n: the same seed for every copy")
    parser.add_argument("--matrix", action="append", default=[], metavar="KEY=V1,V2,…",
                        help="one job per value of input KEY (KEY 'model' varies the model); each --matrix "
                             "multiplies the jobs")
    parser.add_argument("-i", "--input", action="append", default=[], metavar="KEY=VALUE",
                        help="extra model input for every job; VALUE is parsed as JSON when it parses; KEY=@PATH "
                             "sends a local file")
    parser.add_argument("--concurrency", type=int, default=4, metavar="N",
                        help="predictions in flight at once (default 4); fewer when Replicate throttles")
    parser.add_argument("--out", type=Path, default=Path("."), help="folder for the outputs (default: current)")
    parser.add_argument("--json", action="store_true", help="print one JSON object per job event to stdout")
    return parser


def run_batch(argv: Sequence[str], *, stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr) -> int:
    parser = build_parser()
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            args = parser.parse_args(argv)
    except SystemExit as exit_:
        return EXIT_USAGE if exit_.code else EXIT_OK
    try:
        checked = check_batch_args(args)  # every free check, before anything is sent or spent
    except UsageError as error:
        print(f"replicate-desktop batch: {error}", file=stderr)
        return EXIT_USAGE
    out = BatchReporter(stdout, stderr, as_json=args.json)
    token = os.environ.get("REPLICATE_API_TOKEN") or stored_token()
    if not token:
        out.error(str(MissingTokenError()), EXIT_API)
        return EXIT_API
    try:
        lock = lock_folder(checked.out / (STORE_NAME + ".lock"))
    except UsageError as error:
        print(f"replicate-desktop batch: {error}", file=stderr)
        return EXIT_USAGE
    with lock:
        return asyncio.run(_batch(checked, token, out))


async def _batch(checked: BatchArgs, token: str, out: BatchReporter) -> int:
    try:
        store = QueueStore.open(checked.out / STORE_NAME)
    except QueueStoreError as error:
        out.error(str(error), EXIT_USAGE)
        return EXIT_USAGE
    async with aiohttp.ClientSession() as session:
        client = ReplicateClient.from_env(session, token=token)
        backends = Backends(lambda: client, prediction_options={"budget": PollBudget(), "schemas": schema_source()})
        queue = JobQueue(store, backends, outputs=FolderOutputs(checked.out), spending=Spending(store),
                         concurrency=checked.concurrency)
        try:
            batch = await _batch_to_run(queue, store, checked, out)
        except (BatchCheckError, UsageError, SchemaReadError) as error:
            code = error.exit_code if isinstance(error, SchemaReadError) else EXIT_USAGE
            out.error(str(error), code)
            store.close()
            return code
        done = asyncio.Event()
        interrupted = False

        def heard(event: QueueEvent) -> None:
            out.event(event, queue)
            if isinstance(event, BatchFinished) and event.summary.batch_id == batch.id:
                done.set()
            if isinstance(event, QueueChanged) and event.reason:
                done.set()

        def interrupt() -> None:
            nonlocal interrupted
            if interrupted:
                raise KeyboardInterrupt
            interrupted = True
            out.note("Interrupted: canceling the batch's predictions on Replicate…")
            queue.cancel_batch(batch.id)

        queue.subscribe(heard)
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signal.SIGINT, interrupt)
        try:
            queue.start()
            if queue.board.summary(batch.id).done:
                done.set()
            await done.wait()
            if interrupted or queue.reason:  # the jobs in flight end (and keep what they made) before the exit
                await queue.wait_idle()
        finally:
            with contextlib.suppress(NotImplementedError):
                loop.remove_signal_handler(signal.SIGINT)
            await queue.aclose()
        summary = queue.board.summary(batch.id)
        store.close()
    out.summary(summary)
    if queue.reason:
        out.error(queue.reason, EXIT_API)
        return EXIT_API
    if interrupted:
        return EXIT_INTERRUPTED
    return EXIT_FAILED if summary.failed or summary.canceled else EXIT_OK


async def _batch_to_run(queue: JobQueue, store: QueueStore, checked: BatchArgs, out: BatchReporter) -> BatchRecord:
    """The unfinished batch of this very command, taken up again (with the schemas it was checked against); else
    a new one, its jobs checked against their models' schemas (refused while another command's batch is
    unfinished in the same folder)."""
    key = hashlib.sha256(json.dumps(checked.identity, sort_keys=True, default=str).encode()).hexdigest()
    unfinished = store.batches(unfinished_only=True)
    same = [batch for batch in unfinished if batch.key == key]
    if same:
        batch = same[0]
        out.note(f"Taking up the unfinished batch in {checked.out}: {batch.unfinished} of {batch.total} jobs left.")
        return batch
    if unfinished:
        other = unfinished[0]
        raise UsageError(f"{checked.out} holds an unfinished batch of another command ({other.unfinished} of "
                         f"{other.total} jobs left); run that command again to finish it, or choose another --out.")
    estimate = queue.estimate(checked.jobs)
    out.estimate(estimate.describe(), estimate.runs, estimate.cost)
    return await queue.add_checked(checked.jobs, key=key)


class BatchReporter(LineReporter):
    """Job events as lines on stderr (saved files on stdout), or one JSON object per event with ``--json``."""

    def __init__(self, stdout: TextIO, stderr: TextIO, *, as_json: bool) -> None:
        super().__init__(stdout, stderr, as_json=as_json)
        self._ended = 0

    def event(self, event: object, queue: JobQueue | None = None) -> None:
        if self.as_json:
            name = _EVENT_NAMES.get(type(event), type(event).__name__)
            self._json({"event": name, **event_fields(event)})
            return
        if isinstance(event, JobChanged) and event.job.state in ("succeeded", "failed", "canceled"):
            self._ended += 1
            job = event.job
            prompt = " ".join((job.prompt or job.model).split())
            what = (prompt if len(prompt) <= 40 else prompt[:39] + "…") + (f" ({job.label})" if job.label else "")
            if job.state == "succeeded":
                cost = f", ~{format_dollars(job.cost)}" if job.cost is not None else ""
                seconds = f" ({job.predict_time:.1f} s{cost})" if job.predict_time is not None else ""
                self._err(f"[{self._ended}] done: {what}{seconds}")
            else:
                self._err(f"[{self._ended}] {job.state}: {what}" + (f": {job.error}" if job.error else ""))
        elif isinstance(event, JobOutput) and event.path is not None:
            self.stdout.write(f"{event.path}\n")
            self.stdout.flush()
        elif isinstance(event, JobThrottled):
            self._err(f"Replicate is throttling creates; waiting {event.held_for:.0f} s, then "
                      f"{event.pacing.per_minute:g} a minute.")

    def estimate(self, text: str, runs: int, cost: float | None) -> None:
        if self.as_json:
            self._json({"event": "estimate", "runs": runs, "cost": cost, "estimate": True, "text": text})
        else:
            self._err(f"Batch: {text}.")

    def note(self, text: str) -> None:
        if self.as_json:
            self._json({"event": "note", "message": text})
        self._err(text)

    def summary(self, summary: Any) -> None:
        cost = f"~{format_dollars(summary.cost)} (estimate" + (
            f", {summary.cost_known} of {summary.succeeded} priced)" if summary.cost_known < summary.succeeded else ")")
        if self.as_json:
            self._json({"event": "summary", **asdict(summary), "estimate": True})
        self._err(f"{summary.total} runs: {summary.succeeded} succeeded, {summary.failed} failed, "
                  f"{summary.canceled} canceled; {summary.compute_seconds:.1f} s of compute; {cost}.")
