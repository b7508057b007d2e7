"""The trainings and the queue are built on first use: an idle start opens their files only, their menus work from
the start, work a last session left unfinished is taken up at start, and the chat's runs reach the spend ledger
without the queue being built. Also the real app, started and closed, loads neither them nor the network stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest_asyncio
from PySide6.QtWidgets import QDockWidget, QLabel, QTextBrowser

from desktop_app.session.jobs import JobSpec
from desktop_app.storage import TrainingRecord, TrainingsStore
from desktop_app.storage.queue_records import NewJob
from desktop_app.storage.queue_store import QueueStore
from desktop_app.ui.shell.queue_entry import QueueEntry
from tests.fake_replicate import FakeReplicate, Script
from tests.ui.harness import Harness, make_harness, until

from .training_rig import TrainingRig

FLUX = "black-forest-labs/flux-schnell"
LLAMA = "meta/meta-llama-3-70b-instruct"
ROOT = Path(__file__).resolve().parents[2]


@pytest_asyncio.fixture
async def harness(fake_replicate: FakeReplicate, tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await make_harness(fake_replicate, tmp_path, history=True)
    yield harness
    await harness.close()


async def test_an_idle_start_builds_no_training_parts_and_view_trainings_lists_past_ones(
        fake_replicate: FakeReplicate, tmp_path: Path, qtbot: object) -> None:
    past = TrainingsStore(tmp_path / "data" / "trainings.db")
    past.add(TrainingRecord(trainer="ostris/flux-dev-lora-trainer:abc", destination="fake-user/old-faces",
                            status="succeeded", training_id="t-old", version="fake-user/old-faces:v1"))
    past.close()
    async with aiohttp.ClientSession() as http:
        rig = TrainingRig(fake_replicate, http, tmp_path)
        try:
            assert await rig.entry.start() == []
            assert not rig.entry.built and rig.window.findChild(QDockWidget, "trainingsDockWidget") is None
            assert rig.entry.action in rig.window.file_menu.actions()
            rig.entry.show_action.trigger()
            assert rig.entry.built and not rig.wiring.dock.isHidden()
            await until(lambda: "fake-user/old-faces:v1" in rig.wiring.dock_contents.history.toPlainText(),
                        message="the past training listed")
            assert rig.paid_requests() == []
        finally:
            await rig.close()


async def test_an_idle_start_builds_no_queue_and_its_menu_builds_it(harness: Harness) -> None:
    entry = QueueEntry(harness.window, harness.services, harness.paths, harness.controller)
    try:
        entry.start()
        assert not entry.built and entry._compare is None
        names = [action.objectName() for action in entry.menu.actions()]
        assert names == ["showQueueAction", "addToQueueAction", "", "compareModelsAction", "pricesAction"]
        entry.show_action.trigger()
        assert entry.built and entry.wiring.dock.isVisible()
        harness.fake.set_script(FLUX, Script(kind="image", official=True, steps=2))
        entry.wiring.queue.add([JobSpec(FLUX, {"prompt": "a kite"})])  # what Add to queue… does once checked
        await until(lambda: [job.state for job in entry.wiring.queue.board.jobs()] == ["succeeded"],
                    message="a job added to the queue the menu built to run")
        entry.compare_action.trigger()
        compare = entry.compare.compare
        assert compare is not None and compare.isVisible()
        compare.close()
    finally:
        await entry.aclose()


async def test_jobs_a_last_session_left_queued_are_run_at_start(harness: Harness, english_texts: None) -> None:
    harness.fake.set_script(FLUX, Script(kind="image", official=True, steps=2))
    with QueueStore.open(harness.paths.queue_db) as left:
        left.add_batch("left over", [NewJob(FLUX, {"prompt": "a lighthouse"}, "1"),
                                     NewJob(FLUX, {"prompt": "a harbour"}, "2")])
    entry = QueueEntry(harness.window, harness.services, harness.paths, harness.controller)
    try:
        entry.start()
        assert entry.built and entry.wiring.dock.isVisible()  # where it was: the queue shown, going on
        message = harness.window.statusBar().currentMessage()
        assert message == "The queue goes on with 2 jobs left from the last session.", message
        await until(lambda: [job.state for job in entry.wiring.queue.board.jobs()] == ["succeeded"] * 2,
                    message="the two left-over jobs to run")
        sent = sorted((r.json or {})["input"]["prompt"]
                      for r in harness.fake.requests_to("POST", f"/v1/models/{FLUX}/predictions"))
        assert sent == ["a harbour", "a lighthouse"]
    finally:
        await entry.aclose()


async def test_a_chat_run_reaches_the_spend_ledger_without_building_the_queue(harness: Harness) -> None:
    harness.fake.set_script(LLAMA, Script(kind="text", official=True, chunks=["Hel", "lo"]))
    entry = QueueEntry(harness.window, harness.services, harness.paths, harness.controller)
    try:
        harness.choose(LLAMA)
        harness.send("Say hello")
        await until(lambda: entry.spending.by("model") != [], message="the run in the ledger")
        (row,) = entry.spending.by("model")
        assert row.key == LLAMA and row.runs == 1
        assert not entry.built
    finally:
        await entry.aclose()


async def test_a_finished_run_shows_its_cost_under_the_reply_and_in_the_status(harness: Harness) -> None:
    harness.fake.set_script(FLUX, Script(kind="image", official=True, steps=2))
    entry = QueueEntry(harness.window, harness.services, harness.paths, harness.controller)
    try:
        harness.choose(FLUX)
        harness.send("a lighthouse")
        await harness.wait_idle()
        status = harness.window.progress.findChild(QLabel, "progress_status")
        assert status is not None
        assert status.text().endswith(" · ~$0.0030 (estimate)"), status.text()
        transcript = harness.window.chat.findChild(QTextBrowser)
        assert transcript is not None and "· ~$0.0030 (estimate)" in transcript.toPlainText()
        (row,) = entry.spending.by("model")
        assert (row.key, row.runs, round(row.cost, 4)) == (FLUX, 1, 0.003)  # shown and kept once
        assert harness.store is not None
        (kept,) = harness.store.list_entries()
        harness.window.new_chat_requested.emit()
        assert "$0.0030" not in transcript.toPlainText()
        harness.controller.open_conversation(kept.conversation_id)  # reopened later: the ledger's cost again
        await until(lambda: "· ~$0.0030 (estimate)" in transcript.toPlainText(), message="the reopened cost")
    finally:
        await entry.aclose()


async def test_an_unusable_queue_file_is_said_and_the_queue_works_for_the_session(harness: Harness) -> None:
    harness.paths.queue_db.parent.mkdir(parents=True, exist_ok=True)
    harness.paths.queue_db.write_bytes(b"this is not a database" * 100)
    entry = QueueEntry(harness.window, harness.services, harness.paths, harness.controller)
    try:
        entry.start()
        assert "The queue is not kept this session" in harness.window.statusBar().currentMessage()
        entry.show_action.trigger()
        assert entry.wiring.dock.isVisible() and entry.wiring.queue.board.jobs() == []
        assert harness.paths.queue_db.read_bytes().startswith(b"this is not a database")  # left for the user
    finally:
        await entry.aclose()


def test_the_idle_app_loads_neither_the_queue_nor_the_trainings_nor_aiohttp(tmp_path: Path) -> None:
    code = (
        "import json, sys\n"
        "from desktop_app.__main__ import main\n"
        "code = main(['--smoke-test'])\n"
        "print(json.dumps({'code': code, 'modules': sorted(sys.modules)}))\n"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith(("REPLICATE_", "XDG_"))}
    env.update(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CACHE_HOME=str(tmp_path / "cache"), XDG_STATE_HOME=str(tmp_path / "state"),
               QT_QPA_PLATFORM="offscreen", REPLICATE_API_BASE_URL="http://127.0.0.1:9/v1")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] == 0
    loaded = set(report["modules"])
    assert "desktop_app.ui.shell.queue_entry" in loaded and "desktop_app.ui.shell.training_entry" in loaded
    never = {"aiohttp", "desktop_app.session.queue", "desktop_app.ui.shell.queue_wiring",
             "desktop_app.ui.shell.training_wiring", "desktop_app.session.trainings",
             "desktop_app.ui.shell.compare_wiring"}
    assert never.isdisjoint(loaded), sorted(never & loaded)
