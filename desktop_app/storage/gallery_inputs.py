"""Files kept for runs to take (painted masks, pasted or dropped pictures), in ``inputs`` folders and named by their
content's sha256: which of them anything still refers to, and removing the others once they are old enough."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .history import HistoryStore

log = logging.getLogger(__name__)

INPUTS_FOLDER = "inputs"
_DIGEST = re.compile(r"[0-9a-f]{64}")
_TEMPORARY = (".part", ".tmp")


@dataclass(frozen=True)
class SweptInputs:
    """What a sweep removed, how many kept inputs it left (referred to, in use, or too new) and the files that
    resisted (``"<path> (<reason>)"``)."""

    removed: tuple[Path, ...] = ()
    kept: int = 0
    failures: tuple[str, ...] = ()


def input_digest(path: Path) -> str | None:
    """The content hash a kept input's name carries (``<sha256>.<ext>``, or a temporary file of one being
    written), or ``None`` for any other name."""
    stem = path.name.lstrip(".").split(".", 1)[0]
    return stem if _DIGEST.fullmatch(stem) else None


def digests_in(texts: Iterable[str]) -> set[str]:
    """Every sha256-shaped word in ``texts`` (a stored input names its kept files by their paths)."""
    return {digest for text in texts for digest in _DIGEST.findall(text)}


def referenced_in_history(store: HistoryStore) -> set[str]:
    """The kept inputs any run in the history took (its recorded input names their paths), as content hashes."""
    with store.reading() as db:
        rows = db.execute("SELECT input_json FROM generations WHERE instr(input_json, ?) > 0", (INPUTS_FOLDER,))
        return digests_in(text for (text,) in rows)


def referenced_in_queue(queue_db: Path) -> set[str]:
    """The kept inputs the job queue's jobs take (read only, beside the queue's own connection); none when there
    is no queue yet. Raises ``sqlite3.Error`` when the queue cannot be read: then nothing may be removed."""
    if not queue_db.is_file():
        return set()
    connection = sqlite3.connect(f"{queue_db.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)
    try:
        rows = connection.execute("SELECT input_json FROM jobs WHERE instr(input_json, ?) > 0", (INPUTS_FOLDER,))
        return digests_in(text for (text,) in rows)
    finally:
        connection.close()


def sweep_inputs(folders: Sequence[Path], keep: set[str], *, older_than: float,
                 now: float | None = None) -> SweptInputs:
    """Removes the kept inputs in ``folders`` (and their subfolders) whose hash is not in ``keep`` and which were
    last written or kept again more than ``older_than`` seconds before ``now``; also temporary files left that
    long. Files of any other name are never touched."""
    cutoff = (time.time() if now is None else now) - older_than
    removed: list[Path] = []
    failures: list[str] = []
    kept = 0
    for folder in folders:
        for parent, _dirs, names in os.walk(folder, topdown=False):
            for name in names:
                path = Path(parent) / name
                digest = input_digest(path)
                if digest is None:
                    continue
                try:
                    recent = path.stat().st_mtime > cutoff
                except OSError:
                    continue
                if (digest in keep and not name.endswith(_TEMPORARY)) or recent:
                    kept += 1
                    continue
                try:
                    path.unlink()
                except OSError as error:
                    log.warning("Could not remove the kept input %s: %s", path, error)
                    failures.append(f"{path} ({(error.strerror or str(error)).lower()})")
                else:
                    removed.append(path)
            if Path(parent) != folder:
                with contextlib.suppress(OSError):
                    Path(parent).rmdir()  # only succeeds when the shard folder is now empty
    return SweptInputs(tuple(removed), kept, tuple(failures))
