"""Outputs saved by the history: content-addressed names, embedded metadata, atomic writes, full disks, orphans."""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop_app.storage import (
    HistoryError,
    HistoryStore,
    NotFoundError,
    OutputWriteError,
    history_library,
    read_metadata,
)

Image = pytest.importorskip("PIL.Image")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    opened = HistoryStore.open(tmp_path / "data" / "history.db")
    yield opened
    opened.close()


def image_bytes(fmt: str, mode: str = "RGB", **options: Any) -> bytes:
    image = Image.new(mode, (16, 9))
    for x in range(16):
        for y in range(9):
            image.putpixel((x, y), (x * 16, y * 28, 99) + ((200,) if mode == "RGBA" else ()))
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def new_generation(store: HistoryStore, input: dict[str, Any] | None = None) -> int:
    conversation = store.create_conversation("Pictures", "black-forest-labs/flux-schnell")
    generation = store.start_generation(conversation, None, "black-forest-labs/flux-schnell", "v42",
                                        input if input is not None else {"prompt": "A red fox", "seed": 1234})
    store.update_generation(generation, prediction_id="pred-9", status="processing")
    return generation


def library_files(store: HistoryStore) -> list[Path]:
    return sorted(path for path in store.library_dir.rglob("*") if path.is_file())


def output_rows(store: HistoryStore) -> int:
    with sqlite3.connect(store.path) as db:
        return int(db.execute("SELECT count(*) FROM outputs").fetchone()[0])


def test_png_output_is_content_addressed_with_metadata(store: HistoryStore) -> None:
    original = image_bytes("PNG")
    generation = new_generation(store)

    record = store.add_output(generation, original, "image/png; charset=binary",
                              "https://replicate.delivery/abc/out-0.png", metadata={"seed": 99, "steps": 4})

    data = record.path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    assert record.relative_path == f"{digest[:2]}/{digest}.png"
    assert record.path == store.library_dir / digest[:2] / f"{digest}.png"
    assert (record.sha256, record.size, record.content_type) == (digest, len(data), "image/png")
    assert record.source_url == "https://replicate.delivery/abc/out-0.png"
    assert record.generation_id == generation
    assert read_metadata(record.path) == {
        "Software": "Replicate Desktop", "prompt": "A red fox", "model": "black-forest-labs/flux-schnell",
        "version": "v42", "seed": "99", "prediction_id": "pred-9", "steps": "4",
        "parameters": '{"prompt": "A red fox", "seed": 1234}'}
    with Image.open(record.path) as saved, Image.open(io.BytesIO(original)) as before:
        assert saved.tobytes() == before.tobytes()
        assert saved.text["prompt"] == "A red fox"
    assert store.get_generation(generation).outputs == (record,)
    assert library_files(store) == [record.path]


@pytest.mark.parametrize(
    ("data", "content_type", "extension", "media_type"),
    [
        (image_bytes("JPEG"), "image/jpeg", "jpg", "image/jpeg"),
        (image_bytes("WEBP", lossless=True), None, "webp", "image/webp"),
        (image_bytes("WEBP", "RGBA", quality=70), "application/octet-stream", "webp", "image/webp"),
        (image_bytes("PNG"), "", "png", "image/png"),
    ],
    ids=["jpeg", "webp-sniffed", "webp-octet-stream", "png-no-type"],
)
def test_other_formats_embed_xmp(
    store: HistoryStore, data: bytes, content_type: str | None, extension: str, media_type: str
) -> None:
    record = store.add_output(new_generation(store), data, content_type)

    assert record.path.suffix == f".{extension}"
    assert record.content_type == media_type
    assert read_metadata(record.path)["prompt"] == "A red fox"
    assert not record.path.with_name(record.path.name + ".json").exists()
    with Image.open(record.path) as saved, Image.open(io.BytesIO(data)) as before:
        assert saved.tobytes() == before.tobytes()


@pytest.mark.parametrize(
    ("data", "content_type", "extension", "media_type"),
    [
        (image_bytes("GIF"), "image/gif", "gif", "image/gif"),
        (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64, "video/mp4", "mp4", "video/mp4"),
        (b"some unknown bytes", None, "bin", "application/octet-stream"),
        (b"\x89PNG\r\n\x1a\n broken", "image/png", "png", "image/png"),
    ],
    ids=["gif", "mp4", "unknown", "broken-png"],
)
def test_files_that_cannot_carry_metadata_get_a_sidecar(
    store: HistoryStore, data: bytes, content_type: str | None, extension: str, media_type: str
) -> None:
    record = store.add_output(new_generation(store), data, content_type)

    assert record.path.read_bytes() == data  # kept exactly as downloaded
    assert record.sha256 == hashlib.sha256(data).hexdigest()
    assert record.path.suffix == f".{extension}"
    assert record.content_type == media_type
    sidecar = record.path.with_name(record.path.name + ".json")
    assert json.loads(sidecar.read_text(encoding="utf-8"))["prediction_id"] == "pred-9"
    assert read_metadata(record.path)["prompt"] == "A red fox"


