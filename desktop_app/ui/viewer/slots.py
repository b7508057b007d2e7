"""The per-output state of one generation (waiting, downloading, decoding, shown, file, failed) and decode tickets."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from desktop_app.ui.viewer.decoding import DecodedImage
from desktop_app.ui.viewer.file_card import OutputFile

__all__ = ["ImageSlot", "ImageSlots", "SlotState"]


class SlotState(enum.Enum):
    """Where one output image is in its life."""

    WAITING = enum.auto()
    DOWNLOADING = enum.auto()
    DECODING = enum.auto()
    SHOWN = enum.auto()
    FILE = enum.auto()
    """Not an image: shown as a file card."""
    FAILED = enum.auto()


@dataclass(slots=True)
class ImageSlot:
    """One output: its download progress, its decoded image, its file (not an image), or why it failed."""

    state: SlotState = SlotState.WAITING
    url: str = ""
    received: int = 0
    total: int | None = None
    ticket: int = 0
    image: DecodedImage | None = None
    file: OutputFile | None = None
    title: str = ""
    message: str = ""
    retry: bool = False


class ImageSlots:
    """An indexable list of ImageSlot that grows on demand and maps decode tickets back to their slot.

    A slot that is renewed (new download, new bytes, new error) forgets its ticket, so a late decode result
    for the old bytes is recognised as stale and dropped: the latest request for a slot wins.
    """

    def __init__(self) -> None:
        self._slots: list[ImageSlot] = []
        self._tickets: dict[int, int] = {}
        self._next_ticket = 1

    def __len__(self) -> int:
        return len(self._slots)

    def __getitem__(self, index: int) -> ImageSlot:
        if not 0 <= index < len(self._slots):
            raise IndexError(f"no image slot {index} (this generation has {len(self._slots)})")
        return self._slots[index]

    def reset(self, count: int) -> None:
        """Forgets everything (pending decodes included) and starts with ``count`` waiting slots."""
        self._tickets.clear()
        self._slots = [ImageSlot() for _ in range(count)]

    def renew(self, index: int) -> ImageSlot:
        """A fresh slot at ``index``, growing the list as needed; any decode pending for it becomes stale."""
        if index < 0:
            raise IndexError(f"negative image slot {index}")
        if index >= len(self._slots):
            self._slots.extend(ImageSlot() for _ in range(index + 1 - len(self._slots)))
        self._tickets.pop(self._slots[index].ticket, None)
        self._slots[index] = ImageSlot()
        return self._slots[index]

    def issue_ticket(self, index: int) -> int:
        """A new decode ticket for slot ``index``."""
        ticket, self._next_ticket = self._next_ticket, self._next_ticket + 1
        self[index].ticket = ticket
        self._tickets[ticket] = index
        return ticket

    def claim(self, ticket: int) -> int | None:
        """The slot index a finished decode belongs to, or None if that request was superseded."""
        return self._tickets.pop(ticket, None)

    def decoded(self) -> list[tuple[int, DecodedImage]]:
        """``(index, image)`` of every slot that shows an image, in order."""
        return [(index, slot.image) for index, slot in enumerate(self._slots) if slot.image is not None]

    def savable(self) -> list[tuple[int, DecodedImage | OutputFile]]:
        """``(index, image or file)`` of every slot that can be saved (a shown image or a file card), in order."""
        found: list[tuple[int, DecodedImage | OutputFile]] = []
        for index, slot in enumerate(self._slots):
            output = slot.image or slot.file
            if output is not None:
                found.append((index, output))
        return found
