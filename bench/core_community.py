"""Community models (outside the alias table): how soon after the server finishes does the caller have the result,
and how hard is the server polled? Ours (one app: one poll budget, one schema cache) vs the official client.

Same method as ``bench.core_latency``: one process, one event loop, the in-process fake server; the server-side
moment is ``FakePrediction.completed_at``, the caller's is when ``generate`` yields the ``ImageResponse``. Poll
rates are counted from the fake's recorded requests (``GET /v1/predictions`` and ``/v1/predictions/{id}``, with
their arrival times) in any sliding one-second window, for the whole app.

(d) finishing inside the ``Prefer: wait`` window; (e) outlasting the window, with no stream and nothing in its
logs to predict the end (it waits in the queue for 0.5–0.8 s); (f) twenty such predictions at once. The queue
times are spread evenly over that range (one random draw in each twentieth, shuffled), so that 20 runs sample
the moment of completion against the poll grid evenly rather than by luck: the median then moves by a few ms
from run to run instead of ±8 ms. Nothing is asserted; targets are printed as PASS/MISS.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp
import replicate

from desktop_app.replicate import APP_POLICY, ModelSchemas, PollBudget
from tests.fake_replicate import FakeReplicate, Script

from .core_latency import (
    OFFICIAL_VERSION,
    Row,
    Runner,
    measure,
    ms,
    official_client,
    official_run,
    print_table,
)
from .core_latency import CaseResult as _Case

RUNS = 20
OURS_RUNS = 60  # (e) and (f): three times the official rows' samples, for a steadier median of ours
WINDOW = 0.3  # the fake's Prefer: wait window in (e) and (f): short, so that runs outlast it
PAINTER = "acme/painter"


@dataclass
class Case:
    """A case with the whole app's busiest second of polls per row (index as in ``case.rows``)."""

    case: _Case
    rates: list[int]


def busiest_second(times: list[float]) -> int:
    return max((len([t for t in times if start <= t < start + 1.0]) for start in times), default=0)


def poll_times(fake: FakeReplicate, first: int) -> list[float]:
    return [request.time for request in fake.requests[first:]
            if request.method == "GET" and request.path.startswith("/v1/predictions")]


async def rows_with_rates(fake: FakeReplicate, case: _Case,
                          rows: list[tuple[str, Callable[[], Awaitable[Row]]]]) -> Case:
    rates = []
    for _label, make in rows:
        first = len(fake.requests)
        case.rows.append(await make())
        rates.append(busiest_second(poll_times(fake, first)))
    return Case(case, rates)


def app_runner(session: aiohttp.ClientSession, fake: FakeReplicate, model: str) -> Runner:
    """Ours as the app runs it: every run shares one poll budget and one schema cache."""
    budget, schemas = PollBudget(), ModelSchemas()

    async def run(prompt: str) -> float | None:
        from desktop_app.replicate import ImageResponse, ReplicateClient, generate

        loop = asyncio.get_running_loop()
        client = ReplicateClient(session, token=fake.token, base_url=fake.base_url)
        got_at: float | None = None
        async for event in generate(client, model, [], prompt=prompt, policy=APP_POLICY, budget=budget,
                                    schemas=schemas):
            if isinstance(event, ImageResponse) and got_at is None:
                got_at = loop.time()
        return got_at

    return run


def queue_times(rng: random.Random, count: int = RUNS) -> list[float]:
    """``count`` queue times in 0.5–0.8 s, one drawn in each of ``count`` equal slices, in random order."""
    times = [0.5 + 0.3 * (index + rng.random()) / count for index in range(count)]
    rng.shuffle(times)
    return times


def with_random_queue(fake: FakeReplicate, model: str, runner: Runner, rng: random.Random,
                      count: int = RUNS) -> Runner:
    """Before each run, the model is given its queue time (runs go one at a time here)."""
    pending = iter(queue_times(rng, count))

    async def run(prompt: str) -> float | None:
        fake.set_script(model, plain_script(next(pending)))
        return await runner(prompt)

    return run


def plain_script(queue: float) -> Script:
    """An image model that waits ``queue`` seconds, then finishes at once: no stream, no tqdm, no ETA."""
    return Script(kind="image", steps=0, queue_time=queue, stream=False)


