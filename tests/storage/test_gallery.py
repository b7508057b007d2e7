"""The gallery's queries: keyset pages in every order, anchors for any position, filters, search, chains."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from desktop_app.storage import HistoryStore, NotFoundError
from desktop_app.storage.gallery import GalleryCursor, GalleryFilter, GalleryItem, GalleryQueries
from desktop_app.storage.gallery_actions import mark_deleted, purge, set_flags
from tests.storage.gallery_helpers import Clock, Made, make_output

FLUX, SDXL, VIDEO = "black-forest-labs/flux-schnell", "stability-ai/sdxl", "minimax/video-01"
PROMPTS = ["a red fox in snow", "a blue whale", "red lanterns at night", "a fox and a hound", "quiet harbour",
           "Ünïcode café", "red sky", "whale song", "the fox again", "a lighthouse", "red fox, red moon", "harbour"]


class Library:
    """Twelve outputs in two conversations: models and kinds interleaved, each at its own second."""

    def __init__(self, store: HistoryStore) -> None:
        self.store = store
        first = store.create_conversation("One", FLUX)
        second = store.create_conversation("Two", SDXL)
        self.made: list[Made] = []
        for index, prompt in enumerate(PROMPTS):
            model = (FLUX, SDXL, VIDEO)[index % 3]
            kind = "image/png" if model != VIDEO else ("video/mp4" if index % 2 else "audio/mpeg")
            data = None if kind == "image/png" else f"media {index}".encode()
            self.made.append(make_output(store, first if index < 6 else second, model, prompt, seed=index + 1,
                                         content_type=kind, data=data))

    def ids(self, *indexes: int) -> list[int]:
        return [self.made[index].id for index in indexes]


@pytest.fixture(params=[True, False], ids=["fts", "like"])
def library(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Library]:
    store = HistoryStore.open(tmp_path / "history.db", use_fts=request.param, clock=Clock())
    yield Library(store)
    store.close()


def walk(gallery: GalleryQueries, query: GalleryFilter, limit: int) -> list[GalleryItem]:
    """Every row, page after page; each page but the last is full and carries a cursor."""
    items: list[GalleryItem] = []
    cursor: GalleryCursor | None = None
    for _ in range(100):
        page = gallery.page(query, cursor, limit)
        items += page.items
        if page.next is None:
            return items
        assert len(page.items) == limit
        assert page.next == page.items[-1].cursor
        cursor = page.next
    raise AssertionError(f"the pages never end: {[item.id for item in items[:30]]}…")


def expected_order(library: Library, sort: str, indexes: list[int] | None = None) -> list[int]:
    chosen = [library.made[index] for index in (indexes if indexes is not None else range(len(library.made)))]
    if sort == "newest":
        chosen.reverse()
    elif sort == "model":
        chosen = sorted(reversed(chosen), key=lambda made: made.model)  # stable: newest first within a model
    return [made.id for made in chosen]


@pytest.mark.parametrize("sort", ["newest", "oldest", "model"])
@pytest.mark.parametrize("limit", [1, 2, 5, 12, 50])
def test_pages_walk_every_row_once_in_order(library: Library, sort: str, limit: int) -> None:
    gallery = GalleryQueries(library.store)
    items = walk(gallery, GalleryFilter(sort=sort), limit)  # type: ignore[arg-type]
    assert [item.id for item in items] == expected_order(library, sort)
    assert gallery.count(GalleryFilter(sort=sort)) == 12  # type: ignore[arg-type]


@pytest.mark.parametrize("sort", ["newest", "oldest", "model"])
@pytest.mark.parametrize("stride", [1, 3, 5, 12, 13])
def test_anchors_start_a_page_at_any_multiple_of_the_stride(library: Library, sort: str, stride: int) -> None:
    gallery = GalleryQueries(library.store)
    query = GalleryFilter(sort=sort, hide_rejected=True)  # type: ignore[arg-type]
    everything = [item.id for item in walk(gallery, query, 100)]
    anchors = gallery.anchors(query, stride)
    assert len(anchors) == len(everything) // stride
    for number, anchor in enumerate(anchors, start=1):
        page = gallery.page(query, anchor, 4)
        assert [item.id for item in page.items] == everything[number * stride : number * stride + 4]


def test_each_item_says_what_the_gallery_shows(library: Library) -> None:
    gallery = GalleryQueries(library.store)
    fox = library.made[0]
    item = gallery.item(fox.id)
    assert (item.generation_id, item.conversation_id, item.model, item.prompt, item.kind) == (
        fox.generation_id, fox.conversation_id, FLUX, "a red fox in snow", "image")
    assert item.path.is_file()
    assert item.path == library.store.library_dir / item.relative_path
    assert not item.favourite and not item.rejected and not item.deleted and item.source_output_id is None
    detail = gallery.detail(fox.id)
    assert detail.generation.input == {"prompt": "a red fox in snow", "seed": 1}
    assert detail.generation.prediction_id == "pred-1"
    with pytest.raises(NotFoundError, match="no output 9999"):
        gallery.item(9999)


def test_filters_by_model_kind_and_date(library: Library) -> None:
    gallery = GalleryQueries(library.store)
    sdxl_or_video = GalleryFilter(models=(SDXL, VIDEO))
    assert [item.id for item in walk(gallery, sdxl_or_video, 3)] == expected_order(
        library, "newest", [i for i in range(12) if i % 3])
    videos = GalleryFilter(kinds=("video",))
    assert [item.id for item in walk(gallery, videos, 3)] == expected_order(library, "newest", [5, 11])
    assert {item.kind for item in walk(gallery, GalleryFilter(kinds=("audio", "other")), 3)} == {"audio"}
    start = gallery.item(library.made[3].id).created_at
    window = GalleryFilter(since=start, until=start + timedelta(seconds=30), sort="oldest")
    made_in_window = [item.id for item in walk(gallery, window, 2)]
    assert made_in_window[0] == library.made[3].id
    assert library.made[2].id not in made_in_window
    assert all(start <= item.created_at < start + timedelta(seconds=30) for item in walk(gallery, window, 2))
    assert gallery.count(window) == len(made_in_window)
    assert gallery.models() == [(FLUX, 4), (VIDEO, 4), (SDXL, 4)]  # by name


@pytest.mark.parametrize(("query", "indexes"), [
    ("fox", [0, 3, 8, 10]), ("red fox", [0, 10]), ("RED", [0, 2, 6, 10]), ("harbour", [4, 11]),
    ("café", [5]), ("nothing-like-this", []), ("  ", list(range(12)))])
def test_search_finds_outputs_by_their_prompt(library: Library, query: str, indexes: list[int]) -> None:
    gallery = GalleryQueries(library.store)
    search = GalleryFilter(search=query)
    assert [item.id for item in walk(gallery, search, 2)] == expected_order(library, "newest", indexes)
    assert gallery.count(search) == len(indexes)
    assert len(gallery.anchors(search, 2)) == len(indexes) // 2


def test_search_syntax_is_plain_text(library: Library) -> None:
    gallery = GalleryQueries(library.store)
    for query in ['"fox', "fox OR whale", "fox*", "NEAR(fox", "100%", "a_b", "-fox"]:
        gallery.count(GalleryFilter(search=query))  # no syntax error reaches the caller
    assert gallery.count(GalleryFilter(search="fox OR whale")) == 0  # every word is required, OR included


def test_favourite_and_reject_flags_filter_and_exclude_each_other(library: Library) -> None:
    store, gallery = library.store, GalleryQueries(library.store)
    assert set_flags(store, library.ids(0, 1, 2), favourite=True) == 3
    assert set_flags(store, library.ids(2, 3), rejected=True) == 2
    assert [item.id for item in walk(gallery, GalleryFilter(favourites_only=True), 1)] == library.ids(1, 0)
    assert gallery.item(library.made[2].id).rejected and not gallery.item(library.made[2].id).favourite
    hidden = GalleryFilter(hide_rejected=True)
    assert gallery.count(hidden) == 10
    assert set(library.ids(2, 3)).isdisjoint(item.id for item in walk(gallery, hidden, 4))
    assert set_flags(store, library.ids(2), favourite=False, rejected=False) == 1
    assert gallery.count(hidden) == 11
    assert set_flags(store, []) == 0
    with pytest.raises(ValueError, match="both"):
        set_flags(store, library.ids(0), favourite=True, rejected=True)


def test_deleted_outputs_leave_every_listing_at_once(library: Library) -> None:
    store, gallery = library.store, GalleryQueries(library.store)
    fox = library.made[0]
    assert mark_deleted(store, [fox.id, fox.id, 424242], store._clock()) == [fox.id]
    assert gallery.count(GalleryFilter()) == 11
    assert fox.id not in [item.id for item in walk(gallery, GalleryFilter(search="fox"), 10)]
    assert gallery.models()[0] == (FLUX, 3)
    assert all(output.id != fox.id for generation in store.load_conversation(fox.conversation_id).generations
               for output in generation.outputs)
    with pytest.raises(NotFoundError):
        gallery.item(fox.id)
    assert set_flags(store, [fox.id], favourite=True) == 0  # a deleted output keeps its flags as they were
    assert gallery.items([fox.id], deleted=True)[0].deleted


def test_chains_lead_back_to_the_first_step(library: Library) -> None:
    store, gallery = library.store, GalleryQueries(library.store)
    first = library.made[0]
    upscaled = make_output(store, first.conversation_id, "nightmareai/real-esrgan", first.prompt, seed=100,
                           source_output_id=first.id)
    cut_out = make_output(store, first.conversation_id, "cjwbw/rembg", first.prompt, seed=101,
                          source_output_id=upscaled.id)
    assert [item.id for item in gallery.chain(cut_out.id)] == [cut_out.id, upscaled.id, first.id]
    assert gallery.item(cut_out.id).source_output_id == upscaled.id
    assert [item.id for item in gallery.made_from(first.id)] == [upscaled.id]

    mark_deleted(store, [upscaled.id], store._clock())
    chain = gallery.chain(cut_out.id)
    assert [(item.id, item.deleted) for item in chain] == [(cut_out.id, False), (upscaled.id, True),
                                                           (first.id, False)]
    purge(store, output_ids=[upscaled.id])
    assert [item.id for item in gallery.chain(cut_out.id)] == [cut_out.id]
    assert gallery.item(cut_out.id).source_output_id is None
    assert gallery.chain(123456) == []


def test_filters_refuse_unknown_orders_and_kinds() -> None:
    with pytest.raises(ValueError, match="Unknown gallery order"):
        GalleryFilter(sort="random")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Unknown output kind"):
        GalleryFilter(kinds=("picture",))  # type: ignore[arg-type]


def test_an_output_is_found_by_its_kept_file(library: Library, tmp_path: Path) -> None:
    store, gallery = library.store, GalleryQueries(library.store)
    first = library.made[0]
    item = gallery.item(first.id)
    assert gallery.item_at(item.path) == item
    again = store.add_output(first.generation_id, item.path.read_bytes(), "image/png")  # one file, two outputs
    assert gallery.item(again.id).path == item.path
    assert gallery.item_at(item.path) == gallery.item(again.id)  # the newest
    mark_deleted(store, [again.id], store._clock())
    assert gallery.item_at(item.path) == item
    outside = tmp_path / "dropped.png"
    outside.write_bytes(b"not kept")
    assert gallery.item_at(outside) is None
    assert gallery.item_at(store.library.root / "ab" / "missing.png") is None
