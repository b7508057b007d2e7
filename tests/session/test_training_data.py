"""Training data without Qt: photos found by content and checked by header, captions, what is left out and why,
and the zip — deterministic, packed off the loop thread, stoppable."""

from __future__ import annotations

import asyncio
import io
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from desktop_app.session import LeftOut, TrainingData, TrainingImage, pack_training_data, scan_training_data
from desktop_app.session.training_data import pack_sync


def photo(path: Path, fmt: str = "JPEG", size: tuple[int, int] = (40, 30), color: int = 0) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", size, (color, 90, 200)).save(buffer, fmt)
    path.write_bytes(buffer.getvalue())
    return path


def partial_zips(folder: Path) -> list[Path]:
    return list(folder.glob("*.part"))


def reasons(data: TrainingData) -> dict[str, str]:
    return {item.path.name: item.reason for item in data.left_out}


def test_photos_captions_and_what_is_left_out(tmp_path: Path) -> None:
    photo(tmp_path / "a.jpg", size=(640, 480))
    photo(tmp_path / "b.PNG", "PNG", size=(32, 64))
    photo(tmp_path / "c.webp", "WEBP")
    photo(tmp_path / "IMG_0001", "JPEG")  # no extension: known by its content
    photo(tmp_path / "d.png", "JPEG")  # a JPEG named .png: packed as d.jpg
    (tmp_path / "a.txt").write_text("a photo of TOK on a beach", encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"\xff\xfe not utf-8 \xff")
    (tmp_path / "orphan.txt").write_text("no photo for me")
    (tmp_path / "anim.gif").write_bytes(b"GIF89a" + b"\x00" * 20)
    (tmp_path / "phone.heic").write_bytes(b"\x00\x00\x00\x18ftypheic" + b"\x00" * 20)
    (tmp_path / "fake.jpg").write_text("this is not a photo")
    (tmp_path / "empty.webp").write_bytes(b"")
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x01")
    (tmp_path / "more").mkdir()
    good_png = photo(tmp_path / "cut.png", "PNG", size=(50, 50)).read_bytes()
    (tmp_path / "cut.png").write_bytes(good_png[:-20])  # IEND gone

    data = scan_training_data([tmp_path])

    assert [(image.name, image.type, image.width, image.height) for image in data.images] == [
        ("a.jpg", "jpeg", 640, 480), ("b.png", "png", 32, 64), ("c.webp", "webp", 40, 30),
        ("d.jpg", "jpeg", 40, 30), ("IMG_0001.jpg", "jpeg", 40, 30)]
    assert data.count == 5 and data.captions == 1
    assert data.images[0].caption == tmp_path / "a.txt"
    assert data.total_bytes == sum(image.size for image in data.images) + len("a photo of TOK on a beach")
    assert reasons(data) == {
        "anim.gif": "GIF images are not supported; use JPEG, PNG or WebP",
        "b.txt": "its caption b.txt is not UTF-8 text; b.PNG is used without a caption",
        "cut.png": "it is broken: the PNG data is cut short (no IEND chunk)",
        "empty.webp": "the file is empty",
        "fake.jpg": "its name ends in .jpg but it is not a JPEG, PNG or WebP image",
        "more": "it is a folder; only the photos directly inside are used",
        "orphan.txt": "no photo of the same name is beside this caption",
        "phone.heic": "HEIC photos are not supported by the trainers; export them as JPEG",
    }
    assert data.problem() is None


