"""The fake Replicate with the fake FLUX trainer registered, served in a process of its own for the GUI benches.

`python -m bench.fake_trainer` prints ``<base_url> <trainer version>`` on one line, then serves until killed.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fake_replicate import FakeReplicate  # noqa: E402


async def serve() -> None:
    fake = FakeReplicate()
    await fake.start(0)
    try:
        trainer = fake.trainings.add_trainer()
        print(f"{fake.base_url} {trainer.version}", flush=True)
        await asyncio.Event().wait()
    finally:
        await fake.close()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
