"""The app icon: every PNG size decodes at its size, the ICO/ICNS containers hold every size, the generated
files match the SVG source, and ``desktop_app.resources.app_icon()`` offers them all."""

from __future__ import annotations

import struct
import subprocess
import sys

import pytest
from PIL import Image
from PySide6.QtGui import QImage
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from desktop_app import resources

from .conftest import APP_ID, ICONS, PACKAGING, RESOURCES

ICO_SIZES = [16, 24, 32, 48, 64, 128, 256]
ICNS_TYPES = {
    b"icp4": 16,
    b"icp5": 32,
    b"ic11": 32,
    b"icp6": 64,
    b"ic12": 64,
    b"ic07": 128,
    b"ic08": 256,
    b"ic13": 256,
    b"ic09": 512,
    b"ic14": 512,
    b"ic10": 1024,
}


@pytest.mark.parametrize("size", [16, 32, 48, 64, 128, 256, 512])
def test_png_exists_and_decodes_at_its_size(qapp: QApplication, size: int) -> None:
    path = ICONS / f"icon-{size}.png"
    image = QImage(str(path))
    assert not image.isNull(), f"{path} does not decode"
    assert (image.width(), image.height()) == (size, size)
    assert image.hasAlphaChannel()
    assert image.pixelColor(0, 0).alpha() == 0, "the corners of the rounded tile are transparent"
    assert image.pixelColor(size // 2, size // 2).alpha() == 255
    with Image.open(path) as pillow_image:  # a second, independent decoder
        assert pillow_image.format == "PNG" and pillow_image.size == (size, size)
        pillow_image.load()


def test_sizes_match_the_loader() -> None:
    assert resources.ICON_SIZES == (16, 32, 48, 64, 128, 256, 512)
    assert resources.APP_ID == APP_ID
    shipped = sorted(int(path.stem.removeprefix("icon-")) for path in ICONS.glob("icon-*.png"))
    assert shipped == list(resources.ICON_SIZES)


def test_svg_source_is_valid_and_shipped_unchanged(qapp: QApplication) -> None:
    source = RESOURCES / "icons" / f"{APP_ID}.svg"
    renderer = QSvgRenderer(str(source))
    assert renderer.isValid()
    assert renderer.viewBox().width() == renderer.viewBox().height() == 512
    assert (ICONS / "icon.svg").read_bytes() == source.read_bytes()


def test_generated_files_match_the_svg() -> None:
    result = subprocess.run(
        [sys.executable, str(PACKAGING / "make_icons.py"), "--check"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


def ico_entries(data: bytes) -> list[tuple[int, bytes]]:
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind) == (0, 1)
    entries = []
    for index in range(count):
        width, height, _, _, planes, bits, length, offset = struct.unpack_from("<BBBBHHII", data, 6 + 16 * index)
        assert width == height and (planes, bits) == (1, 32)
        entries.append((width or 256, data[offset : offset + length]))
    return entries


def icns_entries(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:4] == b"icns"
    assert struct.unpack_from(">I", data, 4)[0] == len(data)
    entries, position = [], 8
    while position < len(data):
        kind, length = data[position : position + 4], struct.unpack_from(">I", data, position + 4)[0]
        entries.append((kind, data[position + 8 : position + length]))
        position += length
    assert position == len(data)
    return entries


def test_ico_holds_every_windows_size(qapp: QApplication) -> None:
    path = RESOURCES / "icons" / "replicate-desktop.ico"
    entries = ico_entries(path.read_bytes())
    assert [size for size, _ in entries] == ICO_SIZES
    for size, png in entries:
        image = QImage.fromData(png)
        assert (image.width(), image.height()) == (size, size)
    with Image.open(path) as pillow_image:
        assert pillow_image.format == "ICO"
        assert sorted(pillow_image.info["sizes"]) == [(size, size) for size in ICO_SIZES]


def test_icns_holds_every_macos_size(qapp: QApplication) -> None:
    path = RESOURCES / "icons" / "replicate-desktop.icns"
    entries = icns_entries(path.read_bytes())
    assert {kind for kind, _ in entries} == set(ICNS_TYPES)
    for kind, png in entries:
        image = QImage.fromData(png)
        assert (image.width(), image.height()) == (ICNS_TYPES[kind],) * 2, kind
    with Image.open(path) as pillow_image:
        assert pillow_image.format == "ICNS" and pillow_image.size == (1024, 1024)
        pillow_image.load()


def test_app_icon_offers_every_size(qapp: QApplication) -> None:
    icon = resources.app_icon()
    assert not icon.isNull()
    assert sorted(size.width() for size in icon.availableSizes()) == list(resources.ICON_SIZES)
    assert icon.pixmap(48).width() == 48
    assert icon.pixmap(24).width() == 24  # scaled down from the next size


def test_icon_file_finds_the_package_data() -> None:
    assert resources.icon_file(None).name == "icon.svg"
    for size in resources.ICON_SIZES:
        assert resources.icon_file(size).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="no 20 px icon"):
        resources.icon_file(20)
