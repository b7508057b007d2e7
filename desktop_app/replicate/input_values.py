"""Checking and converting what a user typed into a model's form, field by field, before anything is sent."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from .schema import FieldKind, FieldSpec, InputSchema, ItemKind

_FILE_SCHEMES = ("http://", "https://", "data:")
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


def validate_input(schema: InputSchema, values: Mapping[str, Any]) -> dict[str, str]:
    """Field name → one human sentence for every problem; empty when the input can be sent.

    Form strings are accepted where :func:`coerce_values` can convert them (``"12"`` for an integer).
    Names the schema does not know are not checked (the server ignores them).
    """
    errors: dict[str, str] = {}
    for spec in schema.fields:
        value = values.get(spec.name)
        if _is_empty(value):
            if spec.required and not spec.has_default:
                errors[spec.name] = f"{spec.title} is required."
            continue
        _, error = _convert(spec, value)
        if error:
            errors[spec.name] = error
    return errors


def coerce_values(schema: InputSchema, values: Mapping[str, Any]) -> dict[str, Any]:
    """The input to send: empty fields dropped (the model's default applies), form strings converted
    to the field's type (ints for integer fields), unknown names kept as given. Values that cannot be
    converted are passed through unchanged — run :func:`validate_input` first."""
    result: dict[str, Any] = {}
    for name, value in values.items():
        spec = schema.get(name)
        if spec is None:
            result[name] = value
            continue
        if _is_empty(value):
            continue
        converted, error = _convert(spec, value)
        result[name] = value if error else converted
    return result


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _convert(spec: FieldSpec, value: Any) -> tuple[Any, str | None]:
    """``(converted value, None)`` or ``(value, error sentence)``."""
    title = spec.title
    if spec.kind == "enum":
        for choice in spec.choices:
            if (value == choice and type(value) is type(choice)) or str(value) == str(choice):
                return choice, None
        shown = ", ".join(str(choice) for choice in spec.choices)
        return value, f"{title} must be one of: {shown}."
    if spec.kind in ("integer", "seed", "number"):
        number = _to_number(value, integer=spec.kind != "number")
        if number is None:
            wanted = "a number" if spec.kind == "number" else "a whole number"
            return value, f"{title} must be {wanted}."
        return number, _range_error(spec, number)
    if spec.kind == "boolean":
        if isinstance(value, bool):
            return value, None
        text = str(value).strip().lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE, None
        return value, f"{title} must be true or false."
    if spec.kind in ("string", "text"):
        if not isinstance(value, str):
            return value, f"{title} must be text."
        return value, _length_error(spec, value)
    if spec.kind == "file":
        if not isinstance(value, str) or not value.startswith(_FILE_SCHEMES):
            return value, f"{title} must be a file URL or a data: URI (choose a file to upload)."
        return value, None
    if spec.kind == "array":
        return _convert_array(spec, value)
    if isinstance(value, str):  # unknown: JSON typed into a text box
        try:
            return json.loads(value), None
        except ValueError:
            return value, None
    return value, None


def _convert_array(spec: FieldSpec, value: Any) -> tuple[Any, str | None]:
    items = [line.strip() for line in value.splitlines() if line.strip()] if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        return value, f"{spec.title} must be a list."
    item_spec = FieldSpec(spec.name, _ITEM_FIELD_KIND[spec.item_kind or "string"], f"Each item of {spec.title}")
    converted: list[Any] = []
    for item in items:
        new, error = _convert(item_spec, item)
        if error:
            return value, error
        converted.append(new)
    return converted, None


_ITEM_FIELD_KIND: dict[ItemKind, FieldKind] = {"string": "string", "file": "file", "integer": "integer",
                                                "number": "number"}


def _to_number(value: Any, *, integer: bool) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            value = int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)
        except ValueError:
            return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        if integer:
            return int(value) if value.is_integer() else None
        return value
    return None


def _range_error(spec: FieldSpec, number: float) -> str | None:
    if spec.minimum is not None:
        if spec.exclusive_minimum and number <= spec.minimum:
            return f"{spec.title} must be greater than {_show(spec.minimum)}."
        if number < spec.minimum:
            return f"{spec.title} must be at least {_show(spec.minimum)} (it is {_show(number)})."
    if spec.maximum is not None:
        if spec.exclusive_maximum and number >= spec.maximum:
            return f"{spec.title} must be less than {_show(spec.maximum)}."
        if number > spec.maximum:
            return f"{spec.title} must be at most {_show(spec.maximum)} (it is {_show(number)})."
    return None


def _length_error(spec: FieldSpec, text: str) -> str | None:
    if spec.max_length is not None and len(text) > spec.max_length:
        return f"{spec.title} is too long: {len(text)} characters, at most {spec.max_length}."
    if spec.min_length is not None and len(text) < spec.min_length:
        return f"{spec.title} is too short: at least {spec.min_length} characters."
    return None


def _show(number: float) -> str:
    return f"{number:g}"
