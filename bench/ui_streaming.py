"""GUI bench: stream 20,000 and 40,000 tokens through the real app (core, runner, controller, ChatPane).

The fake Replicate server runs in-process on the same qasync loop and sends one-word SSE chunks as fast as it can
(token_interval 0). A 5 ms precise QTimer records every gap of the GUI event loop; a gap minus the interval is a
stall. Targets: longest stall while 20,000 tokens stream (the markdown render at the end included) < 50 ms; time
for 40,000 tokens ≤ 2.2 × the time for 20,000 (no quadratic work anywhere on the path).

Run alone: QT_QPA_PLATFORM=offscreen .venv/bin/python -m bench.ui_streaming [--tokens N] [--repeats R]
[--plain-qasync] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import pstats
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.ui_helpers import StallMonitor, Verdict, median, ms, qt_app, run_on_qasync, spread, until

LLAMA = "meta/meta-llama-3-70b-instruct"
STALL_LIMIT = 0.050
SCALING_LIMIT = 2.2
WORDS = ("the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog", "while", "seven", "wizards",
         "quietly", "hex", "jolly", "boxing", "frogs")


def tokens(count: int) -> list[str]:
    """``count`` one-word chunks with a leading space and a full stop every 12 words: one long paragraph,
    the worst case for text layout."""
    chunks = []
    for index in range(count):
        word = WORDS[index % len(WORDS)]
        chunks.append((" " if index else "") + word + ("." if index % 12 == 11 else ""))
    return chunks


class GcPauses:
    """Records how long each garbage collection took, to tell GC pauses from the app's own stalls."""

    def __init__(self) -> None:
        self.pauses: list[tuple[float, int, float]] = []  # (start, generation, seconds)
        self._started = 0.0

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self._on_gc)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._on_gc)

    def longest(self, start: float, end: float) -> float:
        return max((pause for at, _, pause in self.pauses if start <= at < end), default=0.0)

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append((self._started, int(info["generation"]), time.perf_counter() - self._started))


@dataclass
class StreamRun:
    """One reply streamed through the real window."""

    tokens: int
    total: float  # prompt submitted → reply rendered as markdown (state "done")
    stall_streaming: float  # longest stall while tokens arrived
    stall_finish: float  # longest stall from the last token on (the markdown render included)
    gc_pause: float  # longest garbage collection during the run
    full_gc: float  # what a full collection costs right after the reply (the app's heap plus the fake server's)
    flushes: int = 0

    @property
    def worst(self) -> float:
        return max(self.stall_streaming, self.stall_finish)


@dataclass
class Results:
    runs: dict[int, list[StreamRun]] = field(default_factory=dict)
    core_alone: dict[int, float] = field(default_factory=dict)


async def stream_once(count: int, root: Path) -> StreamRun:
    """Starts the fake server and the real app, sends one prompt, measures until the reply is done."""
    from desktop_app.__main__ import build_parser
    from desktop_app.app import main, open_window
    from desktop_app.session import TextAppended
    from desktop_app.storage.paths import AppPaths
    from desktop_app.ui.shell.controller import AppController
    from tests.fake_replicate import FakeReplicate, Script

    fake = FakeReplicate()
    await fake.start()
    chunks = tokens(count)
    fake.set_script(LLAMA, Script(kind="text", chunks=chunks, token_interval=0.0, queue_time=0.0))
    paths = AppPaths.under(root)
    env = {"REPLICATE_API_TOKEN": fake.token, "REPLICATE_API_BASE_URL": fake.base_url}
    args = build_parser().parse_args(["--model", "llama-3-70b"])
    app, window, store = open_window(paths)
    window.resize(1280, 800)
    running = asyncio.ensure_future(main(app, window, args, env, paths, store))
    monitor = StallMonitor(5)
    try:
        await until(lambda: "fake-user" in window.account_label.text(), 15, "sign-in")
        await asyncio.sleep(0.1)  # let the sign-in repaint settle
        controller = window.findChild(AppController)
        assert isinstance(controller, AppController)
        last_token = [0.0]
        flushes = [0]

        def on_event(event: object) -> None:
            if isinstance(event, TextAppended):
                last_token[0] = time.perf_counter()

        chat = window.chat
        chat._flush_timer.timeout.connect(lambda: flushes.__setitem__(0, flushes[0] + 1))
        with GcPauses() as collections:
            monitor.start()
            started = time.perf_counter()
            chat.prompt_submitted.emit("Tell me a very long story.")
            run = controller.chat.current
            assert run is not None
            run.add_listener(on_event)  # its events come from its own task, after this
            await until(lambda: bool(chat.turns()) and chat.turns()[-1].state == "done", 300, "the reply")
            done = time.perf_counter()
            await asyncio.sleep(0.15)  # the repaint after the markdown render belongs to the run too
            monitor.stop()
        collected = time.perf_counter()
        gc.collect()
        full_gc = time.perf_counter() - collected
        reply = chat.turns()[-1].text
        if reply != "".join(chunks):
            raise RuntimeError(f"the reply arrived damaged: {len(reply)} characters, want {len(''.join(chunks))}")
        return StreamRun(
            tokens=count,
            total=done - started,
            stall_streaming=monitor.max_stall(started, last_token[0]),
            stall_finish=monitor.max_stall(last_token[0]),
            gc_pause=collections.longest(started, done + 0.15),
            full_gc=full_gc,
            flushes=flushes[0],
        )
    finally:
        monitor.stop()
        window.close()
        await asyncio.wait_for(running, 30)
        await fake.close()


