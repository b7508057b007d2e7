"""Metadata in image files: PNG text chunks, JPEG and WebP XMP, sidecars; the pixels never change."""

from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from desktop_app.storage.image_metadata import (
    SOFTWARE,
    MetadataError,
    embed_metadata,
    normalize_metadata,
    read_metadata,
    sidecar_bytes,
    sidecar_path,
)

Image = pytest.importorskip("PIL.Image")
PngImagePlugin = pytest.importorskip("PIL.PngImagePlugin")

META = {"prompt": "A cat in a hat, café au lait 🐱", "model": "black-forest-labs/flux-schnell", "seed": 42,
        "prediction_id": "abc123", "version": None}
EXPECTED = {"Software": SOFTWARE, "prompt": META["prompt"], "model": META["model"], "seed": "42",
            "prediction_id": "abc123"}


def picture(mode: str = "RGB", size: tuple[int, int] = (37, 23)) -> Any:
    image = Image.new(mode, size)
    pixels = image.load()
    for x in range(size[0]):
        for y in range(size[1]):
            colour = ((x * 7) % 256, (y * 11) % 256, (x * y) % 256)
            pixels[x, y] = (*colour, (x * 9) % 256) if mode == "RGBA" else colour
    return image


def encode(image: Any, fmt: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def decode(data: bytes) -> Any:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def assert_same_pixels(before: bytes, after: bytes) -> None:
    old, new = decode(before), decode(after)
    assert (new.format, new.mode, new.size) == (old.format, old.mode, old.size)
    assert new.tobytes() == old.tobytes()


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    chunks, position = [], 8
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        payload = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert crc == zlib.crc32(kind + payload) & 0xFFFFFFFF, kind
        chunks.append((kind, payload))
        position += 12 + length
    return chunks


def riff_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:4] == b"RIFF"
    assert data[8:12] == b"WEBP"
    assert struct.unpack("<I", data[4:8])[0] == len(data) - 8
    chunks, position = [], 12
    while position < len(data):
        fourcc, size = data[position : position + 4], struct.unpack("<I", data[position + 4 : position + 8])[0]
        chunks.append((fourcc, data[position + 8 : position + 8 + size]))
        position += 8 + size + (size & 1)
    assert position == len(data)
    return chunks


def save(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "P"])
def test_png_round_trip_keeps_pixels_and_pillow_sees_the_text(tmp_path: Path, mode: str) -> None:
    original = encode(picture("RGBA" if mode == "RGBA" else "RGB").convert(mode), "PNG")

    embedded = embed_metadata(original, "image/png", META)

    assert_same_pixels(original, embedded)
    assert decode(embedded).text == EXPECTED
    assert read_metadata(save(tmp_path, "x.png", embedded)) == EXPECTED
    chunks = png_chunks(embedded)  # every CRC checks out
    assert chunks[0][0] == b"IHDR"
    assert chunks[-1] == (b"IEND", b"")
    kinds = [kind for kind, _ in chunks]
    assert kinds.count(b"iTXt") == 1  # the prompt has non-Latin-1 characters
    assert kinds.count(b"tEXt") == 4
    Image.open(io.BytesIO(embedded)).verify()


def test_png_embedding_again_replaces_values_and_keeps_other_text(tmp_path: Path) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "someone")
    info.add_text("prompt", "old prompt")
    info.add_text("Comment", "ß" * 2000, zip=True)  # a compressed zTXt chunk
    original = encode(picture(), "PNG", pnginfo=info)

    first = embed_metadata(original, None, {"prompt": "first"})
    second = embed_metadata(first, None, {"prompt": "second\r\nline", "seed": 1})

    text = decode(second).text
    assert text["prompt"] == "second\r\nline"
    assert text["Author"] == "someone"
    assert text["Comment"] == "ß" * 2000
    assert [kind for kind, payload in png_chunks(second) if payload.startswith(b"prompt\x00")] == [b"tEXt"]
    found = read_metadata(save(tmp_path, "x.png", second))
    assert found["Comment"] == "ß" * 2000
    assert found["seed"] == "1"
    assert_same_pixels(original, second)


