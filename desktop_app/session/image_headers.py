"""A light check of image files without decoding them: the magic bytes say JPEG, PNG or WebP, and the header
is sane (dimensions, structure, not cut short). A deeper check — decoding every pixel — happens in the window,
with Qt, where the thumbnails are made."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import Literal

ImageType = Literal["jpeg", "png", "webp"]
HEAD_BYTES = 256 * 1024  # enough for any JPEG's frame header after its EXIF block
TAIL_BYTES = 64

_PNG = b"\x89PNG\r\n\x1a\n"
_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})


@dataclass(frozen=True)
class ImageHeader:
    """What the header says: the type and the size in pixels."""

    type: ImageType
    width: int
    height: int


class BrokenImage(ValueError):
    """The file starts like an image but its header is wrong or it is cut short; ``str()`` says how."""


def sniff_type(head: bytes) -> ImageType | None:
    """The image type the first bytes announce, or ``None``."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(_PNG):
        return "png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def read_header(head: bytes, tail: bytes, size: int) -> ImageHeader:
    """Checks an image from its first bytes (up to :data:`HEAD_BYTES`), its last bytes and its size; raises
    :class:`BrokenImage`, or :class:`ValueError` for a file that is no image this check knows."""
    kind = sniff_type(head)
    if kind == "jpeg":
        return _jpeg(head)
    if kind == "png":
        return _png(head, tail)
    if kind == "webp":
        return _webp(head, size)
    raise ValueError("not a JPEG, PNG or WebP image")


def _jpeg(head: bytes) -> ImageHeader:
    # No end-marker check: phones append data after it (motion photos), and Qt's decode in the window finds
    # JPEGs cut short.
    index = 2
    while index + 4 <= len(head):
        if head[index] != 0xFF:
            raise BrokenImage("the JPEG structure is damaged")
        marker = head[index + 1]
        if marker == 0xFF:  # fill byte
            index += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            index += 2
            continue
        (length,) = struct.unpack(">H", head[index + 2:index + 4])
        if length < 2:
            raise BrokenImage("the JPEG structure is damaged")
        if marker in _SOF:
            if index + 9 > len(head):
                break
            height, width = struct.unpack(">HH", head[index + 5:index + 9])
            if width == 0 or height == 0:
                raise BrokenImage("the JPEG header gives the picture no size")
            return ImageHeader("jpeg", width, height)
        if marker == 0xDA:  # image data before any frame header
            raise BrokenImage("the JPEG has no frame header")
        index += 2 + length
    raise BrokenImage("no JPEG frame header in the first 256 KB")


def _png(head: bytes, tail: bytes) -> ImageHeader:
    if len(head) < 33 or head[12:16] != b"IHDR":
        raise BrokenImage("the PNG header (IHDR) is missing")
    (length,) = struct.unpack(">I", head[8:12])
    data = head[16:16 + length]
    (crc,) = struct.unpack(">I", head[16 + length:20 + length])
    if length != 13 or zlib.crc32(b"IHDR" + data) != crc:
        raise BrokenImage("the PNG header (IHDR) is damaged")
    width, height = struct.unpack(">II", data[:8])
    if width == 0 or height == 0:
        raise BrokenImage("the PNG header gives the picture no size")
    if b"IEND" not in tail:
        raise BrokenImage("the PNG data is cut short (no IEND chunk)")
    return ImageHeader("png", width, height)


def _webp(head: bytes, size: int) -> ImageHeader:
    (riff_size,) = struct.unpack("<I", head[4:8])
    if riff_size + 8 > size:
        raise BrokenImage(f"the WebP data is cut short ({size} of {riff_size + 8} bytes)")
    chunk = head[12:16]
    payload = head[20:]
    if chunk == b"VP8X" and len(payload) >= 10:
        width = 1 + int.from_bytes(payload[4:7], "little")
        height = 1 + int.from_bytes(payload[7:10], "little")
    elif chunk == b"VP8L" and len(payload) >= 5 and payload[0] == 0x2F:
        bits = int.from_bytes(payload[1:5], "little")
        width, height = 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    elif chunk == b"VP8 " and len(payload) >= 10 and payload[3:6] == b"\x9d\x01\x2a":
        width = int.from_bytes(payload[6:8], "little") & 0x3FFF
        height = int.from_bytes(payload[8:10], "little") & 0x3FFF
    else:
        raise BrokenImage("the WebP header is damaged")
    if width == 0 or height == 0:
        raise BrokenImage("the WebP header gives the picture no size")
    return ImageHeader("webp", width, height)