def test_broken_headers_are_named(tmp_path: Path) -> None:
    jpeg = bytearray(photo(tmp_path / "ok.jpg").read_bytes())
    start = jpeg.index(b"\xff\xc0")
    jpeg[start + 5:start + 9] = b"\x00\x00\x00\x00"  # a frame of 0 × 0 pixels
    (tmp_path / "zero.jpg").write_bytes(bytes(jpeg))
    png = bytearray(photo(tmp_path / "ok.png", "PNG").read_bytes())
    png[20] ^= 0xFF  # width changed: the IHDR checksum no longer matches
    (tmp_path / "crc.png").write_bytes(bytes(png))
    webp = photo(tmp_path / "ok.webp", "WEBP").read_bytes()
    (tmp_path / "short.webp").write_bytes(webp[: len(webp) // 2])

    found = reasons(scan_training_data([tmp_path]))

    assert found == {"zero.jpg": "it is broken: the JPEG header gives the picture no size",
                     "crc.png": "it is broken: the PNG header (IHDR) is damaged",
                     "short.webp": f"it is broken: the WebP data is cut short ({len(webp) // 2} of {len(webp)} bytes)"}


def test_problems_in_one_sentence(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.md").write_text("hi")
    assert scan_training_data([empty]).problem() == f"The folder {empty} is empty."
    assert scan_training_data([other]).problem() == (
        f"There are no JPEG, PNG or WebP photos in {other} (1 other files left out).")
    assert scan_training_data([]).problem() == "No files were chosen."
    big = tuple(TrainingImage(tmp_path / f"{i}.jpg", f"{i}.jpg", "jpeg", 10, 10, 5_000_000) for i in range(30))
    problem = TrainingData((tmp_path,), big).problem()
    assert problem == ("The 30 photos come to 150.0 MB, and Replicate takes uploads under 100 MB: use fewer or "
                       "smaller photos, or the URL of a zip stored elsewhere.")


def test_chosen_files_with_the_same_name_get_distinct_names(tmp_path: Path) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first = photo(tmp_path / "one" / "me.jpg", color=10)
    second = photo(tmp_path / "two" / "me.jpg", color=20)
    (tmp_path / "two" / "me.txt").write_text("TOK smiling")

    data = scan_training_data([first, second, tmp_path / "two" / "me.txt", tmp_path / "gone.jpg"])

    assert [image.name for image in data.images] == ["me.jpg", "me-2.jpg"]
    assert data.images[1].caption == tmp_path / "two" / "me.txt"
    assert data.left_out == (LeftOut(tmp_path / "gone.jpg", "there is no such file"),)


async def test_the_zip_is_deterministic_and_complete(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    for index in range(3):
        photo(folder / f"p{index}.jpg", color=index * 60)
    (folder / "p1.txt").write_text("TOK in the rain")
    data = scan_training_data([folder])
    seen: list[tuple[int, int]] = []

    first = await pack_training_data(data, tmp_path / "a.zip", progress=lambda done, total: seen.append((done, total)))
    second = await asyncio.to_thread(pack_sync, data, tmp_path / "b.zip")

    assert first.sha256 == second.sha256
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    assert (first.images, first.captions, first.size) == (3, 1, (tmp_path / "a.zip").stat().st_size)
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        assert archive.namelist() == ["p0.jpg", "p1.jpg", "p1.txt", "p2.jpg"]
        assert archive.read("p1.txt") == b"TOK in the rain"
        assert archive.read("p2.jpg") == (folder / "p2.jpg").read_bytes()
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert seen[-1] == (data.total_bytes, data.total_bytes)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert not partial_zips(tmp_path)


async def test_cancelling_the_packing_leaves_no_partial_zip(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    for index in range(4):
        (folder / f"big{index}.jpg").write_bytes(photo(tmp_path / "seed.jpg").read_bytes() + b"\x00" * 8_000_000)
    data = scan_training_data([folder])
    started = asyncio.Event()

    task = asyncio.create_task(pack_training_data(data, tmp_path / "out.zip",
                                                  progress=lambda done, total: started.set()))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert not (tmp_path / "out.zip").exists()
    assert not partial_zips(tmp_path)


async def test_a_photo_that_changes_while_packing_stops_it(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    photo(folder / "a.jpg")
    data = scan_training_data([folder])
    with (folder / "a.jpg").open("ab") as grown:
        grown.write(b"\x00" * 10)

    with pytest.raises(OSError, match="grew while it was packed"):
        await pack_training_data(data, tmp_path / "out.zip")
    assert not (tmp_path / "out.zip").exists()
