"""Small helpers for building widgets."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QObject

T = TypeVar("T", bound=QObject)


def named(obj: T, name: str) -> T:
    """Sets the object name (for tests, style sheets and accessibility tools) and returns the object."""
    obj.setObjectName(name)
    return obj