def test_only_web_source_urls_are_kept_and_tokens_never(store: HistoryStore) -> None:
    generation = new_generation(store)
    token = "r8_" + "Z9y8X7w6" * 4
    png = image_bytes("PNG")
    assert store.add_output(generation, png, "image/png", "data:image/png;base64,AAAA").source_url is None
    assert store.add_output(generation, png, "image/png", "file:///etc/passwd").source_url is None
    assert store.add_output(generation, png, "image/png", f"https://x.test/a?t={token}").source_url == (
        "https://x.test/a?t=r8_…")


def test_identical_outputs_share_one_file(store: HistoryStore) -> None:
    generation = new_generation(store)
    png = image_bytes("PNG")
    first = store.add_output(generation, png, "image/png")
    second = store.add_output(generation, png, "image/png")
    assert first.path == second.path
    assert first.id != second.id
    assert library_files(store) == [first.path]


def test_the_file_is_complete_before_its_row_exists(store: HistoryStore, monkeypatch: pytest.MonkeyPatch) -> None:
    generation = new_generation(store)
    seen: list[tuple[int, str]] = []
    real_move = history_library.move_into_place

    def watched(temporary: Path, path: Path) -> None:  # the moment the file takes its name in the library
        rows_before = output_rows(store)
        real_move(temporary, path)
        seen.append((rows_before, hashlib.sha256(path.read_bytes()).hexdigest()))

    monkeypatch.setattr(history_library, "move_into_place", watched)
    record = store.add_output(generation, image_bytes("PNG"), "image/png")

    assert seen == [(0, record.sha256)]  # named when whole (the bytes the row records), before the row
    assert output_rows(store) == 1


def test_reading_the_history_does_not_wait_for_an_output_being_written(
        store: HistoryStore, monkeypatch: pytest.MonkeyPatch) -> None:
    generation = new_generation(store)
    writing, release = threading.Event(), threading.Event()
    real_write = history_library.write_beside

    def slow_disk(path: Path, data: bytes) -> Path:
        writing.set()
        release.wait(10)
        return real_write(path, data)

    monkeypatch.setattr(history_library, "write_beside", slow_disk)
    writer = threading.Thread(target=store.add_output, args=(generation, image_bytes("PNG"), "image/png"))
    writer.start()
    try:
        assert writing.wait(10)
        read: list[int] = []
        reader = threading.Thread(target=lambda: read.append(store.count_entries("")))  # what the window reads
        reader.start()
        reader.join(10)
        assert read == [1] and output_rows(store) == 0  # read while the file was still being written
    finally:
        release.set()
        writer.join(10)
    assert output_rows(store) == 1


def test_a_full_disk_leaves_no_file_and_no_row(store: HistoryStore, monkeypatch: pytest.MonkeyPatch) -> None:
    generation = new_generation(store)
    real_write = os.write
    calls = 0

    def fill_up(fd: int, data: Any) -> int:
        nonlocal calls
        calls += 1
        if calls == 1:
            return real_write(fd, bytes(data[:100]))  # part of the file lands, then the disk is full
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", fill_up)
    with pytest.raises(OutputWriteError) as caught:
        store.add_output(generation, image_bytes("PNG"), "image/png")
    monkeypatch.undo()

    assert caught.value.errno == errno.ENOSPC
    assert str(caught.value).endswith(": the disk is full.")
    assert str(store.library_dir) in str(caught.value)
    assert library_files(store) == []
    assert output_rows(store) == 0
    assert store.get_generation(generation).outputs == ()
    assert store.add_output(generation, image_bytes("PNG"), "image/png").path.is_file()  # works once there is room


