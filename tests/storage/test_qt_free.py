"""The storage layer must import and work with PySide6 and qasync unavailable."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import desktop_app

PROJECT_ROOT = Path(desktop_app.__file__).resolve().parent.parent


def test_storage_imports_without_qt(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import sys
        for blocked in ("PySide6", "qasync", "shiboken6"):
            sys.modules[blocked] = None  # any import of them now raises ImportError
        import desktop_app.storage as storage
        from desktop_app.storage import outputs, paths, secrets, settings, validation, atomic
        loaded = sorted(name for name in sys.modules if name.split(".")[0] in ("PySide6", "qasync"))
        assert not [name for name in loaded if sys.modules[name] is not None], loaded
        print("ok", len(storage.__all__))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok ")
