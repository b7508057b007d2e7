"""Parts of ``replicate-desktop batch``: its free checks (all before the first request), the folder its outputs
are saved into, and the lock that keeps two commands from running one folder's batch at once."""

from __future__ import annotations

import argparse
import asyncio
import fcntl
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from .cli_checks import UsageError, parse_inputs
from .replicate import EmptyPromptError, UnknownModelError, get_model
from .session.events import RunFinished
from .session.jobs import MODEL_KEY, BatchSpec, BatchSpecError, JobSpec, expand, parse_axis, read_rows
from .session.run import Run
from .storage.folders import folder_problem
from .storage.outputs import extension_for_content_type, save_output, slugify, sniff_image_extension
from .storage.queue_store import JobRecord

MAX_CONCURRENCY = 50


@dataclass(frozen=True)
class BatchArgs:
    """The command line once every free check passed: the jobs, where they go, how many at once."""

    jobs: list[JobSpec]
    out: Path
    concurrency: int
    identity: dict[str, Any]  # what makes two commands the same batch (seeds aside)


def check_batch_args(args: argparse.Namespace) -> BatchArgs:
    """Every check that needs no network, in the order a user reads the command; raises :class:`UsageError`."""
    model = _model(args.model)
    if args.prompts is not None and args.prompt is not None:
        raise UsageError("Give the prompts in a file (--prompts) or as PROMPT, not both.")
    if args.prompts is not None:
        try:
            rows = tuple(read_rows(args.prompts.expanduser()))
        except BatchSpecError as error:
            raise UsageError(f"--prompts: {error}") from None
    elif args.prompt is not None:
        if not args.prompt.strip():
            raise UsageError(str(EmptyPromptError()))
        rows = ({"prompt": args.prompt},)
    else:
        raise UsageError("Give a PROMPT, or a file of prompts with --prompts.")
    parameters = parse_inputs(args.input)
    try:
        matrix = tuple(parse_axis(text) for text in args.matrix)
    except BatchSpecError as error:
        raise UsageError(str(error)) from None
    for axis in matrix:
        if axis.key in parameters:
            raise UsageError(f"-i {axis.key} and --matrix {axis.key} both set {axis.key}; give it once.")
        if axis.key == MODEL_KEY:
            for value in axis.values:
                _model(str(value))
    if args.n < 1:
        raise UsageError(f"-n must be at least 1, got {args.n}.")
    if not 1 <= args.concurrency <= MAX_CONCURRENCY:
        raise UsageError(f"--concurrency must be between 1 and {MAX_CONCURRENCY}, got {args.concurrency}.")
    problem = folder_problem(args.out)
    if problem is not None:
        raise UsageError(f"{problem} Choose another with --out.")
    spec = BatchSpec(model, parameters, rows, matrix, repeat=args.n, seeds="lock" if args.lock_seed else "vary")
    try:
        jobs = expand(spec)
    except BatchSpecError as error:
        raise UsageError(str(error)) from None
    for job in jobs:
        if not (job.prompt or "").strip():
            raise UsageError(f"Job {jobs.index(job) + 1} has an empty prompt; every row needs one.")
    identity = {"model": model, "rows": list(rows), "parameters": {k: str(v) for k, v in parameters.items()},
                "matrix": [[axis.key, list(axis.values)] for axis in matrix], "n": args.n,
                "lock_seed": bool(args.lock_seed)}
    return BatchArgs(jobs, args.out, args.concurrency, identity)


def _model(name: str) -> str:
    try:
        return get_model(name)
    except UnknownModelError as error:
        raise UsageError(str(error)) from None


class FolderLock:
    """An exclusive lock on a file, taken when made (a second holder is refused at once), let go on close."""

    def __init__(self, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)  # --out names a folder to make, as generate's does
            self._handle: TextIO = path.open("a")
        except OSError as error:
            raise UsageError(f"Could not create {path}: {(error.strerror or str(error)).lower()}.") from None
        try:
            fcntl.flock(self._handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._handle.close()
            raise UsageError(f"Another batch is running in {path.parent}; wait for it or choose another "
                             "--out.") from None

    def close(self) -> None:
        self._handle.close()  # closing lets go of the lock

    def __enter__(self) -> FolderLock:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


lock_folder = FolderLock


class FolderOutputs:
    """Saves a finished job's outputs into the batch's folder (a text reply as a ``.txt`` file), named by the
    job's number and prompt so a batch's files sort in queue order."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def keep(self, job: JobRecord, run: Run, finished: RunFinished) -> list[Path]:
        base = f"{job.id:04d}-{slugify(str(job.input.get('prompt') or job.model), 40)}"
        pieces: list[tuple[str, bytes]] = []
        outputs = run.outputs
        for index, output in enumerate(outputs):
            extension = (extension_for_content_type(output.content_type or "") or sniff_image_extension(output.data)
                         or "bin")
            suffix = f"-{index + 1}" if len(outputs) > 1 else ""
            pieces.append((f"{base}{suffix}.{extension}", output.data))
        if not outputs and finished.text:
            pieces.append((f"{base}.txt", finished.text.encode("utf-8")))
        return [await asyncio.to_thread(save_output, self.folder, name, data) for name, data in pieces]
