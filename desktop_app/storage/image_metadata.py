"""Generation metadata inside image files: PNG text chunks, XMP in JPEG and WebP, or a JSON sidecar."""

from __future__ import annotations

import json
import re
import struct
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from .atomic import write_atomically
from .outputs import extension_for_content_type, sniff_image_extension

SOFTWARE = "Replicate Desktop"
XMP_NAMESPACE = "urn:replicate-desktop:metadata:1"
EMBEDDABLE = frozenset({"png", "jpg", "webp"})

_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,78}")
_BAD_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_TEXT_CHUNKS = (b"tEXt", b"zTXt", b"iTXt")
_JPEG_XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
_JPEG_MAX_PAYLOAD = 0xFFFF - 2 - len(_JPEG_XMP_HEADER)
_MAX_TEXT = 16 * 1024 * 1024  # decompressed text chunks larger than this are ignored when reading
_XMP_FLAG, _ALPHA_FLAG = 0x04, 0x10


class MetadataError(ValueError):
    """The bytes are not a well-formed image of a kind that can carry metadata, or the metadata does not fit."""


def normalize_metadata(metadata: Mapping[str, Any]) -> dict[str, str]:
    """Text values for every key (``None`` values dropped; numbers, lists and dicts as JSON).

    Keys must be 1–79 ASCII letters, digits or ``_`` starting with a letter (valid as PNG keywords
    and XML names alike). Control characters other than tab, CR and LF become U+FFFD.
    """
    clean: dict[str, str] = {}
    for key, value in metadata.items():
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise ValueError(f"Not a usable metadata key: {key!r} (letters, digits and _ only, up to 79)")
        if value is None:
            continue
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
        clean[key] = _BAD_CHARACTERS.sub("\ufffd", text)
    return clean


def image_format(data: bytes, content_type: str | None = None) -> str | None:
    """``"png"``, ``"jpg"``, ``"webp"``… from the magic bytes, else from ``content_type``; ``None`` if unknown."""
    return sniff_image_extension(data) or (extension_for_content_type(content_type) if content_type else None)


def embed_metadata(data: bytes, content_type: str | None, metadata: Mapping[str, Any]) -> bytes:
    """``data`` with ``metadata`` (and ``Software``) embedded; the pixels are untouched.

    The format is taken from the magic bytes (``content_type`` only breaks ties). Raises
    :class:`MetadataError` for formats other than PNG, JPEG and WebP and for malformed files;
    callers then keep the original bytes and write a sidecar (:func:`write_sidecar_bytes`).
    """
    values = {"Software": SOFTWARE, **normalize_metadata(metadata)}
    kind = image_format(data, content_type)
    if kind == "png":
        return _png_embed(data, values)
    if kind == "jpg":
        return _jpeg_embed(data, _xmp_packet(values))
    if kind == "webp":
        return _webp_embed(data, _xmp_packet(values))
    raise MetadataError(f"Metadata cannot be embedded in {kind or 'unknown'} files")


def sidecar_path(path: Path) -> Path:
    """Where the metadata of a file that cannot carry it is kept: ``<file>.json``."""
    return path.with_name(path.name + ".json")


