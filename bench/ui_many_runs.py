"""GUI bench (issue 11): the window stays responsive while 8 predictions stream or download at once.

The real app (``desktop_app.app.main``: window, chat, queue dock, comparison window, gallery, history) runs on its
qasync loop, offscreen, against the fake Replicate in a process of its own (``--fake-in-thread``: on a thread of
this one, where its work competes for the GIL with the GUI thread). Text models stream long replies over SSE;
image models log their progress, then each gives two PNG outputs of several MB (noise over a gradient, nearly
incompressible: the downloads and the decoding matter) that the app downloads, keeps in its library and shows.
A 5 ms precise QTimer on the GUI thread records every stall of the loop (the gap between two ticks minus 5 ms).

Phases, one after another in one run of the app:
  idle            1 s with nothing running;
  1 run (text)    one streamed reply in the chat;
  1 run (image)   one image job in the queue (its outputs downloaded and kept);
  8 runs: queue   eight jobs at once through the queue (concurrency 8): 4 streaming text models, 4 image models;
  8 runs: mixed   the chat (1 text) + a comparison of 4 models (2 text, 2 image) + the queue (1 text, 2 image).
Target: the longest stall of each 8-run phase < 50 ms. Also printed: the p99 stall, how many runs were in flight
at the busiest moment, and each 8-run phase's longest stall as a ratio of the worst single-run phase measured in
the same process (what the other seven add). ``--trace-stalls`` samples the GUI thread's stack during each stall
over 20 ms and prints where the longest ones were spent.

Run alone: QT_QPA_PLATFORM=offscreen .venv/bin/python -m bench.ui_many_runs [--tokens N] [--image-side PX]
[--fake-in-thread] [--trace-stalls] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import functools
import io
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.ui_helpers import ROOT, StallMonitor, Verdict, qt_app, run_on_qasync, until

STALL_LIMIT = 0.050
MB = 1_000_000
TEXT_MODELS = ("meta/meta-llama-3-70b-instruct", "meta/meta-llama-3-8b-instruct", "acme/chat-b", "acme/chat-c")
IMAGE_MODELS = ("black-forest-labs/flux-schnell", "black-forest-labs/flux-dev", "acme/painter", "acme/poster-xl")
WORDS = ("the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog", "while", "seven", "wizards",
         "quietly", "hex", "jolly", "boxing", "frogs")
TERMINAL = {"succeeded", "failed", "canceled"}


def tokens(count: int) -> list[str]:
    """One-word chunks, a paragraph break every 60 words (a long, ordinary reply)."""
    return [(" " if i % 60 else ("\n\n" if i else "")) + WORDS[i % len(WORDS)] for i in range(count)]


@functools.lru_cache(maxsize=8)
def big_png(width: int, height: int, variant: int) -> bytes:
    """A PNG of several MB: noise over a gradient (what a photo-like output compresses to, roughly)."""
    from PIL import Image

    ramp = Image.linear_gradient("L")
    base = Image.merge("RGB", (ramp.resize((width, height)), ramp.rotate(90).resize((width, height)),
                               Image.new("L", (width, height), (60 + 70 * variant) % 256)))
    noise = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    buffer = io.BytesIO()
    Image.blend(base, noise, 0.35).save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def serve_big_images(side: int) -> Callable[[], None]:
    """Makes the fake serve ``big_png`` for outputs of ``side``×``side`` (other sizes as before); returns the undo.

    The fake's own pictures are smooth gradients that compress to a few KB; a real image model's are not."""
    from tests.fake_replicate import prediction

    original = prediction.make_image

    def make_image(fmt: str, width: int, height: int, variant: int = 0) -> bytes:
        if fmt == "png" and (width, height) == (side, side):
            return big_png(width, height, variant)
        return original(fmt, width, height, variant)

    prediction.make_image = make_image  # type: ignore[assignment]
    return lambda: setattr(prediction, "make_image", original)


class StallTracer:
    """Finds what a stall was spent on: a watchdog thread samples the GUI thread's stack every millisecond while
    the stall probe has not ticked for ``after`` seconds; each stall's samples are tallied by innermost frames."""

    def __init__(self, monitor: StallMonitor, after: float = 0.020) -> None:
        import threading

        self.monitor = monitor
        self.after = after
        self.gui = threading.get_ident()
        self.stalls: list[tuple[float, float, list[str]]] = []  # (start, length, sampled stacks)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="stall-tracer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)

    def report(self, phases: Sequence[Phase], limit: int = 8) -> None:
        from collections import Counter

        print(f"\nStalls over {self.after * 1000:.0f} ms, longest first, with their most sampled stacks:")
        for start, length, samples in sorted(self.stalls, key=lambda item: -item[1])[:limit]:
            during = next((item.name for item in reversed(phases) if item.began <= start), "before the phases")
            print(f"  ~{length * 1000:.0f} ms ({during}), {len(samples)} samples")
            for stack, count in Counter(samples).most_common(3):
                print(f"    {count:4d} × {stack}")

    def _watch(self) -> None:
        import sys
        import traceback

        current: list[str] = []
        began = 0.0
        while not self._stop.wait(0.001):
            ticks = self.monitor.ticks
            last = ticks[-1] if ticks else time.perf_counter()
            quiet = time.perf_counter() - last
            if quiet > self.after:
                if not current:
                    began = last
                frame = sys._current_frames().get(self.gui)
                if frame is not None:
                    frames = traceback.extract_stack(frame)[-6:]
                    current.append(" < ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}"
                                              for f in reversed(frames)))
            elif current:
                self.stalls.append((began, last - began, current))
                current = []


