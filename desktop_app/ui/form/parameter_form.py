"""A model's inputs as a two-column form built from its schema, with a JSON editor for what a form cannot show."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFontDatabase, QFontMetrics, QPalette
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...replicate import FieldSpec, InputSchema, coerce_values, validate_input
from .editors import make_editor
from .fields import FieldEditor
from .form_style import finite, jsonable, label_text, style_sheet

JSON_KEY = "(json)"
"""The key of an error about the raw JSON editor in the errors ``values_for_run`` returns."""

_FILE_PLACEHOLDER = "data:,"  # stands in for a chosen local file while validating


class ParameterForm(QWidget):
    """The inputs of one model: an editor per field (label | editor), ordered as the schema says.

    Fields the form cannot show, and malformed schemas, get a notice and a raw JSON editor whose
    object is merged into the values. ``values()`` gives typed values (``Path`` for a chosen local
    file; the caller turns it into a ``data:`` URI or upload) and leaves empty optional fields out.
    Put the form in a ``QScrollArea``: it does not scroll by itself.

    Signals:
        values_changed(): the user changed a value (also after "Reset to defaults" and when a run
            picked a new random seed); programmatic ``set_schema``/``set_values`` stay quiet.
    """

    values_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._schema = InputSchema()
        self._excluded: set[str] = set()
        self._editors: dict[str, FieldEditor] = {}
        self._labels: dict[str, QLabel] = {}
        self._errors: dict[str, QLabel] = {}
        self._json_wanted = False
        self._setup_ui()

    # ------------------------------------------------------------------ public API

    def schema(self) -> InputSchema:
        return self._schema

    def set_schema(self, schema: InputSchema, *, exclude: set[str] | None = None) -> None:
        """Builds the editors of ``schema``; ``exclude`` defaults to the prompt field (the app's prompt box)."""
        self._schema = schema
        prompt = schema.prompt_field
        self._excluded = set(exclude) if exclude is not None else ({prompt.name} if prompt is not None else set())
        self._clear_rows()
        for spec in schema.fields:
            if spec.name in self._excluded:
                continue
            editor = make_editor(spec, self._fields)
            if editor is not None:
                self._add_row(spec, editor)
        hidden = [name for name in schema.unsupported if name not in self._excluded]
        notes = list(schema.problems)
        if hidden:
            notes.append(self.tr("Not shown: %1.").replace("%1", ", ".join(hidden)))
        if notes:
            intro = self.tr("Some inputs of this model can't be shown as a form; edit them as JSON below.")
            self._notice.setText("\n".join([intro, *notes]))
        self._notice.setVisible(bool(notes))
        self._json_wanted = bool(notes)
        self._json_edit.setPlainText("")
        self._json_toggle.setChecked(self._json_wanted)
        self._empty.setVisible(not self._editors and not notes)
        self._reset_button.setEnabled(bool(self._editors) or self._json_wanted)
        self.clear_errors()

    def add_header(self, widget: QWidget) -> None:
        """Puts ``widget`` (the preset menu) above the fields."""
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(0, widget)

    def editor(self, name: str) -> FieldEditor | None:
        """The editor of the field ``name`` (``None`` for excluded and JSON-only fields)."""
        return self._editors.get(name)

    def values(self) -> dict[str, Any]:
        """Current values, typed; empty optional fields are left out; valid JSON-editor keys merged in."""
        result: dict[str, Any] = {}
        for name, editor in self._editors.items():
            value = editor.value()
            if value is not None:
                result[name] = value
        extra, _ = self._parse_json()
        result.update(extra or {})
        return result

    def set_values(self, values: Mapping[str, Any], *, reset: bool = True) -> None:
        """Shows remembered or reused values (after a reset to defaults unless ``reset`` is False).

        Keys without an editor (and values an editor cannot show) go to the JSON editor; keys of
        excluded fields (the prompt) are ignored. Seeds given here are locked.
        """
        if reset:
            self._reset_fields()
        extra: dict[str, Any] = {}
        for name, value in values.items():
            if name in self._excluded:
                continue
            editor = self._editors.get(name)
            if editor is None or not editor.set_value(value):
                extra[name] = jsonable(value)
        if extra:
            current, _ = self._parse_json()
            merged = {**(current or {}), **extra}
            self._json_edit.setPlainText(json.dumps(merged, indent=2, ensure_ascii=False))
            self._json_toggle.setChecked(True)
        self.clear_errors()

    def values_for_run(self) -> tuple[dict[str, Any] | None, dict[str, str]]:
        """Values to send, or ``(None, errors)`` with the culprits highlighted.

        Unlocked seeds get a new random value first. Errors map field names (or ``JSON_KEY``) to a
        sentence. Local files must exist; the values keep them as ``Path``.
        """
        self.clear_errors()
        if any([editor.prepare_run() for editor in self._editors.values()]):
            self.values_changed.emit()
        errors: dict[str, str] = {}
        _, json_error = self._parse_json()
        if json_error:
            errors[JSON_KEY] = json_error
        values = self.values()
        checked = dict(values)
        for name, value in values.items():
            if isinstance(value, Path):
                checked[name] = _FILE_PLACEHOLDER
                if not value.is_file():
                    errors[name] = self.tr("%1: there is no file at %2.").replace("%1", self._title(name)) \
                        .replace("%2", str(value))
        for name, message in validate_input(self._schema, checked).items():
            if name not in self._excluded:
                errors.setdefault(name, message)
        if errors:
            self.highlight_errors(errors)
            return None, errors
        return coerce_values(self._schema, values), {}

    def highlight_errors(self, errors: Mapping[str, str]) -> dict[str, str]:
        """Marks the fields named in ``errors`` (``"steps"`` or the server's ``"input.steps"``).

        Errors about fields the form does not show go to the JSON editor (fields only it can set)
        or to a line atop the form; those not attached to an editor are returned.
        """
        general: dict[str, str] = {}
        json_lines: list[str] = []
        first: QWidget | None = None
        for key, message in errors.items():
            name = key.removeprefix("input.") or key
            editor = self._editors.get(name)
            if editor is not None:
                editor.set_invalid(True)
                self._errors[name].setText(message)
                self._errors[name].show()
                first = first or editor.focus_widget()
            elif name == JSON_KEY or (name not in self._excluded and self._schema.get(name) is not None):
                json_lines.append(message if name == JSON_KEY else f"{name}: {message}")
                first = first or self._json_edit
            else:
                general[key] = message
        if json_lines:
            self._json_error.setText("\n".join(json_lines))
            self._json_error.show()
            self._json_toggle.setChecked(True)
            self._set_json_invalid(True)
        if general:
            self._general_error.setText("\n".join(general.values()))
            self._general_error.show()
        if first is not None:
            self._reveal(first)
        return general

    def clear_errors(self) -> None:
        for name, editor in self._editors.items():
            editor.set_invalid(False)
            self._errors[name].hide()
        self._general_error.hide()
        _, json_error = self._parse_json()
        self._show_json_error(json_error)

    def reset(self) -> None:
        """Every field back to its default, the JSON editor emptied."""
        self._reset_fields()
        self.clear_errors()
        self.values_changed.emit()

    # ------------------------------------------------------------------ set-up

    def _setup_ui(self) -> None:
        self._notice = QLabel(self)
        self._notice.setObjectName("parameter_form_notice")
        self._notice.setWordWrap(True)
        self._notice.setProperty("role", "notice")
        self._notice.hide()
        self._general_error = QLabel(self)
        self._general_error.setObjectName("parameter_form_error")
        self._general_error.setWordWrap(True)
        self._general_error.setProperty("role", "error")
        self._general_error.hide()
        self._empty = QLabel(self.tr("This model has no settings besides the prompt."), self)
        self._empty.setObjectName("parameter_form_empty")
        self._empty.setWordWrap(True)
        self._empty.hide()

        self._fields = QWidget(self)
        self._fields.setObjectName("parameter_form_fields")
        self._form = QFormLayout(self._fields)
        self._form.setContentsMargins(0, 0, 0, 0)
        self._form.setHorizontalSpacing(12)
        self._form.setVerticalSpacing(4)
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self._form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)

        self._json_box = QWidget(self)
        self._json_box.setObjectName("parameter_form_json_box")
        json_title = QLabel(self.tr("Input as JSON (merged into the values above)"), self._json_box)
        json_title.setObjectName("parameter_form_json_title")
        self._json_edit = QPlainTextEdit(self._json_box)
        self._json_edit.setObjectName("parameter_form_json")
        self._json_edit.setPlaceholderText(self.tr('{"name": "value"}'))
        self._json_edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self._json_edit.setTabChangesFocus(True)
        self._json_edit.setFixedHeight(QFontMetrics(self._json_edit.font()).lineSpacing() * 5 + 14)
        self._json_edit.textChanged.connect(self._on_json_edit_text_changed)
        self._json_error = QLabel(self._json_box)
        self._json_error.setObjectName("parameter_form_json_error")
        self._json_error.setWordWrap(True)
        self._json_error.setProperty("role", "error")
        self._json_error.hide()
        json_layout = QVBoxLayout(self._json_box)
        json_layout.setContentsMargins(0, 6, 0, 0)
        json_layout.setSpacing(3)
        json_layout.addWidget(json_title)
        json_layout.addWidget(self._json_edit)
        json_layout.addWidget(self._json_error)
        self._json_box.hide()

        self._json_toggle = QToolButton(self)
        self._json_toggle.setObjectName("parameter_form_json_toggle")
        self._json_toggle.setText(self.tr("Edit as JSON"))
        self._json_toggle.setCheckable(True)
        self._json_toggle.setToolTip(self.tr("Show the JSON editor for inputs the form does not cover"))
        self._json_toggle.toggled.connect(self._on_json_toggle_toggled)
        self._reset_button = QPushButton(self.tr("Reset to defaults"), self)
        self._reset_button.setObjectName("parameter_form_reset")
        self._reset_button.clicked.connect(self._on_reset_button_clicked)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 6, 0, 0)
        buttons.addStretch(1)
        buttons.addWidget(self._json_toggle)
        buttons.addWidget(self._reset_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        layout.addWidget(self._notice)
        layout.addWidget(self._general_error)
        layout.addWidget(self._empty)
        layout.addWidget(self._fields)
        layout.addWidget(self._json_box)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self._apply_style()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_style()
        super().changeEvent(event)

    # ------------------------------------------------------------------ slots

    def _on_editor_edited(self, name: str) -> None:
        editor = self._editors.get(name)
        if editor is not None and editor.property("invalid"):
            editor.set_invalid(False)
            self._errors[name].hide()
        self.values_changed.emit()

    def _on_json_edit_text_changed(self) -> None:
        _, error = self._parse_json()
        self._show_json_error(error)
        if self._json_edit.hasFocus():
            self.values_changed.emit()

    def _on_json_toggle_toggled(self, checked: bool) -> None:
        self._json_box.setVisible(checked)

    def _on_reset_button_clicked(self) -> None:
        self.reset()

    # ------------------------------------------------------------------ helpers

    def _add_row(self, spec: FieldSpec, editor: FieldEditor) -> None:
        required = spec.required and not spec.has_default
        title = label_text(spec)
        label = QLabel(f"{title} *" if required else title, self._fields)
        label.setObjectName(f"label_{spec.name}")
        tip = spec.description or spec.title
        label.setToolTip(tip + ("\n" + self.tr("Required") if required else ""))
        label.setBuddy(editor.focus_widget())
        error = QLabel(self._fields)
        error.setObjectName(f"error_{spec.name}")
        error.setProperty("role", "error")
        error.setWordWrap(True)
        error.hide()
        cell = QWidget(self._fields)
        cell.setObjectName(f"cell_{spec.name}")
        column = QVBoxLayout(cell)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        column.addWidget(editor)
        column.addWidget(error)
        self._form.addRow(label, cell)
        editor.edited.connect(lambda name=spec.name: self._on_editor_edited(name))
        self._editors[spec.name] = editor
        self._labels[spec.name] = label
        self._errors[spec.name] = error

    def _clear_rows(self) -> None:
        while self._form.rowCount():
            self._form.removeRow(0)
        self._editors.clear()
        self._labels.clear()
        self._errors.clear()

    def _reset_fields(self) -> None:
        for editor in self._editors.values():
            editor.reset()
        self._json_edit.setPlainText("")
        self._json_toggle.setChecked(self._json_wanted)

    def _parse_json(self) -> tuple[dict[str, Any] | None, str | None]:
        text = self._json_edit.toPlainText().strip()
        if not text:
            return None, None
        try:
            parsed = json.loads(text, parse_constant=finite, parse_float=finite)
        except ValueError as error:
            return None, self.tr("This is not valid JSON: %1").replace("%1", str(error))
        if not isinstance(parsed, dict):
            return None, self.tr('The JSON must be an object, like {"name": "value"}.')
        return parsed, None

    def _show_json_error(self, error: str | None) -> None:
        self._json_error.setText(error or "")
        self._json_error.setVisible(bool(error))
        self._set_json_invalid(bool(error))
        if error:
            self._json_toggle.setChecked(True)

    def _set_json_invalid(self, invalid: bool) -> None:
        self._json_edit.setProperty("invalid", invalid)
        self._json_edit.style().unpolish(self._json_edit)
        self._json_edit.style().polish(self._json_edit)

    def _title(self, name: str) -> str:
        spec = self._schema.get(name)
        return spec.title if spec is not None else name

    def _reveal(self, widget: QWidget) -> None:
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QScrollArea):
            parent = parent.parentWidget()
        if isinstance(parent, QScrollArea):
            parent.ensureWidgetVisible(widget)

    def _apply_style(self) -> None:
        self.setStyleSheet(style_sheet(dark=self.palette().color(QPalette.ColorRole.Window).lightness() < 128))
