"""Cleaning up the kept inputs (painted masks, pasted pictures) with a real history and queue on disk: what a run or
a queued job refers to, what is in use and what is younger than a day stays; every other kept input goes."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from desktop_app.session import Gallery, HistoryRecorder
from desktop_app.session.gallery import clean_inputs
from desktop_app.storage import HistoryStore
from desktop_app.storage.gallery_inputs import input_digest, sweep_inputs
from desktop_app.storage.queue_records import NewJob
from desktop_app.storage.queue_store import QueueStore
from tests.storage.gallery_helpers import tiny_png

MODEL = "stability-ai/stable-diffusion-inpainting"
DAY = 24 * 3600.0


@dataclass
class World:
    store: HistoryStore
    recorder: HistoryRecorder
    gallery: Gallery
    root: Path


@pytest_asyncio.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    store = HistoryStore.open(tmp_path / "data" / "history.db", library_dir=tmp_path / "data" / "library")
    recorder = HistoryRecorder(store)
    try:
        yield World(store, recorder, Gallery(recorder), tmp_path)
    finally:
        await recorder.close()
        store.close()


def age(path: Path, days: float) -> Path:
    """Makes ``path`` look written ``days`` ago."""
    moment = time.time() - days * DAY
    os.utime(path, (moment, moment))
    return path


def written(path: Path, days: float) -> Path:
    """A file written ``days`` ago."""
    path.write_bytes(tiny_png(len(path.name)))
    return age(path, days)


async def kept(world: World, seed: int, *, days: float) -> Path:
    """A picture kept as an input, as a paste or a painted mask keeps it, ``days`` old."""
    return age(await world.gallery.keep_input(tiny_png(seed), "png"), days)


def run_with(store: HistoryStore, **inputs: object) -> None:
    """A run in the history that took these inputs (files as their paths' text, as the recorder stores them)."""
    conversation = store.create_conversation("inpaint", MODEL)
    recorded = {name: str(value) if isinstance(value, Path) else value for name, value in inputs.items()}
    generation = store.start_generation(conversation, None, MODEL, None, {"prompt": "a door", **recorded})
    store.update_generation(generation, prediction_id=f"p{generation}", status="succeeded")


async def test_only_old_inputs_that_nothing_refers_to_are_removed(world: World) -> None:
    taken = await kept(world, 1, days=3)  # a run took it as its image
    listed = await kept(world, 2, days=3)  # a run took it in a list of files
    orphan = await kept(world, 3, days=3)  # pasted three days ago, never run
    fresh = await kept(world, 4, days=0.5)  # pasted this morning: may still be run
    shown = await kept(world, 5, days=3)  # in the form on screen
    queued = await kept(world, 6, days=3)  # a queued job will take it
    outside = written(world.root / "notes.txt", 3)  # not a kept input: never touched
    assert taken.parent.parent.name == "inputs"
    run_with(world.store, image=taken, mask=None)
    run_with(world.store, images=[str(listed)])
    queue = QueueStore.open(world.root / "data" / "queue.sqlite3")
    try:
        queue.add_batch("later", [NewJob(MODEL, {"image": queued, "prompt": "a door"})])
        swept = await clean_inputs(world.gallery, in_use=[shown], queue_db=world.root / "data" / "queue.sqlite3")
    finally:
        queue.close()

    assert swept.removed == (orphan,) and not swept.failures
    assert swept.kept == 5
    assert not orphan.exists() and not orphan.parent.exists()  # its shard folder went with it
    for path in (taken, listed, fresh, shown, queued):
        assert path.is_file(), path
    assert outside.is_file()

    again = await world.gallery.keep_input(tiny_png(6), "png")  # kept again: a day's grace from now
    assert again == queued and time.time() - queued.stat().st_mtime < 60


async def test_without_a_history_the_cache_folder_is_cleaned_and_other_files_stay(tmp_path: Path) -> None:
    folder = tmp_path / "cache" / "inputs"
    folder.mkdir(parents=True)
    names = [f"{n:064x}.png" for n in (7, 8, 9)]
    old, used, young = (written(folder / name, days) for name, days in zip(names, (2, 2, 0.1), strict=True))
    stray = written(folder / "readme.txt", 9)
    leftover = written(folder / f".{names[0]}.abc123.tmp", 2)  # a write that never finished
    gallery = Gallery(HistoryRecorder(None))
    assert not gallery.enabled
    swept = await clean_inputs(gallery, folders=[folder], in_use=[used], queue_db=tmp_path / "no-queue.sqlite3")
    assert set(swept.removed) == {old, leftover}
    assert used.is_file() and young.is_file() and stray.is_file()


async def test_an_unreadable_queue_removes_nothing(world: World) -> None:
    orphan = await kept(world, 11, days=5)
    broken = world.root / "queue.sqlite3"
    broken.write_bytes(b"this is not a database" * 10)
    with pytest.raises(sqlite3.DatabaseError):
        await clean_inputs(world.gallery, queue_db=broken)
    assert orphan.is_file()


async def test_the_grace_period_follows_the_galleries_clock(world: World) -> None:
    orphan = await kept(world, 12, days=0)
    later = Gallery(world.recorder, now=lambda: datetime.now(UTC) + timedelta(days=2))
    assert (await clean_inputs(world.gallery)).removed == ()
    assert (await clean_inputs(later)).removed == (orphan,)


def test_the_sweep_touches_only_files_named_by_their_content(tmp_path: Path) -> None:
    digest = "ab" * 32
    assert input_digest(Path(f"{digest}.png")) == digest
    assert input_digest(Path(f".{digest}.png.0123.tmp")) == digest
    assert input_digest(Path("photo.png")) is None and input_digest(Path(f"{digest[:-1]}.png")) is None
    mine = tmp_path / "holiday.png"
    mine.write_bytes(b"x")
    age(mine, 30)
    assert sweep_inputs([tmp_path], set(), older_than=DAY).removed == ()
    assert mine.is_file()