@dataclass
class Phase:
    """One stretch of the run and what the stall probe saw in it."""

    name: str
    runs: int
    began: float = 0.0
    ended: float = 0.0
    longest: float = 0.0
    p99: float = 0.0
    over: int = 0
    peak: int = 0  # runs in flight at the busiest moment

    def measure(self, monitor: StallMonitor) -> None:
        stalls = monitor.stalls(after=self.began, until=self.ended)
        self.longest = max(stalls, default=0.0)
        self.p99 = statistics.quantiles(stalls, n=100)[98] if len(stalls) >= 2 else self.longest
        self.over = sum(1 for stall in stalls if stall > STALL_LIMIT)


@dataclass
class Results:
    phases: list[Phase] = field(default_factory=list)
    downloaded: int = 0  # bytes of image outputs kept in the library


async def drive(base_url: str, token: str, root: Path, token_count: int, trace: bool = False) -> Results:
    from desktop_app.__main__ import build_parser
    from desktop_app.app import main, open_window
    from desktop_app.session.jobs import JobSpec
    from desktop_app.storage.paths import AppPaths
    from desktop_app.ui.compare.window import CompareWindow
    from desktop_app.ui.shell.queue_entry import QueueEntry

    paths = AppPaths.under(root)
    env = {"REPLICATE_API_TOKEN": token, "REPLICATE_API_BASE_URL": base_url}
    args = build_parser().parse_args(["--model", "llama-3-70b"])
    app, window, store = open_window(paths)
    window.resize(1280, 800)
    running = asyncio.ensure_future(main(app, window, args, env, paths, store))
    monitor = StallMonitor(5)
    results = Results()
    try:
        await until(lambda: "fake-user" in window.account_label.text(), 20, "sign-in")
        entry = window.findChild(QueueEntry)
        assert isinstance(entry, QueueEntry)
        queue_wiring, compare_wiring = entry.wiring, entry.compare  # built as Queue → Show and Compare… do
        queue = queue_wiring.queue
        queue.concurrency = 8
        queue_wiring.show_panel()
        chat = window.chat
        await asyncio.sleep(0.5)  # the first paints settle
        monitor.start()
        tracer = StallTracer(monitor) if trace else None
        if tracer is not None:
            tracer.start()

        def in_flight() -> int:
            jobs = sum(job.state not in TERMINAL and job.state != "queued" for job in queue.board.jobs())
            lanes = compare.comparison.lanes if compare is not None and compare.comparison is not None else []
            return jobs + chat.is_busy() + sum(not lane.done for lane in lanes)

        async def phase(name: str, runs: int, work: Callable[[], Any], done: Callable[[], bool]) -> None:
            item = Phase(name, runs, began=time.perf_counter())
            results.phases.append(item)
            work()
            while not done():
                item.peak = max(item.peak, in_flight())
                if time.perf_counter() - item.began > 120:
                    raise TimeoutError(f"gave up waiting for {name}")
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.3)  # the last repaints belong to the phase
            item.ended = time.perf_counter()

        def jobs_done(count: int) -> Callable[[], bool]:
            return lambda: len(queue.board.jobs()) >= count and all(j.state in TERMINAL for j in queue.board.jobs())

        def chat_done(turns: int) -> Callable[[], bool]:
            return lambda: len(chat.turns()) >= turns and chat.turns()[-1].state == "done"

        def image_jobs(models: Sequence[str], tag: str) -> list[JobSpec]:
            return [JobSpec(model, {"prompt": f"{tag} picture {index}", "num_outputs": 2})
                    for index, model in enumerate(models)]

        def text_jobs(models: Sequence[str], tag: str) -> list[JobSpec]:
            return [JobSpec(model, {"prompt": f"{tag} story {index}"}) for index, model in enumerate(models)]

        compare: CompareWindow | None = None
        idle = Phase("idle, 1 s", 0, began=time.perf_counter())
        results.phases.append(idle)
        await asyncio.sleep(1.0)
        idle.ended = time.perf_counter()

        await phase("1 run: a reply streamed in the chat", 1,
                    lambda: chat.prompt_submitted.emit("Tell me a long story."), chat_done(2))
        await phase("1 run: an image job in the queue", 1,
                    lambda: queue.add(image_jobs(IMAGE_MODELS[:1], "one")), jobs_done(1))
        await phase("8 runs: the queue, 4 text + 4 image", 8,
                    lambda: queue.add(text_jobs(TEXT_MODELS, "queue") + image_jobs(IMAGE_MODELS, "queue")),
                    jobs_done(9))

        compare = compare_wiring.open_window()
        compare.prompt.setPlainText("Describe a lighthouse at dusk.")
        for edit, model in zip(compare.model_edits, (TEXT_MODELS[1], TEXT_MODELS[2], IMAGE_MODELS[0],
                                                     IMAGE_MODELS[2]), strict=True):
            edit.setText(model)
        await asyncio.sleep(0.3)

        def mixed() -> None:
            chat.prompt_submitted.emit("Tell me another long story.")
            compare.start()
            queue.add(text_jobs(TEXT_MODELS[3:], "mixed") + image_jobs(IMAGE_MODELS[1:3], "mixed"))

        def mixed_done() -> bool:
            assert compare is not None
            lanes = compare.comparison.lanes if compare.comparison is not None else []
            return chat_done(4)() and jobs_done(12)() and bool(lanes) and all(lane.done for lane in lanes)

        await phase("8 runs: chat 1 + compare 4 + queue 3", 8, mixed, mixed_done)
        monitor.stop()
        if tracer is not None:
            tracer.stop()
            tracer.report(results.phases)
        states = [job.state for job in queue.board.jobs()]
        if set(states) != {"succeeded"}:
            raise RuntimeError(f"not every job succeeded: {states}")
        results.downloaded = sum(p.stat().st_size for p in paths.library_dir.rglob("*.png") if p.is_file())
        compare.close()
    finally:
        monitor.stop()
        window.close()
        await asyncio.wait_for(running, 60)
    for item in results.phases:
        item.measure(monitor)
    return results