async def case_d(session: aiohttp.ClientSession, firsts: dict[str, float]) -> Case:
    case = _Case("d", "(d) community image model finishing inside the wait window (~0.3 s)", target_ms=20.0)
    async with FakeReplicate() as fake:
        fake.set_script(PAINTER, Script(kind="image", steps=9, step_time=0.03, queue_time=0.02, stream=False))
        versioned = f"{PAINTER}:{fake.models[PAINTER].version}"  # the official client needs it off the official route
        official = official_client(fake)
        mine = app_runner(session, fake, PAINTER)
        await mine(f"warm-up {time.monotonic_ns()}")  # imports, first connections, the schema look-up
        await official_run(official, versioned)(f"warm-up {time.monotonic_ns()}")
        return await rows_with_rates(fake, case, [
            ("ours", lambda: _row("ours (app: budget + schemas)", fake, firsts, "d-ours", mine)),
            ("run", lambda: _row(f"official {OFFICIAL_VERSION} run()", fake, firsts, "d-official",
                                 official_run(official, versioned))),
            ("wait", lambda: _row(f"official {OFFICIAL_VERSION} create()+wait()", fake, firsts, "d-wait",
                                  official_create_and_wait_by_version(official, fake, PAINTER),
                                  note="its polling, every 0.5 s")),
        ])


async def case_e(session: aiohttp.ClientSession, firsts: dict[str, float]) -> Case:
    case = _Case("e", f"(e) community model outlasting a {WINDOW:g} s window: no stream, no logs", target_ms=60.0,
                 max_rate=10.0)
    rng = random.Random(7)
    async with FakeReplicate(wait_window=WINDOW) as fake:
        fake.set_script(PAINTER, plain_script(0.5))
        versioned = f"{PAINTER}:{fake.models[PAINTER].version}"
        official = official_client(fake)
        mine = app_runner(session, fake, PAINTER)
        await mine(f"warm-up {time.monotonic_ns()}")
        return await rows_with_rates(fake, case, [
            ("ours", lambda: _row("ours (app: budget + schemas)", fake, firsts, "e-ours",
                                  with_random_queue(fake, PAINTER, mine, rng, OURS_RUNS), runs=OURS_RUNS)),
            ("run", lambda: _row(f"official {OFFICIAL_VERSION} run()", fake, firsts, "e-official",
                                 with_random_queue(fake, PAINTER, official_run(official, versioned), rng))),
            ("wait", lambda: _row(f"official {OFFICIAL_VERSION} create()+wait()", fake, firsts, "e-wait",
                                  with_random_queue(fake, PAINTER,
                                                    official_create_and_wait_by_version(official, fake, PAINTER),
                                                    rng), note="no Prefer: wait; polls every 0.5 s")),
        ])


async def case_f(session: aiohttp.ClientSession, firsts: dict[str, float]) -> Case:
    case = _Case("f", f"(f) 20 such predictions at once (outlasting a {WINDOW:g} s window, no stream, no logs)",
                 target_ms=60.0, max_rate=10.0)
    rng = random.Random(11)
    async with FakeReplicate(wait_window=WINDOW) as fake:
        names = [f"acme/plain-{index}" for index in range(RUNS)]
        official = official_client(fake)
        shared_budget, shared_schemas = PollBudget(), ModelSchemas()

        def new_queue_times() -> None:
            for name, queue in zip(names, queue_times(rng), strict=True):
                fake.set_script(name, plain_script(queue))

        def ours_at_once() -> Runner:
            """Each run picks its own model (own queue time); all share the app's budget and cache. After each
            batch of 20 at once, the next batch gets new queue times."""
            pending = iter(range(OURS_RUNS))

            async def run(prompt: str) -> float | None:
                from desktop_app.replicate import ImageResponse, ReplicateClient, generate

                model = names[next(pending) % RUNS]
                client = ReplicateClient(session, token=fake.token, base_url=fake.base_url)
                got_at: float | None = None
                async for event in generate(client, model, [], prompt=prompt, policy=APP_POLICY,
                                            budget=shared_budget, schemas=shared_schemas):
                    if isinstance(event, ImageResponse) and got_at is None:
                        got_at = asyncio.get_running_loop().time()
                return got_at

            return run

        def official_at_once() -> Runner:
            pending = iter(range(RUNS))

            async def run(prompt: str) -> float | None:
                name = names[next(pending)]
                return await official_run(official, f"{name}:{fake.models[name].version}")(prompt)

            return run

        new_queue_times()
        await app_runner(session, fake, names[0])(f"warm-up {time.monotonic_ns()}")
        return await rows_with_rates(fake, case, [
            ("ours", lambda: _row("ours (app: budget + schemas)", fake, firsts, "f-ours", ours_at_once(),
                                  concurrency=RUNS, runs=OURS_RUNS, between_batches=new_queue_times,
                                  note=f"{OURS_RUNS // RUNS} batches of {RUNS} at once")),
            ("run", lambda: _row(f"official {OFFICIAL_VERSION} run()", fake, firsts, "f-official",
                                 official_at_once(), concurrency=RUNS)),
        ])


