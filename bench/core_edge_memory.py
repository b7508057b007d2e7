"""Peak memory of a run whose poll answer is ~1 MB on the wire but inflates (gzip) to 1 GiB. Target: ≤ 200 MB.

The fake server runs in this process (on a thread); each measured run is a fresh child process that creates a
prediction of a polling text model through ``generate`` and follows it. The child reports its own peak RSS
(``ru_maxrss``), so neither the server nor the compressed bomb counts. Two runs: an ordinary one (the baseline: what
the interpreter, aiohttp and a run cost anyway) and one whose first poll answer is the bomb. Before the edge checks,
the same run read the whole answer into memory and took the process to 3.3 GB.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Sequence

from tests.fake_replicate import Script
from tests.fake_replicate.hostile import gzip_bomb, prepare_gzip_bomb
from tests.integration.helpers import ThreadedFake

MODEL = "acme/echo"  # a text model that is followed by polling (no stream)
INFLATED = 1 << 30
TARGET_MB = 200.0
CHILD = "child"


def child(base_url: str, token: str) -> int:
    """Runs one prediction against ``base_url`` and prints its outcome and this process's peak RSS as JSON."""
    import asyncio
    import resource

    import aiohttp

    from desktop_app.replicate import FollowPolicy, ReplicateClient, ReplicateError, TextDelta, generate

    async def run() -> str:
        async with aiohttp.ClientSession() as session:
            client = ReplicateClient(session, token=token, base_url=base_url)
            policy = FollowPolicy(max_attempts=200, delay=0.05, wait_seconds=None, use_stream=False)
            text = []
            try:
                async for event in generate(client, MODEL, [], prompt="one two three four five", policy=policy):
                    if isinstance(event, TextDelta):
                        text.append(event.text)
            except ReplicateError as error:
                return f"{type(error).__name__}: {error}"
            return f"succeeded: {''.join(text)!r}"

    outcome = asyncio.run(run())
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"outcome": outcome, "peak_mb": peak_kib * 1024 / 1e6}))
    return 0


def measure(server: ThreadedFake, bomb: bool) -> tuple[float, str, float]:
    fake = server.fake
    if bomb:
        server.call(lambda: fake.hostile.next_poll(gzip_bomb(INFLATED)))
    began = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "bench.core_edge_memory", CHILD, fake.base_url, fake.token],
                            capture_output=True, text=True, timeout=300, check=False)
    elapsed = time.perf_counter() - began
    if result.returncode != 0:
        raise RuntimeError(f"the child run failed: {result.stderr.strip()[-2000:]}")
    report = json.loads(result.stdout.strip().splitlines()[-1])
    return float(report["peak_mb"]), str(report["outcome"]), elapsed


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == CHILD:
        return child(args[1], args[2])
    print(__doc__.split("\n\n")[0])
    began = time.perf_counter()
    wire = prepare_gzip_bomb(INFLATED)  # compressed once here, so the server's loop is not held up later
    print(f"bomb: {INFLATED / 2**30:.0f} GiB of JSON in {wire / 1e6:.2f} MB of gzip "
          f"(built in {time.perf_counter() - began:.1f} s)")
    server = ThreadedFake()
    server.start()
    try:
        server.call(lambda: server.fake.set_script(MODEL, Script(kind="text", stream=False, echo=True,
                                                                 token_interval=0.05)))
        normal_mb, normal_outcome, normal_s = measure(server, bomb=False)
        bomb_mb, bomb_outcome, bomb_s = measure(server, bomb=True)
    finally:
        server.stop()
    print(f"\n  ordinary run        peak RSS {normal_mb:6.1f} MB  ({normal_s:.1f} s)  → {normal_outcome}")
    print(f"  poll answer → 1 GiB peak RSS {bomb_mb:6.1f} MB  ({bomb_s:.1f} s)  → {bomb_outcome}")
    print(f"\n  the bomb costs {bomb_mb - normal_mb:+.1f} MB over an ordinary run ({bomb_mb / normal_mb:.2f}×)")
    mark = "PASS" if bomb_mb <= TARGET_MB else "MISS"
    print(f"  [{mark}] peak memory with a 1 GiB poll answer: {bomb_mb:.0f} MB (target ≤ {TARGET_MB:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