def sidecar_bytes(metadata: Mapping[str, Any]) -> bytes:
    """The JSON text of a sidecar file for ``metadata`` (with ``Software``)."""
    values = {"Software": SOFTWARE, **normalize_metadata(metadata)}
    return (json.dumps(values, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def read_metadata(path: Path) -> dict[str, str]:
    """The metadata embedded in the PNG, JPEG or WebP file at ``path``, or in its sidecar; ``{}`` if none."""
    data = path.read_bytes()
    found: dict[str, str] = {}
    try:
        kind = sniff_image_extension(data)
        if kind == "png":
            found = _png_read(data)
        elif kind in ("jpg", "webp"):
            packet = _jpeg_find_xmp(data) if kind == "jpg" else _webp_find_xmp(data)
            found = _xmp_parse(packet) if packet is not None else {}
    except (MetadataError, ElementTree.ParseError, UnicodeDecodeError, zlib.error):
        found = {}
    if found:
        return found
    side = sidecar_path(path)
    if side.is_file():
        try:
            raw = json.loads(side.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            return {}
        if isinstance(raw, dict):
            return {str(key): str(value) for key, value in raw.items()}
    return {}


def copy_metadata(source: Path, dest: Path) -> bool:
    """Gives ``dest`` (an image saved elsewhere, perhaps converted) the metadata of ``source``: embedded
    when the format allows, else in a sidecar beside it. False when there was nothing to copy."""
    metadata = read_metadata(source)
    if not metadata or read_metadata(dest):
        return False
    data = dest.read_bytes()
    try:
        write_atomically(dest, embed_metadata(data, None, metadata))
    except MetadataError:
        write_atomically(sidecar_path(dest), sidecar_bytes(metadata))
    return True


# --- PNG: tEXt / iTXt chunks before IEND -------------------------------------------------------------


def _png_chunks(data: bytes) -> Iterator[tuple[int, int, bytes]]:
    """``(start, end, type)`` of each chunk up to and including IEND; raises on a broken layout."""
    if not data.startswith(_PNG_SIGNATURE):
        raise MetadataError("Not a PNG file")
    position = len(_PNG_SIGNATURE)
    while True:
        if position + 12 > len(data):
            raise MetadataError("The PNG file ends before its IEND chunk")
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        end = position + 12 + length
        if length > 0x7FFFFFFF or end > len(data):
            raise MetadataError("A PNG chunk runs past the end of the file")
        yield position, end, kind
        if kind == b"IEND":
            return
        position = end


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def _png_text_chunk(key: str, value: str) -> bytes:
    keyword = key.encode("latin-1")
    try:
        return _png_chunk(b"tEXt", keyword + b"\x00" + value.encode("latin-1"))
    except UnicodeEncodeError:  # iTXt: keyword, no compression, empty language and translated keyword, UTF-8
        return _png_chunk(b"iTXt", keyword + b"\x00\x00\x00\x00\x00" + value.encode("utf-8"))


def _png_embed(data: bytes, values: Mapping[str, str]) -> bytes:
    keys = {key.encode("latin-1") for key in values}
    kept: list[bytes] = []
    for start, end, kind in _png_chunks(data):
        if kind == b"IEND":
            if not kept:
                raise MetadataError("The PNG file has no IHDR chunk")
            text = b"".join(_png_text_chunk(key, value) for key, value in values.items())
            return data[:8] + b"".join(kept) + text + data[start:]
        if kind in _PNG_TEXT_CHUNKS and data[start + 8 : end - 4].split(b"\x00", 1)[0] in keys:
            continue  # replaced by the new value
        kept.append(data[start:end])
    raise AssertionError("unreachable: _png_chunks ends at IEND or raises")


def _png_read(data: bytes) -> dict[str, str]:
    found: dict[str, str] = {}
    for start, end, kind in _png_chunks(data):
        if kind not in _PNG_TEXT_CHUNKS:
            continue
        payload = data[start + 8 : end - 4]
        if zlib.crc32(kind + payload) & 0xFFFFFFFF != struct.unpack(">I", data[end - 4 : end])[0]:
            continue  # a damaged chunk is skipped, as decoders do
        keyword, _, rest = payload.partition(b"\x00")
        if kind == b"tEXt":
            found[keyword.decode("latin-1")] = rest.decode("latin-1")
        elif kind == b"zTXt" and rest[:1] == b"\x00":
            found[keyword.decode("latin-1")] = _inflate(rest[1:]).decode("latin-1")
        elif kind == b"iTXt" and len(rest) >= 2:
            compressed, _language, _translated, text = rest[0], *rest[2:].split(b"\x00", 2)
            found[keyword.decode("latin-1")] = (_inflate(text) if compressed else text).decode("utf-8")
    return found


def _inflate(data: bytes) -> bytes:
    inflater = zlib.decompressobj()
    text = inflater.decompress(data, _MAX_TEXT)
    if inflater.unconsumed_tail:
        raise MetadataError("A compressed PNG text chunk is too large")
    return text


# --- XMP packets (JPEG APP1 and the WebP "XMP " chunk) ---------------------------------------------


def _xml_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _xmp_packet(values: Mapping[str, str]) -> bytes:
    creator = _xml_text(values.get("Software", SOFTWARE)).replace('"', "&quot;")
    lines = [
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>',
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">',
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
        f'<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:rd="{XMP_NAMESPACE}"'
        f' xmp:CreatorTool="{creator}">',
        *(f"<rd:{key}>{_xml_text(value)}</rd:{key}>" for key, value in values.items()),
        "</rdf:Description>",
        "</rdf:RDF>",
        "</x:xmpmeta>",
        '<?xpacket end="w"?>',
    ]
    return "\n".join(lines).encode("utf-8")


def parse_xmp(packet: bytes) -> dict[str, str]:
    """This app's values in an XMP packet (``{}`` when it holds none or is not well-formed XML)."""
    try:
        return _xmp_parse(packet)
    except (ElementTree.ParseError, UnicodeDecodeError, ValueError):
        return {}


def _xmp_parse(packet: bytes) -> dict[str, str]:
    root = ElementTree.fromstring(packet)
    prefix = "{" + XMP_NAMESPACE + "}"
    return {
        element.tag[len(prefix) :]: element.text or ""
        for element in root.iter()
        if isinstance(element.tag, str) and element.tag.startswith(prefix)
    }


# --- JPEG: an APP1 XMP segment after the leading APPn segments --------------------------------------


def _jpeg_segments(data: bytes) -> Iterator[tuple[int, int, int, int]]:
    """``(start, payload_start, end, marker)`` of each header segment; ends with SOS or EOI (``end == start``)."""
    if not data.startswith(b"\xff\xd8"):
        raise MetadataError("Not a JPEG file")
    position = 2
    while True:
        if position >= len(data) or data[position] != 0xFF:
            raise MetadataError("The JPEG header is damaged")
        marker_at = position
        while marker_at < len(data) and data[marker_at] == 0xFF:
            marker_at += 1  # fill bytes
        if marker_at >= len(data):
            raise MetadataError("The JPEG file ends in its header")
        marker = data[marker_at]
        if marker in (0xDA, 0xD9):
            yield position, position, position, marker
            return
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:
            position = marker_at + 1  # a marker without a length
            continue
        if marker_at + 3 > len(data):
            raise MetadataError("The JPEG file ends in its header")
        length = struct.unpack(">H", data[marker_at + 1 : marker_at + 3])[0]
        end = marker_at + 1 + length
        if length < 2 or end > len(data):
            raise MetadataError("A JPEG segment runs past the end of the file")
        yield position, marker_at + 3, end, marker
        position = end


def _jpeg_embed(data: bytes, packet: bytes) -> bytes:
    if len(packet) > _JPEG_MAX_PAYLOAD:
        raise MetadataError("The metadata is too large for one JPEG XMP segment")
    payload = _JPEG_XMP_HEADER + packet
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    parts = [data[:2]]
    insert_at = 0
    last = 2
    for start, payload_start, end, marker in _jpeg_segments(data):
        if not insert_at and not 0xE0 <= marker <= 0xEF:
            insert_at = len(parts)  # after the leading APPn segments (JFIF, Exif…); SOS/EOI always stop here
        last = end
        if not (marker == 0xE1 and data.startswith(_JPEG_XMP_HEADER, payload_start)):
            parts.append(data[start:end])  # an old XMP packet is dropped: the new one replaces it
    parts.insert(insert_at, segment)
    return b"".join(parts) + data[last:]


def _jpeg_find_xmp(data: bytes) -> bytes | None:
    for _start, payload_start, end, marker in _jpeg_segments(data):
        if marker == 0xE1 and data.startswith(_JPEG_XMP_HEADER, payload_start) and end > payload_start:
            return data[payload_start + len(_JPEG_XMP_HEADER) : end]
    return None


# --- WebP: an "XMP " chunk in an extended (VP8X) RIFF container ------------------------------------


def _webp_chunks(data: bytes) -> tuple[list[tuple[bytes, bytes]], int]:
    """The ``(fourcc, payload)`` chunks of a WebP file and where its RIFF data ends."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise MetadataError("Not a WebP file")
    end = 8 + struct.unpack("<I", data[4:8])[0]
    if end > len(data):
        raise MetadataError("The WebP file is shorter than its RIFF header says")
    chunks: list[tuple[bytes, bytes]] = []
    position = 12
    while position < end:
        if position + 8 > end:
            raise MetadataError("A WebP chunk header runs past the end of the file")
        fourcc, size = data[position : position + 4], struct.unpack("<I", data[position + 4 : position + 8])[0]
        payload_end = position + 8 + size
        if payload_end > end:
            raise MetadataError("A WebP chunk runs past the end of the file")
        chunks.append((fourcc, data[position + 8 : payload_end]))
        position = payload_end + (size & 1)
    if not chunks:
        raise MetadataError("The WebP file has no chunks")
    return chunks, end


def _webp_canvas(fourcc: bytes, payload: bytes) -> tuple[int, int, bool]:
    """Width, height and whether there is alpha, read from a simple-format VP8 or VP8L bitstream."""
    if fourcc == b"VP8 ":
        if len(payload) < 10 or payload[0] & 1 or payload[3:6] != b"\x9d\x01\x2a":
            raise MetadataError("The VP8 bitstream does not start with a key frame")
        width, height = struct.unpack("<HH", payload[6:10])
        return width & 0x3FFF, height & 0x3FFF, False
    if fourcc == b"VP8L":
        if len(payload) < 5 or payload[0] != 0x2F:
            raise MetadataError("The VP8L bitstream has no signature")
        bits = struct.unpack("<I", payload[1:5])[0]
        if bits >> 29:
            raise MetadataError("Unknown VP8L version")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, bool((bits >> 28) & 1)
    raise MetadataError(f"Unexpected first WebP chunk {fourcc!r}")


def _webp_embed(data: bytes, packet: bytes) -> bytes:
    chunks, end = _webp_chunks(data)
    first, payload = chunks[0]
    if first == b"VP8X":
        if len(payload) < 10:
            raise MetadataError("The VP8X chunk is too short")
        chunks[0] = (first, bytes([payload[0] | _XMP_FLAG]) + payload[1:])
    else:
        width, height, alpha = _webp_canvas(first, payload)
        flags = _XMP_FLAG | (_ALPHA_FLAG if alpha else 0)
        canvas = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
        chunks.insert(0, (b"VP8X", bytes([flags, 0, 0, 0]) + canvas))
    chunks = [chunk for chunk in chunks if chunk[0] != b"XMP "]
    # XMP goes after the image data and EXIF, before any unknown chunks.
    known = (b"VP8X", b"ICCP", b"ANIM", b"ANMF", b"ALPH", b"VP8 ", b"VP8L", b"EXIF")
    position = max(index for index, (fourcc, _) in enumerate(chunks) if fourcc in known) + 1
    chunks.insert(position, (b"XMP ", packet))
    body = b"".join(fourcc + struct.pack("<I", len(part)) + part + b"\x00" * (len(part) & 1) for fourcc, part in chunks)
    if len(body) + 4 > 0xFFFFFFFF - 1:
        raise MetadataError("The WebP file would be too large")
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body + data[end:]


def _webp_find_xmp(data: bytes) -> bytes | None:
    chunks, _ = _webp_chunks(data)
    return next((payload for fourcc, payload in chunks if fourcc == b"XMP "), None)
