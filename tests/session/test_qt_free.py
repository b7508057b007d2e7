"""The application layer imports and runs with Qt unavailable: only ui/ may import it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import desktop_app

PROJECT_ROOT = Path(desktop_app.__file__).resolve().parent.parent


def test_every_session_module_imports_without_qt() -> None:
    script = textwrap.dedent(
        """
        import importlib, pkgutil, sys
        for blocked in ("PySide6", "shiboken6", "qasync", "PyQt5", "PyQt6"):
            sys.modules[blocked] = None  # any import of them now raises ImportError
        import desktop_app.session as session
        for module in pkgutil.walk_packages(session.__path__, session.__name__ + "."):
            importlib.import_module(module.name)
        for name in session.__all__:
            getattr(session, name)
        loaded = [name for name in sys.modules if name.split(".")[0] in ("PySide6", "qasync", "shiboken6")
                  and sys.modules[name] is not None]
        assert not loaded, loaded
        print("clean", len(session.__all__))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("clean ")
