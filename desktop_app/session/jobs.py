"""Batch specs and their jobs: one run × N (seeds varied or locked), a list of prompts (lines or CSV), a matrix
over one or more inputs (or the model itself), a folder of files for a file input — multiplied together."""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

MAX_JOBS = 10_000  # one batch; more is almost certainly a typo in a matrix
MODEL_KEY = "model"  # a matrix axis over this key varies the model, not an input
SEED_RANGE = 2**31 - 1
SeedMode = Literal["vary", "lock"]


class BatchSpecError(ValueError):
    """A batch that cannot be expanded; ``str()`` is one sentence saying what to fix."""


class BatchCheckError(ValueError):
    """A job of a batch failed its local checks; nothing was added. ``str()`` names the job and the problem."""

    def __init__(self, index: int, spec: JobSpec, reason: str) -> None:
        self.index = index
        label = f" ({spec.label})" if spec.label else ""
        super().__init__(f"Job {index + 1}{label}: {reason}")


@dataclass(frozen=True)
class Axis:
    """One thing that varies across a batch: an input ``key`` (or ``"model"``) and its ``values``, in order."""

    key: str
    values: tuple[Any, ...]

    def __post_init__(self) -> None:
        if not self.key.strip():
            raise BatchSpecError("A matrix needs the name of the input it varies.")
        if not self.values:
            raise BatchSpecError(f"The matrix over {self.key} has no values.")


@dataclass(frozen=True)
class JobSpec:
    """One job: the model and its whole input (the prompt among them; local files as ``Path``), with a
    short ``label`` of what sets it apart from its batch's other jobs."""

    model: str
    input: Mapping[str, Any]
    label: str = ""

    @property
    def prompt(self) -> str | None:
        value = self.input.get("prompt")
        return value if isinstance(value, str) else None


@dataclass(frozen=True)
class BatchSpec:
    """What the composer (or ``replicate-desktop batch``) asks for.

    ``rows`` are the per-job inputs of a prompt list (``{"prompt": …}``, or a CSV's columns); without rows there
    is one job of ``parameters``. Every row is then multiplied by each ``matrix`` combination, by each file in
    ``files`` (given to input ``file_key``) and by ``repeat`` copies. Copies get a seed each (``seeds="vary"``)
    or all the same one (``"lock"``: the ``seed_field`` parameter if set, else one drawn for the batch).
    """

    model: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    rows: tuple[Mapping[str, Any], ...] = ()
    matrix: tuple[Axis, ...] = ()
    file_key: str | None = None
    files: tuple[Path, ...] = ()
    repeat: int = 1
    seeds: SeedMode = "vary"
    seed_field: str = "seed"

    @property
    def count(self) -> int:
        """How many jobs :func:`expand` makes, without making them."""
        combos = math.prod(len(axis.values) for axis in self.matrix)
        return max(1, len(self.rows)) * combos * max(1, len(self.files)) * self.repeat


def expand(spec: BatchSpec, *, rng: random.Random | None = None) -> list[JobSpec]:
    """Every job of ``spec``, in queue order: rows, then matrix combinations, then files, then copies."""
    check_spec(spec)
    rng = rng or random.Random()
    keys = [axis.key for axis in spec.matrix]
    locked = _locked_seed(spec, rng)
    jobs: list[JobSpec] = []
    rows: Sequence[Mapping[str, Any]] = spec.rows or ({},)
    files: Sequence[Path | None] = spec.files or (None,)
    for row_index, row in enumerate(rows):
        for combo in itertools.product(*(axis.values for axis in spec.matrix)):
            for file in files:
                for _copy in range(spec.repeat):
                    values = {**spec.parameters, **row}
                    model = spec.model
                    label: list[str] = []
                    if len(rows) > 1:
                        label.append(f"#{row_index + 1}")
                    for key, value in zip(keys, combo, strict=True):
                        if key == MODEL_KEY:
                            model = str(value)
                        else:
                            values[key] = value
                        label.append(f"{key}={_short(value)}")
                    if file is not None and spec.file_key is not None:
                        values[spec.file_key] = file
                        label.append(file.name)
                    if spec.repeat > 1 and spec.seed_field not in keys:
                        values[spec.seed_field] = locked if locked is not None else rng.randrange(SEED_RANGE)
                        label.append(f"{spec.seed_field} {values[spec.seed_field]}")
                    jobs.append(JobSpec(model, values, " · ".join(label)))
    return jobs


