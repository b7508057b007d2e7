"""The gallery's actions, for the window: listings a virtual grid pages through, flags, delete with undo,
export, and the ways back into work (the settings again, the conversation, the chain of steps, "Send to…").

Every call runs through the history recorder's worker thread, in turn with its writes: the loop never waits on
SQLite or the disk. A listing is a snapshot of one filter: when outputs are added or deleted the window asks for
a new one (the recorder's ``on_changed`` says when).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
import os
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ..replicate import InputSchema
from ..storage.gallery import GalleryCursor, GalleryDetail, GalleryFilter, GalleryItem, GalleryPage, GalleryQueries
from ..storage.gallery_actions import Exported, Purged, export_outputs, mark_deleted, purge, restore, set_flags
from ..storage.gallery_inputs import (
    INPUTS_FOLDER,
    SweptInputs,
    input_digest,
    referenced_in_history,
    referenced_in_queue,
    sweep_inputs,
)
from ..storage.history import HistoryStore
from ..storage.history_library import OutputLibrary
from ..storage.history_records import NotFoundError
from .library import Reuse, reuse_of
from .picture_inputs import DroppedFile, InputChoice, SendTo, inspect_file, send_request, use_as_input
from .recorder import HistoryRecorder, NewConversation

log = logging.getLogger(__name__)

UNDO_SECONDS = 8.0
INPUTS_GRACE = timedelta(days=1)  # a kept input nothing refers to is removed once it is this old
STRIDE = 200  # rows per block: a listing reads whole blocks, from the nearest anchor
CACHED_BLOCKS = 32
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Deletion:
    """Outputs just deleted: hidden at once, their files removed when the undo window closes."""

    id: int
    output_ids: tuple[int, ...]
    expires_at: datetime


class GalleryListing:
    """One filter's rows for a virtual grid: how many there are, and any of them by position.

    Rows are read a block of ``stride`` at a time, each block from its anchor (the sort key of the row before
    it), so row 9,000 costs what row 0 costs. The most recent blocks are kept; :meth:`cached` gives what is
    already in memory, for painting without waiting.
    """

    def __init__(self, gallery: Gallery, query: GalleryFilter, total: int, anchors: list[GalleryCursor],
                 stride: int, first: GalleryPage) -> None:
        self.gallery = gallery
        self.filter = query
        self.total = total
        self.stride = stride
        self._anchors = anchors
        self._blocks: OrderedDict[int, tuple[GalleryItem, ...]] = OrderedDict({0: first.items})
        self._loading: dict[int, asyncio.Task[GalleryPage]] = {}

    def __len__(self) -> int:
        return self.total

    async def rows(self, start: int, count: int) -> list[GalleryItem]:
        """The rows ``start`` … ``start + count - 1`` (fewer at the end)."""
        start, end = max(0, start), min(self.total, start + max(0, count))
        if start >= end:
            return []
        blocks = range(start // self.stride, (end - 1) // self.stride + 1)
        loaded = await asyncio.gather(*(self._block(index) for index in blocks))
        items = [item for block in loaded for item in block]
        offset = start - blocks[0] * self.stride
        return items[offset : offset + end - start]

    def cached(self, start: int, count: int) -> list[GalleryItem | None]:
        """The rows already in memory for that range (``None`` where a row still has to be read)."""
        found: list[GalleryItem | None] = []
        for position in range(max(0, start), min(self.total, start + max(0, count))):
            block = self._blocks.get(position // self.stride)
            offset = position % self.stride
            found.append(block[offset] if block is not None and offset < len(block) else None)
        return found

    def replace(self, items: Sequence[GalleryItem]) -> None:
        """Puts changed rows (new flags) in place, where they are cached."""
        changed = {item.id: item for item in items}
        for index, block in self._blocks.items():
            if any(item.id in changed for item in block):
                self._blocks[index] = tuple(changed.get(item.id, item) for item in block)

    async def _block(self, index: int) -> tuple[GalleryItem, ...]:
        if index in self._blocks:
            self._blocks.move_to_end(index)
            return self._blocks[index]
        pending = self._loading.get(index)
        if pending is None:  # one read per block, however many rows() calls wait for it
            after = self._anchors[index - 1] if 0 < index <= len(self._anchors) else None
            pending = asyncio.get_running_loop().create_task(self.gallery.page(self.filter, after, self.stride))
            self._loading[index] = pending
            pending.add_done_callback(functools.partial(self._loaded, index))
        return (await asyncio.shield(pending)).items

    def _loaded(self, index: int, task: asyncio.Task[GalleryPage]) -> None:
        """Keeps a block once read, even when every caller that wanted it has moved on (the grid scrolled)."""
        self._loading.pop(index, None)
        if task.cancelled() or task.exception() is not None:
            return  # the callers heard the error; a later call reads the block again
        self._blocks[index] = task.result().items
        while len(self._blocks) > CACHED_BLOCKS:
            self._blocks.popitem(last=False)


@dataclass
class _Pending:
    """A deletion inside its undo window, and the timer that will close it."""

    deletion: Deletion
    timer: asyncio.Task[None] | None = None
    purging: bool = False


class Gallery:
    """What the gallery window can do with the kept outputs. ``on_warning`` hears the sentence about files a
    purge could not remove (the outputs are gone from the history all the same)."""

    def __init__(self, recorder: HistoryRecorder, *, undo_seconds: float = UNDO_SECONDS,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC), sleep: Sleep = asyncio.sleep,
                 on_warning: Callable[[str], None] | None = None) -> None:
        self.recorder = recorder
        self.undo_seconds = undo_seconds
        self.now = now
        self.sleep = sleep
        self.on_warning = on_warning
        self._deletions: dict[int, _Pending] = {}
        self._ids = itertools.count(1)

    @property
    def enabled(self) -> bool:
        return self.recorder.enabled

    # --- reading ------------------------------------------------------------------------------------

    async def listing(self, query: GalleryFilter, *, stride: int = STRIDE) -> GalleryListing:
        """A filter's total, anchors and first block, read in one turn of the worker thread."""

        def read(store: HistoryStore) -> tuple[int, list[GalleryCursor], GalleryPage]:
            queries = GalleryQueries(store)
            return queries.count(query), queries.anchors(query, stride), queries.page(query, None, stride)

        total, anchors, first = await self.recorder.call(read)
        return GalleryListing(self, query, total, anchors, stride, first)

    async def page(self, query: GalleryFilter, after: GalleryCursor | None = None, limit: int = 200) -> GalleryPage:
        return await self.recorder.call(lambda store: GalleryQueries(store).page(query, after, limit))

    async def models(self) -> list[tuple[str, int]]:
        """The models with kept outputs and how many (for the model filter)."""
        return await self.recorder.call(lambda store: GalleryQueries(store).models())

    async def item(self, output: int | Path) -> GalleryItem:
        """A live output by its id, or by its kept file (the newest output kept as that file: what the viewer
        shows); ``NotFoundError`` when there is none (a dropped picture, a run without history)."""

        def read(store: HistoryStore) -> GalleryItem:
            queries = GalleryQueries(store)
            if isinstance(output, int):
                return queries.item(output)
            found = queries.item_at(output)
            if found is None:
                raise NotFoundError(f"{output.name} is not an output kept in the history.")
            return found

        return await self.recorder.call(read)

    async def detail(self, output_id: int) -> GalleryDetail:
        """The output and its generation's full parameters (what opening an item shows)."""
        return await self.recorder.call(lambda store: GalleryQueries(store).detail(output_id))

    async def chain(self, output_id: int) -> list[GalleryItem]:
        """The output, the one it was made from, and so on back to the first step."""
        return await self.recorder.call(lambda store: GalleryQueries(store).chain(output_id))

    async def made_from(self, output_id: int) -> list[GalleryItem]:
        """The outputs later steps made from this one."""
        return await self.recorder.call(lambda store: GalleryQueries(store).made_from(output_id))

    # --- changing -----------------------------------------------------------------------------------

    async def set_flags(self, output_ids: Sequence[int], *, favourite: bool | None = None,
                        rejected: bool | None = None) -> list[GalleryItem]:
        """Marks outputs as favourites or rejects (each clears the other); returns them as they are now."""
        ids = list(output_ids)

        def change(store: HistoryStore) -> list[GalleryItem]:
            set_flags(store, ids, favourite=favourite, rejected=rejected)
            return GalleryQueries(store).items(ids)

        return await self.recorder.call(change)

    async def delete_with_undo(self, output_ids: Sequence[int]) -> Deletion:
        """Hides the outputs at once; their files are removed after ``undo_seconds`` unless :meth:`undo` comes
        first. A crash in between is finished by :meth:`recover` at the next start."""
        when = self.now()
        marked = await self.recorder.call(lambda store: mark_deleted(store, list(output_ids), when))
        deletion = Deletion(next(self._ids), tuple(marked), when + timedelta(seconds=self.undo_seconds))
        if not marked:
            return deletion  # nothing was deleted: nothing to undo or remove
        pending = _Pending(deletion)
        self._deletions[deletion.id] = pending
        pending.timer = asyncio.get_running_loop().create_task(self._expire(pending), name=f"deletion {deletion.id}")
        return deletion

    async def undo(self, deletion: Deletion) -> int:
        """Brings the outputs of ``deletion`` back; returns how many (0 once the window has closed)."""
        pending = self._deletions.get(deletion.id)
        if pending is None or pending.purging:
            return 0
        del self._deletions[deletion.id]
        if pending.timer is not None:
            pending.timer.cancel()
        return await self.recorder.call(lambda store: restore(store, list(deletion.output_ids)))

    async def finish_deletions(self) -> None:
        """Removes the files of every deletion still inside its window, now (the window is closing)."""
        for pending in list(self._deletions.values()):
            if pending.timer is not None:
                pending.timer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await pending.timer
            await self._purge(pending)

    async def recover(self) -> Purged:
        """At start: removes what earlier sessions deleted whose undo window is over (they may have crashed)."""
        cutoff = self.now() - timedelta(seconds=self.undo_seconds)
        result = await self.recorder.call(lambda store: purge(store, deleted_before=cutoff))
        self._report(result)
        return result

    async def export_selection(self, output_ids: Sequence[int], folder: Path) -> Exported:
        """Copies the outputs into ``folder`` with their metadata (``OutputWriteError`` if it cannot be written)."""
        ids = list(output_ids)
        return await self.recorder.call(lambda store: export_outputs(store, ids, folder))

    # --- back into work -----------------------------------------------------------------------------

    async def use_settings_again(self, output_id: int) -> Reuse:
        """The model (pinned as it ran), the prompt and the other inputs of the run that made this output."""

        def read(store: HistoryStore) -> Reuse:
            item = GalleryQueries(store).item(output_id)
            return reuse_of(store.get_generation(item.generation_id), store.library_dir)

        return await self.recorder.call(read)

    async def open_conversation(self, output_id: int) -> int:
        """The id of the conversation the output belongs to (for ``Library.reopen``)."""
        return (await self.item(output_id)).conversation_id

    async def use_as_input(self, source: int | Path, schema: InputSchema, *, model: str,
                           mask: bool = False) -> InputChoice:
        """Which input of ``model`` the output (by id) or file takes, and the value to put there; raises
        ``NoInputError`` with a sentence when the model has no such input."""
        chosen = await self.item(source) if isinstance(source, int) else source
        return use_as_input(chosen, schema, model=model, mask=mask)

    async def send_to(self, output_id: int, model: str, schema: InputSchema | None, *,
                      parameters: Mapping[str, Any] | None = None) -> SendTo:
        """A run of ``model`` on the output, linked to it (its result's chain leads back here), to go into the
        output's own conversation."""
        item = await self.item(output_id)
        request, choice = send_request(item, model, schema, parameters=parameters or {})
        return SendTo(request, NewConversation(history_id=item.conversation_id), choice)

    async def inspect(self, path: Path) -> DroppedFile:
        """What a dropped file is, and the settings it carries (read off the loop)."""
        return await asyncio.to_thread(inspect_file, path)

    async def keep_input(self, data: bytes, extension: str) -> Path:
        """Keeps a file a run will take (a painted mask, a pasted picture) where it outlives the run, so that
        retries and "use again" find it; identical files are kept once."""

        def store_file(store: HistoryStore) -> Path:
            library = OutputLibrary(store.library_dir / INPUTS_FOLDER)
            relative, created = library.store(data, extension)
            path = library.path(relative)
            if not created:
                with contextlib.suppress(OSError):
                    os.utime(path)  # kept again: the clean-up's grace period starts anew
            return path

        return await self.recorder.call(store_file)

    # --- helpers ------------------------------------------------------------------------------------

    async def _expire(self, pending: _Pending) -> None:
        await self.sleep(self.undo_seconds)
        await self._purge(pending)

    async def _purge(self, pending: _Pending) -> None:
        if pending.purging:
            return
        pending.purging = True
        ids = list(pending.deletion.output_ids)
        try:
            self._report(await self.recorder.call(lambda store: purge(store, output_ids=ids)))
        except Exception as error:  # the rows stay marked: the next start finishes them
            log.warning("Deleted outputs could not be removed yet: %s", error)
        finally:
            self._deletions.pop(pending.deletion.id, None)

    def _report(self, result: Purged) -> None:
        if result.failures and self.on_warning is not None:
            self.on_warning(f"Some deleted files could not be removed: {', '.join(result.failures)}.")


