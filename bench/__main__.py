"""Runs every benchmark module (``core_*`` / ``ui_*`` with a ``main()``), each under a header.

A module that fails prints its error and the run continues; the exit code is 1 when any failed.
``python -m bench NAME ...`` runs only the modules whose names contain one of the NAMEs.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import pkgutil
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

PREFIXES = ("core_", "ui_")


def discover() -> list[str]:
    """Names of the benchmark modules in this package, core ones first, each group alphabetical."""
    found = [info.name for info in pkgutil.iter_modules([str(Path(__file__).parent)])
             if info.name.startswith(PREFIXES)]
    return sorted(found, key=lambda name: (PREFIXES.index(name.split("_", 1)[0] + "_"), name))


def run_module(name: str) -> bool:
    """Imports ``bench.<name>`` and runs its ``main()``; True when it ran without error."""
    print(f"\n{'=' * 100}\n== bench.{name}\n{'=' * 100}", flush=True)
    started = time.perf_counter()
    try:
        module = importlib.import_module(f"{__package__ or 'bench'}.{name}")
        main: Callable[[], Any] | None = getattr(module, "main", None)
        if not callable(main):
            print(f"(skipped: bench.{name} has no main())", flush=True)
            return True
        result = main()
        if inspect.isawaitable(result):
            result = asyncio.run(_awaited(result))
        # a bench's main() returns None or a verdict (True/False) or an exit code (0 = passed); by identity and
        # type, since 1 == True would let an exit code of 1 pass
        ok = result is None or result is True or (type(result) is int and result == 0)
        if not ok:
            print(f"bench.{name} reported failure: {result!r}", flush=True)
    except SystemExit as exit_:
        ok = exit_.code in (None, 0)
        if not ok:
            print(f"bench.{name} exited with {exit_.code!r}", flush=True)
    except Exception:
        traceback.print_exc(file=sys.stdout)
        print(f"bench.{name} FAILED", flush=True)
        ok = False
    print(f"-- bench.{name}: {'done' if ok else 'FAILED'} in {time.perf_counter() - started:.1f} s", flush=True)
    return ok


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


def main(argv: Sequence[str] | None = None) -> int:
    wanted = list(sys.argv[1:] if argv is None else argv)
    names = [name for name in discover() if not wanted or any(part in name for part in wanted)]
    if not names:
        print(f"No benchmark modules matched {wanted!r}; found: {', '.join(discover()) or 'none'}")
        return 2
    failed = [name for name in names if not run_module(name)]
    print(f"\n{len(names) - len(failed)} of {len(names)} benchmark modules ran"
          + (f"; FAILED: {', '.join(failed)}" if failed else "."))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
