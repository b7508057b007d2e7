"""The gallery's queries over the history: every kept output across conversations, filtered, searched and sorted,
read a page at a time by keyset (the sort key of the last row seen, never an offset), and sparse anchors so that a
virtual grid can start a page at any position without reading the rows before it."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from . import history_schema as schema
from .gallery_schema import OUTPUT_KINDS, OutputKind
from .history import HistoryStore
from .history_records import Generation, NotFoundError, format_timestamp

SortOrder = Literal["newest", "oldest", "model"]
SORT_ORDERS: tuple[SortOrder, ...] = ("newest", "oldest", "model")
MAX_PAGE = 1000  # rows one page may hold

_ORDER = {
    "newest": "o.created_at DESC, o.id DESC",
    "oldest": "o.created_at ASC, o.id ASC",
    "model": "o.model ASC, o.created_at DESC, o.id DESC",
}
_ITEM_COLUMNS = (
    "o.id, o.generation_id, g.conversation_id, o.path, o.content_type, o.kind, o.size, o.sha256, o.created_at, "
    "o.model, g.prompt, o.favourite, o.rejected, g.source_output_id, o.deleted_at"
)
_FROM = "outputs o JOIN generations g ON g.id = o.generation_id"


@dataclass(frozen=True)
class GalleryFilter:
    """Which outputs the gallery shows, in which order. Empty ``models``/``kinds`` mean any; ``since`` is
    inclusive and ``until`` exclusive; ``search`` needs every word in the prompt (as word prefixes with FTS5)."""

    models: tuple[str, ...] = ()
    kinds: tuple[OutputKind, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    favourites_only: bool = False
    hide_rejected: bool = False
    search: str = ""
    sort: SortOrder = "newest"

    def __post_init__(self) -> None:
        if self.sort not in SORT_ORDERS:
            raise ValueError(f"Unknown gallery order {self.sort!r}; expected one of {', '.join(SORT_ORDERS)}")
        unknown = [kind for kind in self.kinds if kind not in OUTPUT_KINDS]
        if unknown:
            raise ValueError(f"Unknown output kind {unknown[0]!r}; expected one of {', '.join(OUTPUT_KINDS)}")


@dataclass(frozen=True)
class GalleryCursor:
    """Where a page ended: the sort key of its last row. Pass it back to get the rows after it."""

    created_at: str
    id: int
    model: str


@dataclass(frozen=True)
class GalleryItem:
    """One kept output as the gallery shows it. ``id`` is the output's id; ``source_output_id`` is the output
    its generation was made from (a chain), if any; ``deleted`` is true while a deletion can still be undone."""

    id: int
    generation_id: int
    conversation_id: int
    path: Path
    relative_path: str
    content_type: str
    kind: OutputKind
    size: int
    sha256: str
    created_at: datetime
    model: str
    prompt: str
    favourite: bool
    rejected: bool
    source_output_id: int | None
    deleted: bool = False

    @property
    def cursor(self) -> GalleryCursor:
        return GalleryCursor(format_timestamp(self.created_at), self.id, self.model)


@dataclass(frozen=True)
class GalleryPage:
    """Some rows in order, and the cursor of the next page (``None`` when these were the last)."""

    items: tuple[GalleryItem, ...]
    next: GalleryCursor | None


@dataclass(frozen=True)
class GalleryDetail:
    """An output with the generation that made it: its model, version and full input."""

    item: GalleryItem
    generation: Generation


class GalleryQueries:
    """Reads the gallery out of a :class:`HistoryStore` (thread-safe like the store: call it off the loop)."""

    def __init__(self, store: HistoryStore) -> None:
        self.store = store

    def page(self, gallery: GalleryFilter, after: GalleryCursor | None = None, limit: int = 200) -> GalleryPage:
        """Up to ``limit`` rows after ``after`` (from the first row when ``None``)."""
        limit = max(1, min(limit, MAX_PAGE))
        where, parameters = self._where(gallery)
        with self.store.reading() as db:
            if gallery.sort == "model" and after is not None:
                rows = self._select(db, [*where, "o.model = ?", "(o.created_at, o.id) < (?, ?)"],
                                    [*parameters, after.model, after.created_at, after.id], gallery.sort, limit + 1)
                if len(rows) <= limit:
                    rows += self._select(db, [*where, "o.model > ?"], [*parameters, after.model], gallery.sort,
                                         limit + 1 - len(rows))
            else:
                keyset: list[str] = []
                values: list[Any] = []
                if after is not None:
                    keyset = ["(o.created_at, o.id) " + (">" if gallery.sort == "oldest" else "<") + " (?, ?)"]
                    values = [after.created_at, after.id]
                rows = self._select(db, where + keyset, [*parameters, *values], gallery.sort, limit + 1)
        items = tuple(self._item(row) for row in rows[:limit])
        return GalleryPage(items, items[-1].cursor if len(rows) > limit else None)

    def count(self, gallery: GalleryFilter) -> int:
        """How many rows the filter finds."""
        where, parameters = self._where(gallery)
        with self.store.reading() as db:
            return int(db.execute(f"SELECT count(*) FROM {self._source(gallery)} WHERE {' AND '.join(where)}",
                                  parameters).fetchone()[0])

    def anchors(self, gallery: GalleryFilter, stride: int) -> list[GalleryCursor]:
        """The cursors that start the pages at rows ``stride``, ``2 * stride``, …: ``page(after=anchors[k - 1])``
        begins at row ``k * stride``. One pass over the index, reading three columns of each row."""
        if stride < 1:
            raise ValueError("The anchor stride must be at least 1")
        where, parameters = self._where(gallery)
        query = (f"SELECT created_at, id, model FROM (SELECT o.created_at, o.id, o.model, row_number() OVER "
                 f"(ORDER BY {_ORDER[gallery.sort]}) AS n FROM {self._source(gallery)} WHERE {' AND '.join(where)}) "
                 "WHERE n % ? = 0 ORDER BY n")
        with self.store.reading() as db:
            return [GalleryCursor(row[0], row[1], row[2]) for row in db.execute(query, [*parameters, stride])]

    def models(self) -> list[tuple[str, int]]:
        """Each model with kept outputs and how many, by name."""
        with self.store.reading() as db:
            return [(str(row[0]), int(row[1])) for row in db.execute(
                "SELECT model, count(*) FROM outputs WHERE deleted_at IS NULL GROUP BY model ORDER BY model")]

    def items(self, output_ids: Sequence[int], *, deleted: bool = False) -> list[GalleryItem]:
        """The outputs with these ids, in the order given (missing ones left out; deleted ones only if asked)."""
        found: dict[int, GalleryItem] = {}
        with self.store.reading() as db:
            for chunk in chunks(list(dict.fromkeys(output_ids))):
                condition = "" if deleted else " AND o.deleted_at IS NULL"
                for row in db.execute(f"SELECT {_ITEM_COLUMNS} FROM {_FROM} WHERE o.id IN ({marks(chunk)}){condition}",
                                      chunk):
                    found[row[0]] = self._item(row)
        return [found[output_id] for output_id in output_ids if output_id in found]

    def item(self, output_id: int) -> GalleryItem:
        """One live output; :class:`NotFoundError` when there is none (or it was deleted)."""
        found = self.items([output_id])
        if not found:
            raise NotFoundError(f"There is no output {output_id} in the gallery.")
        return found[0]

    def item_at(self, path: Path) -> GalleryItem | None:
        """The newest live output kept as the file ``path`` (in the library), if any: what an output shown by its
        file is in the gallery. Identical files are kept once, so several outputs may share one; the newest wins."""
        try:
            relative = path.resolve().relative_to(self.store.library.root.resolve()).as_posix()
        except (OSError, ValueError):
            return None
        with self.store.reading() as db:
            row = db.execute(f"SELECT {_ITEM_COLUMNS} FROM {_FROM} WHERE o.path = ? AND o.deleted_at IS NULL "
                             "ORDER BY o.id DESC LIMIT 1", (relative,)).fetchone()
        return self._item(row) if row is not None else None

    def detail(self, output_id: int) -> GalleryDetail:
        """An output and its generation's full parameters (what opening an item shows)."""
        item = self.item(output_id)
        return GalleryDetail(item, self.store.get_generation(item.generation_id))

    def chain(self, output_id: int, limit: int = 100) -> list[GalleryItem]:
        """The output, the output it was made from, and so on back to the first step (deleted steps included,
        marked ``deleted``; a step whose output is gone for good ends the chain)."""
        chain: list[GalleryItem] = []
        seen: set[int] = set()
        next_id: int | None = output_id
        while next_id is not None and next_id not in seen and len(chain) < limit:
            seen.add(next_id)
            found = self.items([next_id], deleted=True)
            if not found:
                break
            chain.append(found[0])
            next_id = found[0].source_output_id
        return chain

    def made_from(self, output_id: int) -> list[GalleryItem]:
        """The live outputs of the runs made from this output (the next steps of its chains), oldest first."""
        with self.store.reading() as db:
            rows = db.execute(f"SELECT {_ITEM_COLUMNS} FROM {_FROM} WHERE g.source_output_id = ? "
                              "AND o.deleted_at IS NULL ORDER BY o.id", (output_id,)).fetchall()
        return [self._item(row) for row in rows]

    # --- helpers ---------------------------------------------------------------------------------

    def _where(self, gallery: GalleryFilter) -> tuple[list[str], list[Any]]:
        where = ["o.deleted_at IS NULL"]
        parameters: list[Any] = []
        if gallery.models:
            where.append(f"o.model IN ({marks(gallery.models)})")
            parameters += gallery.models
        if gallery.kinds:
            where.append(f"o.kind IN ({marks(gallery.kinds)})")
            parameters += gallery.kinds
        if gallery.since is not None:
            where.append("o.created_at >= ?")
            parameters.append(format_timestamp(gallery.since))
        if gallery.until is not None:
            where.append("o.created_at < ?")
            parameters.append(format_timestamp(gallery.until))
        if gallery.favourites_only:
            where.append("o.favourite = 1")
        if gallery.hide_rejected:
            where.append("o.rejected = 0")
        terms = schema.search_terms(gallery.search)
        if terms and self.store.uses_fts:
            where.append("o.generation_id IN (SELECT rowid FROM prompt_fts WHERE prompt_fts MATCH ?)")
            parameters.append(schema.fts_query(terms))
        elif terms:
            where += ["g.prompt LIKE ? ESCAPE '\\'"] * len(terms)
            parameters += [schema.like_term(term) for term in terms]
        return where, parameters

    def _source(self, gallery: GalleryFilter) -> str:
        """The outputs alone when no condition needs the generation (an index-only scan), else the join."""
        return _FROM if schema.search_terms(gallery.search) and not self.store.uses_fts else "outputs o"

    def _select(self, db: sqlite3.Connection, where: list[str], parameters: list[Any], sort: SortOrder,
                limit: int) -> list[Any]:
        query = f"SELECT {_ITEM_COLUMNS} FROM {_FROM} WHERE {' AND '.join(where)} ORDER BY {_ORDER[sort]} LIMIT ?"
        return db.execute(query, [*parameters, limit]).fetchall()

    def _item(self, row: Sequence[Any]) -> GalleryItem:
        # fromisoformat reads the stored UTC form (…Z) 50× faster than parse_timestamp's strptime: pages are hot
        return GalleryItem(
            id=row[0], generation_id=row[1], conversation_id=row[2], path=self.store.library.path(row[3]),
            relative_path=row[3], content_type=row[4], kind=row[5], size=row[6], sha256=row[7],
            created_at=datetime.fromisoformat(row[8]), model=row[9], prompt=row[10], favourite=bool(row[11]),
            rejected=bool(row[12]), source_output_id=row[13], deleted=row[14] is not None,
        )


CHUNK = 500  # ids per statement: far below SQLite's limit on bound parameters on every build


def chunks(values: Sequence[int]) -> list[list[int]]:
    """``values`` in lists of at most :data:`CHUNK`."""
    return [list(values[start : start + CHUNK]) for start in range(0, len(values), CHUNK)]


def marks(values: Sequence[Any]) -> str:
    """``?, ?, ?`` for ``values``."""
    return ", ".join("?" * len(values))
