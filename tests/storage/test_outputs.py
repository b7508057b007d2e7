"""Output files: slugs, default names, content types, magic bytes, unique paths and safe writes."""

from __future__ import annotations

import errno
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from desktop_app.storage import (
    OutputWriteError,
    default_output_name,
    extension_for_content_type,
    save_output,
    slugify,
    sniff_image_extension,
    unique_path,
    write_bytes_atomically,
)

WHEN = datetime(2026, 11, 28, 14, 30, 59)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.mark.parametrize(
    ("prompt", "slug"),
    [
        ("A cat in a hat", "a-cat-in-a-hat"),
        ("  Hello,   World!!  ", "hello-world"),
        ("Café déjà vu", "cafe-deja-vu"),
        ("Кот в шляпе", "kot-v-shlyape"),
        ("Щука и ёж", "shchuka-i-ezh"),
        ("Straße", "strasse"),
        ("🐱 cat 🎩", "cat"),
        ("../../etc/passwd", "etc-passwd"),
        ("CON", "con"),
        ("snake_case and-dash", "snake-case-and-dash"),
    ],
)
def test_slugify(prompt: str, slug: str) -> None:
    assert slugify(prompt) == slug


@pytest.mark.parametrize("prompt", ["", "   ", "🐱🎩✨", "漢字だけ", "!!!", "---"])
def test_slugify_falls_back_to_image(prompt: str) -> None:
    assert slugify(prompt) == "image"


def test_slugify_cuts_long_prompts_on_a_word_boundary() -> None:
    prompt = "a photorealistic portrait of an astronaut riding a horse on the moon at dawn"

    slug = slugify(prompt)

    assert len(slug) <= 48
    assert slug == "a-photorealistic-portrait-of-an-astronaut-riding"
    assert prompt.lower().replace(" ", "-").startswith(slug)


def test_slugify_cuts_one_huge_word_hard() -> None:
    slug = slugify("x" * 500, max_len=10)
    assert slug == "x" * 10


@pytest.mark.parametrize("max_len", [1, 5, 12, 48, 200])
def test_slugify_respects_max_len_and_never_ends_in_a_dash(max_len: int) -> None:
    slug = slugify("one two three four five six seven eight nine ten " * 5, max_len=max_len)
    assert 0 < len(slug) <= max_len
    assert not slug.startswith("-")
    assert not slug.endswith("-")


def test_slugify_rejects_a_zero_max_len() -> None:
    with pytest.raises(ValueError, match="max_len"):
        slugify("cat", max_len=0)


def test_default_output_name() -> None:
    assert default_output_name("A cat in a hat", WHEN, None, "png") == "a-cat-in-a-hat-2026-11-28-1430.png"


def test_default_output_name_with_index_and_messy_extension() -> None:
    assert default_output_name("A cat", WHEN, 2, ".PNG") == "a-cat-2026-11-28-1430-2.png"
    assert default_output_name("A cat", WHEN, 1, "webp") == "a-cat-2026-11-28-1430-1.webp"


def test_default_output_name_edge_prompts() -> None:
    assert default_output_name("", WHEN, None, "jpg") == "image-2026-11-28-1430.jpg"
    assert default_output_name("Рыжий кот", WHEN, None, "jpg") == "ryzhiy-kot-2026-11-28-1430.jpg"
    long_name = default_output_name("word " * 200, WHEN, 12, "webp")
    assert len(long_name) < 100
    assert long_name.endswith("-2026-11-28-1430-12.webp")


@pytest.mark.parametrize("extension", ["", ".", "p/ng", "tar.gz", "пнг"])
def test_default_output_name_rejects_bad_extensions(extension: str) -> None:
    with pytest.raises(ValueError, match="extension"):
        default_output_name("cat", WHEN, None, extension)


def test_default_output_name_rejects_index_zero() -> None:
    with pytest.raises(ValueError, match="starts at 1"):
        default_output_name("cat", WHEN, 0, "png")


@pytest.mark.parametrize(
    ("content_type", "extension"),
    [
        ("image/png", "png"),
        ("image/jpeg", "jpg"),
        ("IMAGE/JPEG; charset=binary", "jpg"),
        ("image/webp", "webp"),
        ("image/gif", "gif"),
        (" image/png ", "png"),
        ("application/octet-stream", None),
        ("text/html", None),
        ("", None),
    ],
)
def test_extension_for_content_type(content_type: str, extension: str | None) -> None:
    assert extension_for_content_type(content_type) == extension