def test_jpeg_round_trip_keeps_pixels_and_pillow_sees_the_xmp(tmp_path: Path) -> None:
    original = encode(picture(), "JPEG", quality=90)

    embedded = embed_metadata(original, "image/jpeg", META)

    assert_same_pixels(original, embedded)
    assert "Replicate Desktop" in str(decode(embedded).info["xmp"])
    assert read_metadata(save(tmp_path, "x.jpg", embedded)) == EXPECTED
    assert embedded[2:4] == b"\xff\xe0"  # the JFIF APP0 segment still comes first


def test_jpeg_keeps_exif_and_replaces_an_old_xmp_packet(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    original = encode(picture(), "JPEG", exif=exif.tobytes())

    twice = embed_metadata(embed_metadata(original, None, {"prompt": "one"}), None, {"prompt": "two & <three>"})

    assert twice.count(b"http://ns.adobe.com/xap/1.0/\x00") == 1
    assert decode(twice).getexif()[0x010F] == "Camera maker"
    assert read_metadata(save(tmp_path, "x.jpg", twice)) == {"Software": SOFTWARE, "prompt": "two & <three>"}
    assert_same_pixels(original, twice)


def test_jpeg_refuses_metadata_larger_than_a_segment() -> None:
    with pytest.raises(MetadataError, match="too large"):
        embed_metadata(encode(picture(), "JPEG"), None, {"prompt": "x" * 70_000})


@pytest.mark.parametrize(
    ("mode", "options", "first_chunk", "alpha_flag"),
    [
        ("RGB", {"quality": 80}, b"VP8 ", False),
        ("RGB", {"lossless": True}, b"VP8L", False),
        ("RGBA", {"lossless": True}, b"VP8L", True),
        ("RGBA", {"quality": 80}, b"VP8X", True),
    ],
    ids=["lossy", "lossless", "lossless-alpha", "lossy-alpha"],
)
def test_webp_round_trip_converts_to_the_extended_format(
    tmp_path: Path, mode: str, options: dict[str, Any], first_chunk: bytes, alpha_flag: bool
) -> None:
    original = encode(picture(mode, (37, 23)), "WEBP", **options)
    assert riff_chunks(original)[0][0] == first_chunk

    embedded = embed_metadata(original, "image/webp", META)

    chunks = riff_chunks(embedded)
    fourccs = [fourcc for fourcc, _ in chunks]
    assert fourccs[0] == b"VP8X"
    assert fourccs[-1] == b"XMP "
    assert fourccs.count(b"XMP ") == 1
    flags, canvas = chunks[0][1][0], chunks[0][1][4:10]
    assert flags & 0x04  # XMP
    assert bool(flags & 0x10) == alpha_flag
    assert int.from_bytes(canvas[:3], "little") + 1 == 37
    assert int.from_bytes(canvas[3:], "little") + 1 == 23
    assert_same_pixels(original, embedded)
    assert "Replicate Desktop" in str(decode(embedded).info["xmp"])
    assert read_metadata(save(tmp_path, "x.webp", embedded)) == EXPECTED
    again = embed_metadata(embedded, None, {"prompt": "new"})
    assert [fourcc for fourcc, _ in riff_chunks(again)].count(b"XMP ") == 1
    assert read_metadata(save(tmp_path, "y.webp", again))["prompt"] == "new"


def test_webp_with_odd_sized_chunks_stays_aligned(tmp_path: Path) -> None:
    original = encode(picture("RGB", (5, 3)), "WEBP", lossless=True)
    for prompt in ("a", "ab", "abc"):  # the XMP payload length changes parity
        embedded = embed_metadata(original, None, {"prompt": prompt})
        riff_chunks(embedded)
        assert_same_pixels(original, embedded)
        assert read_metadata(save(tmp_path, f"{prompt}.webp", embedded))["prompt"] == prompt


def test_animated_webp_keeps_its_frames(tmp_path: Path) -> None:
    frames = [Image.new("RGBA", (20, 20), (index * 60, 0, 0, 255)) for index in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "WEBP", save_all=True, append_images=frames[1:], duration=100, lossless=True)
    original = buffer.getvalue()

    embedded = embed_metadata(original, None, META)

    image = Image.open(io.BytesIO(embedded))
    assert image.n_frames == 3
    for index in range(3):
        image.seek(index)
        assert image.convert("RGBA").getpixel((5, 5)) == (index * 60, 0, 0, 255)
    assert read_metadata(save(tmp_path, "anim.webp", embedded)) == EXPECTED


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR",  # cut short
        b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 1 << 20) + b"IHDR" + b"\x00" * 20,  # chunk runs past the end
        b"\xff\xd8\xff\xe0\x00",  # JPEG cut in its header
        b"\xff\xd8\xff\xe0\x00\x01" + b"\x00" * 10,  # segment length below 2
        b"RIFF\xff\x00\x00\x00WEBPVP8 ",  # RIFF longer than the file
        b"RIFF\x0c\x00\x00\x00WEBPVP8 \x00\x00\x00\x00",  # VP8 without a key frame header
        b"GIF89a" + b"\x00" * 20,  # a format without embedding
        b"plain text",
    ],
    ids=["png-short", "png-chunk-overrun", "jpeg-short", "jpeg-bad-length", "riff-short", "vp8-empty", "gif", "text"],
)
def test_malformed_or_unsupported_files_raise_metadata_error(data: bytes) -> None:
    with pytest.raises(MetadataError):
        embed_metadata(data, None, META)


