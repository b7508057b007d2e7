"""The core and storage layers never import Qt."""

from __future__ import annotations

import subprocess
import sys

BLOCK_QT = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split('.')[0] in {'PySide6', 'shiboken6', 'qasync', 'PyQt5', 'PyQt6'}:
            raise ImportError('Qt is not allowed here: ' + name)
        return None
sys.meta_path.insert(0, Block())
import pkgutil, importlib
import desktop_app.replicate, desktop_app.storage, desktop_app.cli, desktop_app.cli_train
for package in (desktop_app.replicate, desktop_app.storage):
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):
        importlib.import_module(module.name)
loaded = sorted(m for m in sys.modules if m.split('.')[0] in {'PySide6', 'qasync'})
assert not loaded, loaded
print('clean')
"""


def test_core_storage_and_cli_import_without_qt() -> None:
    result = subprocess.run([sys.executable, "-c", BLOCK_QT], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "clean"
