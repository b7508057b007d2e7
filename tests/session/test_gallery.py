"""The gallery's session API: listings for a virtual grid, flags, delete with undo, export, the ways back into work."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from desktop_app.replicate import parse_input_schema
from desktop_app.session import Gallery, HistoryRecorder, NoInputError
from desktop_app.storage import HistoryStore, NotFoundError
from desktop_app.storage.gallery import GalleryCursor, GalleryFilter, GalleryPage, GalleryQueries
from desktop_app.storage.gallery_actions import mark_deleted
from tests.storage.gallery_helpers import Clock, Made, make_output

MODEL = "black-forest-labs/flux-schnell"
Image = pytest.importorskip("PIL.Image")


class Sleeper:
    """A sleep that returns only when released, so each test decides when an undo window closes."""

    def __init__(self) -> None:
        self.released = asyncio.Event()
        self.asked: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)
        await self.released.wait()


class World:
    """A history with outputs, its recorder and the gallery over it."""

    def __init__(self, store: HistoryStore, recorder: HistoryRecorder, gallery: Gallery, sleeper: Sleeper,
                 made: list[Made], warnings: list[str]) -> None:
        self.store, self.recorder, self.gallery, self.sleeper = store, recorder, gallery, sleeper
        self.made, self.warnings = made, warnings


def schema(**properties: dict[str, object]) -> object:
    return parse_input_schema({"components": {"schemas": {"Input": {"type": "object", "properties": {
        "prompt": {"type": "string", "x-order": 0}, **properties}}}}})


@pytest_asyncio.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    store = HistoryStore.open(tmp_path / "data" / "history.db", clock=Clock())
    conversation = store.create_conversation("c", MODEL)
    made = [make_output(store, conversation, MODEL, f"picture number {n}", seed=n) for n in range(1, 26)]
    recorder = HistoryRecorder(store)
    sleeper = Sleeper()
    warnings: list[str] = []
    gallery = Gallery(recorder, undo_seconds=5.0, sleep=sleeper, on_warning=warnings.append,
                      now=lambda: datetime.now(UTC))
    try:
        yield World(store, recorder, gallery, sleeper, made, warnings)
    finally:
        sleeper.released.set()
        await gallery.finish_deletions()
        await recorder.close()
        store.close()


async def test_a_listing_gives_any_rows_by_position_a_block_at_a_time(world: World) -> None:
    newest_first = [made.id for made in reversed(world.made)]
    listing = await world.gallery.listing(GalleryFilter(), stride=4)
    assert len(listing) == listing.total == 25
    assert [item.id if item else None for item in listing.cached(2, 4)] == [*newest_first[2:4], None, None]

    reads: list[GalleryCursor | None] = []
    page = world.gallery.page

    async def counted(query: GalleryFilter, after: GalleryCursor | None = None, limit: int = 200) -> GalleryPage:
        reads.append(after)
        return await page(query, after, limit)

    world.gallery.page = counted  # type: ignore[method-assign]
    deep, again = await asyncio.gather(listing.rows(17, 6), listing.rows(18, 2))
    assert [item.id for item in deep] == newest_first[17:23]
    assert [item.id for item in again] == newest_first[18:20]
    assert len(reads) == 2  # blocks 4 and 5, each read once although two calls wanted block 4
    assert [item.id for item in await listing.rows(22, 10)] == newest_first[22:]
    assert await listing.rows(25, 3) == []
    assert [item.id for item in await listing.rows(0, 25)] == newest_first
    assert all(item is not None for item in listing.cached(0, 25))


async def test_a_block_read_for_a_caller_that_moved_on_is_kept(world: World) -> None:
    listing = await world.gallery.listing(GalleryFilter(), stride=5)
    hurried = asyncio.ensure_future(listing.rows(20, 5))
    for _ in range(1000):
        if listing._loading:  # the read has begun
            break
        await asyncio.sleep(0)
    hurried.cancel()  # the grid scrolled past before the read came back
    for _ in range(100):
        await asyncio.sleep(0.01)
        if listing.cached(20, 1)[0] is not None:
            break
    assert [item.id if item else None for item in listing.cached(20, 5)] == [made.id for made in world.made[4::-1]]
    assert hurried.cancelled()


async def test_nothing_to_delete_starts_no_window(world: World) -> None:
    deletion = await world.gallery.delete_with_undo([4242])
    assert deletion.output_ids == ()
    await asyncio.sleep(0)
    assert world.sleeper.asked == []
    assert await world.gallery.undo(deletion) == 0


async def test_flags_come_back_as_items_and_update_a_listing_in_place(world: World) -> None:
    listing = await world.gallery.listing(GalleryFilter(), stride=10)
    first = (await listing.rows(0, 1))[0]
    changed = await world.gallery.set_flags([first.id], favourite=True)
    assert [(item.id, item.favourite) for item in changed] == [(first.id, True)]
    listing.replace(changed)
    assert listing.cached(0, 1)[0] == changed[0]
    favourites = await world.gallery.listing(GalleryFilter(favourites_only=True))
    assert [item.id for item in await favourites.rows(0, 5)] == [first.id]


async def test_undo_inside_the_window_restores_and_nothing_is_removed(world: World) -> None:
    target = world.made[0]
    path = GalleryQueries(world.store).item(target.id).path
    deletion = await world.gallery.delete_with_undo([target.id, 999])
    assert deletion.output_ids == (target.id,)
    assert deletion.expires_at > datetime.now(UTC)
    assert GalleryQueries(world.store).count(GalleryFilter()) == 24
    await asyncio.sleep(0)
    assert world.sleeper.asked == [5.0]

    assert await world.gallery.undo(deletion) == 1
    world.sleeper.released.set()
    await world.recorder.flush()
    await asyncio.sleep(0.01)
    assert path.is_file()
    assert GalleryQueries(world.store).count(GalleryFilter()) == 25
    assert await world.gallery.undo(deletion) == 0


async def test_when_the_window_closes_the_files_go_and_undo_is_too_late(world: World) -> None:
    targets = world.made[:3]
    paths = [item.path for item in GalleryQueries(world.store).items([made.id for made in targets])]
    deletion = await world.gallery.delete_with_undo([made.id for made in targets])
    world.sleeper.released.set()
    for _ in range(100):
        await asyncio.sleep(0.01)
        if not any(path.exists() for path in paths):
            break
    assert not any(path.exists() for path in paths)
    assert await world.gallery.undo(deletion) == 0
    assert GalleryQueries(world.store).items([made.id for made in targets], deleted=True) == []


async def test_closing_the_gallery_finishes_pending_deletions(world: World) -> None:
    deletion = await world.gallery.delete_with_undo([world.made[0].id])
    path = GalleryQueries(world.store).items(list(deletion.output_ids), deleted=True)[0].path
    await world.gallery.finish_deletions()
    assert not path.exists()
    assert await world.gallery.undo(deletion) == 0


async def test_recover_removes_what_an_earlier_session_left_deleted(world: World,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    old, recent = world.made[0], world.made[1]
    mark_deleted(world.store, [old.id], datetime.now(UTC) - timedelta(minutes=10))
    mark_deleted(world.store, [recent.id], datetime.now(UTC))  # another window's, still open
    refused: list[Path] = []

    def refuse(self: Path, missing_ok: bool = False) -> None:
        refused.append(self)
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "unlink", refuse)
    result = await world.gallery.recover()
    assert result.outputs == 1
    assert world.warnings and "could not be removed" in world.warnings[0]
    assert GalleryQueries(world.store).items([old.id, recent.id], deleted=True)[0].id == recent.id


async def test_export_use_again_and_open_the_conversation(world: World, tmp_path: Path) -> None:
    exported = await world.gallery.export_selection([world.made[0].id, world.made[1].id], tmp_path / "out")
    assert len(exported.paths) == 2
    assert await world.gallery.open_conversation(world.made[0].id) == world.made[0].conversation_id
    reuse = await world.gallery.use_settings_again(world.made[3].id)
    assert (reuse.model, reuse.prompt, reuse.inputs) == (MODEL, "picture number 4", {"seed": 4})


async def test_a_kept_file_in_the_inputs_comes_back_as_a_path(world: World) -> None:
    source = GalleryQueries(world.store).item(world.made[0].id)
    mask = await world.gallery.keep_input(b"mask bytes", "png")
    assert mask.is_relative_to(world.store.library_dir / "inputs")
    assert await world.gallery.keep_input(b"mask bytes", "png") == mask
    made = make_output(world.store, source.conversation_id, "acme/inpaint:abc", "fix it", seed=77,
                       source_output_id=source.id)
    with world.store.writing("test") as db:  # as a run records it: the files by their paths
        db.execute("UPDATE generations SET input_json = ? WHERE id = ?",
                   (f'{{"prompt": "fix it", "image": "{source.path}", "mask": "{mask}", "other": "/etc/hosts"}}',
                    made.generation_id))
    reuse = await world.gallery.use_settings_again(made.id)
    assert reuse.model == "acme/inpaint:abc"
    assert reuse.inputs == {"image": source.path, "mask": mask, "other": "/etc/hosts"}


async def test_use_as_input_finds_the_image_input_or_says_there_is_none(world: World) -> None:
    editor = schema(input_image={"type": "string", "format": "uri", "title": "Input image"},
                    mask={"type": "string", "format": "uri", "title": "Mask"})
    choice = await world.gallery.use_as_input(world.made[0].id, editor, model="acme/editor")  # type: ignore[arg-type]
    assert (choice.key, choice.inline) == ("input_image", True)
    assert choice.value == GalleryQueries(world.store).item(world.made[0].id).path
    masked = await world.gallery.use_as_input(world.made[0].id, editor, model="acme/editor",  # type: ignore[arg-type]
                                              mask=True)
    assert masked.key == "mask"
    with pytest.raises(NoInputError, match=r"acme/text has no input for an image\."):
        await world.gallery.use_as_input(world.made[0].id, schema(), model="acme/text")  # type: ignore[arg-type]


async def test_a_dropped_picture_is_inspected_off_the_loop(world: World, tmp_path: Path) -> None:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("parameters", "a lake\nSteps: 20, Seed: 5, Size: 64x32, CFG scale: 7")
    buffer = io.BytesIO()
    Image.new("RGB", (64, 32)).save(buffer, "PNG", pnginfo=info)
    dropped_png = tmp_path / "dropped.png"
    dropped_png.write_bytes(buffer.getvalue())
    dropped = await world.gallery.inspect(dropped_png)
    assert (dropped.kind, dropped.usable, dropped.note) == ("image", True, None)
    assert dropped.settings is not None and dropped.settings.seed == 5

    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    text = await world.gallery.inspect(notes)
    assert (text.kind, text.usable, text.settings, text.note) == ("other", True, None, None)
    missing = await world.gallery.inspect(tmp_path / "gone.png")
    assert not missing.usable and missing.note == "gone.png cannot be read: no such file or directory."
    folder = await world.gallery.inspect(tmp_path)
    assert not folder.usable and folder.note is not None and folder.note.endswith("is not a file.")


async def test_the_output_a_viewer_shows_is_found_by_its_file(world: World, tmp_path: Path) -> None:
    made = world.made[3]
    item = await world.gallery.item(made.id)
    found = await world.gallery.item(item.path)
    assert found.id == made.id and found.prompt == made.prompt
    dropped = tmp_path / "dropped.png"
    dropped.write_bytes(item.path.read_bytes())
    with pytest.raises(NotFoundError, match=r"dropped\.png is not an output kept"):
        await world.gallery.item(dropped)
