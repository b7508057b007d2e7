"""Building small gallery libraries for the tests: distinct tiny PNGs, outputs of several models and kinds."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from desktop_app.storage import HistoryStore


class Clock:
    """A clock that moves one second per reading, so every write has its own time."""

    def __init__(self, start: datetime = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def tiny_png(seed: int) -> bytes:
    """A valid 2×2 RGB PNG whose pixels depend on ``seed``, so that every one is a different file."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rgb = seed.to_bytes(12, "big")
    raw = b"\x00" + rgb[:6] + b"\x00" + rgb[6:]
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


@dataclass(frozen=True)
class Made:
    """An output the helper made: its id and what it was made with."""

    id: int
    generation_id: int
    conversation_id: int
    model: str
    prompt: str
    content_type: str


def make_output(store: HistoryStore, conversation_id: int, model: str, prompt: str, *, seed: int,
                content_type: str = "image/png", data: bytes | None = None,
                source_output_id: int | None = None) -> Made:
    """One succeeded generation of ``model`` with one output (a distinct PNG unless ``data`` is given)."""
    generation = store.start_generation(conversation_id, None, model, None, {"prompt": prompt, "seed": seed},
                                        source_output_id=source_output_id)
    store.update_generation(generation, prediction_id=f"pred-{seed}", status="succeeded")
    payload = data if data is not None else tiny_png(seed)
    record = store.add_output(generation, payload, content_type)
    return Made(record.id, generation, conversation_id, model, prompt, record.content_type)
