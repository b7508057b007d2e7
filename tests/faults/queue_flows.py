"""The job queue's journeys for the fault matrix, each run by the real ``JobQueue`` against the fake server:

- ``batch``: five jobs, three at a time — text (streamed), images (polled) and an image model with two file
  inputs (one uploaded, one sent inline) — saved by the command line's ``FolderOutputs``;
- ``batch restart``: the same batch closed mid-way (``aclose``, as the app quits) and taken up by a new queue on
  the same database, the fault still active;
- ``batch cancel``: a running job (or one whose create has no answer yet) and a waiting one canceled by the user;
- ``compare``: one prompt put to a text and an image model side by side (``session.compare``).

Each returns the :class:`~tests.faults.report.Outcome` the user would see, judged by ``queue_judge``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from desktop_app.cli_batch_parts import FolderOutputs
from desktop_app.replicate import DownloadedFile, DownloadProgress, PollBudget, ReplicateClient, download_output
from desktop_app.session import Backends
from desktop_app.session.compare import Comparison
from desktop_app.session.events import OutputFailed, RunFailed, RunFinished
from desktop_app.session.jobs import JobSpec
from desktop_app.session.pacing import DOCUMENTED_PER_MINUTE, CreatePacer
from desktop_app.session.queue import JobQueue
from desktop_app.session.queue_events import JobThrottled, QueueEvent
from desktop_app.session.runs import RunService
from desktop_app.storage.queue_store import QueueStore
from tests.fake_replicate import FakeReplicate, Script
from tests.fake_replicate.faults import FaultKind

from . import flows
from .queue_judge import JobEnd, JobKey, judge, made_for, sentence_problem, served, throttling_problem
from .report import Outcome

ECHO = "acme/matrix-echo"  # a text model that streams its prompt back, so every job's reply is its own
PAINT = "acme/matrix-paint"  # an image model with two file inputs (image and mask), as inpainting models have
IMAGE = flows.IMAGE_MODEL
CONCURRENCY = 3
FAST_PER_MINUTE = 10 * DOCUMENTED_PER_MINUTE
PICTURE = bytes(range(256)) * 1200  # 300 KB: above the inline limit, so it is uploaded
MASK = b"\x89PNG\r\n\x1a\n" + bytes(200)  # small: sent inline as a data: URI


@dataclass
class QueueEnv:
    """What a queue journey needs: the fake, an HTTP session, a folder, and the row's fault."""

    fake: FakeReplicate
    session: aiohttp.ClientSession
    folder: Path
    kind: FaultKind
    times: int
    throttled: bool = False  # the row is about 429s: creates must also keep to the pace
    events: list[QueueEvent] = field(default_factory=list)


def prepare(fake: FakeReplicate, *, gate: asyncio.Event | None = None) -> None:
    """The journeys' models; ``gate`` holds the image model's runs half-way until it is set."""
    flows.prepare(fake)
    fake.set_script(ECHO, Script(kind="text", official=True, echo=True, token_interval=0.005))
    fake.set_script(PAINT, Script(kind="image", task="inpaint", official=True, stream=False, steps=2,
                                  step_time=0.01))
    if gate is not None:
        fake.set_script(IMAGE, Script(kind="image", official=True, stream=False, steps=2, step_time=0.01, gate=gate,
                                      gate_after=1))


def batch_specs(folder: Path) -> list[JobSpec]:
    picture, mask = folder / "picture.png", folder / "mask.png"
    picture.write_bytes(PICTURE)
    mask.write_bytes(MASK)
    return [
        JobSpec(ECHO, {"prompt": "job one says hello"}),
        JobSpec(IMAGE, {"prompt": "job two paints a boat"}),
        JobSpec(PAINT, {"prompt": "job three mends a wall", "image": picture, "mask": mask}),
        JobSpec(ECHO, {"prompt": "job four says goodbye"}),
        JobSpec(IMAGE, {"prompt": "job five paints a kite"}),
    ]


