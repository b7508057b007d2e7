"""The real app at 200 % scale: a child process (Qt reads QT_SCALE_FACTOR once, at start) opens the window at
1280×800 logical pixels against a threaded fake server, runs ``drive(window, facts)`` once the account is checked,
saves a grab of the window, and prints ``facts`` as its last line."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from tests.fake_replicate import FakeReplicate
from tests.integration.helpers import ThreadedFake
from tests.ui.harness import until

ROOT = Path(__file__).resolve().parents[2]
Drive = Callable[[Any, dict[str, Any]], Awaitable[None]]


def launch(model: str, drive: Drive) -> int:
    """In the child: ``python driver.py ROOT OUT.png`` runs the app with ``--model model`` until ``drive`` ends."""
    from desktop_app.__main__ import build_parser
    from desktop_app.app import main, open_window
    from desktop_app.storage.paths import AppPaths
    from desktop_app.ui.shell.event_loop import AppEventLoop

    root, out = Path(sys.argv[1]), Path(sys.argv[2])
    paths = AppPaths.under(root)
    app, window, store = open_window(paths)
    window.resize(1280, 800)
    args = build_parser().parse_args(["--model", model])
    facts: dict[str, Any] = {}

    async def driven() -> None:
        await until(lambda: "fake-user" in window.account_label.text(), limit=60, message="the account check")
        await drive(window, facts)
        pixmap = window.grab()
        image = pixmap.toImage()
        image.save(str(out))
        facts.update(pixmap_ratio=pixmap.devicePixelRatio(), image_ratio=image.devicePixelRatio(),
                     pixels=[image.width(), image.height()], logical=[window.width(), window.height()],
                     window_ratio=window.devicePixelRatioF())
        window.close()

    async def both() -> int:
        driving = asyncio.ensure_future(driven())
        result = await main(app, window, args, dict(os.environ), paths, store)
        await driving
        print(json.dumps(facts), flush=True)
        return result

    with asyncio.Runner(loop_factory=lambda: AppEventLoop(app)) as runner:
        return runner.run(both())


def run_scaled(tmp_path: Path, model: str, drive_source: str,
               setup: Callable[[FakeReplicate], None] | None = None) -> tuple[dict[str, Any], Path]:
    """In the test: runs the child with ``drive_source`` (defining ``async def drive(window, facts)``) at 200 %;
    returns its facts and the grab. A failing child fails with its stderr."""
    server = ThreadedFake()
    server.start()
    try:
        fake = server.fake
        if setup is not None:
            server.call(lambda: setup(fake))
        driver = tmp_path / "driver.py"
        driver.write_text(f"import sys\nfrom tests.ui.scaled_app import launch\n{drive_source}\n"
                          f"sys.exit(launch({model!r}, drive))\n")
        shot = tmp_path / "window-200.png"
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": "2", "PYTHONPATH": str(ROOT),
               "REPLICATE_API_TOKEN": fake.token, "REPLICATE_API_BASE_URL": fake.base_url}
        env.pop("QT_ENABLE_HIGHDPI_SCALING", None)
        result = subprocess.run([sys.executable, str(driver), str(tmp_path / "user"), str(shot)], env=env,
                                cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr[-3000:]
    facts: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return facts, shot