async def core_alone(count: int) -> float:
    """The same stream through the core only (no window): what the fake server and the client cost."""
    import aiohttp

    from desktop_app.replicate import Message, ReplicateClient, generate
    from tests.fake_replicate import FakeReplicate, Script

    async with FakeReplicate() as fake, aiohttp.ClientSession() as session:
        fake.set_script(LLAMA, Script(kind="text", chunks=tokens(count), token_interval=0.0, queue_time=0.0))
        client = ReplicateClient(session, token=fake.token, base_url=fake.base_url)
        started = time.perf_counter()
        async for _event in generate(client, "llama-3-70b", [Message("user", "Tell me a very long story.")]):
            pass
        return time.perf_counter() - started


def forget_previous_servers() -> None:
    """Frees the fake servers of earlier runs, so each run starts with the same heap.

    aiohttp's web app memoizes handler chains in an lru_cache (``_cached_build_middleware``) that holds the
    fake server's bound middleware, and with it every event of every prediction it served.
    """
    from aiohttp import web_app

    cache = getattr(web_app, "_cached_build_middleware", None)
    if cache is not None:
        cache.cache_clear()
    gc.collect()


def measure(counts: list[int], repeats: int, *, plain_qasync: bool = False, baseline: bool = True) -> Results:
    qt_app()
    results = Results(runs={count: [] for count in counts})
    with tempfile.TemporaryDirectory(prefix="bench-ui-streaming-") as tmp:
        for repeat in range(repeats):
            for count in counts:
                forget_previous_servers()
                root = Path(tmp) / f"{count}-{repeat}"
                run = run_on_qasync(lambda count=count, root=root: stream_once(count, root),  # type: ignore[misc]
                                    plain_qasync=plain_qasync)
                results.runs[count].append(run)
    if baseline:
        for count in counts:
            forget_previous_servers()
            results.core_alone[count] = run_on_qasync(lambda count=count: core_alone(count),  # type: ignore[misc]
                                                      plain_qasync=plain_qasync)
    return results


def report(results: Results, small: int, large: int, repeats: int, loop_name: str) -> list[Verdict]:
    print(f"ui_streaming: {small:,} and {large:,} one-word SSE chunks, fake server in-process, real window, "
          f"loop {loop_name}; median of {repeats}")
    for count, runs in results.runs.items():
        core = results.core_alone.get(count)
        print(f"  {count:>6,} tokens: total {spread([r.total for r in runs])}"
              + (f" (core alone, no window: {ms(core)})" if core is not None else ""))
        print(f"          longest stall while streaming {spread([r.stall_streaming for r in runs])}; "
              f"last token → rendered {spread([r.stall_finish for r in runs])}; "
              f"longest GC pause {spread([r.gc_pause for r in runs])}")
        print(f"          {median([r.flushes for r in runs]):.0f} flushes of the text buffer; a full garbage "
              f"collection after the reply would stall {spread([r.full_gc for r in runs])}")
    small_runs, large_runs = results.runs[small], results.runs[large]
    ratio = median([r.total for r in large_runs]) / median([r.total for r in small_runs])
    return [
        Verdict(f"longest GUI stall streaming {small:,} tokens (median of each run's worst)",
                median([r.worst for r in small_runs]) * 1000, STALL_LIMIT * 1000, " ms",
                f"worst run {ms(max(r.worst for r in small_runs))}; at {large:,} tokens "
                f"{ms(median([r.worst for r in large_runs]))}"),
        Verdict(f"time for {large:,} tokens / time for {small:,}", ratio, SCALING_LIMIT, "×",
                f"{ms(median([r.total for r in large_runs]))} vs {ms(median([r.total for r in small_runs]))}"),
    ]


def main(argv: Sequence[str] = ()) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ui_streaming",
                                     description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tokens", type=int, default=20_000, help="the smaller reply (the larger is twice as long)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--plain-qasync", action="store_true", help="qasync's own loop instead of the app's")
    parser.add_argument("--profile", action="store_true", help="cProfile one run of --tokens, print the top 40")
    options = parser.parse_args(list(argv))
    loop_name = "qasync.QEventLoop" if options.plain_qasync else "AppEventLoop"
    if options.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        measure([options.tokens], 1, plain_qasync=options.plain_qasync, baseline=False)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(40)
        return
    small, large = options.tokens, options.tokens * 2
    results = measure([small, large], options.repeats, plain_qasync=options.plain_qasync)
    for verdict in report(results, small, large, options.repeats, loop_name):
        print(verdict.line())


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
