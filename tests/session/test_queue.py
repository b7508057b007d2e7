"""The job queue against the fake server: every job runs once within the window, the user's order, pause and
resume, cancel (on the server too), retry, 429s and the low-credit limit, lost create answers, quitting and
coming back, history and the ledger, an account problem that stops the queue."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

from desktop_app.session import HistoryRecorder
from desktop_app.session.queue_events import (
    BatchFinished,
    BudgetWarning,
    JobChanged,
    JobOutput,
    JobsAdded,
    JobThrottled,
    QueueChanged,
)
from desktop_app.session.queue_history import HistoryOutputs
from desktop_app.session.spend import Budget
from desktop_app.storage.history import HistoryStore
from desktop_app.storage.queue_store import NewJob
from tests.fake_replicate import FakeReplicate, Script
from tests.fake_replicate.fault_kinds import Reset, Status
from tests.fake_replicate.rate_limits import CreateLimit

from .helpers import FLUX, gate, until
from .queue_helpers import created_per_prompt, idle, prompt_jobs, queue_over

PAINTER = "acme/painter"


async def test_every_job_runs_once_and_never_more_than_the_window(
        fake_replicate: FakeReplicate, http: aiohttp.ClientSession, tmp_path: Path) -> None:
    fake_replicate.set_script(FLUX, Script(kind="image", official=True, steps=3, step_time=0.03))
    busiest = 0

    async def watch() -> None:
        nonlocal busiest
        while True:
            busiest = max(busiest, sum(not p.is_terminal for p in fake_replicate.predictions.values()))
            await asyncio.sleep(0.005)

    watcher = asyncio.create_task(watch())
    async with queue_over(fake_replicate, http, tmp_path / "q.sqlite3", concurrency=2) as queued:
        batch = queued.queue.add(prompt_jobs(FLUX, 6))
        await idle(queued.queue)
        watcher.cancel()
        assert created_per_prompt(fake_replicate) == {f"prompt {i}": 1 for i in range(6)}
        assert 1 <= busiest <= 2
        jobs = queued.queue.board.jobs(batch.id)
        assert [job.state for job in jobs] == ["succeeded"] * 6
        assert all(job.prediction_id in fake_replicate.predictions for job in jobs)
        assert all(job.cost == 0.003 and job.predict_time for job in jobs)  # flux-schnell: $0.003 an image
        (added,) = queued.of(JobsAdded)
        assert added.job_ids == tuple(job.id for job in jobs)
        (finished,) = queued.of(BatchFinished)
        assert (finished.summary.total, finished.summary.succeeded, finished.summary.cost_known) == (6, 6, 6)
        states = [event.job.state for event in queued.of(JobChanged) if event.job.id == jobs[0].id]
        assert states == ["creating", "creating", "running", "succeeded"]


async def test_pause_reorder_and_resume(fake_replicate: FakeReplicate, http: aiohttp.ClientSession,
                                        tmp_path: Path) -> None:
    async with queue_over(fake_replicate, http, tmp_path / "q.sqlite3", concurrency=1) as queued:
        queue = queued.queue
        queue.pause()
        queue.add(prompt_jobs(FLUX, 4))
        await asyncio.sleep(0.1)
        assert fake_replicate.predictions == {}  # paused: nothing starts
        ids = [job.id for job in queue.board.jobs()]
        queue.move(ids[3], 0)
        queue.move(ids[0], 99)
        assert queued.of(QueueChanged)[-1].order == (ids[3], ids[1], ids[2], ids[0])
        queue.resume()
        await idle(queue)
        created = sorted(fake_replicate.predictions.values(), key=lambda p: p.created_at)
        assert [p.input["prompt"] for p in created] == ["prompt 3", "prompt 1", "prompt 2", "prompt 0"]


async def test_cancel_a_waiting_job_and_a_running_one_on_the_server(
        fake_replicate: FakeReplicate, http: aiohttp.ClientSession, tmp_path: Path) -> None:
    held = gate(fake_replicate, FLUX, Script(kind="image", official=True, steps=4, gate_after=2))
    async with queue_over(fake_replicate, http, tmp_path / "q.sqlite3", concurrency=1) as queued:
        queue = queued.queue
        queue.add(prompt_jobs(FLUX, 3))
        first, _second, third = (job.id for job in queue.board.jobs())
        await until(lambda: queue.board.job(first).state == "running", message="the first job running")  # type: ignore[union-attr]
        assert queue.run_of(first) is not None
        assert queue.cancel(third)
        assert queue.cancel(first)
        await until(lambda: len(fake_replicate.predictions) == 2, message="the second job created")
        held.set()
        await idle(queue)
        states = {job.id: job.state for job in queue.board.jobs()}
        assert states == {first: "canceled", _second: "succeeded", third: "canceled"}
        by_prompt = {p.input["prompt"]: p.status for p in fake_replicate.predictions.values()}
        assert by_prompt == {"prompt 0": "canceled", "prompt 1": "succeeded"}  # the third never ran
        assert not queue.cancel(third)


async def test_retry_failed_runs_them_again_as_new_predictions(
        fake_replicate: FakeReplicate, http: aiohttp.ClientSession, tmp_path: Path) -> None:
    fake_replicate.set_script(FLUX, Script(kind="image", official=True, end="failed", error="out of memory"))
    async with queue_over(fake_replicate, http, tmp_path / "q.sqlite3") as queued:
        queue = queued.queue
        batch = queue.add(prompt_jobs(FLUX, 3))
        await idle(queue)
        failed = queue.board.jobs(batch.id)
        assert [job.state for job in failed] == ["failed"] * 3
        assert all("out of memory" in (job.error or "") for job in failed)
        fake_replicate.set_script(FLUX, Script(kind="image", official=True))
        assert queue.retry_failed(batch.id) == [job.id for job in failed]
        await idle(queue)
        again = queue.board.jobs(batch.id)
        assert [job.state for job in again] == ["succeeded"] * 3
        assert [job.attempts for job in again] == [2, 2, 2]
        assert {job.prediction_id for job in again}.isdisjoint({job.prediction_id for job in failed})
        assert created_per_prompt(fake_replicate) == {f"prompt {i}": 2 for i in range(3)}
        assert len(queued.of(BatchFinished)) == 2


async def test_low_credit_limit_is_learnt_from_the_first_429(
        fake_replicate: FakeReplicate, http: aiohttp.ClientSession, tmp_path: Path) -> None:
    fake_replicate.rate_limits.create = CreateLimit.low_credit(speed=60)  # 360/min (under our 600), burst 1
    fake_replicate.rate_limits.hints = False  # only the 429 tells
    async with queue_over(fake_replicate, http, tmp_path / "q.sqlite3") as queued:
        queued.queue.add(prompt_jobs(FLUX, 6))
        await idle(queued.queue)
        assert [job.state for job in queued.queue.board.jobs()] == ["succeeded"] * 6
        assert fake_replicate.rate_limits.throttled["create"] == 1
        (throttled,) = queued.of(JobThrottled)
        assert throttled.pacing.source == "stated"
        assert throttled.pacing.per_minute == 360
        assert throttled.held_for > 0
        assert created_per_prompt(fake_replicate) == {f"prompt {i}": 1 for i in range(6)}


async def test_ratelimit_hints_avoid_the_429_altogether(
        fake_replicate: FakeReplicate, http: aiohttp.ClientSession, tmp_path: Path) -> None:
    fake_replicate.rate_limits.create = CreateLimit.low_credit(speed=60)  # 360/min, burst 1, with ratelimit-*
    async with queue_over(fake_replicate, http, tmp_path / "q.sqlite3") as queued:
        queued.queue.add(prompt_jobs(FLUX, 3))
        await idle(queued.queue)
        assert [job.state for job in queued.queue.board.jobs()] == ["succeeded"] * 3
        assert fake_replicate.rate_limits.throttled["create"] == 0


async def test_a_create_whose_answer_was_lost_is_found_not_sent_again(
        fake_replicate: FakeReplicate, http: aiohttp.ClientSession, tmp_path: Path) -> None:
    fake_replicate.faults.add("create", Reset(after_bytes=10))
    async with queue_over(fake_replicate, http, tmp_path / "q.sqlite3") as queued:
        queued.queue.add(prompt_jobs(FLUX, 1))
        await idle(queued.queue)
        (job,) = queued.queue.board.jobs()
        assert job.state == "succeeded"
        assert len(fake_replicate.faults.applied) == 1
        assert len(fake_replicate.predictions) == 1
        assert job.prediction_id in fake_replicate.predictions
        assert len(fake_replicate.requests_to("POST", "/v1/models/")) == 1
        assert [r for r in fake_replicate.requests if r.method == "GET" and r.path == "/v1/predictions"]


async def test_a_create_that_did_not_happen_is_sent_again_after_looking(
        fake_replicate: FakeReplicate, http: aiohttp.ClientSession, tmp_path: Path) -> None:
    fake_replicate.faults.add("create", Status(502, "bad gateway", "text/html"))
    async with queue_over(fake_replicate, http, tmp_path / "q.sqlite3") as queued:
        queued.queue.add(prompt_jobs(FLUX, 1))
        await idle(queued.queue)
        (job,) = queued.queue.board.jobs()
        assert job.state == "succeeded"
        assert len(fake_replicate.requests_to("POST", "/v1/models/")) == 2
        assert len(fake_replicate.predictions) == 1


async def test_quitting_leaves_predictions_running_and_the_next_start_follows_them(
        fake_replicate: FakeReplicate, http: aiohttp.ClientSession, tmp_path: Path) -> None:
    held = gate(fake_replicate, FLUX, Script(kind="image", official=True, steps=4, gate_after=2))
    path = tmp_path / "q.sqlite3"
    async with queue_over(fake_replicate, http, path, concurrency=2) as queued:
        queued.queue.add(prompt_jobs(FLUX, 4))
        await until(lambda: [job.state for job in queued.queue.board.jobs()].count("running") == 2,
                    message="two jobs running")
    # the queue closed as the app does when it quits
    statuses = [p.status for p in fake_replicate.predictions.values()]
    assert len(statuses) == 2 and set(statuses) <= {"starting", "processing"}  # none canceled
    async with queue_over(fake_replicate, http, path, concurrency=2) as queued:
        held.set()
        await idle(queued.queue)
        assert [job.state for job in queued.queue.board.jobs()] == ["succeeded"] * 4
        assert created_per_prompt(fake_replicate) == {f"prompt {i}": 1 for i in range(4)}


async def test_a_create_sent_before_the_app_died_is_found_after_restart(
        fake_replicate: FakeReplicate, http: aiohttp.ClientSession, tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    async with queue_over(fake_replicate, http, path, start=False) as queued:
        queued.store.add_batch("b", [NewJob(FLUX, {"prompt": "sent once"})])
        (job,) = queued.store.jobs()
        sent_at = datetime.now(UTC)
        queued.store.update_job(job.id, state="creating", attempts=1, sent_at=sent_at,
                                sent_input={"prompt": "sent once"})
        # the create reached Replicate, but the app died before its answer came back
        await queued.client.post_json(f"models/{FLUX}/predictions", {"input": {"prompt": "sent once"}})
        posts = len(fake_replicate.requests_to("POST", "/v1/models/"))
        queued.queue.start()
        await idle(queued.queue)
        (after,) = queued.queue.board.jobs()
        assert after.state == "succeeded"
        assert after.attempts == 1
        assert len(fake_replicate.requests_to("POST", "/v1/models/")) == posts  # nothing sent again
        assert list(fake_replicate.predictions) == [after.prediction_id]


async def test_finished_jobs_land_in_history_and_the_ledger(
        fake_replicate: FakeReplicate, http: aiohttp.ClientSession, tmp_path: Path) -> None:
    history = HistoryStore.open(tmp_path / "history.sqlite3", library_dir=tmp_path / "library")
    recorder = HistoryRecorder(history)
    try:
        path = tmp_path / "q.sqlite3"
        async with queue_over(fake_replicate, http, path) as queued:
            outputs = HistoryOutputs(recorder, queued.store)
            queued.queue.context.outputs = outputs
            batch = queued.queue.add(prompt_jobs(FLUX, 2))
            await idle(queued.queue)
            jobs = queued.queue.board.jobs(batch.id)
            assert all(len(job.outputs) == 1 and job.outputs[0].is_file() for job in jobs)
            assert len(queued.of(JobOutput)) == 2
            stored = queued.store.batch(batch.id)
            assert stored is not None and stored.history_id is not None
            conversation = history.load_conversation(stored.history_id)
            assert {g.prediction_id for g in conversation.generations} == {j.prediction_id for j in jobs}
            assert all(g.status == "succeeded" and len(g.outputs) == 1 for g in conversation.generations)
            assert history.restart.unfinished_generations() == []  # nothing for the history's own recovery to follow
            ledger = queued.store.spend()
            assert {e.prediction_id for e in ledger} == {j.prediction_id for j in jobs}
            assert all(entry.cost == 0.003 for entry in ledger)
    finally:
        await recorder.close()
        history.close()


async def test_a_refused_token_stops_the_queue_after_one_try(
        fake_replicate: FakeReplicate, http: aiohttp.ClientSession, tmp_path: Path) -> None:
    async with queue_over(fake_replicate, http, tmp_path / "q.sqlite3", concurrency=1,
                          token="r8_wrong_0000000000000000000000") as queued:
        queued.queue.add(prompt_jobs(FLUX, 3))
        await idle(queued.queue)
        assert [job.state for job in queued.queue.board.jobs()] == ["failed", "queued", "queued"]
        assert queued.queue.paused
        assert queued.of(QueueChanged)[-1].reason is not None
        assert "token" in (queued.queue.reason or "")
        assert len(fake_replicate.requests_to("POST", "/v1/")) == 1


async def test_a_batch_over_the_budget_warns_before_it_runs(
        fake_replicate: FakeReplicate, http: aiohttp.ClientSession, tmp_path: Path) -> None:
    async with queue_over(fake_replicate, http, tmp_path / "q.sqlite3", start=False) as queued:
        assert queued.queue.spending is not None
        queued.queue.spending.set_budget(Budget(0.01, "day"))
        specs = prompt_jobs(FLUX, 5)
        assert queued.queue.estimate(specs).describe() == "~5 runs, ~$0.02 (estimate)"
        queued.queue.add(specs)
        (warning,) = queued.of(BudgetWarning)
        assert warning.status.over and warning.planned == 0.015


async def test_the_concurrency_setting_is_remembered(fake_replicate: FakeReplicate, http: aiohttp.ClientSession,
                                                     tmp_path: Path) -> None:
    from desktop_app.session import Backends
    from desktop_app.session.queue import JobQueue
    from desktop_app.storage.queue_store import QueueStore

    path = tmp_path / "q.sqlite3"
    async with queue_over(fake_replicate, http, path, start=False) as queued:
        queued.queue.concurrency = 7
        assert queued.queue.pacing.allowed == 7
        assert queued.of(QueueChanged)[-1].concurrency == 7
    with QueueStore.open(path) as store:
        queue = JobQueue(store, Backends(lambda: queued.client))
        assert queue.concurrency == 7


async def test_events_can_be_read_as_an_async_iterator_until_the_queue_closes(
        fake_replicate: FakeReplicate, http: aiohttp.ClientSession, tmp_path: Path) -> None:
    async with queue_over(fake_replicate, http, tmp_path / "q.sqlite3") as queued:
        seen: list[str] = []

        async def read() -> None:
            async for event in queued.queue.events():
                seen.append(type(event).__name__)

        reader = asyncio.create_task(read())
        await asyncio.sleep(0)
        queued.queue.add(prompt_jobs(FLUX, 2))
        await idle(queued.queue)
    await asyncio.wait_for(reader, 5)  # ended with the queue
    assert seen[0] == "JobsAdded" and seen[-1] == "BatchFinished"
    assert seen.count("JobChanged") >= 6
