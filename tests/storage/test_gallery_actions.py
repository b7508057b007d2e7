"""Deleting with undo (marked, restored, purged; crashes at each step) and exporting a selection."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import desktop_app
from desktop_app.storage import HistoryStore, OutputWriteError, read_metadata
from desktop_app.storage.gallery import GalleryFilter, GalleryQueries
from desktop_app.storage.gallery_actions import export_outputs, mark_deleted, purge, restore, set_flags
from desktop_app.storage.image_metadata import sidecar_path
from tests.storage.gallery_helpers import Clock, make_output

PROJECT_ROOT = Path(desktop_app.__file__).resolve().parent.parent
MODEL = "black-forest-labs/flux-schnell"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    opened = HistoryStore.open(tmp_path / "data" / "history.db", clock=Clock())
    yield opened
    opened.close()


def library_files(store: HistoryStore) -> set[str]:
    return {path.relative_to(store.library_dir).as_posix() for path in store.library_dir.rglob("*") if path.is_file()}


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


def test_undo_restores_exactly_what_was_deleted(store: HistoryStore) -> None:
    conversation = store.create_conversation("c", MODEL)
    kept, gone = (make_output(store, conversation, MODEL, f"prompt {n}", seed=n) for n in (1, 2))
    set_flags(store, [gone.id], favourite=True)
    files = library_files(store)

    assert mark_deleted(store, [gone.id], store._clock()) == [gone.id]
    assert GalleryQueries(store).count(GalleryFilter()) == 1
    assert library_files(store) == files  # nothing leaves the disk during the undo window
    assert restore(store, [gone.id, kept.id]) == 1

    item = GalleryQueries(store).item(gone.id)
    assert item.favourite and not item.deleted
    assert [output.id for output in store.get_generation(gone.generation_id).outputs] == [gone.id]


def test_purge_removes_rows_and_files_but_never_a_live_output_or_a_shared_file(store: HistoryStore) -> None:
    conversation = store.create_conversation("c", MODEL)
    alone = make_output(store, conversation, MODEL, "alone", seed=1)
    shared = make_output(store, conversation, MODEL, "shared", seed=2)
    twin = make_output(store, conversation, MODEL, "shared", seed=2)  # the same bytes and metadata: one file
    live = make_output(store, conversation, MODEL, "live", seed=4)
    alone_file = GalleryQueries(store).item(alone.id).relative_path
    assert GalleryQueries(store).item(shared.id).relative_path == GalleryQueries(store).item(twin.id).relative_path

    mark_deleted(store, [alone.id, shared.id], store._clock())
    result = purge(store, output_ids=[alone.id, shared.id, live.id])

    assert (result.outputs, result.failures) == (2, ())
    assert rows(store.path, "SELECT id FROM outputs ORDER BY id") == [(twin.id,), (live.id,)]
    assert alone_file not in library_files(store)
    assert GalleryQueries(store).item(twin.id).path.is_file()
    assert GalleryQueries(store).item(live.id).path.is_file()
    assert purge(store, output_ids=[live.id]).outputs == 0  # live: untouched
    assert [output.id for output in store.get_generation(alone.generation_id).outputs] == []


def test_purge_by_age_leaves_deletions_still_inside_their_window(store: HistoryStore) -> None:
    conversation = store.create_conversation("c", MODEL)
    old, recent = (make_output(store, conversation, MODEL, f"p{n}", seed=n) for n in (1, 2))
    first = store._clock()
    mark_deleted(store, [old.id], first)
    mark_deleted(store, [recent.id], first + timedelta(seconds=10))
    assert purge(store, deleted_before=first + timedelta(seconds=5)).outputs == 1
    assert restore(store, [recent.id]) == 1
    assert restore(store, [old.id]) == 0


def test_files_that_resist_are_reported_and_the_rows_still_go(store: HistoryStore,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    conversation = store.create_conversation("c", MODEL)
    made = make_output(store, conversation, MODEL, "p", seed=1)
    mark_deleted(store, [made.id], store._clock())

    def refuse(self: Path, missing_ok: bool = False) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "unlink", refuse)
    result = purge(store, output_ids=[made.id])
    assert result.outputs == 1
    assert len(result.failures) == 2  # the file and its (absent, but refused) sidecar
    assert "permission denied" in result.failures[0]
    assert rows(store.path, "SELECT count(*) FROM outputs") == [(0,)]


CRASHER = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import UTC, datetime
    from pathlib import Path
    from desktop_app.storage.history import HistoryStore
    from desktop_app.storage.gallery_actions import mark_deleted, purge

    store = HistoryStore.open(Path(sys.argv[1]))
    ids = [int(value) for value in sys.argv[3].split(",")]
    if sys.argv[2] == "in-window":
        mark_deleted(store, ids, datetime.now(UTC))
        print("marked", flush=True)
        sys.stdin.read()  # the undo window: killed here
    else:
        remove = store.library.remove
        def remove_then_die(paths):
            remove(paths)
            os.kill(os.getpid(), signal.SIGKILL)  # after the files, before the rows are committed
        store.library.remove = remove_then_die
        purge(store, output_ids=ids)
    """
)


