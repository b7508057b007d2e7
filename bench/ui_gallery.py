"""GUI bench: the gallery window over a library of 10,000 outputs with real files.

The bench builds the library in a temporary folder (``bench.core_gallery.build``: 10,000 outputs of 8 models over a
year, ~86 % pictures; each picture a real 640×640 PNG, each sound a real WAV), then measures in a fresh child process
(so its memory is the gallery's, not the builder's), on the app's qasync loop, with the real session ``Gallery``,
``ThumbnailCache`` and ``GalleryPresenter``; thumbnails start cold (none cached):
  - the heap settled after start as the app does (``desktop_app.app.settle_heap``: collect, then freeze);
  - first paint: ``open()`` → the grid's first paint that shows rows (a zero-timer after the Paint event: the paint
    pass is over); the window is built each time (a fresh presenter), median of 5; also when the thumbnails on screen
    were all painted (cold cache, first time);
  - scrolling top to bottom: the scroll bar moves a page every 16 ms (dragging it), a 5 ms PreciseTimer measures how
    late the loop runs (the longest stall, and how many over 50 ms);
  - for comparison, showing a listing (reset, lay out 10,000 cells, paint) in the grid's flow and in Qt's IconMode;
  - filter / search change → the grid painted with the new rows (the search's 250 ms typing pause not counted);
  - scrolling again in 80 stops, each until the thumbnails on screen are painted (they are made meanwhile);
  - memory: VmRSS before opening (the presenter built and started, the window never shown) and after both scrolls;
  - 1,000 new pictures (rows revealed in the history, their files on disk, no thumbnails): the refresh the history's
    change notice starts, until all 1,000 thumbnails are in the disk cache; the longest stall meanwhile.
Targets (issue 12): first paint ≤ 300 ms; longest stall while scrolling ≤ 50 ms; a change shows rows ≤ 100 ms; memory
≤ idle + 150 MB; no stall over 50 ms while the 1,000 thumbnails are made.

Run alone: QT_QPA_PLATFORM=offscreen .venv/bin/python -m bench.ui_gallery [--outputs N] [--new N]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.ui_helpers import ROOT, Verdict, median, ms, spread
from desktop_app.ui.gallery.thumbnails import MEMORY_BYTES

OUTPUTS = 10_000
NEW = 1_000
EDGE = 640
FIRST_PAINT_LIMIT = 0.300
STALL_LIMIT = 0.050
CHANGE_LIMIT = 0.100
MEMORY_LIMIT_MIB = 150.0


# --- the library (parent process) --------------------------------------------------------------------------------


def build_library(folder: Path, outputs: int, new: int) -> dict[str, int]:
    """``outputs`` visible outputs with real files, and ``new`` more pictures (the newest rows) hidden for now."""
    from bench.core_gallery import build
    from desktop_app.storage.history import HistoryStore

    path = folder / "history.db"
    extra = int(new * 1.35) + 200  # ~86 % of rows are pictures: enough newest rows to hold ``new`` pictures
    build(path, outputs + extra)
    with sqlite3.connect(path) as db:
        newest = db.execute("SELECT id, kind FROM outputs ORDER BY created_at DESC, id DESC").fetchall()
        hidden, pictures = [], 0
        for output_id, kind in newest:
            if pictures >= new:
                break
            hidden.append(output_id)
            pictures += kind == "image"
        surplus = len(newest) - len(hidden) - outputs
        oldest = [row[0] for row in reversed(newest)][:surplus]
        db.executemany("DELETE FROM outputs WHERE id = ?", [(output_id,) for output_id in oldest])
        # set aside (not marked deleted: the gallery's start would purge those), put back by the measurement
        db.execute("CREATE TABLE bench_hidden AS SELECT * FROM outputs WHERE 0")
        for output_id in hidden:
            db.execute("INSERT INTO bench_hidden SELECT * FROM outputs WHERE id = ?", (output_id,))
            db.execute("DELETE FROM outputs WHERE id = ?", (output_id,))
        rows = db.execute("SELECT path, kind FROM outputs UNION ALL SELECT path, kind FROM bench_hidden").fetchall()
    write_files(HistoryStore.open(path), rows)
    return {"hidden": len(hidden), "new_pictures": pictures, "files": len(rows)}


def write_files(store: object, rows: list[tuple[str, str]]) -> None:
    from bench.ui_helpers import qt_app

    qt_app()
    pictures = [_picture(seed) for seed in range(48)]
    sound = _wav()
    library = store.library  # type: ignore[attr-defined]
    for number, (relative, kind) in enumerate(rows):
        target = library.path(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        data = pictures[number % len(pictures)] if kind == "image" else sound if kind == "audio" else b"\x00" * 64
        target.write_bytes(data)
    store.close()  # type: ignore[attr-defined]


def _picture(seed: int) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF
    from PySide6.QtGui import QColor, QImage, QLinearGradient, QPainter

    image = QImage(EDGE, EDGE, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    gradient = QLinearGradient(0, 0, EDGE, EDGE)
    gradient.setColorAt(0, QColor.fromHsv((seed * 37) % 360, 160, 220))
    gradient.setColorAt(1, QColor.fromHsv((seed * 37 + 120) % 360, 200, 90))
    painter.fillRect(image.rect(), gradient)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    for ring in range(6):
        painter.setBrush(QColor.fromHsv((seed * 53 + ring * 40) % 360, 120, 250, 140))
        painter.drawEllipse(QPointF(EDGE * (0.2 + ring * 0.12), EDGE * (0.3 + (seed % 5) * 0.1)), 60 + ring * 9,
                            60 + ring * 9)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]
    return bytes(data.data())


def _wav() -> bytes:
    import io
    import math
    import struct
    import wave

    out = io.BytesIO()
    with wave.open(out, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(8000)
        sound.writeframes(b"".join(struct.pack("<h", int(20000 * math.sin(n / 5) * (n % 800) / 800))
                                   for n in range(16000)))
    return out.getvalue()


# --- the measurements (child process) ----------------------------------------------------------------------------


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return -1.0


async def measure(folder: Path, repeats: int) -> dict[str, object]:
    import asyncio
    import gc

    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QMainWindow

    from bench.ui_helpers import StallMonitor, qt_app, until
    from desktop_app.app import settle_heap
    from desktop_app.session import Gallery, GalleryListing, HistoryRecorder
    from desktop_app.storage.gallery import GalleryFilter
    from desktop_app.storage.history import HistoryStore
    from desktop_app.storage.thumbnails import ThumbnailCache
    from desktop_app.ui.gallery.delegate import edge_for
    from desktop_app.ui.gallery.grid_model import GalleryGridModel
    from desktop_app.ui.gallery.presenter import GalleryPresenter
    from desktop_app.ui.gallery.thumbnails import cache_format
    from desktop_app.ui.shell.theme import apply_theme

    app = qt_app()
    apply_theme(app, "light")
    main_window = QMainWindow()
    main_window.resize(1280, 800)
    main_window.show()
    store = HistoryStore.open(folder / "history.db")
    recorder = HistoryRecorder(store)
    gallery = Gallery(recorder)
    cache = ThumbnailCache(folder / "thumbnails", suffix=cache_format())

    class Painted(QObject):
        """Notes when each paint pass of the grid that showed rows is over, and which listing it showed."""

        def __init__(self, model: GalleryGridModel) -> None:
            super().__init__()
            self.model = model
            self.times: list[float] = []
            self.listing: object = None

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and self.model.rowCount() > 0:
                listing = self.model.listing()
                QTimer.singleShot(0, lambda: self._over(listing))  # runs once the paint pass is over
            return False

        def _over(self, listing: object) -> None:
            self.times.append(time.perf_counter())
            self.listing = listing

    async def open_once() -> tuple[GalleryPresenter, Painted, float, float]:
        presenter = GalleryPresenter(gallery, cache, main_window)
        await presenter.start()
        painted = Painted(presenter.model)
        began = time.perf_counter()
        window = presenter.open()
        window.resize(1180, 780)
        window.grid.viewport().installEventFilter(painted)
        await until(lambda: bool(painted.times), 5, "the first paint with rows")
        first = painted.times[0] - began
        grid = window.grid
        edge = edge_for(grid.devicePixelRatioF())

        def thumbnails_done() -> bool:
            low, high = grid.visible_rows()
            items = [presenter.model.item(row) for row in range(low, high + 1)]
            return all(item is not None and (item.kind != "image" or presenter.loader.pixmap(item, edge) is not None)
                       for item in items)

        await until(thumbnails_done, 30, "the thumbnails on screen")
        return presenter, painted, first, time.perf_counter() - began

    async def close(presenter: GalleryPresenter) -> None:
        await presenter.aclose()
        if presenter.window is not None:
            presenter.window.hide()
            presenter.window.deleteLater()
        await asyncio.sleep(0.05)

    # idle: a presenter built and started, its window never opened; the heap settled as the app does after start
    idle_presenter = GalleryPresenter(gallery, cache, main_window)
    await idle_presenter.start()
    settle_heap()
    await asyncio.sleep(1.0)
    idle = rss_mib()

    firsts, thumbs = [], []
    for _ in range(repeats):
        presenter, painted, first, thumbs_seen = await open_once()
        firsts.append(first)
        thumbs.append(thumbs_seen)
        await close(presenter)

    # scrolling top to bottom
    presenter, painted, _first, _t = await open_once()
    window = presenter.window
    assert window is not None
    grid = window.grid
    bar = grid.verticalScrollBar()
    monitor = StallMonitor(5)
    monitor.start()
    began = time.perf_counter()
    steps = 0
    while bar.value() < bar.maximum():
        bar.setValue(min(bar.maximum(), bar.value() + grid.viewport().height()))
        steps += 1
        await asyncio.sleep(0.016)
    await until(lambda: presenter.model.item(presenter.model.rowCount() - 1) is not None, 10, "the last rows")
    ended = time.perf_counter()
    await asyncio.sleep(0.5)
    monitor.stop()
    scroll = {"stall": monitor.max_stall(began, ended + 0.5), "over": monitor.count_over(STALL_LIMIT, began),
              "seconds": ended - began, "steps": steps, "rows": presenter.model.rowCount()}
    # scrolling again with stops: 80 screens from top to bottom, each until its thumbnails are painted
    edge = edge_for(grid.devicePixelRatioF())

    def screen_done() -> bool:
        low, high = grid.visible_rows()
        items = [presenter.model.item(row) for row in range(low, high + 1)]
        return all(item is not None and (item.kind != "image" or presenter.loader.pixmap(item, edge) is not None)
                   for item in items)

    bar.setValue(0)
    await asyncio.sleep(0.3)
    monitor = StallMonitor(5)
    monitor.start()
    began = time.perf_counter()
    stops = 80
    for stop in range(1, stops + 1):
        bar.setValue(bar.maximum() * stop // stops)
        await until(screen_done, 30, "a screen's thumbnails")
    ended = time.perf_counter()
    monitor.stop()
    stopping = {"stall": monitor.max_stall(began, ended), "over": monitor.count_over(STALL_LIMIT, began, ended),
                "seconds": ended - began, "stops": stops, "made": presenter.loader.made}
    await asyncio.sleep(1.0)
    gc.collect()
    scrolled = rss_mib()
    pixmaps = presenter.loader.memory_used() / 2**20

    # filter and search changes
    changes: dict[str, float] = {}
    reads: dict[str, float] = {}
    read_times: list[float] = []
    filter_bar = window.filter_bar
    listing = gallery.listing

    async def timed_listing(query: GalleryFilter, *, stride: int = 200) -> GalleryListing:
        began = time.perf_counter()
        try:
            return await listing(query, stride=stride)
        finally:
            read_times.append(time.perf_counter() - began)

    gallery.listing = timed_listing  # type: ignore[method-assign]

    async def change(label: str, apply: object) -> None:
        old = presenter.model.listing()
        began = time.perf_counter()
        apply()  # type: ignore[operator]
        await until(lambda: painted.listing is not None and painted.listing is not old and painted.times[-1] > began,
                    5, label)
        changes[label] = painted.times[-1] - began
        reads[label] = read_times[-1]

    def select(box: object, value: str) -> object:
        return lambda: box.setCurrentIndex(box.findData(value))  # type: ignore[attr-defined]

    await until(lambda: filter_bar.model_box.count() > 1, 5, "the model list")
    bar.setValue(0)
    await change("videos", select(filter_bar.kind_box, "video"))
    await change("all kinds", select(filter_bar.kind_box, ""))
    await change("one model", select(filter_bar.model_box, "stability-ai/sdxl"))
    await change("all models", select(filter_bar.model_box, ""))
    await change("favourites", lambda: filter_bar.favourites_button.setChecked(True))
    await change("everything again", lambda: filter_bar.favourites_button.setChecked(False))
    await change("hide rejected", lambda: filter_bar.hide_rejected_box.setChecked(True))
    await change("by model", select(filter_bar.sort_box, "model"))
    await change("newest first", select(filter_bar.sort_box, "newest"))

    def search(text: str) -> object:
        def run() -> None:
            filter_bar.search_box.setText(text)
            filter_bar.apply_now()
        return run

    word = (await gallery.page(GalleryFilter(), None, 1)).items[0].prompt.split()[0]
    await change(f"search {word!r}", search(word))
    await change("search two words", search(f"{word} {word[:2]}"))
    await change("search cleared", search(""))

    # baseline: showing a listing (reset, lay out 10,000 cells, paint) in our flow and in Qt's IconMode
    from PySide6.QtWidgets import QListView

    listings = [await gallery.listing(GalleryFilter()), await gallery.listing(GalleryFilter(sort="oldest"))]

    def show_times() -> list[float]:
        times = []
        for number in range(6):
            began = time.perf_counter()
            presenter.model.set_listing(listings[number % 2])
            grid.viewport().repaint()
            times.append(time.perf_counter() - began)
        return times

    ours = show_times()
    grid.setViewMode(QListView.ViewMode.IconMode)
    grid.setMovement(QListView.Movement.Static)
    grid.setGridSize(grid.grid_delegate.cell)
    await asyncio.sleep(0.3)
    icon_mode = show_times()
    grid.setViewMode(QListView.ViewMode.ListMode)
    grid.setFlow(QListView.Flow.LeftToRight)
    grid.setWrapping(True)
    grid.setMovement(QListView.Movement.Static)
    grid.setGridSize(grid.grid_delegate.cell)
    await asyncio.sleep(0.3)
    presenter.reload(keep_position=False)
    await asyncio.sleep(0.3)

    # 1,000 new pictures
    with store.writing("bench: reveal the new outputs") as db:
        revealed = db.execute("INSERT INTO outputs SELECT * FROM bench_hidden").rowcount
        new_items = db.execute("SELECT sha256 FROM outputs WHERE kind = 'image' ORDER BY id DESC LIMIT ?",
                               (NEW_PICTURES,)).fetchall()
    edge = edge_for(grid.devicePixelRatioF())
    made_before = presenter.loader.made
    monitor = StallMonitor(5)
    monitor.start()
    began = time.perf_counter()
    presenter.refresh()
    await until(lambda: all(cache.get(row[0], edge) is not None for row in new_items[::25]) and
                presenter.loader.pending() == 0 and all(cache.get(row[0], edge) is not None for row in new_items),
                300, "the new thumbnails")
    ended = time.perf_counter()
    monitor.stop()
    fresh = {"stall": monitor.max_stall(began, ended), "over": monitor.count_over(STALL_LIMIT, began, ended),
             "seconds": ended - began, "made": presenter.loader.made - made_before, "revealed": revealed,
             "count": len(new_items), "rows": presenter.model.rowCount()}

    await close(presenter)
    await idle_presenter.aclose()
    await recorder.close()
    store.close()
    return {"first": firsts, "thumbs": thumbs, "scroll": scroll, "stopping": stopping, "idle": idle, "reads": reads,
            "scrolled": scrolled, "show": {"ours": ours, "icon_mode": icon_mode},
            "pixmaps": pixmaps, "changes": changes, "new": fresh}


NEW_PICTURES = NEW


def child(folder: Path, repeats: int) -> None:
    from bench.ui_helpers import run_on_qasync

    result = run_on_qasync(lambda: measure(folder, repeats))
    print("RESULT " + json.dumps(result), flush=True)


# --- the report (parent process) ---------------------------------------------------------------------------------


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outputs", type=int, default=OUTPUTS)
    parser.add_argument("--new", type=int, default=NEW)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(list(argv))
    if args.child is not None:
        global NEW_PICTURES
        NEW_PICTURES = args.new
        child(args.child, args.repeats)
        return 0
    print(__doc__.split("\n\n")[0])
    with tempfile.TemporaryDirectory(prefix="bench-gallery-ui-") as scratch:
        folder = Path(scratch)
        began = time.perf_counter()
        built = build_library(folder, args.outputs, args.new)
        print(f"built {args.outputs:,} outputs + {built['hidden']:,} hidden newest ({built['new_pictures']:,} "
              f"pictures), {built['files']:,} real files, in {time.perf_counter() - began:.1f} s")
        env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
        done = subprocess.run([sys.executable, "-m", "bench.ui_gallery", "--child", str(folder), "--repeats",
                               str(args.repeats), "--new", str(args.new)], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=1800, check=False)
        lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
        if done.returncode != 0 or not lines:
            print(done.stdout[-4000:], done.stderr[-4000:])
            return 1
        result = json.loads(lines[-1][len("RESULT "):])
    return report(result)


def report(result: dict[str, object]) -> int:
    first: list[float] = result["first"]  # type: ignore[assignment]
    thumbs: list[float] = result["thumbs"]  # type: ignore[assignment]
    scroll: dict[str, float] = result["scroll"]  # type: ignore[assignment]
    changes: dict[str, float] = result["changes"]  # type: ignore[assignment]
    stopping: dict[str, float] = result["stopping"]  # type: ignore[assignment]
    fresh: dict[str, float] = result["new"]  # type: ignore[assignment]
    idle, scrolled, pixmaps = (float(result[name]) for name in ("idle", "scrolled", "pixmaps"))  # type: ignore[arg-type]
    print(f"  first paint with rows: {spread(first)}; every thumbnail on screen painted: {spread(thumbs)} "
          "(the first opening with a cold cache)")
    print(f"  scrolled {int(scroll['rows']):,} rows top to bottom in {scroll['seconds']:.1f} s "
          f"({int(scroll['steps'])} page steps, 16 ms apart); longest stall {ms(scroll['stall'])}, "
          f"{int(scroll['over'])} over 50 ms")
    print(f"  scrolled again in {int(stopping['stops'])} stops, each until its thumbnails were painted "
          f"({stopping['seconds']:.1f} s, {int(stopping['made']):,} thumbnails made so far): longest stall "
          f"{ms(stopping['stall'])}, {int(stopping['over'])} over 50 ms")
    reads: dict[str, float] = result["reads"]  # type: ignore[assignment]
    show: dict[str, list[float]] = result["show"]  # type: ignore[assignment]
    ours, icon_mode = median(show["ours"]), median(show["icon_mode"])
    print(f"  showing a listing of 10,000 (reset, lay out, paint): {ms(ours)} in the wrapping list flow, "
          f"{ms(icon_mode)} in Qt's IconMode ({icon_mode / ours:.1f}×; medians of 6)")
    print("  changes → rows painted (of which the session's listing: count, anchors, first block): " + ", ".join(
        f"{label} {ms(seconds)} ({ms(reads[label])})" for label, seconds in changes.items()))
    print(f"  memory: idle {idle:.1f} MiB, after scrolling through {scrolled:.1f} MiB "
          f"(+{scrolled - idle:.1f} MiB; pixmaps kept {pixmaps:.1f} MiB, capped at {MEMORY_BYTES / 2**20:.0f} MiB)")
    print(f"  {int(fresh['count']):,} new pictures: all thumbnails in the disk cache after {fresh['seconds']:.1f} s "
          f"({int(fresh['made']):,} made, {int(fresh['rows']):,} rows shown); longest stall {ms(fresh['stall'])}")
    verdicts = [
        Verdict("first paint after opening (median of fresh windows)", median(first) * 1000,
                FIRST_PAINT_LIMIT * 1000, " ms", f"worst {ms(max(first))}"),
        Verdict("longest GUI stall scrolling top to bottom", scroll["stall"] * 1000, STALL_LIMIT * 1000, " ms"),
        Verdict("longest GUI stall scrolling with stops (thumbnails made meanwhile)", stopping["stall"] * 1000,
                STALL_LIMIT * 1000, " ms"),
        Verdict("filter or search change → rows shown (worst)", max(changes.values()) * 1000, CHANGE_LIMIT * 1000,
                " ms", f"median {ms(median(list(changes.values())))}"),
        Verdict("memory scrolled through − idle", scrolled - idle, MEMORY_LIMIT_MIB, " MiB"),
        Verdict(f"longest GUI stall while {int(fresh['count']):,} new thumbnails are made", fresh["stall"] * 1000,
                STALL_LIMIT * 1000, " ms"),
    ]
    for verdict in verdicts:
        print(verdict.line())
    return 0  # figures, not asserts: a MISS is printed, not raised


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
