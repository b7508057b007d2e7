"""The command line's journey for the fault matrix: ``replicate-desktop batch`` (the real ``run_batch``, which runs
its own event loop) over two prompts times a matrix over a text and an image model, against a fake server served
from another thread. What it saved is read back from its folder's queue database and judged as the queue's."""

from __future__ import annotations

import io
import re
from pathlib import Path

from desktop_app.cli_batch import STORE_NAME, run_batch
from desktop_app.storage.queue_store import QueueStore
from tests.fake_replicate.faults import FaultKind, Phase
from tests.integration.helpers import ThreadedFake

from .queue_flows import ECHO, IMAGE, prepare
from .queue_judge import JobEnd, judge
from .report import Outcome

EXPECTED_EXIT = {"result": 0, "error": 4, "paused": 3}
_SUMMARY = re.compile(r"^(\d+) runs: (\d+) succeeded, (\d+) failed, (\d+) canceled; ", re.MULTILINE)


def cli(threaded: ThreadedFake, folder: Path, phase: Phase, kind: FaultKind, times: int) -> Outcome:
    """Runs the command once with the fault scripted; its outcome, and ``wrong`` when its exit code, summary line
    or output disagree with what happened to the jobs."""
    fake = threaded.fake
    threaded.call(lambda: prepare(fake))
    threaded.call(lambda: fake.faults.add(phase, kind, times=times))
    prompts = folder / "prompts.txt"
    prompts.write_text("cli job one\ncli job two\n", encoding="utf-8")
    out = folder / "out"
    out.mkdir()
    stdout, stderr = io.StringIO(), io.StringIO()
    code = run_batch([IMAGE, "--prompts", str(prompts), "--matrix", f"model={IMAGE},{ECHO}", "--concurrency", "2",
                      "--out", str(out)], stdout=stdout, stderr=stderr)
    said = stderr.getvalue()
    if "Traceback" in said or fake.token in said + stdout.getvalue():
        return Outcome("wrong", f"exit {code}: a traceback or the token on the terminal")
    with QueueStore.open(out / STORE_NAME) as store:
        ends = [JobEnd.of(job) for job in store.jobs()]
    account = next((line.removeprefix("Error: ") for line in said.splitlines() if line.startswith("Error: ")), None)
    outcome = judge(fake, ends, paused=account if code == 3 else None)
    if outcome.kind == "wrong":
        return Outcome("wrong", f"exit {code}: {outcome.text}")
    wanted = EXPECTED_EXIT.get(outcome.kind)
    if code != wanted:
        return Outcome("wrong", f"exit {code} where {outcome.kind} means {wanted}: {outcome.text}")
    summary = _SUMMARY.search(said)
    counts = tuple(sum(end.state == state for end in ends) for state in ("succeeded", "failed", "canceled"))
    if summary is None or (int(summary[1]), *map(int, summary.groups()[1:])) != (len(ends), *counts):
        return Outcome("wrong", f"exit {code}: the summary line does not count the jobs as they ended: {said!r}")
    named = [line for line in said.splitlines() if "] failed: " in line]
    if len(named) != counts[1] or any(str(end.error) not in said for end in ends if end.state == "failed"):
        return Outcome("wrong", f"exit {code}: the failed jobs are not each named with their reason: {said!r}")
    saved = sorted(line for line in stdout.getvalue().splitlines() if line)
    if saved != sorted(str(path) for path in out.iterdir() if path.suffix in (".png", ".txt")):
        return Outcome("wrong", f"exit {code}: the files named on stdout are not the files saved")
    return Outcome(outcome.kind, f"exit {code}: {outcome.text}")
