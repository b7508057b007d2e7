"""What the history list can do with a kept conversation: reopen, reuse, copy, export, import, rename, delete."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..storage.history import HistoryStore
from ..storage.history_export import export_json, export_markdown, import_json
from ..storage.history_records import Conversation as StoredConversation
from ..storage.history_records import Generation
from ..storage.image_metadata import copy_metadata
from .conversation import Conversation
from .recorder import HistoryRecorder

log = logging.getLogger(__name__)

MAX_VIEWER_IMAGES = 16
Thumbnail = Callable[[Path], Any]


@dataclass(frozen=True)
class KeptImage:
    """An image output kept in the library. ``data`` holds its bytes for the last generation's images only
    (those go back to the viewer); ``thumbnail`` is whatever the caller's thumbnail function made of it."""

    generation_id: int
    index: int
    path: Path
    content_type: str | None
    data: bytes = field(default=b"", repr=False)
    thumbnail: Any = None


@dataclass(frozen=True)
class Reopened:
    """A conversation read back from the history: as data to continue, and its kept images."""

    stored: StoredConversation
    conversation: Conversation
    images: list[KeptImage]

    @property
    def last_images(self) -> list[KeptImage]:
        """The images of the last generation that kept any (what the viewer shows again)."""
        if not self.images:
            return []
        last = self.images[-1].generation_id
        return [image for image in self.images if image.generation_id == last]

    @property
    def last_prompt(self) -> str:
        """The prompt of the generation the last images came from."""
        images = self.last_images
        generation = next((g for g in self.stored.generations if images and g.id == images[0].generation_id), None)
        return str(generation.input.get("prompt", "")) if generation else ""


@dataclass(frozen=True)
class Reuse:
    """A past generation's settings, to run again: the model (pinned when it was), the prompt, the other inputs."""

    model: str
    model_name: str
    prompt: str
    inputs: dict[str, Any]


class Library:
    """Runs every history action through the recorder, in turn with its writes and never on the loop thread."""

    def __init__(self, recorder: HistoryRecorder) -> None:
        self.recorder = recorder

    @property
    def enabled(self) -> bool:
        return self.recorder.enabled

    async def reopen(self, conversation_id: int, *, thumbnail: Thumbnail | None = None) -> Reopened:
        """Reads a conversation with its kept images (``thumbnail`` runs on each in the worker thread)."""
        return await self.recorder.call(lambda store: _load(store, conversation_id, thumbnail))

    async def rename(self, conversation_id: int, title: str) -> None:
        await self.recorder.call(lambda store: store.rename_conversation(conversation_id, title))

    async def delete(self, conversation_id: int) -> None:
        """Deletes the conversation and the output files no other conversation uses."""
        await self.recorder.call(lambda store: store.delete_conversation(conversation_id))

    async def export_markdown(self, conversation_id: int, folder: Path) -> Path:
        return await self.recorder.call(lambda store: export_markdown(store, conversation_id, folder))

    async def export_json(self, conversation_id: int, path: Path) -> Path:
        return await self.recorder.call(lambda store: export_json(store, conversation_id, path))

    async def import_json(self, path: Path) -> int:
        """Adds the exported conversation at ``path`` (with its files) and returns its new id."""
        return await self.recorder.call(lambda store: import_json(store, path))

    async def last_generation(self, conversation_id: int) -> Generation | None:
        return await self.recorder.call(lambda store: _last_generation(store, conversation_id))

    async def reuse(self, conversation_id: int) -> Reuse | None:
        """The last generation's settings, or ``None`` when the conversation has none yet."""
        generation = await self.last_generation(conversation_id)
        if generation is None or self.recorder.store is None:
            return None
        return reuse_of(generation, self.recorder.store.library_dir)

    async def parameters(self, conversation_id: int) -> dict[str, Any] | None:
        """The last generation's model, version and full input (what "Copy parameters" puts on the clipboard)."""
        generation = await self.last_generation(conversation_id)
        if generation is None:
            return None
        return {"model": generation.model, "version": generation.version, "input": dict(generation.input)}

    async def keep_metadata(self, source: Path, dest: Path) -> bool:
        """Gives a copy saved elsewhere (perhaps converted) the prompt, model and seed of the kept ``source``."""
        return await asyncio.to_thread(copy_metadata, source, dest)


def reuse_of(generation: Generation, library_dir: Path) -> Reuse:
    """A generation's settings to run again. Files it was given that the app keeps (a kept output sent to the next
    model, a painted mask) come back as paths, as the form gives them; any other text stays as it was."""
    model = f"{generation.model}:{generation.version}" if generation.version and ":" not in generation.model \
        else generation.model
    inputs = {name: _kept_file(value, library_dir) for name, value in generation.input.items() if name != "prompt"}
    return Reuse(model, model.split(":")[0] if not model.startswith("cog:") else model,
                 str(generation.input.get("prompt", "")), inputs)


def _kept_file(value: Any, library_dir: Path) -> Any:
    if isinstance(value, list):
        return [_kept_file(item, library_dir) for item in value]
    if isinstance(value, str) and value.startswith(str(library_dir)):
        path = Path(value)
        if path.is_absolute() and path.resolve().is_relative_to(library_dir.resolve()) and path.is_file():
            return path
    return value


def _load(store: HistoryStore, conversation_id: int, thumbnail: Thumbnail | None) -> Reopened:
    stored = store.load_conversation(conversation_id)
    kept = [(generation.id, index, output) for generation in stored.generations
            for index, output in enumerate(generation.outputs)
            if (output.content_type or "").startswith("image/") and output.path.is_file()]
    kept = kept[-MAX_VIEWER_IMAGES * 4:]
    last_generation = kept[-1][0] if kept else None
    images: list[KeptImage] = []
    for generation_id, index, output in kept:
        data = b""
        if generation_id == last_generation:
            try:
                data = output.path.read_bytes()
            except OSError as error:
                log.warning("Kept output %s is unreadable: %s", output.path, error)
                continue
        made = thumbnail(output.path) if thumbnail is not None else None
        images.append(KeptImage(generation_id, index, output.path, output.content_type, data, made))
    return Reopened(stored, Conversation.from_history(stored), images)


def _last_generation(store: HistoryStore, conversation_id: int) -> Generation | None:
    conversation = store.load_conversation(conversation_id)
    return conversation.generations[-1] if conversation.generations else None
