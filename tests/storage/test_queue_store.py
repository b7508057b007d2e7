"""The queue's own database: batches and jobs in order (with the schemas they were checked against), states,
reordering, predictions owned for good, the spend ledger, per-model hardware and settings — all surviving a reopen;
an older database upgraded in place; newer or foreign files refused in a sentence."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop_app.storage.queue_schema import SCHEMA_VERSION, migrate
from desktop_app.storage.queue_store import NewJob, QueueStore, QueueStoreError, SpendEntry


def open_store(tmp_path: Path) -> QueueStore:
    return QueueStore.open(tmp_path / "data" / "queue.sqlite3")


def test_batches_and_jobs_keep_their_order_and_inputs(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        first = store.add_batch("cats", [NewJob("flux-schnell", {"prompt": "a", "seed": 1}, "seed 1"),
                                         NewJob("flux-schnell", {"prompt": "b", "image": tmp_path / "x.png"})],
                                key="k1")
        second = store.add_batch("dogs", [NewJob("sdxl", {"prompt": "c"})])
        assert first.counts == {"queued": 2}
        assert [job.input for job in store.jobs()] == [{"prompt": "a", "seed": 1},
                                                       {"prompt": "b", "image": tmp_path / "x.png"},
                                                       {"prompt": "c"}]
        assert [job.batch_id for job in store.jobs()] == [first.id, first.id, second.id]
        assert store.batches(key="k1") == [store.batch(first.id)]
    with open_store(tmp_path) as store:  # a reopen finds everything
        assert [job.label for job in store.jobs()] == ["seed 1", "", ""]
        assert store.next_queued().input["prompt"] == "a"  # type: ignore[union-attr]


def test_states_prediction_ids_and_what_a_job_owned(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        store.add_batch("b", [NewJob("m", {"prompt": str(i)}) for i in range(3)])
        one, two, three = store.jobs()
        sent = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
        store.update_job(one.id, state="creating", sent_at=sent, sent_input={"prompt": "0"}, attempts=1)
        store.update_job(one.id, state="running", prediction_id="p1")
        store.update_job(one.id, state="failed", error="boom")
        store.update_job(one.id, state="queued", prediction_id=None, sent_at=None, sent_input=None)
        assert store.claimed_predictions() == {"p1"}  # a retried job's old prediction stays its own
        store.update_job(two.id, state="running", prediction_id="p2")
        with pytest.raises(QueueStoreError):
            store.update_job(three.id, prediction_id="p2")  # never two jobs on one prediction
        assert store.next_queued(skip=[one.id]).id == three.id  # type: ignore[union-attr]
        assert store.set_states([one.id, two.id], "canceled", only_from=("queued",)) == [one.id]
        moved = store.job(two.id)
        assert moved is not None and moved.state == "running" and moved.prediction_id == "p2"
        with pytest.raises(ValueError, match="unknown job fields"):
            store.update_job(one.id, colour="red")
        store.update_job(three.id, state="creating", sent_at=sent, sent_input={"prompt": "2", "image": "data:,"},
                         sent_version="v" * 64)
    with open_store(tmp_path) as store:
        job = store.job(three.id)
        assert job is not None and job.sent_at == sent and job.state == "creating"
        assert job.sent_input == {"prompt": "2", "image": "data:,"} and job.sent_version == "v" * 64
        assert store.job(one.id).sent_input is None  # type: ignore[union-attr]


def test_a_batch_keeps_the_schemas_its_jobs_were_checked_against(tmp_path: Path) -> None:
    schema = {"fields": [{"name": "image", "kind": "file", "title": "Image", "required": True}],
              "required": ["image"], "unsupported": [], "problems": []}
    with open_store(tmp_path) as store:
        checked = store.add_batch("upscales", [NewJob("acme/up", {"image": tmp_path / "a.png"})],
                                  schemas={"acme/up": schema})
        plain = store.add_batch("plain", [NewJob("m", {"prompt": "x"})])
    with open_store(tmp_path) as store:
        assert store.batch(checked.id).schemas == {"acme/up": schema}  # type: ignore[union-attr]
        assert store.batch(plain.id).schemas == {}  # type: ignore[union-attr]


def test_a_version_1_database_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "queue.sqlite3"
    sent = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    db = sqlite3.connect(path, isolation_level=None)
    migrate(db, target=1)  # the first shape, as the previous release left it
    db.execute("INSERT INTO batches (id, title, created_at) VALUES (1, 'old', ?)", (sent.isoformat(),))
    db.execute("INSERT INTO jobs (id, batch_id, position, model, input_json, state, sent_at, sent_digest, created_at, "
               "updated_at) VALUES (1, 1, 1, 'acme/m', '{\"prompt\": \"p\"}', 'creating', ?, 'abc', ?, ?)",
               (sent.isoformat(), sent.isoformat(), sent.isoformat()))
    db.close()
    with QueueStore.open(path) as store:
        assert store._connection is not None
        assert store._connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION > 1
        job = store.job(1)
        assert job is not None and (job.model, job.input, job.state, job.sent_at) == (
            "acme/m", {"prompt": "p"}, "creating", sent)
        assert job.sent_input is None and job.sent_version is None  # sent by the old version: not kept
        assert store.batch(1).schemas == {}  # type: ignore[union-attr]
        assert store.update_job(1, sent_input={"prompt": "p"}).sent_input == {"prompt": "p"}
        added = store.add_batch("new", [NewJob("acme/m", {"prompt": "q"})], schemas={"acme/m": {"fields": []}})
        assert store.batch(added.id).schemas == {"acme/m": {"fields": []}}  # type: ignore[union-attr]


def test_move_reorders_only_the_waiting_jobs(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        store.add_batch("b", [NewJob("m", {"prompt": name}) for name in "abcde"])
        jobs = {job.input["prompt"]: job.id for job in store.jobs()}
        store.update_job(jobs["b"], state="running")
        store.move(jobs["e"], 0)
        store.move(jobs["a"], 99)
        waiting = [job.input["prompt"] for job in store.jobs(states=("queued",))]
        assert waiting == ["e", "c", "d", "a"]
        with pytest.raises(QueueStoreError, match="not waiting"):
            store.move(jobs["b"], 0)


def test_spend_ledger_once_per_prediction_and_by_time(tmp_path: Path) -> None:
    now = datetime(2026, 5, 1, 12, tzinfo=UTC)
    with open_store(tmp_path) as store:
        assert store.add_spend(SpendEntry("p1", "m", "T4 × 2 s", 2.0, 1, 0.00045, None, now))
        assert not store.add_spend(SpendEntry("p1", "m", "again", 2.0, 1, 1.0, None, now))
        store.add_spend(SpendEntry("p2", "m", "T4 × 4 s", 4.0, 1, 0.0009, 3, now + timedelta(hours=1)))
        store.add_spend(SpendEntry("p3", "other", "unknown", None, 0, None, 3, now + timedelta(days=1)))
        assert [entry.prediction_id for entry in store.spend(since=now + timedelta(minutes=1))] == ["p2", "p3"]
        assert store.recent_predict_times("m") == [4.0, 2.0]
        found = store.spend(predictions=["p3", "p1", "never-run"])
        assert [(entry.prediction_id, entry.cost, entry.basis) for entry in found] == [
            ("p1", 0.00045, "T4 × 2 s"), ("p3", None, "unknown")]
        assert store.spend(predictions=[]) == []


def test_hardware_and_settings(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        store.set_model_hardware("acme/x", "gpu-t4")
        store.set_model_hardware("acme/x", "gpu-l40s")
        store.set_setting("budget", {"amount": 5, "period": "day"})
    with open_store(tmp_path) as store:
        assert store.model_hardware() == {"acme/x": "gpu-l40s"}
        assert store.setting("budget") == {"amount": 5, "period": "day"}
        store.set_model_hardware("acme/x", None)
        store.set_setting("budget", None)
        assert store.model_hardware() == {}
        assert store.setting("budget") is None


def test_a_newer_or_foreign_database_is_refused_in_a_sentence(tmp_path: Path) -> None:
    newer = tmp_path / "newer.sqlite3"
    with sqlite3.connect(newer) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(QueueStoreError, match="newer version of the app"):
        QueueStore.open(newer)
    foreign = tmp_path / "foreign.sqlite3"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE things (id INTEGER)")
    with pytest.raises(QueueStoreError, match="did not create"):
        QueueStore.open(foreign)


def test_wal_mode(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        assert store._connection is not None
        assert store._connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