@pytest.mark.parametrize(
    ("data", "extension"),
    [
        (PNG, "png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "jpg"),
        (b"GIF89a\x01\x00\x01\x00", "gif"),
        (b"GIF87a\x01\x00\x01\x00", "gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "webp"),
        (b"\x00\x00\x00\x1cftypavif\x00\x00", "avif"),
        (b"II*\x00\x08\x00\x00\x00", "tiff"),
        (b"BM" + b"\x00" * 20, "bmp"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),
        (b"<html></html>", None),
        (b"", None),
        (b"\x89PN", None),
    ],
)
def test_sniff_image_extension(data: bytes, extension: str | None) -> None:
    assert sniff_image_extension(data) == extension


def test_sniff_agrees_with_pillow(tmp_path: Path) -> None:
    image_module = pytest.importorskip("PIL.Image")
    for fmt, extension in [("PNG", "png"), ("JPEG", "jpg"), ("GIF", "gif"), ("WEBP", "webp")]:
        path = tmp_path / f"x.{extension}"
        image_module.new("RGB", (4, 4), "red").save(path, fmt)
        assert sniff_image_extension(path.read_bytes()) == extension


def test_unique_path_returns_the_name_when_free(tmp_path: Path) -> None:
    assert unique_path(tmp_path, "cat.png") == tmp_path / "cat.png"


def test_unique_path_counts_up_on_collisions(tmp_path: Path) -> None:
    (tmp_path / "cat.png").write_bytes(b"1")
    assert unique_path(tmp_path, "cat.png") == tmp_path / "cat (2).png"
    (tmp_path / "cat (2).png").write_bytes(b"2")
    (tmp_path / "cat (3).png").write_bytes(b"3")
    assert unique_path(tmp_path, "cat.png") == tmp_path / "cat (4).png"


def test_unique_path_treats_directories_and_dangling_links_as_taken(tmp_path: Path) -> None:
    (tmp_path / "cat.png").mkdir()
    if hasattr(os, "symlink"):
        (tmp_path / "cat (2).png").symlink_to(tmp_path / "missing")
        assert unique_path(tmp_path, "cat.png") == tmp_path / "cat (3).png"
    else:  # pragma: no cover
        assert unique_path(tmp_path, "cat.png") == tmp_path / "cat (2).png"


def test_unique_path_without_an_extension(tmp_path: Path) -> None:
    (tmp_path / "notes").write_bytes(b"")
    assert unique_path(tmp_path, "notes") == tmp_path / "notes (2)"


@pytest.mark.parametrize("name", ["", ".", "..", "a/b.png", "..\\b.png", "a\0b"])
def test_unique_path_rejects_paths(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="plain file name"):
        unique_path(tmp_path, name)


def test_write_bytes_atomically_creates_folders_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "cat.png"

    write_bytes_atomically(target, PNG)
    write_bytes_atomically(target, b"second")

    assert target.read_bytes() == b"second"
    assert [p.name for p in target.parent.iterdir()] == ["cat.png"]


def test_write_handles_short_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = os.write

    def dribble(fd: int, data: Any) -> int:
        return real_write(fd, bytes(data[:3]))

    monkeypatch.setattr(os, "write", dribble)
    write_bytes_atomically(tmp_path / "x.bin", b"0123456789")
    monkeypatch.undo()

    assert (tmp_path / "x.bin").read_bytes() == b"0123456789"


def test_disk_full_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = os.write
    calls = 0

    def fill_up(fd: int, data: Any) -> int:
        nonlocal calls
        calls += 1
        if calls == 1:
            return real_write(fd, bytes(data[:4]))  # part of the file lands, then the disk is full
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", fill_up)
    target = tmp_path / "cat.png"

    with pytest.raises(OutputWriteError) as caught:
        write_bytes_atomically(target, PNG)

    assert list(tmp_path.iterdir()) == []
    error = caught.value
    assert isinstance(error, OSError)
    assert error.errno == errno.ENOSPC
    assert error.path == target
    assert str(error) == f"Could not save {target}: the disk is full."
    assert isinstance(error.__cause__, OSError)


def test_disk_full_keeps_an_existing_file_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "cat.png"
    target.write_bytes(b"old picture")

    def full(fd: int, data: Any) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(OutputWriteError, match="disk is full"):
        write_bytes_atomically(target, PNG)
    monkeypatch.undo()

    assert target.read_bytes() == b"old picture"
    assert [p.name for p in tmp_path.iterdir()] == ["cat.png"]


def test_permission_denied_is_reported_clearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def denied(*args: Any, **kwargs: Any) -> int:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "open", denied)
    target = tmp_path / "cat.png"

    with pytest.raises(OutputWriteError) as caught:
        write_bytes_atomically(target, PNG)

    assert str(caught.value) == f"Could not save {target}: permission denied."
    assert caught.value.errno == errno.EACCES
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores permission bits")
def test_real_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(OutputWriteError, match="permission denied"):
            write_bytes_atomically(folder / "cat.png", PNG)
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_unknown_errno_uses_the_system_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def odd(fd: int, data: Any) -> int:
        raise OSError(errno.EBADF, "Bad file descriptor")

    monkeypatch.setattr(os, "write", odd)
    with pytest.raises(OutputWriteError, match=r": bad file descriptor\.$"):
        write_bytes_atomically(tmp_path / "x.png", PNG)


def test_failed_replace_removes_the_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def read_only(source: Any, target: Any) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(os, "replace", read_only)
    with pytest.raises(OutputWriteError, match="read-only"):
        write_bytes_atomically(tmp_path / "x.png", PNG)
    assert list(tmp_path.iterdir()) == []


def test_save_output_never_overwrites(tmp_path: Path) -> None:
    first = save_output(tmp_path, "cat.png", b"one")
    second = save_output(tmp_path, "cat.png", b"two")

    assert first == tmp_path / "cat.png"
    assert second == tmp_path / "cat (2).png"
    assert first.read_bytes() == b"one"
    assert second.read_bytes() == b"two"