def scripts(token_count: int, image_side: int) -> dict[str, Any]:
    """What each model does on the fake: long streamed replies, or 12 progress steps then two big PNGs."""
    from tests.fake_replicate import Script

    text = Script(kind="text", chunks=tokens(token_count), token_interval=0.004, queue_time=0.1)
    image = Script(kind="image", images=[("png", image_side, image_side)] * 2, steps=12, step_time=0.08,
                   queue_time=0.1)
    return {**{model: text for model in TEXT_MODELS}, **{model: image for model in IMAGE_MODELS}}


async def serve(token_count: int, image_side: int) -> None:
    """The fake in this process until killed (``--serve``): prints ``<base_url> <token>`` once it listens."""
    from tests.fake_replicate import FakeReplicate

    serve_big_images(image_side)
    for variant in range(2):
        big_png(image_side, image_side, variant)  # made before the first prediction needs them
    fake = FakeReplicate()
    await fake.start(0)
    for model, script in scripts(token_count, image_side).items():
        fake.set_script(model, script)
    print(f"{fake.base_url} {fake.token}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await fake.close()


@contextlib.contextmanager
def fake_server(token_count: int, image_side: int, where: str) -> Iterator[tuple[str, str]]:
    """The fake Replicate on a thread of this process, or in a process of its own (its work then does not
    take this process's GIL from the GUI thread, as a real server's does not); yields (base URL, token)."""
    if where == "thread":
        from tests.integration.helpers import ThreadedFake

        undo = serve_big_images(image_side)
        server = ThreadedFake()
        fake = server.start()
        try:
            for model, script in scripts(token_count, image_side).items():
                server.call(functools.partial(fake.set_script, model, script))
            yield fake.base_url, fake.token
        finally:
            server.stop()
            undo()
        return
    command = [sys.executable, "-m", "bench.ui_many_runs", "--serve", "--tokens", str(token_count),
               "--image-side", str(image_side)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        base_url, token = process.stdout.readline().split()
        yield base_url, token
    finally:
        process.terminate()
        process.wait(10)


def measure(token_count: int, image_side: int, *, where: str = "process", trace: bool = False) -> Results:
    qt_app()
    started = time.perf_counter()
    sizes = [len(big_png(image_side, image_side, variant)) for variant in range(2)]
    print(f"Image outputs: {image_side}×{image_side} PNG, {sizes[0] / MB:.1f} and {sizes[1] / MB:.1f} MB "
          f"(made in {time.perf_counter() - started:.1f} s); text replies: {token_count:,} streamed chunks each; "
          f"the fake server in a {where} of its own", flush=True)
    with fake_server(token_count, image_side, where) as (base_url, token), \
            tempfile.TemporaryDirectory(prefix="bench-ui-many-runs-") as tmp:
        return run_on_qasync(lambda: drive(base_url, token, Path(tmp), token_count, trace))


def report(results: Results) -> list[Verdict]:
    print(f"\n{'phase':42} {'runs':>4} {'at once':>7} {'time':>7} {'longest stall':>14} {'p99 stall':>10} "
          f"{'> 50 ms':>8}")
    for item in results.phases:
        print(f"{item.name:42} {item.runs:4d} {item.peak:7d} {item.ended - item.began:6.1f}s "
              f"{item.longest * 1000:11.1f} ms {item.p99 * 1000:7.1f} ms {item.over:8d}")
    print(f"Image outputs downloaded and kept: {results.downloaded / MB:.0f} MB")
    single = max((item.longest for item in results.phases if item.runs == 1), default=0.0)
    verdicts = []
    for item in results.phases:
        if item.runs != 8:
            continue
        ratio = item.longest / single if single else float("inf")
        verdicts.append(Verdict(f"longest GUI stall, {item.name}", item.longest * 1000, STALL_LIMIT * 1000, " ms",
                                f"p99 {item.p99 * 1000:.1f} ms; {ratio:.2f}× the worst single run's "
                                f"{single * 1000:.1f} ms"))
    return verdicts


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ui_many_runs", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--tokens", type=int, default=1500, help="chunks in each streamed reply")
    parser.add_argument("--image-side", type=int, default=1600, help="width and height of each image output")
    parser.add_argument("--profile", action="store_true", help="cProfile the whole run, print the top 40")
    parser.add_argument("--fake-in-thread", action="store_true",
                        help="serve the fake from a thread of this process instead of a process of its own")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--trace-stalls", action="store_true",
                        help="sample the GUI thread's stack during each stall over 20 ms and print the longest")
    options = parser.parse_args(list(argv))
    if options.serve:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(options.tokens, options.image_side))
        return 0
    where = "thread" if options.fake_in_thread else "process"
    if options.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        results = measure(options.tokens, options.image_side, where=where)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(40)
    else:
        results = measure(options.tokens, options.image_side, where=where, trace=options.trace_stalls)
    verdicts = report(results)
    for verdict in verdicts:
        print(verdict.line())
    passed = all(verdict.passed for verdict in verdicts)
    print("PASS" if passed else "FAIL")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
