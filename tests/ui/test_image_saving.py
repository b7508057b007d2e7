"""Tests for the image saving helpers: default names, formats, conversion and atomic writes that fail cleanly."""

from __future__ import annotations

import errno
import io
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from desktop_app.ui.viewer import saving
from desktop_app.ui.viewer.decoding import decode_image_bytes
from desktop_app.ui.viewer.saving import (
    ImageSaveError,
    default_file_name,
    describe_save_error,
    encode_image,
    format_for_path,
    name_filters,
    save_image_file,
    unique_path,
    with_default_suffix,
    write_file_atomically,
)

WHEN = datetime(2026, 11, 28, 14, 30, 59)


def gradient_bytes(fmt: str, size: tuple[int, int] = (64, 48), *, transparent_left: bool = False) -> bytes:
    """A small gradient encoded by Pillow (an encoder independent of the code under test)."""
    width, height = size
    image = Image.new("RGBA", size)
    pixels = image.load()
    assert pixels is not None
    for x in range(width):
        for y in range(height):
            alpha = 0 if transparent_left and x < width // 2 else 255
            pixels[x, y] = (x * 255 // width, y * 255 // height, 128, alpha)
    if fmt in ("JPEG",) or not transparent_left:
        image = image.convert("RGB")
    stream = io.BytesIO()
    image.save(stream, fmt, **({"lossless": False, "quality": 80} if fmt == "WEBP" else {}))
    return stream.getvalue()


def argb(image: QImage) -> QImage:
    return image.convertToFormat(QImage.Format.Format_ARGB32)


# --- default_file_name -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "index", "ext", "expected"),
    [
        ("A red fox", 0, "webp", "a-red-fox-2026-11-28-1430.webp"),
        ("A red fox", 1, "webp", "a-red-fox-2026-11-28-1430-2.webp"),
        ("A red fox", 3, ".PNG", "a-red-fox-2026-11-28-1430-4.png"),
        ("", 0, "png", "image-2026-11-28-1430.png"),
        ("   ?!…  ", 0, "png", "image-2026-11-28-1430.png"),
        ("Café crème, at dawn!!", 0, "jpg", "cafe-creme-at-dawn-2026-11-28-1430.jpg"),
        ("a/b\\c:d*e", 0, "png", "a-b-c-d-e-2026-11-28-1430.png"),
        ("猫の写真", 0, "png", "猫の写真-2026-11-28-1430.png"),
    ],
)
def test_default_file_name(prompt: str, index: int, ext: str, expected: str) -> None:
    assert default_file_name(prompt, WHEN, index, ext) == expected


def test_default_file_name_shortens_long_prompts_at_a_word_boundary() -> None:
    prompt = "an extremely detailed oil painting of a lighthouse on a cliff during a violent storm at night"
    name = default_file_name(prompt, WHEN, 0, "png")
    slug = name.removesuffix("-2026-11-28-1430.png")
    assert len(slug) <= 48
    assert prompt.replace(" ", "-").startswith(slug)
    assert not slug.endswith("-")


def test_unique_path_appends_a_counter_when_taken(tmp_path: Path) -> None:
    first = tmp_path / "fox.png"
    assert unique_path(first) == first
    first.write_bytes(b"x")
    assert unique_path(first) == tmp_path / "fox (2).png"
    (tmp_path / "fox (2).png").write_bytes(b"x")
    assert unique_path(first) == tmp_path / "fox (3).png"


# --- formats -----------------------------------------------------------------------------------------------------


def test_name_filters_put_the_original_format_first_without_duplicates() -> None:
    assert name_filters("webp") == [
        "WebP image (*.webp)",
        "PNG image (*.png)",
        "JPEG image (*.jpg *.jpeg *.jfif)",
    ]
    assert name_filters("png")[0] == "PNG image (*.png)"
    assert len(name_filters("png")) == 3
    assert name_filters("gif")[0] == "GIF image (*.gif)"
    assert len(name_filters("gif")) == 4


def test_format_helpers() -> None:
    assert format_for_path(Path("a.JPG")) == "jpeg"
    assert format_for_path(Path("a.webp")) == "webp"
    assert format_for_path(Path("a.txt")) is None
    assert with_default_suffix(Path("/x/fox"), "jpeg") == Path("/x/fox.jpg")
    assert with_default_suffix(Path("/x/fox.v2"), "webp") == Path("/x/fox.v2.webp")
    assert with_default_suffix(Path("/x/fox.png"), "webp") == Path("/x/fox.png")


# --- save_image_file ---------------------------------------------------------------------------------------------


