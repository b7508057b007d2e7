"""The history survives SIGKILL mid-generation, and the next start picks the prediction up again."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from desktop_app.storage.history import HistoryStore
from desktop_app.storage.paths import AppPaths
from tests.fake_replicate import Script
from tests.integration.helpers import ThreadedFake

LLAMA = "meta/meta-llama-3-70b-instruct"
DRIVER = Path(__file__).with_name("app_driver.py")
ROOT = Path(__file__).resolve().parents[2]
CHUNKS = [f" word{i}" for i in range(12)]


def _wait(condition: Callable[[], bool], what: str, limit: float = 30.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    if not db.exists():
        return []
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return connection.execute(sql).fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        connection.close()


def _start(root: Path, fake_url: str, token: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "REPLICATE_API_TOKEN": token,
           "REPLICATE_API_BASE_URL": fake_url, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, str(DRIVER), str(root), *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)


@pytest.mark.e2e
def test_sigkill_mid_generation_keeps_the_history_and_the_next_start_resumes(
    threaded_fake: ThreadedFake, tmp_path: Path
) -> None:
    threaded = threaded_fake
    fake = threaded.fake
    gate: asyncio.Event = threaded.call(asyncio.Event)
    threaded.call(lambda: fake.set_script(LLAMA, Script(kind="text", chunks=CHUNKS, gate=gate, gate_after=4)))
    paths = AppPaths.under(tmp_path / "user")
    db = paths.history_db

    with _start(tmp_path / "user", fake.base_url, fake.token, "Tell me twelve words") as first:
        try:
            _wait(lambda: bool(_rows(db, "SELECT prediction_id FROM generations WHERE prediction_id IS NOT NULL")),
                  "the prediction id in the history")
            _wait(lambda: any(len(p.output or []) >= 4 for p in list(fake.predictions.values())), "half the reply")
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
    assert first.returncode == -signal.SIGKILL

    assert _rows(db, "PRAGMA integrity_check") == [("ok",)]
    (status, prediction_id), = _rows(db, "SELECT status, prediction_id FROM generations")
    assert status == "processing"
    assert _rows(db, "SELECT role, text FROM turns ORDER BY position")[0] == ("user", "Tell me twelve words")

    threaded.call(gate.set)  # the prediction finishes on the server while the app is closed
    _wait(lambda: fake.predictions[str(prediction_id)].status == "succeeded", "the server to finish")

    with _start(tmp_path / "user", fake.base_url, fake.token) as second:
        try:
            _wait(lambda: _rows(db, "SELECT status FROM generations") == [("succeeded",)], "the resumed generation")
        finally:
            second.terminate()
            second.wait(10)
    with HistoryStore.open(db, library_dir=paths.library_dir) as store:
        (entry,) = store.list_entries()
        conversation = store.load_conversation(entry.conversation_id)
    assert [t.role for t in conversation.turns] == ["user", "assistant"]
    assert conversation.turns[1].text == "".join(CHUNKS)
    assert conversation.generations[0].predict_time is not None
    assert fake.token not in db.read_bytes().decode("latin-1")
