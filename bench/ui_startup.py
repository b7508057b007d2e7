"""GUI bench: cold start to the first painted window, and idle memory, against a bare PySide6 window in the same run.

Each measurement is a fresh process (median of 5 each), timed from the parent: spawn → the line the child prints
once its window has painted for the first time (an application-wide event filter sees the first Paint event; a
zero-timer then fires after the whole paint pass). The same child reads its VmRSS 1.5 s after that first paint.
  (a) bare: import PySide6.QtWidgets, QApplication, QMainWindow().show();
  (b) app: the real entry point ``desktop_app.__main__.main([])`` (every import, settings, theme, window, qasync loop,
      aiohttp session), with ``desktop_app.app.open_window`` wrapped only to install the same paint hook.
The app runs with HOME and XDG dirs in a temporary folder, no token, and REPLICATE_API_BASE_URL on an unused
127.0.0.1 port, so nothing reaches the network. Targets: first paint ≤ 1.5× bare; idle RSS ≤ 2× bare. Also checked:
aiohttp is not imported before the first paint (``sys.modules`` at that moment, and a ``-X importtime`` run).

Run alone: QT_QPA_PLATFORM=offscreen .venv/bin/python -m bench.ui_startup [--repeats R] [--settle S]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.ui_helpers import ROOT, Verdict, median, ms, spread

PAINT_LIMIT = 1.5
RSS_LIMIT = 2.0

# The hook both children share: report the first paint, then the RSS after the settle time, then quit.
_HOOK = r'''
import os, sys, time
from PySide6.QtCore import QEvent, QObject, QTimer


def _rss_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


class _FirstPaint(QObject):
    def __init__(self, app, settle_ms, on_done):
        super().__init__()
        self._seen = False
        self._settle_ms = settle_ms
        self._on_done = on_done
        app.installEventFilter(self)

    def eventFilter(self, watched, event):
        if not self._seen and event.type() == QEvent.Type.Paint:
            self._seen = True
            QTimer.singleShot(0, self._painted)  # runs once the whole paint pass is over
        return False

    def _painted(self):
        print(f"painted {int('aiohttp' in sys.modules)}", flush=True)
        print("-- first paint --", file=sys.stderr, flush=True)  # marks the end of -X importtime's list
        QTimer.singleShot(self._settle_ms, self._settled)

    def _settled(self):
        print(f"rss {_rss_kib()} {int('aiohttp' in sys.modules)}", flush=True)
        self._on_done()
'''

BARE = _HOOK + r'''
from PySide6.QtWidgets import QApplication, QMainWindow

app = QApplication(sys.argv[:1])
window = QMainWindow()
window.show()
hook = _FirstPaint(app, int(os.environ["BENCH_SETTLE_MS"]), app.quit)
sys.exit(app.exec())
'''

APP = _HOOK + r'''
import desktop_app.app
from desktop_app.__main__ import main

_open_window = desktop_app.app.open_window


def open_window(paths, **options):
    app, window, store = _open_window(paths, **options)
    open_window.hook = _FirstPaint(app, int(os.environ["BENCH_SETTLE_MS"]), window.close)
    return app, window, store


desktop_app.app.open_window = open_window
sys.exit(main([]))
'''


@dataclass
class Start:
    paint: float  # seconds from spawn to the first-paint line
    rss_kib: int
    aiohttp_at_paint: bool
    aiohttp_at_rss: bool


def unused_port() -> int:
    """A 127.0.0.1 port nothing listens on (bound once, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def child_env(home: Path, settle: float) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("REPLICATE_", "XDG_", "DBUS_")) and key not in ("HOME", "DISPLAY", "WAYLAND_DISPLAY")}
    env.update({
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_RUNTIME_DIR": str(home / "runtime"),
        "REPLICATE_API_BASE_URL": f"http://127.0.0.1:{unused_port()}/v1",
        "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        "BENCH_SETTLE_MS": str(int(settle * 1000)),
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    (home / "runtime").mkdir(mode=0o700, parents=True, exist_ok=True)
    return env


def start_once(code: str, home: Path, settle: float, *, importtime: bool = False) -> tuple[Start, str]:
    """Runs one child; returns its figures and its stderr."""
    command = [sys.executable, *(["-X", "importtime"] if importtime else []), "-c", code]
    env = child_env(home, settle)
    spawned = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout is not None
    painted_line = child.stdout.readline()
    painted = time.perf_counter() - spawned
    rss_line = child.stdout.readline()
    try:
        _, stderr = child.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        child.kill()
        _, stderr = child.communicate()
        raise RuntimeError(f"the child did not exit after reporting:\n{stderr[-2000:]}") from None
    if not painted_line.startswith("painted") or not rss_line.startswith("rss") or child.returncode != 0:
        raise RuntimeError(f"the child failed (exit {child.returncode}): {painted_line!r} {rss_line!r}\n"
                           f"{stderr[-3000:]}")
    _, aiohttp_at_paint = painted_line.split()
    _, rss, aiohttp_at_rss = rss_line.split()
    return Start(painted, int(rss), aiohttp_at_paint == "1", aiohttp_at_rss == "1"), stderr


def imports_before_paint(stderr: str) -> list[tuple[int, int, str]]:
    """``(depth, cumulative µs, module)`` of every import a ``-X importtime`` run made before its first paint."""
    found: list[tuple[int, int, str]] = []
    for line in stderr.splitlines():
        if line.startswith("-- first paint --"):
            break
        parts = line.removeprefix("import time:").split("|")
        if not line.startswith("import time:") or len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name = parts[2].rstrip()
        depth = (len(name) - len(name.lstrip()) - 1) // 2
        found.append((depth, int(parts[1]), name.strip()))
    return found


def describe_imports(found: list[tuple[int, int, str]], top: int = 6) -> list[str]:
    """The slowest imports at the root and directly under ``desktop_app.app`` (cumulative, importtime-inflated)."""
    roots = sorted(((micros, name) for depth, micros, name in found if depth == 0), reverse=True)
    lines = [f"{sum(m for m, _ in roots) / 1000:.0f} ms in all; slowest: "
             + ", ".join(f"{name} {micros / 1000:.0f}" for micros, name in roots[:top])]
    # -X importtime lists a module after its children: collect the depth-1 entries just before desktop_app.app.
    children: list[tuple[int, str]] = []
    for depth, micros, name in found:
        if depth == 1:
            children.append((micros, name))
        elif depth == 0:
            if name == "desktop_app.app":
                slowest = sorted(children, reverse=True)[:top]
                lines.append("under desktop_app.app: " + ", ".join(f"{child} {micros / 1000:.0f}"
                                                                   for micros, child in slowest))
            children = []
    return lines


def main(argv: Sequence[str] = ()) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ui_startup", description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--repeats", type=int, default=9)  # the bare window alone varies by ±30 % here
    parser.add_argument("--settle", type=float, default=1.5, help="seconds after the first paint before reading RSS")
    options = parser.parse_args(list(argv))
    bare: list[Start] = []
    app: list[Start] = []
    with tempfile.TemporaryDirectory(prefix="bench-ui-startup-") as tmp:
        start_once(BARE, Path(tmp) / "warm-bare", options.settle)  # warm the file cache for both
        start_once(APP, Path(tmp) / "warm-app", options.settle)
        for index in range(options.repeats):  # alternate, so drifting machine load hits both alike
            bare.append(start_once(BARE, Path(tmp) / f"bare-{index}", options.settle)[0])
            app.append(start_once(APP, Path(tmp) / f"app-{index}", options.settle)[0])
        _, importtime_log = start_once(APP, Path(tmp) / "importtime", options.settle, importtime=True)
    import_lines = describe_imports(imports_before_paint(importtime_log))
    paint_ratio = median([s.paint for s in app]) / median([s.paint for s in bare])
    rss_ratio = median([s.rss_kib for s in app]) / median([s.rss_kib for s in bare])
    print(f"ui_startup: fresh processes, median of {options.repeats}; RSS read {options.settle:g} s after first paint")
    print(f"  bare QMainWindow: first paint {spread([s.paint for s in bare])}; "
          f"RSS {spread([s.rss_kib for s in bare], 1 / 1024, 'MiB')}")
    print(f"  Replicate Desktop: first paint {spread([s.paint for s in app])}; "
          f"RSS {spread([s.rss_kib for s in app], 1 / 1024, 'MiB')}")
    at_paint = sum(s.aiohttp_at_paint for s in app)
    at_rss = sum(s.aiohttp_at_rss for s in app)
    print(f"  aiohttp imported at first paint in {at_paint} of {len(app)} app runs; "
          f"after settling in {at_rss} of {len(app)} (its session is open by then)")
    print("  -X importtime, imports before the app's first paint (ms, cumulative):")
    for line in import_lines:
        print(f"      {line}")
    verdicts = [
        Verdict("first paint, app / bare window", paint_ratio, PAINT_LIMIT, "×",
                f"{ms(median([s.paint for s in app]))} vs {ms(median([s.paint for s in bare]))}"),
        Verdict("idle RSS, app / bare window", rss_ratio, RSS_LIMIT, "×",
                f"{median([s.rss_kib for s in app]) / 1024:.0f} MiB vs "
                f"{median([s.rss_kib for s in bare]) / 1024:.0f} MiB"),
        Verdict("runs with aiohttp imported before the first paint", float(at_paint), 0.0, "",
                "the window must paint before the network stack loads"),
    ]
    for verdict in verdicts:
        print(verdict.line())


if __name__ == "__main__":
    main(sys.argv[1:])