def check_spec(spec: BatchSpec) -> None:
    """Raises :class:`BatchSpecError` for a spec that cannot make a sensible batch."""
    if not spec.model.strip() and not any(axis.key == MODEL_KEY for axis in spec.matrix):
        raise BatchSpecError("Choose a model for the batch.")
    if spec.repeat < 1:
        raise BatchSpecError(f"Each job runs at least once; got {spec.repeat} copies.")
    if spec.files and not spec.file_key:
        raise BatchSpecError("Say which file input the folder's files go to.")
    keys = [axis.key for axis in spec.matrix]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise BatchSpecError(f"The matrix varies {repeated[0]} twice; give each input one list of values.")
    if spec.file_key is not None and spec.file_key in keys:
        raise BatchSpecError(f"{spec.file_key} cannot take both the folder's files and a matrix of values.")
    if spec.count > MAX_JOBS:
        raise BatchSpecError(f"This batch would make {spec.count:,} runs; at most {MAX_JOBS:,} fit in one batch.")


def prompts_from_text(text: str) -> list[dict[str, Any]]:
    """One row per non-empty line: ``{"prompt": line}``."""
    return [{"prompt": line.strip()} for line in text.splitlines() if line.strip()]


def rows_from_csv(text: str) -> list[dict[str, Any]]:
    """Rows of a CSV: with a header that names ``prompt`` (any case), each column is an input (numbers and
    booleans decoded as JSON); without one, the first column is the prompt. Empty rows are skipped."""
    table = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if not table:
        return []
    header = [cell.strip() for cell in table[0]]
    if "prompt" not in (name.lower() for name in header):
        return [{"prompt": row[0].strip()} for row in table if row and row[0].strip()]
    names = ["prompt" if name.lower() == "prompt" else name for name in header]
    if any(not name for name in names):
        raise BatchSpecError("Every column of the CSV file needs a name in its first row.")
    rows = []
    for number, row in enumerate(table[1:], start=2):
        if len(row) > len(names):
            raise BatchSpecError(f"Row {number} of the CSV file has more cells than the header has names.")
        rows.append({name: _cell(value) for name, value in zip(names, row, strict=False) if value.strip()})
    return rows


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of a prompts file: a ``.csv`` by its columns, anything else one prompt per line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise BatchSpecError(f"{path} is not a UTF-8 text file.") from None
    except OSError as error:
        raise BatchSpecError(f"{path} cannot be read ({(error.strerror or str(error)).lower()}).") from None
    rows = rows_from_csv(text) if path.suffix.lower() == ".csv" else prompts_from_text(text)
    if not rows:
        raise BatchSpecError(f"{path} has no prompts in it.")
    return rows


def files_in(folder: Path, *, suffixes: Iterable[str] | None = None) -> list[Path]:
    """The regular, visible files directly in ``folder``, by name (only these suffixes when given)."""
    wanted = {suffix.lower() for suffix in suffixes} if suffixes is not None else None
    try:
        entries = sorted(folder.iterdir(), key=lambda path: path.name)
    except OSError as error:
        raise BatchSpecError(f"The folder {folder} cannot be read ({(error.strerror or str(error)).lower()}).") \
            from None
    found = [path for path in entries if path.is_file() and not path.name.startswith(".")
             and (wanted is None or path.suffix.lower() in wanted)]
    if not found:
        raise BatchSpecError(f"The folder {folder} has no files to send.")
    return found


def parse_axis(text: str) -> Axis:
    """``KEY=V1,V2,…`` as the command line gives it; values decode as JSON when they parse (numbers)."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise BatchSpecError(f"--matrix expects KEY=V1,V2,…, got {text!r}.")
    values = tuple(_cell(value) for value in raw.split(",") if value.strip())
    if not values:
        raise BatchSpecError(f"--matrix {key.strip()} has no values after the =.")
    return Axis(key.strip(), values)


def _locked_seed(spec: BatchSpec, rng: random.Random) -> int | None:
    if spec.seeds != "lock":
        return None
    given = spec.parameters.get(spec.seed_field)
    return given if isinstance(given, int) else rng.randrange(SEED_RANGE)


def _cell(text: str) -> Any:
    text = text.strip()
    try:
        value = json.loads(text)
    except ValueError:
        return text
    if isinstance(value, float) and not math.isfinite(value):
        return text
    return value if isinstance(value, int | float | bool) else text


def _short(value: Any, limit: int = 24) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def batch_title(first: str, count: int) -> str:
    """A batch's title: its first prompt (or model), shortened, and how many runs it makes."""
    line = " ".join(first.split())
    line = line if len(line) <= 50 else line[:49] + "…"
    return f"{line} ({count} run{'s' if count != 1 else ''})"
