"""Headless ``replicate-desktop train``: fine-tune a trainer on a folder of photos (or a zip's URL) into one of your
models, on the same training service as the window; exit codes as ``generate``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import aiohttp

from .cli_checks import UsageError, parse_inputs
from .cli_common import (
    EXIT_API,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    LineReporter,
    event_fields,
    parse_args,
    stored_token,
)
from .replicate import (
    DeadlineError,
    PollBudget,
    ReplicateClient,
    ReplicateError,
    TrainingFollow,
    TrainingTimeout,
    cancel_training,
    parse_deadline,
)
from .session import (
    DataReady,
    DestinationCreated,
    PackingProgressed,
    TrainingBegun,
    TrainingCanceled,
    TrainingDetached,
    TrainingEnd,
    TrainingFailed,
    TrainingPlan,
    TrainingRefused,
    TrainingRequest,
    TrainingRunEvent,
    TrainingService,
    TrainingStatus,
    TrainingSucceeded,
    UploadProgressed,
)
from .session.training_checks import check_names
from .storage import AppPaths, TrainingRecord, TrainingsStore, TrainingsStoreError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="replicate-desktop train",
        description="Fine-tune a model on Replicate: pack and upload the photos, create the destination if asked, "
        "start the training, follow it; prints the new version (owner/name:version) on success.",
        epilog="Follow a training again (after a crash or Ctrl+Z): replicate-desktop train --resume TRAINING_ID",
    )
    parser.add_argument("trainer", nargs="?", help="the trainer as owner/name:version (the exact version that trains)")
    parser.add_argument("data", nargs="*", help="a folder of photos, photo files, or the http(s) URL of a zip")
    parser.add_argument("--destination", "-d", help="your model to train into, as owner/name")
    parser.add_argument("--create-destination", action="store_true",
                        help="create the destination as a new model first (its name must be free)")
    parser.add_argument("--hardware", metavar="SKU", help="hardware of a new destination (e.g. gpu-t4, gpu-h100)")
    parser.add_argument("--public", action="store_true", help="make a new destination public (default: private)")
    parser.add_argument("--description", help="description of a new destination")
    parser.add_argument("-i", "--input", action="append", default=[], metavar="KEY=VALUE",
                        help="a training input (e.g. -i steps=1000 -i trigger_word=TOK); VALUE is parsed as JSON "
                             "when it parses, else kept as text")
    parser.add_argument("--json", action="store_true", help="print one JSON object per event to stdout")
    parser.add_argument("--timeout", metavar="DURATION",
                        help="stop following (and cancel the training) after this long, e.g. 45m or 2h")
    parser.add_argument("--poll-interval", type=float, default=2.0, metavar="SECONDS",
                        help="seconds between looks at the training (default 2)")
    parser.add_argument("--resume", metavar="TRAINING_ID", help="follow a training started earlier, by its id")
    return parser


def run_train(argv: Sequence[str], *, stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr) -> int:
    parser = build_parser()
    args = parse_args(parser, argv, stdout, stderr)
    if isinstance(args, int):
        return args
    out = Reporter(stdout, stderr, as_json=args.json)
    try:
        request, follow = check_args(args)  # every free check that needs neither disk nor network
    except UsageError as error:
        out.error(f"replicate-desktop train: {error}", EXIT_USAGE)
        return EXIT_USAGE
    try:
        return asyncio.run(_main(args, request, follow, out))
    except KeyboardInterrupt:  # a second Ctrl+C, or one before the loop ran
        out.error("Interrupted.", EXIT_INTERRUPTED)
        return EXIT_INTERRUPTED


def check_args(args: argparse.Namespace) -> tuple[TrainingRequest | None, TrainingFollow]:
    """The request (``None`` with ``--resume``) and how to follow, once the command line makes sense."""
    if not math.isfinite(args.poll_interval) or not 0.05 <= args.poll_interval <= 600:
        raise UsageError(f"--poll-interval must be between 0.05 and 600 seconds, got {args.poll_interval:g}.")
    try:
        max_wait = parse_deadline(args.timeout)
    except DeadlineError as error:
        raise UsageError(f"--timeout: {str(error).replace('deadline', 'timeout')}") from None
    follow = TrainingFollow(interval=args.poll_interval, max_wait=max_wait, budget=PollBudget())
    if args.resume:
        if args.trainer or args.data:
            raise UsageError("--resume follows a training by its id: give no TRAINER or DATA with it.")
        return None, follow
    if not args.trainer or not args.data:
        raise UsageError("give the TRAINER (owner/name:version) and the DATA (a folder, photos or a zip's URL).")
    if not args.destination:
        raise UsageError("--destination owner/name is required: the model the new version goes to.")
    if not args.create_destination and (args.hardware or args.public or args.description):
        raise UsageError("--hardware, --public and --description describe a new destination: "
                         "add --create-destination.")
    inputs = parse_inputs(args.input)
    files = [key for key, value in inputs.items() if isinstance(value, Path)]
    if files:
        raise UsageError(f"-i {files[0]}=@…: training inputs take no local files; the photos go in DATA.")
    is_url = len(args.data) == 1 and args.data[0].startswith(("http://", "https://"))
    request = TrainingRequest(
        trainer=args.trainer, destination=args.destination,
        data=() if is_url else tuple(Path(item).expanduser() for item in args.data),
        data_url=args.data[0] if is_url else None, inputs=inputs, create_destination=args.create_destination,
        hardware=args.hardware, visibility="public" if args.public else "private", description=args.description,
    )
    try:
        check_names(request)
    except TrainingRefused as error:
        raise UsageError(str(error)) from None
    return request, follow


async def _main(args: argparse.Namespace, request: TrainingRequest | None, follow: TrainingFollow,
                out: Reporter) -> int:
    token = os.environ.get("REPLICATE_API_TOKEN") or stored_token()
    paths = AppPaths.default()
    try:
        store = TrainingsStore(paths.data_dir / "trainings.db")
    except TrainingsStoreError as error:
        out.error(f"{error}; this training will not be remembered after it ends.", None)
        store = TrainingsStore(Path(":memory:"))
    async with aiohttp.ClientSession() as session:
        client = ReplicateClient.from_env(session, token=token)
        service = TrainingService(lambda: client, store, work_dir=paths.cache_dir / "training-data", follow=follow)
        try:
            return await _train(service, client, args, request, out)
        finally:
            await service.aclose()
            store.close()


async def _train(service: TrainingService, client: ReplicateClient, args: argparse.Namespace,
                 request: TrainingRequest | None, out: Reporter) -> int:
    if request is None:
        record = await asyncio.to_thread(service.store.by_training_id, args.resume)
        if record is None:
            record = await asyncio.to_thread(service.store.add, TrainingRecord(
                "", args.destination or "", training_id=args.resume, status="starting"))
        run = service.resume(record)
    else:
        try:
            plan = await service.check(request)
        except TrainingRefused as error:
            out.error(str(error), EXIT_USAGE)
            return EXIT_USAGE
        except ReplicateError as error:
            out.error(str(error), error.exit_code)
            return error.exit_code
        out.plan(plan)
        run = service.start(plan)
    try:
        async for event in run:
            out.event(event)
        end = run.end
    except asyncio.CancelledError:  # Ctrl+C: cancel the training on Replicate, then leave with 130
        run.cancel()
        end = await run.wait()
        out.event(end)
        out.error("Interrupted; the training was canceled on Replicate." if _on_server(end)
                  else "Interrupted; nothing was left running on Replicate.", EXIT_INTERRUPTED)
        return EXIT_INTERRUPTED  # handled: asyncio.run returns the code instead of raising KeyboardInterrupt
    return await _exit_code(client, end, out)


async def _exit_code(client: ReplicateClient, end: TrainingEnd | None, out: Reporter) -> int:
    if isinstance(end, TrainingSucceeded):
        return EXIT_OK
    if isinstance(end, TrainingCanceled):
        return EXIT_FAILED
    if isinstance(end, TrainingFailed):
        error = end.problem.error
        if isinstance(error, TrainingTimeout) and end.training_id:  # like generate: stop paying for it
            with contextlib.suppress(ReplicateError):
                await cancel_training(client, end.training_id)
                out.error("It was canceled on Replicate.", None)
        if isinstance(error, TrainingRefused):
            return EXIT_USAGE
        return error.exit_code if isinstance(error, ReplicateError) else EXIT_API
    return EXIT_API  # TrainingDetached or no end: the training goes on without us


def _on_server(end: TrainingEnd) -> bool:
    return isinstance(end, TrainingCanceled) and end.on_server


class Reporter(LineReporter):
    """Writes events: the new version to stdout, progress to stderr — or JSON lines with ``--json``."""

    def __init__(self, stdout: TextIO, stderr: TextIO, *, as_json: bool) -> None:
        super().__init__(stdout, stderr, as_json=as_json)
        self._last = ""

    def plan(self, plan: TrainingPlan) -> None:
        if self.as_json:
            estimate = plan.estimate
            self._json({"event": "plan", "steps": plan.steps(),
                        "estimate_dollars": round(estimate.dollars, 2) if estimate else None,
                        "estimate_is_an_estimate": True})
            return
        for line in plan.steps():
            self._err(line)

    def event(self, event: TrainingRunEvent | None) -> None:
        if event is None:
            return
        if self.as_json:
            self._json({"event": _event_name(event), **_plain(event)})
            return
        if isinstance(event, PackingProgressed):
            self._progress(f"packing: {100 * event.done // max(1, event.total)} %")
        elif isinstance(event, UploadProgressed):
            self._progress(f"uploading: {100 * event.sent // max(1, event.total)} %")
        elif isinstance(event, DataReady):
            self._err("Replicate has these photos already; not uploading them again." if event.reused
                      else f"Training data at {event.url}")
        elif isinstance(event, DestinationCreated):
            self._err(f"Created the model {event.model}.")
        elif isinstance(event, TrainingBegun):
            verb = "Following" if event.resumed else "Started"
            self._err(f"{verb} training {event.training_id}" + (f" ({event.web_url})" if event.web_url else ""))
        elif isinstance(event, TrainingStatus):
            percent = f" {event.percent:.0f} %" if event.percent is not None else ""
            self._progress(f"{event.status}:{percent} ({_minutes(event.elapsed)})")
        elif isinstance(event, TrainingSucceeded):
            self.stdout.write(event.version + "\n")
            self.stdout.flush()
            timing = f" in {_minutes(event.predict_time)} of training" if event.predict_time is not None else ""
            self._err(f"Done{timing}. The new version is {event.version}.")
            if event.suggested_prompt:
                self._err(f"Try it: replicate-desktop generate {event.version} {json.dumps(event.suggested_prompt)}")
        elif isinstance(event, TrainingFailed):
            self._err(f"Error: {event.problem.message}")
        elif isinstance(event, TrainingCanceled):
            self._err("The training was canceled" + (" on Replicate." if event.on_server else "."))
        elif isinstance(event, TrainingDetached):
            self._err(f"Stopped following; training {event.training_id} goes on on Replicate.")

    def error(self, message: str, code: int | None) -> None:
        if self.as_json:
            self._json({"event": "error", "message": message, "exit_code": code})
        self._err(message if message.startswith("replicate-desktop") else f"Error: {message}")

    def _progress(self, line: str) -> None:
        if line != self._last:
            self._last = line
            self._err(line)


def _event_name(event: object) -> str:
    name = type(event).__name__
    return "".join(f"_{char.lower()}" if char.isupper() else char for char in name).lstrip("_")


def _plain(event: object) -> dict[str, Any]:
    if isinstance(event, TrainingFailed):
        problem = event.problem
        return {"run_id": event.run_id, "training_id": event.training_id, "message": problem.message,
                "kind": problem.kind, "fields": dict(problem.fields)}
    return event_fields(event)


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"
