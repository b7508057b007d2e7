"""Small helpers for building widgets."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QObject, Qt, SignalInstance
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

T = TypeVar("T", bound=QObject)


def named(obj: T, name: str) -> T:
    """Sets the object name (for tests, style sheets and accessibility tools) and returns the object."""
    obj.setObjectName(name)
    return obj


def widget_action(owner: QObject, name: str, text: str, slot: Callable[[], object] | SignalInstance | None,
                  keys: str | QKeySequence | QKeySequence.StandardKey | Qt.Key | None = None,
                  scope: QWidget | None = None) -> QAction:
    """A named action connected to ``slot`` (when given); with ``keys`` its shortcut works only while ``scope`` (or a
    child of it) has focus, and ``scope`` holds the action so the shortcut is live."""
    action = named(QAction(text, owner), name)
    if slot is not None:
        action.triggered.connect(slot)
    if keys is not None and scope is not None:
        action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        scope.addAction(action)
    return action
