"""The editor for each kind of input: the one place that knows every editor class."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ...replicate import FieldSpec
from .fields import ArrayEditor, BoolEditor, EnumEditor, FieldEditor, NumberEditor, TextEditor
from .files import FileEditor
from .seed import SeedEditor

_EDITORS: dict[str, type[FieldEditor]] = {
    "integer": NumberEditor, "number": NumberEditor, "enum": EnumEditor, "boolean": BoolEditor,
    "string": TextEditor, "text": TextEditor, "file": FileEditor, "seed": SeedEditor, "array": ArrayEditor,
}


def make_editor(spec: FieldSpec, parent: QWidget | None = None) -> FieldEditor | None:
    """The editor for ``spec``'s kind, or ``None`` for a kind the form cannot show (edit it as JSON)."""
    kind = _EDITORS.get(spec.kind)
    return kind(spec, parent) if kind is not None else None
