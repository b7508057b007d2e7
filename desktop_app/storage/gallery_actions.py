"""What the gallery changes: favourite and reject flags, deletion in two steps (hidden at once, files removed
once the undo window is over), and export of a selection to a folder with the metadata kept.

Deletion and crashes: a deleted output is only marked (``deleted_at``), so an undo restores it exactly. Its rows
and files go in :func:`purge`, one write transaction that removes the files first and then the rows: a crash
before the commit leaves the rows marked (the next purge finishes the job, a missing file is no error), a crash
after it leaves nothing behind. Marked rows older than the undo window are purged at the next start, so a crash
during the window neither loses an output the user kept nor leaks the file of one they deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .gallery import GalleryItem, GalleryQueries, chunks, marks
from .history import HistoryStore
from .history_records import format_timestamp
from .image_metadata import sidecar_path
from .outputs import OutputWriteError, default_output_name, describe_os_error, unique_path, write_bytes_atomically


@dataclass(frozen=True)
class Purged:
    """What a purge removed: how many outputs, and the files that could not be removed (``path (reason)``)."""

    outputs: int
    failures: tuple[str, ...] = ()


@dataclass(frozen=True)
class Exported:
    """The files an export wrote (sidecars not counted) and one sentence per output it had to skip."""

    paths: tuple[Path, ...]
    skipped: tuple[str, ...] = ()


def set_flags(store: HistoryStore, output_ids: Sequence[int], *, favourite: bool | None = None,
              rejected: bool | None = None) -> int:
    """Sets the flags of these live outputs (``None`` leaves a flag as it is); returns how many rows changed.

    Favourite and reject exclude each other: marking one clears the other.
    """
    changes: dict[str, int] = {}
    if favourite is not None:
        changes["favourite"] = int(favourite)
        if favourite:
            changes["rejected"] = 0
    if rejected is not None:
        changes["rejected"] = int(rejected)
        if rejected:
            changes["favourite"] = 0
    if favourite and rejected:
        raise ValueError("An output cannot be both a favourite and rejected.")
    if not changes or not output_ids:
        return 0
    assignments = ", ".join(f"{name} = ?" for name in changes)
    changed = 0
    with store.writing("change the gallery flags") as db:
        for chunk in chunks(list(output_ids)):
            changed += db.execute(f"UPDATE outputs SET {assignments} WHERE id IN ({marks(chunk)}) "
                                  "AND deleted_at IS NULL", [*changes.values(), *chunk]).rowcount
    return changed


def mark_deleted(store: HistoryStore, output_ids: Sequence[int], now: datetime) -> list[int]:
    """Hides these live outputs from the gallery and their conversations (their files stay until :func:`purge`);
    returns the ids it marked, in the order given."""
    marked: set[int] = set()
    stamp = format_timestamp(now)
    with store.writing("delete outputs") as db:
        for chunk in chunks(list(dict.fromkeys(output_ids))):
            rows = db.execute(f"SELECT id FROM outputs WHERE id IN ({marks(chunk)}) AND deleted_at IS NULL", chunk)
            ids = [row[0] for row in rows]
            if ids:
                db.execute(f"UPDATE outputs SET deleted_at = ? WHERE id IN ({marks(ids)})", [stamp, *ids])
            marked.update(ids)
    return [output_id for output_id in dict.fromkeys(output_ids) if output_id in marked]


def restore(store: HistoryStore, output_ids: Sequence[int]) -> int:
    """Undoes :func:`mark_deleted` for the outputs not purged yet; returns how many came back."""
    restored = 0
    with store.writing("restore outputs") as db:
        for chunk in chunks(list(output_ids)):
            restored += db.execute(f"UPDATE outputs SET deleted_at = NULL WHERE id IN ({marks(chunk)}) "
                                   "AND deleted_at IS NOT NULL", chunk).rowcount
    return restored


def purge(store: HistoryStore, *, output_ids: Sequence[int] = (), deleted_before: datetime | None = None) -> Purged:
    """Removes for good the marked outputs among ``output_ids`` and those marked before ``deleted_before``:
    their files (unless another output still uses the same file), then their rows. Live outputs are never
    touched. Files that resist are named in :attr:`Purged.failures`; their rows go anyway."""
    with store.writing("remove deleted outputs") as db:
        targets: dict[int, str] = {}
        for chunk in chunks(list(output_ids)):
            targets.update(db.execute(f"SELECT id, path FROM outputs WHERE id IN ({marks(chunk)}) "
                                      "AND deleted_at IS NOT NULL", chunk).fetchall())
        if deleted_before is not None:
            targets.update(db.execute("SELECT id, path FROM outputs WHERE deleted_at IS NOT NULL AND deleted_at <= ?",
                                      (format_timestamp(deleted_before),)).fetchall())
        if not targets:
            return Purged(0)
        ids = list(targets)
        unused = []
        for path in dict.fromkeys(targets.values()):
            users = {row[0] for row in db.execute("SELECT id FROM outputs WHERE path = ?", (path,))}
            if users.issubset(targets):
                unused.append(path)
        failures = store.library.remove(unused)  # before the rows: a crash here leaves rows to purge again
        for chunk in chunks(ids):
            db.execute(f"DELETE FROM outputs WHERE id IN ({marks(chunk)})", chunk)
    return Purged(len(ids), tuple(failures))


def export_outputs(store: HistoryStore, output_ids: Sequence[int], folder: Path) -> Exported:
    """Copies these outputs into ``folder`` (created if needed) under names made of their prompt and date, their
    metadata kept (it is embedded in the file, or in the ``.json`` sidecar copied beside it). Existing files are
    never overwritten. Raises :class:`OutputWriteError` when the folder cannot be written."""
    written: list[Path] = []
    skipped: list[str] = []
    for item in GalleryQueries(store).items(output_ids):
        try:
            data = item.path.read_bytes()
        except FileNotFoundError:
            skipped.append(f"{export_name(item)} was skipped: its file is no longer in the library.")
            continue
        except OSError as error:
            skipped.append(f"{export_name(item)} was skipped: its file could not be read ({describe_os_error(error)}).")
            continue
        target = unique_path(folder, export_name(item))
        write_bytes_atomically(target, data)
        written.append(target)
        side = sidecar_path(item.path)
        if side.is_file():
            try:
                write_bytes_atomically(sidecar_path(target), side.read_bytes())
            except OSError as error:
                if isinstance(error, OutputWriteError):
                    raise
                skipped.append(f"The metadata of {target.name} could not be copied ({describe_os_error(error)}).")
    return Exported(tuple(written), tuple(skipped))


def export_name(item: GalleryItem) -> str:
    """``a-cat-in-a-hat-2026-11-28-1430.png``: the prompt (else the model) and the local time it was made."""
    extension = item.path.suffix.lstrip(".").lower()
    extension = extension if extension.isascii() and extension.isalnum() else "bin"
    label = item.prompt or item.model.rsplit("/", 1)[-1] or "output"
    return default_output_name(label, item.created_at.astimezone(), None, extension)