async def quick_download(client: ReplicateClient, url: str, progress: DownloadProgress) -> DownloadedFile:
    """The app's download with the matrix's cap, and backoff without the wait (only whether it retries counts)."""
    return await download_output(client, url, on_progress=progress, sleep=flows.quick_sleep,
                                 max_bytes=flows.FILE_CAP)


def backends(env: QueueEnv) -> Backends:
    client = flows.make_client(env.session, env.fake)
    return Backends(lambda: client, policy=lambda: flows.POLICY, prediction_options={"budget": PollBudget()},
                    download=quick_download)


@asynccontextmanager
async def open_queue(env: QueueEnv, store: QueueStore) -> AsyncIterator[JobQueue]:
    """A queue as the app makes one, polling as fast as the matrix's; its creates keep to Replicate's documented
    rate on rows about 429s, and go ten times faster elsewhere (the spacing is not what those rows are about)."""
    pacer = CreatePacer(CONCURRENCY, per_minute=DOCUMENTED_PER_MINUTE if env.throttled else FAST_PER_MINUTE)
    queue = JobQueue(store, backends(env), outputs=FolderOutputs(env.folder / "out"), pacer=pacer,
                     policy=flows.POLICY)
    queue.context.sleep = flows.quick_sleep
    queue.subscribe(env.events.append)
    try:
        yield queue
    finally:
        await queue.aclose()


