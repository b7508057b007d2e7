"""Runs the fake Replicate server standalone: `python -m tests.fake_replicate --port 8765 [--wait-window 60]`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from .server import FakeReplicate


async def serve(port: int, wait_window: float) -> None:
    """Starts the server, prints how to reach it, and serves until interrupted."""
    fake = FakeReplicate(wait_window=wait_window)
    await fake.start(port)
    try:
        print(f"Fake Replicate listening on {fake.base_url}")
        print(f"Token: {fake.token}")
        print(f"  export REPLICATE_API_BASE_URL={fake.base_url}")
        print(f"  export REPLICATE_API_TOKEN={fake.token}")
        print("Models: " + ", ".join(sorted(fake.models)))
        print("Press Ctrl+C to stop.", flush=True)
        await asyncio.Event().wait()
    finally:
        await fake.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.fake_replicate", description=__doc__)
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0 = any free port)")
    parser.add_argument("--wait-window", type=float, default=60.0,
                        help="longest time a `Prefer: wait` create request is held, in seconds")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port, args.wait_window))


if __name__ == "__main__":
    main()