def official_create_and_wait_by_version(client: replicate.Client, fake: FakeReplicate, model: str) -> Runner:
    """``predictions.create(version=…)`` + ``wait()``: a community model has no model route on the fake."""

    async def run(prompt: str) -> float | None:
        prediction = await client.predictions.async_create(version=fake.models[model].version,
                                                           input={"prompt": prompt})
        await prediction.async_wait()
        ok = prediction.status == "succeeded" and prediction.output
        return asyncio.get_running_loop().time() if ok else None

    return run


async def _row(label: str, fake: FakeReplicate, firsts: dict[str, float], key: str, runner: Runner, *,
               concurrency: int = 1, runs: int = RUNS, note: str = "",
               between_batches: Callable[[], None] | None = None) -> Row:
    """``runs`` runs, at most ``concurrency`` at once; with ``between_batches``, in batches of ``concurrency``
    that each start together (``between_batches`` runs before every batch after the first)."""
    if between_batches is None:
        return Row(label, await measure(fake, firsts, key, runner, runs=runs, moment="completion",
                                        concurrency=concurrency), note=note)
    samples = []
    for batch in range(runs // concurrency):
        if batch:
            between_batches()
        samples += await measure(fake, firsts, f"{key}-{batch}", runner, runs=concurrency, moment="completion",
                                 concurrency=concurrency)
    return Row(label, samples, note=note)


def print_rates(results: list[Case]) -> None:
    print("\nPolls in the busiest second, whole app, as the server counted them:")
    for result in results:
        cells = ", ".join(f"{row.client}: {rate}" for row, rate in zip(result.case.rows, result.rates, strict=True))
        print(f"  {result.case.key}: {cells}")


def print_targets(results: list[Case]) -> None:
    print("\nTargets (ours, as the app runs it):")
    for result in results:
        case, mine, rate = result.case, result.case.rows[0], result.rates[0]
        median = mine.median
        ok = median is not None and median * 1000 <= case.target_ms and not mine.failures
        text = f"median {ms(median)} ms ≤ {case.target_ms:g} ms"
        if case.max_rate is not None:
            ok = ok and rate <= case.max_rate
            text += f", at {rate} ≤ {case.max_rate:g} polls in any second (whole app)"
        print(f"  {'PASS' if ok else 'MISS'}  {case.title}: {text}")


async def run_all() -> list[Case]:
    results = []
    firsts: dict[str, float] = {}  # first-token moments are not used here
    async with aiohttp.ClientSession() as session:
        for title, case in (("d", case_d), ("e", case_e), ("f", case_f)):
            began = time.perf_counter()
            print(f"… case {title}", flush=True)
            results.append(await case(session, firsts))
            print(f"  ({time.perf_counter() - began:.1f} s)", flush=True)
    return results


def main() -> None:
    print(__doc__.split("\n\n")[0])
    began = time.perf_counter()
    results = asyncio.run(run_all())
    print_table([result.case for result in results])
    print_rates(results)
    print_targets(results)
    medians = [row.median for result in results for row in result.case.rows[:1] if row.median is not None]
    print(f"\nOurs, median of the case medians: {ms(statistics.median(medians)) if medians else '—'} ms. "
          f"Total bench time {time.perf_counter() - began:.0f} s.")


if __name__ == "__main__":
    main()