def test_saving_in_the_original_format_writes_the_original_bytes(qapp: object, tmp_path: Path) -> None:
    data = gradient_bytes("WEBP")
    decoded = decode_image_bytes(data, "image/webp")
    target = tmp_path / "fox.webp"
    save_image_file(target, decoded.image, decoded.data, decoded.format)
    assert target.read_bytes() == data


def test_saving_webp_as_png_keeps_the_pixels(qapp: object, tmp_path: Path) -> None:
    decoded = decode_image_bytes(gradient_bytes("WEBP"), "image/webp")
    target = tmp_path / "fox.png"
    save_image_file(target, decoded.image, decoded.data, decoded.format)
    assert target.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    again = decode_image_bytes(target.read_bytes())
    assert again.format == "png"
    assert argb(again.image) == argb(decoded.image)


def test_saving_as_jpeg_flattens_transparency_onto_white(qapp: object, tmp_path: Path) -> None:
    decoded = decode_image_bytes(gradient_bytes("PNG", transparent_left=True), "image/png")
    assert decoded.image.hasAlphaChannel()
    target = tmp_path / "fox.jpg"
    save_image_file(target, decoded.image, decoded.data, decoded.format)
    data = target.read_bytes()
    assert data.startswith(b"\xff\xd8")
    jpeg = decode_image_bytes(data).image
    assert (jpeg.width(), jpeg.height()) == (64, 48)
    left = jpeg.pixelColor(5, 24)
    assert min(left.red(), left.green(), left.blue()) >= 245  # was transparent → white
    right = jpeg.pixelColor(60, 24)
    assert abs(right.red() - 60 * 255 // 64) <= 12
    assert abs(right.blue() - 128) <= 12


def test_encode_image_jpeg_uses_quality_92(qapp: object) -> None:
    image = QImage(256, 256, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.darkCyan)
    for y in range(0, 256, 3):
        for x in range(0, 256, 5):
            image.setPixel(x, y, 0xFFFFFF00 + (x ^ y) % 255)
    assert len(encode_image(image, "jpeg")) > len(encode_image(image, "jpeg", quality=40))
    assert encode_image(image, "jpeg") == encode_image(image, "jpg", quality=92)


def test_unknown_suffix_is_a_clear_error(qapp: object, tmp_path: Path) -> None:
    decoded = decode_image_bytes(gradient_bytes("PNG"))
    with pytest.raises(ImageSaveError, match=r"“fox\.txt”.*\.txt"):
        save_image_file(tmp_path / "fox.txt", decoded.image, decoded.data, decoded.format)
    assert list(tmp_path.iterdir()) == []


# --- atomic writes -----------------------------------------------------------------------------------------------


def _raise(error: OSError) -> Callable[..., None]:
    def fail(*args: object, **kwargs: object) -> None:
        raise error

    return fail


def test_disk_full_during_write_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "fsync", _raise(OSError(errno.ENOSPC, "No space left on device")))
    target = tmp_path / "fox.png"
    with pytest.raises(ImageSaveError) as caught:
        write_file_atomically(target, b"data" * 1000)
    assert str(caught.value) == f"Could not save “fox.png” in {tmp_path}: the disk is full."
    assert list(tmp_path.iterdir()) == []


def test_failed_replace_keeps_the_existing_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "fox.png"
    target.write_bytes(b"old")
    monkeypatch.setattr(os, "replace", _raise(OSError(errno.ENOSPC, "No space left on device")))
    with pytest.raises(ImageSaveError, match="disk is full"):
        write_file_atomically(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["fox.png"]


def test_permission_denied_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(saving.tempfile, "mkstemp", _raise(PermissionError(errno.EACCES, "Permission denied")))
    with pytest.raises(ImageSaveError, match=r"^Could not save “fox\.png” in .*: permission denied\.$"):
        write_file_atomically(tmp_path / "fox.png", b"x")


def test_missing_folder_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ImageSaveError, match="the folder does not exist"):
        write_file_atomically(tmp_path / "nope" / "fox.png", b"x")


@pytest.mark.parametrize(
    ("code", "reason"),
    [(errno.EROFS, "the disk is read-only"), (errno.EPERM, "permission denied"), (errno.EIO, "Input/output error")],
)
def test_describe_save_error(code: int, reason: str) -> None:
    message = describe_save_error(Path("/data/out/fox.png"), OSError(code, os.strerror(code)))
    assert message == f"Could not save “fox.png” in /data/out: {reason}."


def test_saved_file_gets_normal_permissions(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        write_file_atomically(tmp_path / "fox.png", b"x")
    finally:
        os.umask(previous)
    assert (tmp_path / "fox.png").stat().st_mode & 0o777 == 0o644
