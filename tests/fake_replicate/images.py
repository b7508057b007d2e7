"""Deterministic PNG and WebP test images made with Pillow (a colour gradient with a marker square)."""

from __future__ import annotations

import functools
import hashlib
import io

from PIL import Image, ImageDraw

CONTENT_TYPES: dict[str, str] = {"png": "image/png", "webp": "image/webp"}


def content_type_for(fmt: str) -> str:
    """The MIME type served for an image format ("png" or "webp")."""
    try:
        return CONTENT_TYPES[fmt]
    except KeyError:
        raise ValueError(f"unsupported image format {fmt!r}; use 'png' or 'webp'") from None


@functools.lru_cache(maxsize=64)
def make_image(fmt: str, width: int, height: int, variant: int = 0) -> bytes:
    """Encoded image bytes of the given size: red grows left→right, green top→bottom, blue by `variant`.

    The same arguments always give the same bytes (for a given Pillow build), and different
    variants give visibly different pictures, so tests can tell the outputs of one prediction apart.
    """
    content_type_for(fmt)
    if width < 1 or height < 1:
        raise ValueError(f"image size must be positive, got {width}x{height}")
    horizontal = Image.linear_gradient("L").rotate(90).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    red = horizontal.resize((width, height))
    green = Image.linear_gradient("L").resize((width, height))
    blue = Image.new("L", (width, height), (64 + 53 * variant) % 256)
    picture = Image.merge("RGB", (red, green, blue))
    side = max(1, min(width, height) // 4)
    ImageDraw.Draw(picture).rectangle((0, 0, side - 1, side - 1), fill=(255, 255, 255))
    buffer = io.BytesIO()
    if fmt == "png":
        picture.save(buffer, format="PNG", optimize=False)
    else:
        picture.save(buffer, format="WEBP", quality=80, method=0)
    return buffer.getvalue()


def make_png(width: int, height: int, variant: int = 0) -> bytes:
    """PNG bytes of the given size (see `make_image`)."""
    return make_image("png", width, height, variant)


def make_webp(width: int, height: int, variant: int = 0) -> bytes:
    """WebP bytes of the given size (see `make_image`)."""
    return make_image("webp", width, height, variant)


def broken_image(seed: str, size: int = 512) -> bytes:
    """Bytes that start like a PNG but cannot be decoded: what a truncated or corrupt download looks like."""
    junk = bytearray()
    counter = 0
    while len(junk) < size:
        junk += hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        counter += 1
    return b"\x89PNG\r\n\x1a\n" + bytes(junk[:size])
