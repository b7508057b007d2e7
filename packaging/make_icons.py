"""Renders the app icon from its SVG source into every file the app, the wheel and the bundles ship.

The canonical drawing is ``resources/icons/<app id>.svg``. This script renders it with Qt's ``QSvgRenderer``
(offscreen, no display needed) and writes, all committed:

- ``desktop_app/assets/icons/icon.svg`` and ``icon-<N>.png`` for N in 16…512: package data, loaded by
  ``desktop_app.resources.app_icon()`` and installed into the hicolor theme by ``make install-desktop``;
- ``resources/icons/replicate-desktop.ico`` (16–256 px, PNG entries) for the Windows bundle;
- ``resources/icons/replicate-desktop.icns`` (16–1024 px, PNG entries) for the macOS bundle.

Both containers are written by the small writers below (no Pillow). Run ``python packaging/make_icons.py`` after
editing the SVG; ``--check`` exits 1 when a committed file is missing or no longer matches the SVG.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from collections.abc import Iterable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QImageWriter, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parent.parent
APP_ID = "io.github.replicate_desktop.ReplicateDesktop"
SOURCE_SVG = ROOT / "resources" / "icons" / f"{APP_ID}.svg"
PACKAGE_ICONS = ROOT / "desktop_app" / "assets" / "icons"
ICO_FILE = ROOT / "resources" / "icons" / "replicate-desktop.ico"
ICNS_FILE = ROOT / "resources" / "icons" / "replicate-desktop.icns"

PNG_SIZES = (16, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS element types holding PNG data, and the pixel size each one carries (the "@2x" ones are the Retina variants).
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"ic11", 32),
    (b"icp6", 64),
    (b"ic12", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic13", 256),
    (b"ic09", 512),
    (b"ic14", 512),
    (b"ic10", 1024),
)
# Largest per-channel difference (0–255) a re-render may show against a committed PNG before --check calls it
# stale: absorbs antialiasing differences between Qt releases, catches any change of the drawing.
CHECK_TOLERANCE = 24


def render(renderer: QSvgRenderer, size: int) -> QImage:
    """The SVG rendered into a ``size``×``size`` transparent ARGB image."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image.convertToFormat(QImage.Format.Format_ARGB32)


def png_bytes(image: QImage) -> bytes:
    """``image`` encoded as PNG (Qt writes no timestamp, so equal images give equal bytes)."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QImageWriter(buffer, QByteArray(b"png"))
    if not writer.write(image):
        raise RuntimeError(f"Qt could not encode a PNG: {writer.errorString()}")
    buffer.close()
    return bytes(data.data())


def ico_bytes(pngs: Iterable[tuple[int, bytes]]) -> bytes:
    """A Windows ICO container with one PNG-compressed 32-bit entry per size (Windows Vista and later)."""
    entries = list(pngs)
    header = struct.pack("<HHH", 0, 1, len(entries))
    offset = len(header) + 16 * len(entries)
    directory = b""
    payload = b""
    for size, png in entries:
        if not 1 <= size <= 256:
            raise ValueError(f"ICO entries are 1–256 px, not {size}")
        dimension = 0 if size == 256 else size  # 0 means 256 in the one-byte fields
        directory += struct.pack("<BBBBHHII", dimension, dimension, 0, 0, 1, 32, len(png), offset + len(payload))
        payload += png
    return header + directory + payload


def icns_bytes(elements: Iterable[tuple[bytes, bytes]]) -> bytes:
    """An Apple ICNS container: big-endian ``(type, length)`` headers, each followed by its PNG data."""
    body = b""
    for kind, png in elements:
        if len(kind) != 4:
            raise ValueError(f"ICNS types are four bytes, not {kind!r}")
        body += kind + struct.pack(">I", 8 + len(png)) + png
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def build_outputs(svg: Path = SOURCE_SVG) -> dict[Path, bytes]:
    """Every generated file and its content, rendered from ``svg``."""
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise RuntimeError(f"Qt cannot read {svg}")
    sizes = sorted({*PNG_SIZES, *ICO_SIZES, *(size for _, size in ICNS_TYPES)})
    pngs = {size: png_bytes(render(renderer, size)) for size in sizes}
    outputs: dict[Path, bytes] = {PACKAGE_ICONS / "icon.svg": svg.read_bytes()}
    outputs.update({PACKAGE_ICONS / f"icon-{size}.png": pngs[size] for size in PNG_SIZES})
    outputs[ICO_FILE] = ico_bytes((size, pngs[size]) for size in ICO_SIZES)
    outputs[ICNS_FILE] = icns_bytes((kind, pngs[size]) for kind, size in ICNS_TYPES)
    return outputs


def max_pixel_difference(first: QImage, second: QImage) -> int:
    """Largest per-channel difference between two equally sized images (256 when the sizes differ)."""
    if first.size() != second.size():
        return 256
    a = first.convertToFormat(QImage.Format.Format_RGBA8888)
    b = second.convertToFormat(QImage.Format.Format_RGBA8888)
    bytes_a, bytes_b = bytes(a.constBits()), bytes(b.constBits())
    return max((abs(x - y) for x, y in zip(bytes_a, bytes_b, strict=True)), default=0)


def stale_outputs(outputs: dict[Path, bytes]) -> list[str]:
    """Why committed files differ from ``outputs`` (empty when all are current). PNGs may differ within
    ``CHECK_TOLERANCE`` (other Qt releases antialias slightly differently), and so may the images inside the
    ICO and ICNS containers."""
    problems = []
    for path, content in outputs.items():
        name = path.relative_to(ROOT)
        if not path.is_file():
            problems.append(f"{name} is missing")
        elif path.suffix == ".png":
            difference = max_pixel_difference(QImage(str(path)), QImage.fromData(content))
            if difference > CHECK_TOLERANCE:
                problems.append(f"{name} differs from the SVG by up to {difference}/255 per channel")
        elif path.suffix == ".svg":
            if path.read_bytes() != content:
                problems.append(f"{name} is not a copy of {SOURCE_SVG.relative_to(ROOT)}")
        else:
            committed, fresh = container_pngs(path.read_bytes()), container_pngs(content)
            if len(committed) != len(fresh):
                problems.append(f"{name} holds {len(committed)} images, not {len(fresh)}")
            for old, new in zip(committed, fresh, strict=False):
                difference = max_pixel_difference(QImage.fromData(old), QImage.fromData(new))
                if difference > CHECK_TOLERANCE:
                    problems.append(f"{name} differs from the SVG by up to {difference}/255 per channel")
                    break
    return problems


def container_pngs(data: bytes) -> list[bytes]:
    """The PNG payloads of an ICO or ICNS file written by ``ico_bytes``/``icns_bytes``, in file order."""
    if data[:4] == b"icns":
        pngs, position = [], 8
        while position + 8 <= len(data):
            (length,) = struct.unpack_from(">I", data, position + 4)
            pngs.append(data[position + 8 : position + length])
            position += length
        return pngs
    (count,) = struct.unpack_from("<H", data, 4)
    entries = [struct.unpack_from("<II", data, 6 + 16 * index + 8) for index in range(count)]
    return [data[offset : offset + length] for length, offset in entries]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only check that the committed files are current")
    args = parser.parse_args(argv)
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (keeps Qt's image plugins ready)
    outputs = build_outputs()
    if args.check:
        problems = stale_outputs(outputs)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("Run: python packaging/make_icons.py", file=sys.stderr)
        return 1 if problems else 0
    for path, content in outputs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_bytes() != content:
            path.write_bytes(content)
            print(f"wrote {path.relative_to(ROOT)} ({len(content):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