def test_sidecar_for_files_that_cannot_carry_metadata(tmp_path: Path) -> None:
    gif = save(tmp_path, "anim.gif", encode(picture(), "GIF"))
    sidecar_path(gif).write_bytes(sidecar_bytes(META))

    assert sidecar_path(gif) == tmp_path / "anim.gif.json"
    assert json.loads(sidecar_path(gif).read_text(encoding="utf-8")) == EXPECTED
    assert read_metadata(gif) == EXPECTED


def test_read_metadata_of_a_plain_file_is_empty(tmp_path: Path) -> None:
    assert read_metadata(save(tmp_path, "x.png", encode(picture(), "PNG"))) == {}
    assert read_metadata(save(tmp_path, "x.jpg", encode(picture(), "JPEG"))) == {}
    assert read_metadata(save(tmp_path, "x.webp", encode(picture(), "WEBP"))) == {}
    assert read_metadata(save(tmp_path, "x.bin", b"\x00" * 10)) == {}
    assert read_metadata(save(tmp_path, "broken.png", b"\x89PNG\r\n\x1a\nxx")) == {}


def test_normalize_metadata() -> None:
    values = normalize_metadata({"seed": 7, "ratio": 1.5, "flag": True, "tags": ["a", "b"], "skip": None,
                                 "text": "bell\x07 tab\t nul\x00"})
    assert values == {"seed": "7", "ratio": "1.5", "flag": "true", "tags": '["a", "b"]',
                      "text": "bell\ufffd tab\t nul\ufffd"}


@pytest.mark.parametrize("key", ["", "has space", "1starts_with_digit", "x" * 80, "naïve", "a-b"])
def test_normalize_metadata_rejects_bad_keys(key: str) -> None:
    with pytest.raises(ValueError, match="metadata key"):
        normalize_metadata({key: "value"})


def test_control_characters_survive_every_format(tmp_path: Path) -> None:
    meta = {"prompt": "line one\r\nline two\ttab </rd:prompt> \"quoted\" 'single'"}
    for name, data in (("x.png", encode(picture(), "PNG")), ("x.jpg", encode(picture(), "JPEG")),
                       ("x.webp", encode(picture(), "WEBP"))):
        path = save(tmp_path, name, embed_metadata(data, None, meta))
        assert read_metadata(path)["prompt"] == meta["prompt"], name
