"""Runs the async GUI tests on a qasync loop so Qt timers and signals fire while they await."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
import qasync
from PySide6.QtWidgets import QApplication


def _qasync_loop() -> qasync.QEventLoop:
    app = QApplication.instance() or QApplication([])
    return qasync.QEventLoop(app, already_running=False)


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> Mapping[str, Callable[[], Any]]:
    return {"qasync": _qasync_loop}
