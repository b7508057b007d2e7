"""Packing and uploading training photos never stalls the event loop. Target: no stall over 50 ms.

A ticker task on the loop wakes every 5 ms and records how late each wake-up was; the worst lateness is the
longest the loop (the GUI's, in the app) was blocked. The fake server runs in a process of its own: on a thread of
this one, its parsing of a 96 MB upload holds the GIL for most of a second and would be measured instead of the app.
Photos are real JPEG headers padded with random bytes (incompressible, like photos).

Rows: the idle loop (baseline); scanning and packing the issue's 30 photos × 5 MB — 150 MB, which the app then
refuses to upload with a sentence, since Replicate's Files API takes less than 100 MB; packing and uploading
30 × 3.2 MB (96 MB, the most that can go) the app's way (worker-thread zip, streamed upload); and, for scale, the
naive way (zip on the loop thread, the whole file read and posted in one piece).
"""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
from PIL import Image

from desktop_app.replicate import ReplicateClient, upload_file_once
from desktop_app.replicate.uploads import upload_file
from desktop_app.session import TrainingData, pack_training_data, scan_training_data
from tests.fake_replicate import TOKEN

TARGET_MS = 50.0
TICK = 0.005
MB = 1_000_000


class Ticker:
    """Wakes every :data:`TICK` seconds and keeps the worst lateness."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Ticker:
        self._task = asyncio.create_task(self._run())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            began = loop.time()
            await asyncio.sleep(TICK)
            self.worst = max(self.worst, loop.time() - began - TICK)


def make_photos(folder: Path, count: int, size: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    header = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 80, 40)).save(header, "JPEG")
    for index in range(count):
        (folder / f"photo-{index:02d}.jpg").write_bytes(header.getvalue() + os.urandom(size - header.tell()))


async def measured(work: Callable[[], Awaitable[Any]]) -> tuple[float, float, Any]:
    """(worst stall in ms, seconds taken, result) of ``work``."""
    async with Ticker() as ticker:
        began = time.perf_counter()
        result = await work()
        taken = time.perf_counter() - began
    return ticker.worst * 1000, taken, result


async def run(base_url: str, root: Path) -> list[tuple[str, float, float, str]]:
    rows: list[tuple[str, float, float, str]] = []
    idle, _, _ = await measured(lambda: asyncio.sleep(1.0))
    rows.append(("idle loop, 1 s (baseline)", idle, 1.0, ""))

    make_photos(root / "big", 30, 5 * MB)
    stall, taken, data = await measured(lambda: asyncio.to_thread(scan_training_data, [root / "big"]))
    rows.append(("scan 30 × 5 MB (headers only)", stall, taken, f"{data.count} photos"))
    stall, taken, packed = await measured(lambda: pack_training_data(data, root / "big.zip"))
    rows.append(("pack 30 × 5 MB (worker thread)", stall, taken, f"{packed.size / MB:.0f} MB zip"))
    rows.append(("  … then refused before upload", 0.0, 0.0, str(data.problem())[:60] + "…"))

    make_photos(root / "fits", 30, 3_200_000)
    fits: TrainingData = scan_training_data([root / "fits"])
    async with aiohttp.ClientSession() as session:
        client = ReplicateClient(session, token=TOKEN, base_url=base_url)

        async def app_way() -> Any:
            zipped = await pack_training_data(fits, root / "fits.zip")
            return await upload_file_once(client, zipped.path, sha256=zipped.sha256, size=zipped.size,
                                          content_type="application/zip")

        stall, taken, uploaded = await measured(app_way)
        rows.append(("pack + upload 30 × 3.2 MB, app's way", stall, taken, f"{(uploaded.size or 0) / MB:.0f} MB sent"))

        async def naive_way() -> Any:
            with zipfile.ZipFile(root / "naive.zip", "w", zipfile.ZIP_STORED) as archive:
                for image in fits.images:
                    archive.write(image.path, image.name)
            return await upload_file(client, (root / "naive.zip").read_bytes(), content_type="application/zip")

        stall, taken, _ = await measured(naive_way)
        rows.append(("pack + upload 30 × 3.2 MB, naive way", stall, taken, "zip on the loop, one-piece POST"))
    return rows


def main() -> int:
    server = subprocess.Popen([sys.executable, "-m", "tests.fake_replicate", "--port", "0"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        first = server.stdout.readline()  # "Fake Replicate listening on http://127.0.0.1:PORT/v1"
        base_url = first.strip().rsplit(" ", 1)[-1]
        with tempfile.TemporaryDirectory(prefix="bench-trainings-") as folder:
            rows = asyncio.run(run(base_url, Path(folder)))
    finally:
        server.terminate()
        server.wait(10)
    baseline = rows[0][1] or 0.001
    print(f"{'what':42} {'worst stall':>12} {'× idle':>8} {'time':>8}  note")
    for what, stall, taken, note in rows:
        ratio = f"{stall / baseline:7.1f}×" if stall else ""
        print(f"{what:42} {stall:9.1f} ms {ratio:>8} {taken:7.2f} s  {note}")
    app_rows = [row for row in rows if "naive" not in row[0]]
    worst = max(stall for _, stall, _, _ in app_rows)
    print(f"\nWorst stall the app's way: {worst:.1f} ms (target ≤ {TARGET_MS:.0f} ms): "
          f"{'met' if worst <= TARGET_MS else 'MISSED'}")
    return 0 if worst <= TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
