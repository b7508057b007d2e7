"""Whether a folder can take output files: checked before anything is spent producing them."""

from __future__ import annotations

import tempfile
from pathlib import Path

from .outputs import describe_os_error


def folder_problem(directory: Path) -> str | None:
    """``None`` when ``directory`` exists (or can be created) and a file can be written in it, else one
    sentence saying why not. Nothing is left behind: a probe file is written and removed at once, and a
    missing folder is not created (its nearest existing parent is probed instead)."""
    existing = directory
    if "\0" in str(directory):  # exists() just says False for these, and creating one raises ValueError
        return f"The output folder {str(directory)!r} is not a valid path."
    try:
        if directory.exists() and not directory.is_dir():
            return f"The output folder {directory} is a file, not a folder."
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if not existing.is_dir():
            return f"The output folder {directory} cannot be created: {existing} is a file, not a folder."
        with tempfile.TemporaryFile(dir=existing, prefix=".replicate-desktop-probe-"):
            pass
    except OSError as error:
        where = "cannot be written" if existing == directory else f"cannot be created in {existing}"
        return f"The output folder {directory} {where}: {describe_os_error(error)}."
    return None
