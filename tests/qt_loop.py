"""Runs the async GUI tests on the app's qasync loop so Qt timers and signals fire while they await.

The GUI test folders' conftest.py import ``pytest_asyncio_loop_factories`` from here (pytest finds the hook there).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
import qasync
from PySide6.QtWidgets import QApplication

from desktop_app.ui.shell.event_loop import AppEventLoop


def _qasync_loop() -> qasync.QEventLoop:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    return AppEventLoop(app)


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> Mapping[str, Callable[[], Any]]:
    return {"qasync": _qasync_loop}
