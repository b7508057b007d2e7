"""Headless ``replicate-desktop generate``: one prediction on the same core, for scripts and terminals."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import aiohttp

from .cli_checks import UsageError, check_generate_args
from .cli_common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    LineReporter,
    event_fields,
    parse_args,
    schema_source,
    stored_token,
)
from .replicate import (
    APP_POLICY,
    Completed,
    FollowPolicy,
    ImageResponse,
    LogsAppended,
    PollBudget,
    Progress,
    ReplicateClient,
    ReplicateError,
    Started,
    TextDelta,
    TextReplaced,
    download_to_file,
    file_input_value,
    generate,
)
from .storage.outputs import (
    OutputWriteError,
    default_output_name,
    extension_for_content_type,
    file_head,
    partial_file,
    place_file,
    sniff_image_extension,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="replicate-desktop generate",
        description="Run one prediction on Replicate: text streams to stdout, images are saved to --out.",
    )
    parser.add_argument("model", help="an alias (e.g. flux-schnell, llama-3-70b) or owner/name[:version]")
    parser.add_argument("prompt", help="the prompt")
    parser.add_argument("-i", "--input", action="append", default=[], metavar="KEY=VALUE",
                        help="extra model input; VALUE is parsed as JSON when it parses, else kept as text; "
                             "KEY=@PATH sends a local file")
    parser.add_argument("--out", type=Path, default=Path("."), help="folder for images (default: current)")
    parser.add_argument("--json", action="store_true", help="print one JSON object per event to stdout")
    parser.add_argument("--max-attempts", type=int, default=APP_POLICY.max_attempts, help="polling attempts")
    parser.add_argument("--delay", type=float, default=APP_POLICY.delay, help="seconds per polling attempt: "
                        "--max-attempts × --delay bounds how long a run is followed (polls come as often as "
                        "the app's budget of 10 a second allows)")
    parser.add_argument("--deadline", metavar="DURATION",
                        help="stop the run on Replicate after this long (e.g. 90s, 5m, 1h30m; at least 5s); "
                             "a run still queued then is aborted and not charged")
    return parser


def run_generate(argv: Sequence[str], *, stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr) -> int:
    parser = build_parser()
    args = parse_args(parser, argv, stdout, stderr)
    if isinstance(args, int):
        return args
    try:
        checked = check_generate_args(args)  # every free check, before anything is sent or spent
    except UsageError as error:
        print(f"replicate-desktop generate: {error}", file=stderr)
        return EXIT_USAGE
    reporter = Reporter(stdout, stderr, as_json=args.json)
    try:
        return asyncio.run(_generate(args, checked.extra, checked.policy, reporter))
    except KeyboardInterrupt:
        reporter.error("Interrupted; the prediction was canceled.", EXIT_INTERRUPTED)
        return EXIT_INTERRUPTED


async def _generate(args: argparse.Namespace, extra: dict[str, Any], policy: FollowPolicy, out: Reporter) -> int:
    token = os.environ.get("REPLICATE_API_TOKEN") or stored_token()
    async with aiohttp.ClientSession() as session:
        client = ReplicateClient.from_env(session, token=token)
        try:
            extra = await _send_files(client, extra)
            events = generate(client, args.model, [], prompt=args.prompt, extra_input=extra, policy=policy,
                              budget=PollBudget(), schemas=schema_source(), deadline=args.deadline)
            async with contextlib.aclosing(events):
                async for event in events:
                    if isinstance(event, ImageResponse):
                        for index, url in enumerate(event.images):
                            await _save_image(client, url, index, len(event.images), args, out)
                    else:
                        out.event(event)
        except ReplicateError as error:
            out.error(str(error), error.exit_code)
            return error.exit_code
        except OSError as error:  # OutputWriteError, or the folder vanished after the checks
            out.error(str(error) if isinstance(error, OutputWriteError) else f"Could not save the output: {error}",
                      EXIT_FAILED)
            return EXIT_FAILED
    return EXIT_OK


async def _send_files(client: ReplicateClient, extra: dict[str, Any]) -> dict[str, Any]:
    """Local file inputs (checked readable already) become data: URIs or uploads, before the prediction."""
    if not any(isinstance(value, Path) for value in extra.values()):
        return extra
    client.require_token()
    return {key: await file_input_value(client, value) if isinstance(value, Path) else value
            for key, value in extra.items()}


async def _save_image(
    client: ReplicateClient, url: str, index: int, count: int, args: argparse.Namespace, out: Reporter
) -> None:
    part = partial_file(args.out)  # streamed to disk under the download cap, never held in memory
    try:
        saved = await download_to_file(client, url, part)
        extension = (
            extension_for_content_type(saved.content_type or "") or sniff_image_extension(file_head(part)) or "bin"
        )
        name = default_output_name(args.prompt, datetime.now(), index + 1 if count > 1 else None, extension)
        path = place_file(part, args.out, name)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    out.saved(url, path, saved.size)


class Reporter(LineReporter):
    """Writes events: text to stdout, progress to stderr, or JSON lines with ``--json``.

    Printed text cannot be taken back: when the core replaces a garbled stream with the model's exact output
    (``TextReplaced``), text mode says so on stderr and prints the exact reply again on a line of its own;
    ``--json`` emits a ``textreplaced`` event whose ``text`` supersedes the ``textdelta`` events before it."""

    def __init__(self, stdout: TextIO, stderr: TextIO, *, as_json: bool) -> None:
        super().__init__(stdout, stderr, as_json=as_json)
        self._last_progress = ""
        self._text_open = False

    def event(self, event: object) -> None:
        if self.as_json:
            self._json({"event": type(event).__name__.lower(), **event_fields(event)})
            return
        if isinstance(event, TextDelta):
            self.stdout.write(event.text)
            self.stdout.flush()
            self._text_open = True
        elif isinstance(event, TextReplaced):
            if self._text_open:
                self.stdout.write("\n")
                self.stdout.flush()
            self._err("The stream repeated or lost part of the reply; the exact reply from Replicate follows.")
            self.stdout.write(event.text)
            self.stdout.flush()
            self._text_open = True
        elif isinstance(event, Started):
            self._err(f"Started {event.model} ({event.prediction_id})")
        elif isinstance(event, Progress):
            self._progress(event)
        elif isinstance(event, Completed):
            if self._text_open:
                self.stdout.write("\n")
                self.stdout.flush()
            timing = f" in {event.predict_time:.1f} s of model time" if event.predict_time is not None else ""
            self._err(f"Done{timing}.")
        elif isinstance(event, LogsAppended):
            pass  # the latest log line is part of the progress line

    def saved(self, url: str, path: Path, size: int) -> None:
        if self.as_json:
            self._json({"event": "image_saved", "url": url if not url.startswith("data:") else "data:…",
                        "path": str(path), "bytes": size})
        else:
            self.stdout.write(f"{path}\n")
            self.stdout.flush()

    def _progress(self, event: Progress) -> None:
        if event.percent is not None:
            line = f"{event.status}: {event.percent:.0f} %"
        elif event.mode == "poll":
            line = f"{event.status}: poll {event.attempt}/{event.max_attempts}"
        else:
            line = f"{event.status}…"
        if line != self._last_progress:
            self._last_progress = line
            self._err(line)
