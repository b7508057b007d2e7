"""The job queue against the fake server's account limits: throughput at the create limit, the low-credit profile,
no job lost or run twice across a SIGKILL, memory per job, and polls for 20 in flight.

(a) 200 jobs with a 10/s create limit (600/min, burst 10): creates a second as the server accepted them (first to
    last), jobs a second (add to last end), 429s. Target: within 10 % of 10/s.
(b) the low-credit profile (6/min, burst 1) at a faster speed with the same shape, so a row takes a minute instead
    of half an hour: once with the ``ratelimit-*`` hints the real service sends (10×: 60/min, where its whole-second
    ``ratelimit-reset`` is exact, as it is at the real 6/min), once with the 429s alone (60×: 360/min).
    Target: no 429 after the first.
(c) 200 jobs of ``replicate-desktop batch`` killed with SIGKILL part-way (with one create left unanswered at that
    moment) and run again: predictions per job on the server. Target: exactly one each.
(d) memory of a child process running 400 jobs, after job 20, 200 and 400 (RSS and Python's own allocations,
    after a collection). Target: ≤ 1.1× from 20 to 200 (no growth per job).
(e) 20 predictions in flight at once, followed by polling: the busiest second of polls as the server counted them.
    Target: ≤ 10 requests in any second.
Nothing is asserted; targets are printed as PASS/MISS.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from desktop_app.replicate import PollBudget, ReplicateClient
from desktop_app.session import Backends
from desktop_app.session.jobs import BatchSpec, expand, prompts_from_text
from desktop_app.session.queue import JobQueue
from desktop_app.session.spend import Spending
from desktop_app.storage.queue_store import QueueStore
from tests.fake_replicate import FakeReplicate, Script
from tests.fake_replicate.fault_kinds import Stall
from tests.fake_replicate.rate_limits import CreateLimit
from tests.integration.helpers import ThreadedFake

FLUX = "black-forest-labs/flux-schnell"
FAST_IMAGE = Script(kind="image", official=True, steps=2, step_time=0.02, queue_time=0.02)
ROOT = Path(__file__).resolve().parent.parent
CHILD = "memory-child"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def jobs(count: int, prefix: str = "job") -> list[Any]:
    return expand(BatchSpec(FLUX, rows=tuple(prompts_from_text("\n".join(f"{prefix} {i}" for i in range(count))))))


async def run_queue(fake: FakeReplicate, count: int, *, concurrency: int) -> tuple[float, float]:
    """Runs ``count`` jobs; returns (creates a second as accepted by the server, jobs a second)."""
    with tempfile.TemporaryDirectory() as folder:
        async with aiohttp.ClientSession() as session:
            client = ReplicateClient(session, token=fake.token, base_url=fake.base_url)
            store = QueueStore.open(Path(folder) / "queue.sqlite3")
            queue = JobQueue(store, Backends(lambda: client, prediction_options={"budget": PollBudget()}),
                             spending=Spending(store), concurrency=concurrency)
            first = len(fake.predictions)
            queue.start()
            began = time.perf_counter()
            queue.add(jobs(count))
            await queue.wait_idle()
            elapsed = time.perf_counter() - began
            states = {job.state for job in queue.board.jobs()}
            await queue.aclose()
            store.close()
    assert states == {"succeeded"}, states
    created = sorted(p.created_at for p in list(fake.predictions.values())[first:])
    creates_per_second = (len(created) - 1) / (created[-1] - created[0])
    return creates_per_second, count / elapsed


async def throughput() -> bool:
    async with FakeReplicate() as fake:
        fake.set_script(FLUX, FAST_IMAGE)
        fake.rate_limits.create = CreateLimit(per_minute=600, burst=10)
        creates, per_job = await run_queue(fake, 200, concurrency=16)
        ok = abs(creates - 10.0) <= 1.0
        print(f"(a) 200 jobs, create limit 10/s (burst 10), concurrency 16: {creates:.2f} creates/s accepted, "
              f"{per_job:.2f} jobs/s end to end, {fake.rate_limits.throttled['create']} × 429 — "
              f"ratio {creates / 10:.3f} of the limit (target 0.9–1.1): {verdict(ok)}")
    return ok


async def low_credit() -> bool:
    ok = True
    for hints, count, speed in ((True, 30, 10), (False, 200, 60)):
        async with FakeReplicate() as fake:
            fake.set_script(FLUX, FAST_IMAGE)
            fake.rate_limits.create = CreateLimit.low_credit(speed=speed)
            fake.rate_limits.hints = hints
            creates, _ = await run_queue(fake, count, concurrency=4)
            throttled = fake.rate_limits.throttled["create"]
            row_ok = throttled <= 1
            ok &= row_ok
            told = "with ratelimit-* hints" if hints else "429s only, no hints"
            limit = 6 * speed
            print(f"(b) low-credit profile at {speed}× speed ({limit}/min, burst 1; real: 6/min), {told}: {count} "
                  f"jobs, {throttled} × 429 in all, {creates * 60:.0f} creates/min accepted "
                  f"({creates * 60 / limit:.2f} of the limit) — target ≤ 1 × 429: {verdict(row_ok)}")
    return ok


def kill_and_restart() -> bool:
    count = 200
    server = ThreadedFake()
    fake = server.start()
    try:
        server.call(lambda: fake.set_script(FLUX, Script(kind="image", official=True, steps=4, step_time=0.05)))
        server.call(lambda: setattr(fake.rate_limits, "create", CreateLimit(per_minute=600, burst=10)))
        server.call(lambda: fake.faults.add("create", Stall(5), nth=90))
        with tempfile.TemporaryDirectory() as folder:
            prompts = Path(folder) / "prompts.txt"
            prompts.write_text("".join(f"kill test {i}\n" for i in range(count)), encoding="utf-8")
            out = Path(folder) / "out"
            out.mkdir()
            env = {**os.environ, "REPLICATE_API_TOKEN": fake.token, "REPLICATE_API_BASE_URL": fake.base_url}
            argv = [sys.executable, "-m", "desktop_app", "batch", "flux-schnell", "--prompts", str(prompts), "--out",
                    str(out), "--concurrency", "8", "--json"]
            first = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not (fake.faults.applied and len(fake.predictions) >= 100):
                time.sleep(0.02)
            running = sum(not p.is_terminal for p in list(fake.predictions.values()))
            first.send_signal(signal.SIGKILL)
            first.wait(10)
            at_kill = len(fake.predictions)
            second = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
                                    check=False)
            counts: dict[str, int] = {}
            for prediction in list(fake.predictions.values()):
                counts[str(prediction.input["prompt"])] = counts.get(str(prediction.input["prompt"]), 0) + 1
            duplicated = sum(1 for n in counts.values() if n > 1)
            lost = count - len(counts)
            saved = len({path.name[:4] for path in out.glob("*.png")})
    finally:
        server.stop()
    ok = second.returncode == 0 and duplicated == 0 and lost == 0 and saved == count
    print(f"(c) {count} jobs via `replicate-desktop batch`, SIGKILL after {at_kill} predictions existed ({running} in "
          f"flight, one create unanswered), then run again (exit {second.returncode}): {len(counts)} jobs on the "
          f"server, {duplicated} run twice, {lost} lost, outputs saved for {saved}: {verdict(ok)}")
    return ok


def memory_child(base_url: str, token: str) -> int:
    """Runs 400 jobs and prints memory after job 20, 200 and 400 as JSON."""
    import tracemalloc

    tracemalloc.start()

    def rss_mb() -> float:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6

    async def run() -> dict[str, float]:
        marks: dict[str, float] = {}
        with tempfile.TemporaryDirectory() as folder:
            async with aiohttp.ClientSession() as session:
                client = ReplicateClient(session, token=token, base_url=base_url)
                store = QueueStore.open(Path(folder) / "queue.sqlite3")
                queue = JobQueue(store, Backends(lambda: client, prediction_options={"budget": PollBudget()}),
                                 spending=Spending(store), concurrency=8)
                queue.start()
                for label, count in (("20", 20), ("200", 180), ("400", 200)):
                    queue.add(jobs(count, prefix=label))
                    await queue.wait_idle()
                    gc.collect()
                    marks[f"rss_{label}"] = rss_mb()
                    marks[f"py_{label}"] = tracemalloc.get_traced_memory()[0] / 1e6
                await queue.aclose()
                store.close()
        return marks

    print(json.dumps(asyncio.run(run())))
    return 0


def memory() -> bool:
    server = ThreadedFake()
    fake = server.start()
    try:
        server.call(lambda: fake.set_script(FLUX, FAST_IMAGE))
        server.call(lambda: setattr(fake.rate_limits, "create", None))
        result = subprocess.run([sys.executable, "-m", "bench.core_queue", CHILD, fake.base_url, fake.token],
                                cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    finally:
        server.stop()
    if result.returncode != 0:
        print(f"(d) memory child failed: {result.stderr[-2000:]}")
        return False
    marks = json.loads(result.stdout.strip().splitlines()[-1])
    rss = marks["rss_200"] / marks["rss_20"]
    ok = rss <= 1.1
    print(f"(d) memory after 20 / 200 / 400 jobs (child process; server elsewhere): RSS {marks['rss_20']:.1f} / "
          f"{marks['rss_200']:.1f} / {marks['rss_400']:.1f} MB ({rss:.3f}× from 20 to 200, "
          f"{marks['rss_400'] / marks['rss_200']:.3f}× from 200 to 400); Python allocations {marks['py_20']:.2f} / "
          f"{marks['py_200']:.2f} / {marks['py_400']:.2f} MB (caches fill by job 200, then flat) — "
          f"target ≤ 1.1× from 20 to 200: {verdict(ok)}")
    return ok


async def polling() -> bool:
    async with FakeReplicate() as fake:
        fake.set_script(FLUX, Script(kind="image", official=True, stream=False, steps=30, step_time=0.1))
        fake.rate_limits.create = None
        first = len(fake.requests)
        await run_queue(fake, 20, concurrency=20)
        times = [r.time for r in fake.requests[first:] if r.method == "GET" and r.path.startswith("/v1/predictions")]
        busiest = max((sum(1 for t in times if start <= t < start + 1.0) for start in times), default=0)
        lists = sum(1 for r in fake.requests[first:] if r.method == "GET" and r.path == "/v1/predictions")
        ok = busiest <= 10
        print(f"(e) 20 predictions in flight (~3 s each, polled): {len(times)} polls ({lists} list requests), busiest "
              f"second {busiest} requests — target ≤ 10: {verdict(ok)}")
    return ok


def main() -> None:
    results = [asyncio.run(throughput()), asyncio.run(low_credit()), kill_and_restart(), memory(),
               asyncio.run(polling())]
    print(f"{sum(results)} of {len(results)} targets met.")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == CHILD:
        sys.exit(memory_child(sys.argv[2], sys.argv[3]))
    main()