async def until(condition: Callable[[], bool], limit: float = 20.0) -> bool:
    """Waits for ``condition`` (True) or ``limit`` seconds (False)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not condition():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.005)
    return True


def ended(queue: JobQueue, batch_id: int) -> list[JobEnd]:
    return [JobEnd.of(job) for job in queue.store.jobs(batch_id=batch_id)]


def verdict(env: QueueEnv, queue: JobQueue, batch_id: int, *, canceled: tuple[JobKey, ...] = ()) -> Outcome:
    """The judged outcome, with the pace of creates checked on rows about 429s."""
    outcome = judge(env.fake, ended(queue, batch_id), paused=queue.reason, canceled=canceled)
    if env.throttled and outcome.kind != "wrong":
        heard = [event for event in env.events if isinstance(event, JobThrottled)]
        problem = throttling_problem(env.fake, env.kind, heard, CONCURRENCY)
        if problem is not None:
            return Outcome("wrong", problem)
    return outcome


async def retried(env: QueueEnv, queue: JobQueue, batch_id: int, outcome: Outcome) -> Outcome:
    """Failed jobs whose prediction succeeded on Replicate (its outputs could not be downloaded, or following it
    failed): once the fault is gone, a retry takes each up without a second run, keeping exactly its outputs."""
    paid = [end for end in ended(queue, batch_id) if end.state == "failed"
            and any(p.id == end.prediction_id and p.status == "succeeded" for p in made_for(env.fake, end.key))]
    if not paid or outcome.kind not in ("error", "result"):
        return outcome
    env.fake.faults.clear()
    queue.retry_failed(batch_id)
    await queue.wait_idle()
    after = {end.key: end for end in ended(queue, batch_id)}
    for before in paid:
        again, made = after[before.key], made_for(env.fake, before.key)
        if (again.state, again.prediction_id, len(made)) != ("succeeded", before.prediction_id, 1) \
                or again.kept != served(made[0]):
            return Outcome("wrong", f"job {before.key[1]!r}: a retry did not take up the run it paid for "
                                    f"({again.state}, {len(made)} predictions)")
    note = f"succeeded ({len(paid)} more by a retry, without a new run);"
    return Outcome(outcome.kind, outcome.text.replace("succeeded;", note, 1))


# ---- the journeys ----------------------------------------------------------------------------------------


async def batch(env: QueueEnv) -> Outcome:
    prepare(env.fake)
    with QueueStore.open(env.folder / "queue.sqlite3") as store:
        async with open_queue(env, store) as queue:
            record = await queue.add_checked(batch_specs(env.folder))
            queue.start()
            await queue.wait_idle()
            return await retried(env, queue, record.id, verdict(env, queue, record.id))


async def restart(env: QueueEnv) -> Outcome:
    """Closed while a job is in flight and others wait; a new queue on the same database finishes the batch."""
    gate = asyncio.Event()
    prepare(env.fake, gate=gate)
    with QueueStore.open(env.folder / "queue.sqlite3") as store:
        async with open_queue(env, store) as first:
            record = await first.add_checked(batch_specs(env.folder))
            first.start()

            def mid_batch() -> bool:
                jobs = store.jobs(batch_id=record.id)
                in_flight = any(job.state in ("creating", "running") and job.sent_at is not None for job in jobs)
                return bool(env.fake.faults.applied) and in_flight
            if not await until(mid_batch):
                return Outcome("wrong", "no job was in flight once the fault had fired: the restart tests nothing")
            taken_up = len(store.jobs(batch_id=record.id, states=("creating", "running")))
        async with open_queue(env, store) as second:
            second.start()
            gate.set()
            await second.wait_idle()
            outcome = await retried(env, second, record.id, verdict(env, second, record.id))
            return Outcome(outcome.kind, f"{taken_up} in flight at the restart; {outcome.text}")


async def cancel(env: QueueEnv) -> Outcome:
    """The user cancels a waiting job at once and the first job as soon as its prediction exists on the server
    (running, or its create still unanswered); the others run to the end."""
    prepare(env.fake)
    specs = [JobSpec(flows.GATED_MODEL, {"prompt": "job one waits"}), JobSpec(IMAGE, {"prompt": "job two paints"}),
             JobSpec(ECHO, {"prompt": "job three says hi"}), JobSpec(IMAGE, {"prompt": "job four never runs"})]
    keys = [(spec.model, str(spec.prompt)) for spec in specs]
    with QueueStore.open(env.folder / "queue.sqlite3") as store:
        async with open_queue(env, store) as queue:
            record = await queue.add_checked(specs)
            first, *_, last = store.jobs(batch_id=record.id)
            queue.cancel(last.id)
            queue.start()
            if not await until(lambda: bool(made_for(env.fake, keys[0]))):
                return Outcome("wrong", "the first job's prediction was never created")
            queue.cancel(first.id)
            await queue.wait_idle()
        # closed as the app quits (or the command line after Ctrl+C): a cancel under way on the server is finished
        return verdict(env, queue, record.id, canceled=(keys[0], keys[-1]))


async def compare(env: QueueEnv) -> Outcome:
    """Both lanes end: each with its model's exact output, or failed (or an output failed) with one sentence."""
    prepare(env.fake)
    runs = RunService(backends(env))
    prompt = "compare these few words"
    comparison = Comparison(runs, prompt, [ECHO, IMAGE])
    try:
        lanes = comparison.start()
        await comparison.wait()
    finally:
        await runs.aclose()
    problems: list[str] = []
    for lane in lanes:
        made = made_for(env.fake, (lane.model, prompt))
        end = lane.run.end
        lost = [event.problem.message for event in lane.run.events if isinstance(event, OutputFailed)]
        if len(made) > 1:
            return Outcome("wrong", f"{lane.model}: {len(made)} predictions for one lane")
        if isinstance(end, RunFailed) or lost:
            message = end.problem.message if isinstance(end, RunFailed) else lost[0]
            bad = sentence_problem(message, env.fake.token)
            if bad is not None:
                return Outcome("wrong", f"{lane.model}: {bad}")
            problems.append(message)
        elif isinstance(end, RunFinished):
            kept = tuple(output.data for output in lane.run.outputs) or (lane.text.encode("utf-8"),)
            if not made or kept != served(made[0]):
                return Outcome("wrong", f"{lane.model}: not the model's output")
        else:
            return Outcome("wrong", f"{lane.model}: ended {type(end).__name__}")
    if problems:
        return Outcome("error", f"{len(lanes) - len(problems)} of {len(lanes)} lanes exact; {problems[0]}")
    return Outcome("result", f"{len(lanes)} of {len(lanes)} lanes exact")
