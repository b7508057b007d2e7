"""The preset menu beside a model's form: named sets of its form values, a default one, export and import.

Presets belong to the model, not to a pinned version or an alias (:func:`~.preferences.form_key`). With the
model's schema, a saved preset leaves out its secret inputs and its file inputs (unless they are web addresses),
and an applied one gives back only the values the model still has inputs for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..replicate import InputSchema
from ..storage.presets import Cleaned, Imported, PresetStore
from .preferences import form_key


@dataclass(frozen=True)
class Applied:
    """A preset's values for the form, and the names of those the model no longer has inputs for."""

    name: str
    values: dict[str, Any]
    unknown: tuple[str, ...] = ()


class Presets:
    """Named presets per model over a :class:`PresetStore`. File writes are small; call from the loop thread.

    Every method raises ``PresetError`` (one sentence) for a name that is taken, missing or not allowed, and for
    a file that is not a presets export.
    """

    def __init__(self, store: PresetStore) -> None:
        self.store = store

    @property
    def last_warning(self) -> str | None:
        """What reading the presets file had to repair, if anything."""
        return self.store.last_warning

    def names(self, model: str) -> list[str]:
        return self.store.names(form_key(model))

    def default(self, model: str) -> str | None:
        return self.store.default(form_key(model))

    def save(self, model: str, name: str, values: Mapping[str, Any], *, schema: InputSchema | None = None,
             replace: bool = True) -> Cleaned:
        """Keeps the form's values as ``name``; returns what was kept and what was left out."""
        kept, dropped = _for_schema(values, schema)
        cleaned = self.store.save(form_key(model), name, kept, replace=replace)
        return Cleaned(cleaned.values, (*dropped, *cleaned.dropped))

    def apply(self, model: str, name: str, schema: InputSchema | None = None) -> Applied:
        """The values of a preset for the form (only those the model has inputs for, when its schema is known)."""
        values = self.store.get(form_key(model), name)
        if schema is None:
            return Applied(name, values)
        known = {spec.name for spec in schema.fields}
        return Applied(name, {key: value for key, value in values.items() if key in known},
                       tuple(key for key in values if key not in known))

    def starting_values(self, model: str, schema: InputSchema | None = None) -> Applied | None:
        """The default preset's values, for a form opened on ``model``; ``None`` without a default."""
        name = self.default(model)
        return self.apply(model, name, schema) if name is not None else None

    def rename(self, model: str, old: str, new: str) -> str:
        return self.store.rename(form_key(model), old, new)

    def delete(self, model: str, name: str) -> None:
        self.store.delete(form_key(model), name)

    def set_default(self, model: str, name: str | None) -> None:
        self.store.set_default(form_key(model), name)

    def export(self, path: Path, model: str | None = None, names: Iterable[str] | None = None) -> int:
        """Writes presets to a JSON file: these ``names`` of ``model``, all of ``model``'s, or every preset."""
        if model is None:
            return self.store.export(path)
        key = form_key(model)
        chosen = list(names) if names is not None else self.store.names(key)
        return self.store.export(path, [(key, name) for name in chosen])

    def import_file(self, path: Path) -> Imported:
        """Adds the presets of an exported file (a name already taken gets `` (2)``)."""
        return self.store.import_file(path)


def _for_schema(values: Mapping[str, Any], schema: InputSchema | None) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Without the schema's secret inputs, its local files and the prompt (the prompt box is not the form)."""
    if schema is None:
        return {name: value for name, value in values.items() if name != "prompt"}, ()
    prompt = schema.prompt_field.name if schema.prompt_field is not None else "prompt"
    kept: dict[str, Any] = {}
    dropped: list[str] = []
    for name, value in values.items():
        spec = schema.get(name)
        if name == prompt:
            continue
        files = spec is not None and (spec.kind == "file" or (spec.kind == "array" and spec.item_kind == "file"))
        if files and value in (None, "", []):
            continue
        if spec is not None and (spec.secret or (files and not all(_web_address(item) for item in _items(value)))):
            dropped.append(name)
            continue
        kept[name] = value
    return kept, tuple(dropped)


def _web_address(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("https://", "http://"))


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]

