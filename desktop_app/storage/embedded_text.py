"""The text an image file carries, read defensively: PNG text chunks, EXIF (UserComment and a few text tags, from
PNG ``eXIf``, JPEG APP1 or the WebP ``EXIF`` chunk) and XMP packets. Files from anywhere (other tools, a drop,
the clipboard) pass through here, so every length is checked against the data and every amount is capped;
damage ends the walk with what was found so far instead of an exception."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

MAX_TEXT = 8 * 1024 * 1024  # one text value, after decompression
MAX_TOTAL_TEXT = 32 * 1024 * 1024  # all text values of a file together
MAX_CHUNKS = 100_000  # PNG chunks or JPEG segments walked before giving up
MAX_IFD_ENTRIES = 1000

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EXIF_HEADER = b"Exif\x00\x00"
XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
USER_COMMENT, EXIF_POINTER = 0x9286, 0x8769
TEXT_TAGS = {0x010E: "ImageDescription", 0x010F: "Make", 0x0110: "Model", 0x9C9C: "XPComment"}
_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8}


class TooLarge(ValueError):
    """The file holds more text than a picture's metadata ever needs; it is not read further."""


@dataclass
class EmbeddedText:
    """What was found: ``format`` (``png``, ``jpg``, ``webp`` or ``None``), PNG text by keyword, EXIF text by tag
    name (``UserComment``, ``Make``, ``Model``…), the XMP packet, and notes on damage met on the way."""

    format: str | None = None
    chunks: dict[str, str] = field(default_factory=dict)
    exif: dict[str, str] = field(default_factory=dict)
    xmp: bytes | None = None
    damage: list[str] = field(default_factory=list)
    _budget: int = MAX_TOTAL_TEXT

    def add_chunk(self, key: str, text: str) -> None:
        self._spend(len(text))
        self.chunks.setdefault(key, text)  # the first one counts, as in the readers of other tools

    def add_exif(self, key: str, text: str) -> None:
        self._spend(len(text))
        self.exif.setdefault(key, text)

    def _spend(self, amount: int) -> None:
        self._budget -= amount
        if self._budget < 0:
            raise TooLarge("it holds more than 32 MB of text")


def read_embedded_text(data: bytes) -> EmbeddedText:
    """The text in ``data`` (a PNG, JPEG or WebP file; anything else gives an empty result).

    Raises only :class:`TooLarge`, when the text passes :data:`MAX_TOTAL_TEXT`.
    """
    found = EmbeddedText()
    if data.startswith(PNG_SIGNATURE):
        found.format = "png"
        _walk_png(data, found)
    elif data.startswith(b"\xff\xd8"):
        found.format = "jpg"
        _walk_jpeg(data, found)
    elif len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        found.format = "webp"
        _walk_webp(data, found)
    return found


# --- PNG --------------------------------------------------------------------------------------------------


def _walk_png(data: bytes, found: EmbeddedText) -> None:
    position = len(PNG_SIGNATURE)
    for _ in range(MAX_CHUNKS):
        if position + 12 > len(data):
            found.damage.append("the PNG file ends before its last chunk")
            return
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        end = position + 12 + length
        if end > len(data):
            found.damage.append("a PNG chunk runs past the end of the file")
            return
        payload = data[position + 8 : end - 4]
        if kind in (b"tEXt", b"zTXt", b"iTXt", b"eXIf"):
            if zlib.crc32(kind + payload) & 0xFFFFFFFF != struct.unpack(">I", data[end - 4 : end])[0]:
                found.damage.append(f"a damaged {kind.decode('latin-1')} chunk was skipped")
            elif kind == b"eXIf":
                _read_tiff(payload, found)
            else:
                _png_text(kind, payload, found)
        elif kind == b"IEND":
            return
        position = end
    found.damage.append("the PNG file has too many chunks")


def _png_text(kind: bytes, payload: bytes, found: EmbeddedText) -> None:
    keyword, separator, rest = payload.partition(b"\x00")
    if not separator or not 1 <= len(keyword) <= 79:
        found.damage.append("a PNG text chunk has no keyword")
        return
    key = keyword.decode("latin-1")
    try:
        if kind == b"tEXt":
            text = rest.decode("latin-1")
        elif kind == b"zTXt":
            text = _inflate(rest[1:]).decode("latin-1")
        else:
            if len(rest) < 2:
                raise ValueError("short iTXt chunk")
            compressed, fields = rest[0], rest[2:].split(b"\x00", 2)
            if len(fields) != 3:
                raise ValueError("iTXt chunk without its language fields")
            text = (_inflate(fields[2]) if compressed else fields[2]).decode("utf-8")
    except (ValueError, zlib.error) as error:
        found.damage.append(f"the PNG text chunk {key!r} could not be read ({error})")
        return
    if len(text) > MAX_TEXT:
        found.damage.append(f"the PNG text chunk {key!r} is too large and was skipped")
        return
    found.add_chunk(key, text)


def _inflate(data: bytes) -> bytes:
    inflater = zlib.decompressobj()
    text = inflater.decompress(data, MAX_TEXT + 1)
    if len(text) > MAX_TEXT or inflater.unconsumed_tail:
        raise ValueError("it is too large once decompressed")
    return text


# --- JPEG and WebP containers -----------------------------------------------------------------------------


