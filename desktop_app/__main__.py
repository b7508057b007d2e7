"""Command line entry: ``replicate-desktop [--model M]`` opens the window; ``generate`` runs headless."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from . import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="replicate-desktop",
        description="Chat with text models and generate images with models hosted on Replicate.",
        epilog="Headless: replicate-desktop generate MODEL PROMPT [-i key=value ...] [--out DIR] [--json] "
        "(see 'replicate-desktop generate --help'); many at once: replicate-desktop batch MODEL --prompts FILE "
        "[-n N] [--matrix KEY=V1,V2] [--out DIR] (see 'replicate-desktop batch --help'); replicate-desktop train "
        "TRAINER DATA --destination owner/name (see 'replicate-desktop train --help'). "
        "Environment: REPLICATE_API_TOKEN, REPLICATE_API_BASE_URL.",
    )
    parser.add_argument("--model", help="open with this model chosen (alias or owner/name[:version])")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--smoke-test", action="store_true", help="open the window, paint once and exit")
    parser.add_argument("--verbose", action="store_true", help="log debug details to stderr")
    return parser


def display_problem() -> str | None:
    """Why no window can open here, or ``None`` when one can."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return (
        "No display found (neither DISPLAY nor WAYLAND_DISPLAY is set), so the window cannot open. "
        "Run it inside a desktop session, or under a virtual display: xvfb-run make run. "
        "For headless use: replicate-desktop generate MODEL PROMPT."
    )


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["generate"]:
        from .cli import run_generate

        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
        return run_generate(args_list[1:])
    if args_list[:1] == ["batch"]:
        from .cli_batch import run_batch

        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
        return run_batch(args_list[1:])
    if args_list[:1] == ["train"]:
        from .cli_train import run_train

        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
        return run_train(args_list[1:])
    parser = build_parser()
    args = parser.parse_args(args_list)
    if args.model:
        from .replicate import UnknownModelError, get_model

        try:
            get_model(args.model)
        except UnknownModelError as error:
            parser.error(str(error))
    problem = display_problem()
    if problem is None:
        from .platform_check import xcb_problem

        problem = xcb_problem(os.environ)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    from .app import run_app

    return run_app(args)


if __name__ == "__main__":
    sys.exit(main())
