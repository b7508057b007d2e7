"""Runs the async GUI tests on the app's qasync loop (see tests/qt_loop.py); ``english_texts`` installs the English
catalogue for a module that asks for it (``pytestmark = pytest.mark.usefixtures("english_texts")``)."""

from collections.abc import Iterator

import pytest

from tests.qt_loop import pytest_asyncio_loop_factories  # noqa: F401  (a hook: pytest finds it by name)
from tests.ui.gallery_helpers import english


@pytest.fixture
def english_texts(qapp: object) -> Iterator[None]:
    """The English catalogue installed: it holds the plural forms ("1 output", "2 outputs")."""
    with english():
        yield