def run_crasher(store: HistoryStore, mode: str, ids: list[int]) -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    process = subprocess.Popen([sys.executable, "-c", CRASHER, str(store.path), mode, ",".join(map(str, ids))],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=PROJECT_ROOT)
    assert process.stdout is not None
    if mode == "in-window":
        assert process.stdout.readline() == b"marked\n"
        process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=60) == -signal.SIGKILL
    assert process.stdin is not None
    process.stdin.close()
    process.stdout.close()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_crash_inside_the_undo_window_neither_loses_nor_leaks(store: HistoryStore) -> None:
    conversation = store.create_conversation("c", MODEL)
    deleted, kept = (make_output(store, conversation, MODEL, f"p{n}", seed=n) for n in (1, 2))
    deleted_file = GalleryQueries(store).items([deleted.id])[0].relative_path
    store.close()
    store_path = store.path

    with HistoryStore.open(store_path) as again:
        run_crasher(again, "in-window", [deleted.id])
    with HistoryStore.open(store_path, clock=Clock()) as again:
        gallery = GalleryQueries(again)
        assert [item.id for item in gallery.page(GalleryFilter()).items] == [kept.id]  # still hidden, kept intact
        assert deleted_file in library_files(again)
        # the next start purges what an earlier session deleted before its window ended
        window_over = datetime.now(UTC) + timedelta(seconds=1)  # a later start, the crashed session's window over
        assert purge(again, deleted_before=window_over - timedelta(minutes=1)).outputs == 0  # a window still open
        assert purge(again, deleted_before=window_over).outputs == 1
        assert deleted_file not in library_files(again)
        assert gallery.item(kept.id).path.is_file()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_crash_in_the_middle_of_a_purge_is_finished_by_the_next_one(store: HistoryStore) -> None:
    conversation = store.create_conversation("c", MODEL)
    made = [make_output(store, conversation, MODEL, f"p{n}", seed=n) for n in range(1, 4)]
    mark_deleted(store, [made[0].id, made[1].id], store._clock())
    files = {item.id: item.relative_path for item in GalleryQueries(store).items([m.id for m in made], deleted=True)}
    store_path = store.path
    store.close()

    with HistoryStore.open(store_path) as again:
        run_crasher(again, "purge", [made[0].id, made[1].id])
    with HistoryStore.open(store_path, clock=Clock()) as again:
        assert files[made[0].id] not in library_files(again)  # the files went before the crash…
        assert len(rows(store_path, "SELECT id FROM outputs WHERE deleted_at IS NOT NULL")) == 2  # …the rows did not
        assert GalleryQueries(again).count(GalleryFilter()) == 1
        assert purge(again, output_ids=[made[0].id, made[1].id]).outputs == 2  # a missing file is no error
        assert rows(store_path, "SELECT id FROM outputs") == [(made[2].id,)]
        assert library_files(again) == {files[made[2].id]}


def test_export_copies_the_selection_with_its_metadata(store: HistoryStore, tmp_path: Path) -> None:
    conversation = store.create_conversation("c", MODEL)
    fox = make_output(store, conversation, MODEL, "A red fox!", seed=1)
    fox_again = make_output(store, conversation, MODEL, "A red fox!", seed=2)
    clip = make_output(store, conversation, "minimax/video-01", "waves", seed=3, content_type="video/mp4",
                       data=b"\x00\x00\x00\x18ftypmp42 not really a video")
    folder = tmp_path / "export" / "new folder"

    exported = export_outputs(store, [clip.id, fox.id, fox_again.id, 999], folder)

    assert exported.skipped == ()
    names = [path.name for path in exported.paths]
    assert names[0].startswith("waves-") and names[0].endswith(".mp4")
    assert names[1].startswith("a-red-fox-") and names[1].endswith(".png")
    assert names[2] == names[1].replace(".png", " (2).png")
    assert read_metadata(exported.paths[1]) == read_metadata(GalleryQueries(store).item(fox.id).path)
    assert read_metadata(exported.paths[1])["prompt"] == "A red fox!"
    assert sidecar_path(exported.paths[0]).is_file()  # a video keeps its metadata beside it
    assert read_metadata(exported.paths[0])["model"] == "minimax/video-01"
    assert sorted(path.name for path in folder.iterdir()) == sorted([*names, names[0] + ".json"])


def test_export_skips_missing_files_and_says_so(store: HistoryStore, tmp_path: Path) -> None:
    conversation = store.create_conversation("c", MODEL)
    made = make_output(store, conversation, MODEL, "gone", seed=1)
    GalleryQueries(store).item(made.id).path.unlink()
    exported = export_outputs(store, [made.id], tmp_path / "out")
    assert exported.paths == ()
    [reason] = exported.skipped
    assert reason.startswith("gone-") and reason.endswith(".png was skipped: its file is no longer in the library.")


def test_export_into_an_unwritable_place_is_one_clear_error(store: HistoryStore, tmp_path: Path) -> None:
    conversation = store.create_conversation("c", MODEL)
    made = make_output(store, conversation, MODEL, "p", seed=1)
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    with pytest.raises(OutputWriteError, match=r"Could not save .*a file"):
        export_outputs(store, [made.id], blocker / "inside")