def test_a_full_disk_while_writing_the_sidecar_removes_the_file(
    store: HistoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    generation = new_generation(store)
    real_write = history_library.write_bytes_atomically

    def sidecar_fails(path: Path, data: bytes) -> None:
        if path.name.endswith(".json"):
            raise OutputWriteError(path, "the disk is full", errno.ENOSPC)
        real_write(path, data)

    monkeypatch.setattr(history_library, "write_bytes_atomically", sidecar_fails)
    with pytest.raises(OutputWriteError, match="disk is full"):
        store.add_output(generation, image_bytes("GIF"), "image/gif")

    assert library_files(store) == []
    assert output_rows(store) == 0


def test_an_unwritable_library_is_an_output_write_error(tmp_path: Path) -> None:
    blocker = tmp_path / "library"
    blocker.write_text("a file where the library folder should be")
    with HistoryStore.open(tmp_path / "history.db", library_dir=blocker) as store:
        generation = new_generation(store)
        with pytest.raises(OutputWriteError, match="part of the folder path is a file"):
            store.add_output(generation, image_bytes("PNG"), "image/png")
        assert output_rows(store) == 0
    assert blocker.read_text() == "a file where the library folder should be"


def test_a_failed_insert_removes_the_new_file(store: HistoryStore, monkeypatch: pytest.MonkeyPatch) -> None:
    generation = new_generation(store)

    def broken_touch(*args: Any, **kwargs: Any) -> None:
        raise HistoryError("Could not record an output: the disk is full.")

    monkeypatch.setattr(HistoryStore, "_touch", broken_touch)
    with pytest.raises(HistoryError, match="disk is full"):
        store.add_output(generation, image_bytes("PNG"), "image/png")
    monkeypatch.undo()

    assert library_files(store) == []
    assert output_rows(store) == 0


def test_a_failed_insert_keeps_a_file_other_rows_use(store: HistoryStore, monkeypatch: pytest.MonkeyPatch) -> None:
    generation = new_generation(store)
    png = image_bytes("PNG")
    kept = store.add_output(generation, png, "image/png")

    def broken_touch(*args: Any, **kwargs: Any) -> None:
        raise HistoryError("boom")

    monkeypatch.setattr(HistoryStore, "_touch", broken_touch)
    with pytest.raises(HistoryError):
        store.add_output(generation, png, "image/png")
    monkeypatch.undo()

    assert kept.path.is_file()


def test_unknown_generations_and_bad_metadata_write_nothing(store: HistoryStore) -> None:
    with pytest.raises(NotFoundError):
        store.add_output(12345, image_bytes("PNG"), "image/png")
    with pytest.raises(ValueError, match="metadata key"):
        store.add_output(new_generation(store), image_bytes("PNG"), "image/png", metadata={"bad key": 1})
    assert library_files(store) == []


def test_cleanup_orphans_removes_only_old_temporary_files(store: HistoryStore) -> None:
    record = store.add_output(new_generation(store), image_bytes("PNG"), "image/png")
    shard = record.path.parent
    old_temp = shard / f".{record.path.name}.0123456789ab.tmp"
    new_temp = shard / ".other.png.ba9876543210.tmp"
    old_complete = shard / ("cd" * 32 + ".png")  # complete but unreferenced: never touched
    for path in (old_temp, new_temp, old_complete):
        path.write_bytes(b"partial")
    an_hour_ago = time.time() - 3600
    for path in (old_temp, old_complete):
        os.utime(path, (an_hour_ago, an_hour_ago))

    assert store.restart.cleanup_orphans() == 1

    assert not old_temp.exists()
    assert new_temp.exists()
    assert old_complete.exists()
    assert record.path.exists()
    assert store.restart.cleanup_orphans(older_than=0) == 1
    assert not new_temp.exists()


def test_cleanup_orphans_without_a_library_folder(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "history.db") as store:
        assert not store.library_dir.exists()
        assert store.restart.cleanup_orphans() == 0


@pytest.mark.parametrize(
    ("data", "content_type", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n", "image/png", ("image/png", "png")),
        (b"\xff\xd8\xff\xe0", "IMAGE/JPEG; q=1", ("image/jpeg", "jpg")),
        (b"\xff\xd8\xff\xe0", None, ("image/jpeg", "jpg")),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "application/octet-stream", ("image/webp", "webp")),
        (b"GIF89a", None, ("image/gif", "gif")),
        (b"???", "video/mp4", ("video/mp4", "mp4")),
        (b"???", "text/plain", ("text/plain", "txt")),
        (b"???", None, ("application/octet-stream", "bin")),
    ],
)
def test_type_and_extension(data: bytes, content_type: str | None, expected: tuple[str, str]) -> None:
    assert history_library.type_and_extension(data, content_type) == expected
