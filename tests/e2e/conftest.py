"""Runs the async GUI tests on the app's qasync loop (see tests/qt_loop.py)."""

from tests.qt_loop import pytest_asyncio_loop_factories  # noqa: F401  (a hook: pytest finds it by name)