async def clean_inputs(gallery: Gallery, *, folders: Sequence[Path] = (), in_use: Iterable[Path] = (),
                       queue_db: Path | None = None, grace: timedelta = INPUTS_GRACE) -> SweptInputs:
    """Removes the kept inputs (painted masks, pasted pictures) that no run in ``gallery``'s history and no job of
    the queue at ``queue_db`` takes, that are not ``in_use`` (a form, an open painter) and that were kept more than
    ``grace`` ago (by the gallery's clock): in the history's ``inputs`` folder and in ``folders`` (where they are
    kept without a history). Off the loop, in turn with the history's writes; when the references cannot be read
    (the queue's database is locked, say) nothing is removed."""
    keep = {digest for path in in_use if (digest := input_digest(path)) is not None}
    cutoff = (gallery.now() - grace).timestamp()

    def sweep(store: HistoryStore | None) -> SweptInputs:
        known = keep | (referenced_in_queue(queue_db) if queue_db is not None else set())
        roots = list(folders)
        if store is not None:
            known |= referenced_in_history(store)
            roots.insert(0, store.library_dir / INPUTS_FOLDER)
        return sweep_inputs(roots, known, older_than=0.0, now=cutoff)

    if gallery.enabled:
        return await gallery.recorder.call(sweep)
    return await asyncio.to_thread(sweep, None)
