"""How long after the server has a result does it reach the caller? Ours vs the official client vs the original.

Everything runs in one process and one event loop against the in-process fake server (tests/fake_replicate), so
server-side moments and client-side moments share one clock (``loop.time()``):

* the moment a prediction completes is its ``FakePrediction.completed_at`` (set when it reaches its terminal status;
  image outputs are published in the same instant);
* the moment a text model emits its first token is recorded by wrapping ``FakePrediction._emit`` for the duration
  of the bench (the fake itself is not changed).

Clients: ours (``generate`` with ``APP_POLICY``), the official ``replicate`` Python client with default settings
(its async API on the same loop), and the original behaviour (``FollowPolicy(30, 5, wait_seconds=None,
use_stream=False)``: poll every 5 s). Nothing is asserted; targets are printed as PASS/MISS.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.metadata
import math
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

import aiohttp
import replicate

from desktop_app.replicate import (
    APP_POLICY,
    FollowPolicy,
    ImageResponse,
    PollBudget,
    ReplicateClient,
    TextDelta,
    generate,
)
from tests.fake_replicate import FakePrediction, FakeReplicate, Script

RUNS = 20
ORIGINAL_RUNS = 3  # the original policy waits ~5 s per run; 20 of them would take minutes
FLUX = "black-forest-labs/flux-schnell"
LLAMA = "meta/meta-llama-3-70b-instruct"
OVERLAP, STAGGER = 6, 0.5  # in the ~3 s cases (b): up to 6 runs in flight, started 0.5 s apart
ORIGINAL_POLICY = FollowPolicy(max_attempts=30, delay=5, wait_seconds=None, use_stream=False)
OFFICIAL_VERSION = importlib.metadata.version("replicate")

Moment = Literal["completion", "first_token"]
Runner = Callable[[str], Awaitable[float | None]]  # runs one prediction for a prompt; loop time the caller got it


# ---- observing the fake --------------------------------------------------------------------------------------


@contextlib.contextmanager
def first_outputs() -> Iterator[dict[str, float]]:
    """Records, per prediction id, the loop time of its first ``output`` event (wraps ``FakePrediction._emit``)."""
    seen: dict[str, float] = {}
    original = FakePrediction._emit

    def emit(self: FakePrediction, event: str, data: str) -> None:
        if event == "output" and self.id not in seen:
            seen[self.id] = self.clock.now()
        original(self, event, data)

    setattr(FakePrediction, "_emit", emit)  # noqa: B010 - a temporary wrapper, restored below
    try:
        yield seen
    finally:
        setattr(FakePrediction, "_emit", original)  # noqa: B010


# ---- samples and rows ----------------------------------------------------------------------------------------


@dataclass
class Sample:
    latency: float | None  # seconds from the server-side moment to the caller having the result; None: never
    requests: int  # requests this run sent (create, polls, streams, cancels)
    span: float  # seconds from its first request to the end of the run
    note: str = ""


@dataclass
class Row:
    client: str
    samples: list[Sample]
    note: str = ""

    @property
    def latencies(self) -> list[float]:
        return [sample.latency for sample in self.samples if sample.latency is not None]

    @property
    def median(self) -> float | None:
        values = self.latencies
        return statistics.median(values) if values else None

    @property
    def p95(self) -> float | None:
        values = sorted(self.latencies)
        return values[max(0, math.ceil(0.95 * len(values)) - 1)] if values else None

    @property
    def requests_per_run(self) -> float:
        return statistics.mean(sample.requests for sample in self.samples) if self.samples else 0.0

    @property
    def requests_per_second(self) -> float:
        """The highest average request rate of any one run (requests / run duration)."""
        rates = [sample.requests / sample.span for sample in self.samples if sample.span > 0]
        return max(rates, default=0.0)

    @property
    def failures(self) -> list[str]:
        return [sample.note or "no result" for sample in self.samples if sample.latency is None]


@dataclass
class CaseResult:
    key: str
    title: str
    rows: list[Row] = field(default_factory=list)
    target_ms: float = 20.0
    max_rate: float | None = None


def find_prediction(fake: FakeReplicate, prompt: str) -> FakePrediction | None:
    for prediction in fake.predictions.values():
        if prediction.input.get("prompt") == prompt:
            return prediction
    return None


def make_sample(fake: FakeReplicate, prompt: str, got_at: float | None, ended_at: float, moment: Moment,
                firsts: dict[str, float], note: str) -> Sample:
    prediction = find_prediction(fake, prompt)
    if prediction is None:
        return Sample(None, 0, 0.0, note or "no prediction was created")
    mine = [request for request in fake.requests
            if prediction.id in request.path
            or (isinstance(request.json, dict) and isinstance(request.json.get("input"), dict)
                and request.json["input"].get("prompt") == prompt)]
    span = ended_at - mine[0].time if mine else 0.0
    server_moment = prediction.completed_at if moment == "completion" else firsts.get(prediction.id)
    if got_at is None or server_moment is None:
        if not note:
            note = f"returned without a result (server status then: {prediction.status})"
        return Sample(None, len(mine), span, note)
    return Sample(got_at - server_moment, len(mine), span, note)


async def measure(fake: FakeReplicate, firsts: dict[str, float], label: str, runner: Runner, *, runs: int,
                  moment: Moment, concurrency: int = 1, stagger: float = 0.0, pause: float = 0.05) -> list[Sample]:
    """``runs`` runs of ``runner``; at most ``concurrency`` at once, started ``stagger`` seconds apart."""
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(concurrency)

    async def one(index: int) -> Sample:
        await asyncio.sleep(index * stagger)
        prompt = f"bench {label} #{index} {time.monotonic_ns()}"
        async with gate:
            note = ""
            try:
                got_at = await runner(prompt)
            except Exception as error:  # a client that breaks is a result too
                got_at, note = None, f"{type(error).__name__}: {error}"[:120]
            ended_at = loop.time()
            await asyncio.sleep(pause)
        return make_sample(fake, prompt, got_at, ended_at, moment, firsts, note)

    return list(await asyncio.gather(*(one(index) for index in range(runs))))


# ---- the clients ---------------------------------------------------------------------------------------------


def ours(session: aiohttp.ClientSession, fake: FakeReplicate, model: str, policy: FollowPolicy,
         moment: Moment) -> Runner:
    shared = PollBudget()  # like the app: every run of this client shares one poll budget

    async def run(prompt: str) -> float | None:
        loop = asyncio.get_running_loop()
        client = ReplicateClient(session, token=fake.token, base_url=fake.base_url)
        got_at: float | None = None
        # The original polled each prediction every 5 s on its own: a budget of one poll per 5 s per run.
        budget = PollBudget(max_rate=1, window=5.0, margin=0.0) if policy is ORIGINAL_POLICY else shared
        async for event in generate(client, model, [], prompt=prompt, policy=policy, budget=budget):
            wanted = isinstance(event, TextDelta) if moment == "first_token" else isinstance(event, ImageResponse)
            if wanted and got_at is None:
                got_at = loop.time()
        return got_at

    return run


def official_client(fake: FakeReplicate) -> replicate.Client:
    # The official client's base URL is the host: its paths carry /v1 themselves.
    return replicate.Client(api_token=fake.token, base_url=fake.root_url)


def official_run(client: replicate.Client, model: str) -> Runner:
    async def run(prompt: str) -> float | None:
        output = await client.async_run(model, input={"prompt": prompt})
        return asyncio.get_running_loop().time() if output else None

    return run


def official_stream(client: replicate.Client, model: str) -> Runner:
    """``stream()``: the result is the first ``output`` event (a text token, or an image model's file URL)."""

    async def run(prompt: str) -> float | None:
        loop = asyncio.get_running_loop()
        got_at: float | None = None
        async for event in await client.async_stream(model, input={"prompt": prompt}):
            if event.event.value == "output" and got_at is None:
                got_at = loop.time()
        return got_at

    return run


def official_create_and_wait(client: replicate.Client, model: str) -> Runner:
    async def run(prompt: str) -> float | None:
        prediction = await client.models.predictions.async_create(model=model, input={"prompt": prompt})
        await prediction.async_wait()
        ok = prediction.status == "succeeded" and prediction.output
        return asyncio.get_running_loop().time() if ok else None

    return run


# ---- the cases -----------------------------------------------------------------------------------------------


def image_script(seconds: float, *, stream: bool) -> Script:
    steps = max(1, round(seconds / 0.1))
    return Script(kind="image", official=True, steps=steps, step_time=seconds / steps, queue_time=0.02,
                  stream=stream)


async def case_a(session: aiohttp.ClientSession, firsts: dict[str, float]) -> CaseResult:
    result = CaseResult("a", "(a) image finishing inside the Prefer: wait window (~0.3 s)", target_ms=20.0)
    async with FakeReplicate() as fake:
        fake.set_script(FLUX, Script(kind="image", official=True, steps=9, step_time=0.03, queue_time=0.02,
                                     stream=True))
        official = official_client(fake)
        for warm_up in (ours(session, fake, FLUX, APP_POLICY, "completion"), official_run(official, FLUX)):
            await warm_up(f"warm-up {time.monotonic_ns()}")  # imports, first connections
        result.rows.append(Row("ours (APP_POLICY)", await measure(
            fake, firsts, "a-ours", ours(session, fake, FLUX, APP_POLICY, "completion"), runs=RUNS,
            moment="completion")))
        result.rows.append(Row(f"official {OFFICIAL_VERSION} run()", await measure(
            fake, firsts, "a-official", official_run(official, FLUX), runs=RUNS, moment="completion")))
        result.rows.append(Row("original (poll every 5 s)", await measure(
            fake, firsts, "a-original", ours(session, fake, FLUX, ORIGINAL_POLICY, "completion"),
            runs=ORIGINAL_RUNS, moment="completion", concurrency=ORIGINAL_RUNS, stagger=0.2),
            note=f"{ORIGINAL_RUNS} runs"))
    return result


async def case_b(session: aiohttp.ClientSession, firsts: dict[str, float], *, stream: bool) -> CaseResult:
    how = "followed by its SSE stream (done)" if stream else "no stream URL: polled (tqdm ETA)"
    result = CaseResult("b-stream" if stream else "b-poll",
                        f"(b) ~3 s image outlasting a 2 s wait window, {how}", target_ms=60.0, max_rate=10.0)
    async with FakeReplicate(wait_window=2.0) as fake:
        fake.set_script(FLUX, image_script(3.0, stream=stream))
        official = official_client(fake)
        key = result.key
        result.rows.append(Row("ours (APP_POLICY)", await measure(
            fake, firsts, f"{key}-ours", ours(session, fake, FLUX, APP_POLICY, "completion"), runs=RUNS,
            moment="completion", concurrency=OVERLAP, stagger=STAGGER)))
        if stream:
            result.rows.append(Row(f"official {OFFICIAL_VERSION} stream()", await measure(
                fake, firsts, f"{key}-official", official_stream(official, FLUX), runs=RUNS, moment="completion",
                concurrency=OVERLAP, stagger=STAGGER), note="result = the output event with the URL"))
        else:
            result.rows.append(Row(f"official {OFFICIAL_VERSION} run()", await measure(
                fake, firsts, f"{key}-official", official_run(official, FLUX), runs=RUNS, moment="completion",
                concurrency=OVERLAP, stagger=STAGGER), note="same with a stream URL: run() never streams"))
            result.rows.append(Row(f"official {OFFICIAL_VERSION} create()+wait()", await measure(
                fake, firsts, f"{key}-official-wait", official_create_and_wait(official, FLUX), runs=RUNS,
                moment="completion", concurrency=OVERLAP, stagger=STAGGER), note="its polling, every 0.5 s"))
        result.rows.append(Row("original (poll every 5 s)", await measure(
            fake, firsts, f"{key}-original", ours(session, fake, FLUX, ORIGINAL_POLICY, "completion"),
            runs=ORIGINAL_RUNS, moment="completion", concurrency=ORIGINAL_RUNS, stagger=0.2),
            note=f"{ORIGINAL_RUNS} runs"))
    return result


async def case_c(session: aiohttp.ClientSession, firsts: dict[str, float]) -> CaseResult:
    result = CaseResult("c", "(c) streamed text reply: first token emitted → first token seen", target_ms=20.0)
    async with FakeReplicate() as fake:
        fake.set_script(LLAMA, Script(kind="text", official=True, chunks=[f" tok{i}" for i in range(12)],
                                      token_interval=0.04, queue_time=0.05))
        official = official_client(fake)
        result.rows.append(Row("ours (APP_POLICY)", await measure(
            fake, firsts, "c-ours", ours(session, fake, LLAMA, APP_POLICY, "first_token"), runs=RUNS,
            moment="first_token")))
        result.rows.append(Row(f"official {OFFICIAL_VERSION} stream()", await measure(
            fake, firsts, "c-official", official_stream(official, LLAMA), runs=RUNS, moment="first_token")))
        result.rows.append(Row("original (poll every 5 s)", await measure(
            fake, firsts, "c-original", ours(session, fake, LLAMA, ORIGINAL_POLICY, "first_token"),
            runs=ORIGINAL_RUNS, moment="first_token", concurrency=ORIGINAL_RUNS, stagger=0.2),
            note=f"{ORIGINAL_RUNS} runs"))
    return result


# ---- report --------------------------------------------------------------------------------------------------


def ms(value: float | None) -> str:
    return "—" if value is None else f"{value * 1000:.1f}"


def print_table(results: list[CaseResult]) -> None:
    header = f"{'client':<32} {'runs':>4} {'median ms':>10} {'p95 ms':>9} {'req/run':>8} {'req/s':>6}  notes"
    for result in results:
        print(f"\n{result.title}")
        print(header)
        print("-" * len(header))
        for row in result.rows:
            failures = row.failures
            notes = [row.note] if row.note else []
            if failures:
                notes.append(f"{len(failures)}/{len(row.samples)} without result: {failures[0]}")
            print(f"{row.client:<32} {len(row.samples):>4} {ms(row.median):>10} {ms(row.p95):>9} "
                  f"{row.requests_per_run:>8.1f} {row.requests_per_second:>6.1f}  {'; '.join(notes)}")
        print_ratios(result)


def print_ratios(result: CaseResult) -> None:
    mine = result.rows[0]
    if mine.median is None:
        return
    for other in result.rows[1:]:
        if other.median is None or other.failures:
            print(f"  ours vs {other.client}: the other gave no (complete) result")
            continue
        ratio = other.median / mine.median if mine.median > 0 else math.inf
        verdict = f"{ratio:,.1f}× faster" if ratio >= 1 else f"{1 / ratio:,.1f}× slower"
        print(f"  ours vs {other.client}: {ms(mine.median)} ms vs {ms(other.median)} ms median → ours {verdict}")


def print_targets(results: list[CaseResult]) -> None:
    print("\nTargets (ours, APP_POLICY):")
    for result in results:
        mine = result.rows[0]
        median = mine.median
        ok = median is not None and median * 1000 <= result.target_ms and not mine.failures
        text = f"median {ms(median)} ms ≤ {result.target_ms:g} ms"
        if result.max_rate is not None:
            rate_ok = mine.requests_per_second <= result.max_rate
            ok = ok and rate_ok
            text += f", at {mine.requests_per_second:.1f} ≤ {result.max_rate:g} requests/s"
        print(f"  {'PASS' if ok else 'MISS'}  {result.title}: {text}")


async def run_all() -> list[CaseResult]:
    results = []
    with first_outputs() as firsts:
        async with aiohttp.ClientSession() as session:
            cases: list[tuple[str, Callable[[], Awaitable[CaseResult]]]] = [
                ("a", lambda: case_a(session, firsts)),
                ("b-stream", lambda: case_b(session, firsts, stream=True)),
                ("b-poll", lambda: case_b(session, firsts, stream=False)),
                ("c", lambda: case_c(session, firsts)),
            ]
            for title, case in cases:
                began = time.perf_counter()
                print(f"… case {title}", flush=True)
                results.append(await case())
                print(f"  ({time.perf_counter() - began:.1f} s)", flush=True)
    return results


def main() -> None:
    print(__doc__.split("\n\n")[0])
    print(f"{RUNS} runs per client and case (the original 5 s-polling behaviour: {ORIGINAL_RUNS} runs, since each "
          "waits ~5 s); image cases (b) run up to 6 predictions at once, started 0.5 s apart.")
    began = time.perf_counter()
    results = asyncio.run(run_all())
    print_table(results)
    print_targets(results)
    print(f"\nLatency = the caller has the result (ours: ImageResponse / first TextDelta) minus the server's "
          f"moment (completed_at / first output event). req/s = the highest requests ÷ duration of any run.\n"
          f"Total bench time {time.perf_counter() - began:.0f} s.")


if __name__ == "__main__":
    main()
