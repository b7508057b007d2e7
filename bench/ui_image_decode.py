"""GUI bench: load a 4096×4096 PNG output into the ImageViewer without stalling the GUI event loop.

A 5 ms precise QTimer records every gap of the GUI event loop while the bytes are handed over and decoded.
Target (from the issue): no stall over 50 ms from ``set_image_bytes`` until ``image_shown``. Also printed, against
the same 50 ms: the first paint of the image after ``image_shown``, and the whole flow in the real window (download
from the in-process fake server, decode, chat thumbnail, paints).

Run alone: QT_QPA_PLATFORM=offscreen .venv/bin/python -m bench.ui_image_decode [--repeats R] [--window-repeats W]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.ui_helpers import StallMonitor, Verdict, median, ms, qt_app, run_on_qasync, spread, until

SIDE = 4096
STALL_LIMIT = 0.050
SETTLE = 0.6  # seconds watched after image_shown: the first paint of the new image happens in there
FLUX = "black-forest-labs/flux-schnell"


def make_test_png(side: int = SIDE) -> bytes:
    """A photo-like PNG (smooth noise over gradients, ~30 MB at 4096²) that takes a real decode, not a flat one."""
    from PIL import Image

    coarse = Image.effect_noise((side // 4, side // 4), 60).resize((side, side), Image.Resampling.BICUBIC)
    fine = Image.effect_noise((side // 2, side // 2), 30).resize((side, side), Image.Resampling.BILINEAR)
    gradient = Image.linear_gradient("L").resize((side, side))
    buffer = io.BytesIO()
    Image.merge("RGB", (coarse, gradient, fine)).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


@dataclass
class Load:
    """One image handed to the viewer."""

    decode: float  # set_image_bytes → image_shown
    stall_decoding: float  # longest stall in that time
    stall_after: float  # longest stall in the SETTLE seconds after image_shown (first paint, thumbnail …)
    download: float = 0.0  # real window only: prompt sent → bytes handed to the viewer
    stall_download: float = 0.0


async def viewer_once(data: bytes) -> Load:
    """The ImageViewer alone, shown at the size it has in the 1280×800 window."""
    from desktop_app.ui.viewer.image_viewer import ImageViewer

    viewer = ImageViewer()
    viewer.resize(620, 680)
    viewer.show()
    try:
        viewer.begin_generation("a lighthouse at dusk", 1)
        await asyncio.sleep(0.2)  # the empty state is painted
        shown: list[float] = []
        viewer.image_shown.connect(lambda _index: shown.append(time.perf_counter()))
        monitor = StallMonitor(5)
        monitor.start()
        handed = time.perf_counter()
        viewer.set_image_bytes(0, data, content_type="image/png", source_url="https://replicate.delivery/x/out-0.png")
        await until(lambda: bool(shown), 60, "image_shown")
        await asyncio.sleep(SETTLE)
        monitor.stop()
        if viewer.current_image() is None or viewer.current_image().width() != SIDE:  # type: ignore[union-attr]
            raise RuntimeError("the viewer does not show the 4096×4096 image")
        return Load(shown[0] - handed, monitor.max_stall(handed, shown[0]), monitor.max_stall(shown[0]))
    finally:
        viewer.close()
        viewer.deleteLater()


async def window_once(data: bytes, root: Path) -> Load:
    """The real window: flux-schnell on the fake server outputs ``data``; download, decode, thumbnail, paint."""
    import tests.fake_replicate.prediction as fake_prediction
    from desktop_app.__main__ import build_parser
    from desktop_app.app import main, open_window
    from desktop_app.session import OutputReady
    from desktop_app.storage.paths import AppPaths
    from desktop_app.ui.shell.controller import AppController
    from tests.fake_replicate import FakeReplicate, Script

    original = fake_prediction.make_image
    fake_prediction.make_image = lambda fmt, width, height, variant=0: data  # type: ignore[assignment]
    fake = FakeReplicate()
    await fake.start()
    fake.set_script(FLUX, Script(kind="image", images=[("png", SIDE, SIDE)], steps=2, step_time=0.01,
                                 queue_time=0.0, stream=True))
    paths = AppPaths.under(root)
    env = {"REPLICATE_API_TOKEN": fake.token, "REPLICATE_API_BASE_URL": fake.base_url}
    app, window, store = open_window(paths)
    window.resize(1280, 800)
    running = asyncio.ensure_future(main(app, window, build_parser().parse_args(["--model", "flux-schnell"]),
                                         env, paths, store))
    try:
        await until(lambda: "fake-user" in window.account_label.text(), 15, "sign-in")
        await asyncio.sleep(0.2)
        controller = window.findChild(AppController)
        assert isinstance(controller, AppController)
        marks: dict[str, float] = {}
        window.viewer.image_shown.connect(lambda _index: marks.setdefault("shown", time.perf_counter()))
        monitor = StallMonitor(5)
        monitor.start()
        sent = time.perf_counter()
        window.chat.prompt_submitted.emit("a lighthouse at dusk")
        run = controller.chat.current
        assert run is not None

        def on_event(event: object) -> None:
            if isinstance(event, OutputReady):  # the kept bytes, on their way to the viewer
                marks.setdefault("downloaded", time.perf_counter())

        run.add_listener(on_event)
        await until(lambda: "shown" in marks, 60, "image_shown")
        await asyncio.sleep(SETTLE)
        monitor.stop()
        if not window.chat.turns()[-1].image_count:
            raise RuntimeError("the chat did not get its thumbnail")
        downloaded, shown = marks["downloaded"], marks["shown"]
        return Load(shown - downloaded, monitor.max_stall(downloaded, shown), monitor.max_stall(shown),
                    downloaded - sent, monitor.max_stall(sent, downloaded))
    finally:
        window.close()
        await asyncio.wait_for(running, 30)
        await fake.close()
        fake_prediction.make_image = original


def main(argv: Sequence[str] = ()) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ui_image_decode", description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="loads into the ImageViewer alone")
    parser.add_argument("--window-repeats", type=int, default=3, help="loads through the real window (0: skip)")
    options = parser.parse_args(list(argv))
    qt_app()
    began = time.perf_counter()
    data = make_test_png()
    made = time.perf_counter() - began
    print(f"ui_image_decode: {SIDE}×{SIDE} PNG, {len(data) / 2**20:.1f} MiB (made in {ms(made)})")
    alone = [run_on_qasync(lambda: viewer_once(data)) for _ in range(options.repeats)]
    print(f"  ImageViewer alone (median of {options.repeats}): set_image_bytes → image_shown "
          f"{spread([load.decode for load in alone])}")
    print(f"      longest stall until image_shown {spread([load.stall_decoding for load in alone])}; "
          f"in the {SETTLE:g} s after (first paint) {spread([load.stall_after for load in alone])}")
    verdicts = [
        Verdict("longest GUI stall, set_image_bytes → image_shown (median)",
                median([load.stall_decoding for load in alone]) * 1000, STALL_LIMIT * 1000, " ms",
                f"worst {ms(max(load.stall_decoding for load in alone))}"),
        Verdict("longest GUI stall, first paint after image_shown (median)",
                median([load.stall_after for load in alone]) * 1000, STALL_LIMIT * 1000, " ms",
                f"worst {ms(max(load.stall_after for load in alone))}"),
    ]
    if options.window_repeats:
        with tempfile.TemporaryDirectory(prefix="bench-ui-image-") as tmp:
            flows = [run_on_qasync(lambda index=index: window_once(data, Path(tmp) / str(index)))  # type: ignore[misc]
                     for index in range(options.window_repeats)]
        print(f"  real window, fake server (median of {options.window_repeats}): prompt → bytes downloaded "
              f"{spread([flow.download for flow in flows])}, → image_shown {spread([flow.decode for flow in flows])}")
        print(f"      longest stall while downloading {spread([flow.stall_download for flow in flows])}; "
              f"until image_shown {spread([flow.stall_decoding for flow in flows])}; "
              f"{SETTLE:g} s after (chat thumbnail, paints) {spread([flow.stall_after for flow in flows])}")
        verdicts.append(Verdict(
            "longest GUI stall, real window, bytes downloaded → shown and painted (median)",
            median([max(flow.stall_decoding, flow.stall_after) for flow in flows]) * 1000, STALL_LIMIT * 1000, " ms",
            f"while downloading {ms(median([flow.stall_download for flow in flows]))}"))
    for verdict in verdicts:
        print(verdict.line())


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