def _walk_jpeg(data: bytes, found: EmbeddedText) -> None:
    position = 2
    for _ in range(MAX_CHUNKS):
        while position < len(data) and data[position] == 0xFF and position + 1 < len(data) \
                and data[position + 1] == 0xFF:
            position += 1  # fill bytes
        if position + 4 > len(data) or data[position] != 0xFF:
            found.damage.append("the JPEG header is damaged")
            return
        marker = data[position + 1]
        if marker in (0xDA, 0xD9):  # the image data starts (or the file ends): no more metadata
            return
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:
            position += 2
            continue
        length = struct.unpack(">H", data[position + 2 : position + 4])[0]
        end = position + 2 + length
        if length < 2 or end > len(data):
            found.damage.append("a JPEG segment runs past the end of the file")
            return
        payload = data[position + 4 : end]
        if marker == 0xE1 and payload.startswith(EXIF_HEADER):
            _read_tiff(payload[len(EXIF_HEADER) :], found)
        elif marker == 0xE1 and payload.startswith(XMP_HEADER) and found.xmp is None:
            found.xmp = payload[len(XMP_HEADER) :]
        elif marker == 0xFE:
            found.add_exif("Comment", payload.decode("utf-8", errors="replace").rstrip("\x00"))
        position = end
    found.damage.append("the JPEG file has too many segments")


def _walk_webp(data: bytes, found: EmbeddedText) -> None:
    end = min(len(data), 8 + struct.unpack("<I", data[4:8])[0])
    position = 12
    for _ in range(MAX_CHUNKS):
        if position + 8 > end:
            return
        fourcc, size = data[position : position + 4], struct.unpack("<I", data[position + 4 : position + 8])[0]
        payload_end = position + 8 + size
        if payload_end > end:
            found.damage.append("a WebP chunk runs past the end of the file")
            return
        payload = data[position + 8 : payload_end]
        if fourcc == b"EXIF":
            _read_tiff(payload[len(EXIF_HEADER) :] if payload.startswith(EXIF_HEADER) else payload, found)
        elif fourcc == b"XMP " and found.xmp is None:
            found.xmp = payload
        position = payload_end + (size & 1)
    found.damage.append("the WebP file has too many chunks")


# --- EXIF (a TIFF structure) ------------------------------------------------------------------------------


def _read_tiff(tiff: bytes, found: EmbeddedText) -> None:
    if tiff[:4] not in (b"II*\x00", b"MM\x00*") or len(tiff) < 8:
        found.damage.append("the EXIF block is not a TIFF structure")
        return
    order = "<" if tiff[:2] == b"II" else ">"
    first = struct.unpack(f"{order}I", tiff[4:8])[0]
    for tag, value in _ifd(tiff, order, first, found):
        if tag == EXIF_POINTER and isinstance(value, int):
            for inner_tag, inner in _ifd(tiff, order, value, found):
                if inner_tag == USER_COMMENT and isinstance(inner, bytes):
                    found.add_exif("UserComment", user_comment(inner, big_endian=order == ">"))
        elif tag in TEXT_TAGS and isinstance(value, bytes):
            name = TEXT_TAGS[tag]
            text = value.decode("utf-16-le", errors="replace") if name == "XPComment" else _ascii(value)
            found.add_exif(name, text.rstrip("\x00"))


def _ifd(tiff: bytes, order: str, offset: int, found: EmbeddedText) -> list[tuple[int, int | bytes]]:
    """The entries of one IFD: a LONG/SHORT pointer as an int, text and undefined values as bytes."""
    if offset + 2 > len(tiff):
        found.damage.append("an EXIF directory lies outside the block")
        return []
    count = struct.unpack(f"{order}H", tiff[offset : offset + 2])[0]
    if count > MAX_IFD_ENTRIES or offset + 2 + count * 12 > len(tiff):
        found.damage.append("an EXIF directory is damaged")
        return []
    entries: list[tuple[int, int | bytes]] = []
    for index in range(count):
        start = offset + 2 + index * 12
        tag, kind, number = struct.unpack(f"{order}HHI", tiff[start : start + 8])
        size = _TYPE_SIZES.get(kind, 0) * number
        if kind in (3, 4) and number == 1:
            entries.append((tag, struct.unpack_from(f"{order}{'H' if kind == 3 else 'I'}", tiff, start + 8)[0]))
            continue
        if kind not in (1, 2, 7) or size > MAX_TEXT:
            continue
        if size <= 4:
            entries.append((tag, tiff[start + 8 : start + 8 + size]))
            continue
        where = struct.unpack(f"{order}I", tiff[start + 8 : start + 12])[0]
        if where + size > len(tiff):
            found.damage.append("an EXIF value lies outside the block")
            continue
        entries.append((tag, tiff[where : where + size]))
    return entries


def user_comment(value: bytes, *, big_endian: bool) -> str:
    """The text of an EXIF UserComment: an 8-byte character code (``ASCII``, ``UNICODE`` as UTF-16 in the file's
    byte order — some writers ignore it, so the more readable of the two wins — or undefined), then the text."""
    code, body = value[:8], value[8:]
    if code.startswith(b"UNICODE"):
        candidates = [body.decode("utf-16-be" if big_endian else "utf-16-le", errors="replace"),
                      body.decode("utf-16-le" if big_endian else "utf-16-be", errors="replace")]
        return max(candidates, key=_readability).rstrip("\x00")
    return _ascii(body if len(value) >= 8 else value).rstrip("\x00")


def _ascii(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def _readability(text: str) -> int:
    """ASCII text counts double, other printable characters once: text decoded in the wrong byte order turns
    ASCII into (printable) CJK ideographs, so the right order wins for Latin text and ties go to the file's."""
    return sum(2 if " " <= character <= "~" or character in "\n\r\t" else int(character.isprintable())
               for character in text)
