"""Named presets of a model's form values, a default per model, kept in one JSON file and exported or imported in
the same format. No secret and no local file ever goes in: token-shaped text, local paths, ``file:`` and ``data:``
values are left out when a preset is saved, and again when a file is exported or imported."""

from __future__ import annotations

import json
import logging
import math
import os
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .atomic import write_atomically
from .validation import looks_like_token

log = logging.getLogger(__name__)

FORMAT = "replicate-desktop-presets"
FORMAT_VERSION = 1
MAX_NAME = 80
MAX_PRESET_BYTES = 64 * 1024
MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 6
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_LOCAL_PATH = re.compile(r"^(file:|~[/\\]|/|[A-Za-z]:[\\/]|\\\\)\S*$")


class PresetError(ValueError):
    """A preset or a presets file that cannot be used; ``str()`` is one sentence for the user."""


@dataclass(frozen=True)
class Cleaned:
    """Form values fit to keep, and the names of those left out (a secret, a local file, not JSON)."""

    values: dict[str, Any]
    dropped: tuple[str, ...] = ()


@dataclass(frozen=True)
class Imported:
    """What an import added (``(model, name)``; a name taken already gets `` (2)``…) and what it skipped, why."""

    added: tuple[tuple[str, str], ...]
    skipped: tuple[str, ...] = ()


@dataclass
class _Model:
    """The presets kept for one model."""

    presets: dict[str, dict[str, Any]] = field(default_factory=dict)
    default: str | None = None


def clean_values(values: Mapping[str, Any]) -> Cleaned:
    """The values a preset may keep: JSON numbers, text, booleans, lists and objects, without token-shaped text,
    local paths, ``file:``/``data:`` values or anything that is not JSON."""
    kept: dict[str, Any] = {}
    dropped: list[str] = []
    for name, value in values.items():
        if isinstance(name, str) and name and len(name) <= 200 and _keepable(value, 0):
            kept[name] = value
        else:
            dropped.append(str(name))
    return Cleaned(kept, tuple(dropped))


def _keepable(value: Any, depth: int) -> bool:
    if depth > MAX_DEPTH:
        return False
    if value is None or isinstance(value, bool | int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        return not (looks_like_token(value) or value.startswith("data:") or _LOCAL_PATH.match(value))
    if isinstance(value, list):
        return all(_keepable(item, depth + 1) for item in value)
    if isinstance(value, dict):
        return all(isinstance(key, str) and _keepable(item, depth + 1) for key, item in value.items())
    return False


def check_name(name: str) -> str:
    """The preset name, trimmed; :class:`PresetError` if it is empty, too long or has control characters."""
    text = name.strip() if isinstance(name, str) else ""
    if not text:
        raise PresetError("A preset needs a name.")
    if len(text) > MAX_NAME or _CONTROL.search(text):
        raise PresetError(f"A preset name is one line of at most {MAX_NAME} characters.")
    return text


class PresetStore:
    """The presets file: read on first use, every change written at once (atomically). Thread-safe.

    A file that cannot be read as presets is moved aside (``presets.json.bad-<time>``) and ``last_warning`` says
    so; the app then starts with none.
    """

    def __init__(self, path: Path, *, clock: Callable[[], datetime] = datetime.now) -> None:
        self.path = path
        self.last_warning: str | None = None
        self._clock = clock
        self._lock = threading.RLock()
        self._models: dict[str, _Model] | None = None

    def __repr__(self) -> str:
        return f"PresetStore({str(self.path)!r})"

    def models(self) -> list[str]:
        """The models that have presets."""
        with self._lock:
            return sorted(key for key, model in self._load().items() if model.presets)

    def names(self, model: str) -> list[str]:
        """The presets of ``model``, alphabetically (case-insensitive)."""
        with self._lock:
            entry = self._load().get(model)
            return sorted(entry.presets, key=str.casefold) if entry else []

    def get(self, model: str, name: str) -> dict[str, Any]:
        with self._lock:
            entry = self._load().get(model)
            if entry is None or name not in entry.presets:
                raise PresetError(f"There is no preset {name!r} for {model}.")
            copy: dict[str, Any] = json.loads(json.dumps(entry.presets[name]))  # one the caller may change
            return copy

    def default(self, model: str) -> str | None:
        """The name of the preset the form starts with, if the user chose one."""
        with self._lock:
            entry = self._load().get(model)
            return entry.default if entry else None

    def save(self, model: str, name: str, values: Mapping[str, Any], *, replace: bool = True) -> Cleaned:
        """Keeps ``values`` (cleaned, see :func:`clean_values`) as ``name``; returns what was kept and left out."""
        name = check_name(name)
        cleaned = clean_values(values)
        if len(json.dumps(cleaned.values)) > MAX_PRESET_BYTES:
            raise PresetError("This preset is too large to keep (more than 64 KB of values).")
        with self._lock:
            entry = self._load().setdefault(model, _Model())
            if not replace and name in entry.presets:
                raise PresetError(f"There is already a preset {name!r} for {model}.")
            entry.presets[name] = cleaned.values
            self._write()
        return cleaned

    def rename(self, model: str, old: str, new: str) -> str:
        """Renames a preset (the default follows it); returns the new name."""
        new = check_name(new)
        with self._lock:
            entry = self._load().get(model)
            if entry is None or old not in entry.presets:
                raise PresetError(f"There is no preset {old!r} for {model}.")
            if new != old and new in entry.presets:
                raise PresetError(f"There is already a preset {new!r} for {model}.")
            entry.presets = {new if key == old else key: value for key, value in entry.presets.items()}
            if entry.default == old:
                entry.default = new
            self._write()
        return new

    def delete(self, model: str, name: str) -> None:
        with self._lock:
            entry = self._load().get(model)
            if entry is None or entry.presets.pop(name, None) is None:
                raise PresetError(f"There is no preset {name!r} for {model}.")
            if entry.default == name:
                entry.default = None
            self._write()

    def set_default(self, model: str, name: str | None) -> None:
        """Makes ``name`` the preset the form of ``model`` starts with (``None``: none)."""
        with self._lock:
            entry = self._load().setdefault(model, _Model())
            if name is not None and name not in entry.presets:
                raise PresetError(f"There is no preset {name!r} for {model}.")
            entry.default = name
            self._write()

    def export(self, path: Path, selection: Iterable[tuple[str, str]] | None = None) -> int:
        """Writes the chosen ``(model, name)`` presets (all when ``None``) to ``path``; returns how many."""
        with self._lock:
            models = self._load()
            chosen = list(selection) if selection is not None else [
                (model, name) for model, entry in models.items() for name in entry.presets]
            document: dict[str, Any] = {}
            for model, name in chosen:
                values = self.get(model, name)
                document.setdefault(model, {"presets": {}})["presets"][name] = clean_values(values).values
        write_atomically(path, _document(document))
        return len(chosen)

    def import_file(self, path: Path) -> Imported:
        """Adds the presets of an exported file; raises :class:`PresetError` for a file that is not one."""
        raw = _read_document(path)
        added: list[tuple[str, str]] = []
        skipped: list[str] = []
        with self._lock:
            models = self._load()
            for model, entry in raw.items():
                presets = entry.get("presets") if isinstance(entry, dict) else None
                if not isinstance(model, str) or not model.strip() or not isinstance(presets, dict):
                    skipped.append(f"An entry for {str(model)[:60]!r} is not a list of presets.")
                    continue
                for name, values in presets.items():
                    try:
                        name = check_name(name)
                    except PresetError as error:
                        skipped.append(str(error))
                        continue
                    if not isinstance(values, dict):
                        skipped.append(f"The preset {name!r} of {model} holds no values.")
                        continue
                    cleaned = clean_values(values)
                    target = models.setdefault(model, _Model())
                    free = _free_name(name, target.presets)
                    target.presets[free] = cleaned.values
                    added.append((model, free))
                    if cleaned.dropped:
                        skipped.append(f"The preset {free!r} of {model} was imported without "
                                       f"{', '.join(cleaned.dropped)} (secrets and local files are never imported).")
            if added:
                self._write()
        return Imported(tuple(added), tuple(skipped))

    # --- the file ------------------------------------------------------------------------------------

    def _load(self) -> dict[str, _Model]:
        if self._models is not None:
            return self._models
        self._models = {}
        if not self.path.exists():
            return self._models
        try:
            raw = _read_document(self.path)
        except PresetError as error:
            self._set_aside(str(error))
            return self._models
        for model, entry in raw.items():
            presets = entry.get("presets") if isinstance(entry, dict) else None
            if isinstance(model, str) and isinstance(presets, dict):
                kept = {name: clean_values(values).values for name, values in presets.items()
                        if isinstance(name, str) and isinstance(values, dict)}
                default = entry.get("default")
                self._models[model] = _Model(kept, default if isinstance(default, str) and default in kept else None)
        return self._models

    def _write(self) -> None:
        models = self._models or {}
        document = {model: {"default": entry.default, "presets": entry.presets}
                    for model, entry in models.items() if entry.presets or entry.default}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(self.path, _document(document))

    def _set_aside(self, problem: str) -> None:
        backup = self.path.with_name(f"{self.path.name}.bad-{self._clock().strftime('%Y%m%d-%H%M%S')}")
        try:
            os.replace(self.path, backup)
            kept = f"it was kept as {backup.name}"
        except OSError as error:
            kept = f"it could not be moved aside ({(error.strerror or str(error)).lower()})"
        self.last_warning = f"The presets file {self.path} could not be read ({problem}); {kept}."
        log.warning("%s", self.last_warning)


def _document(models: Mapping[str, Any]) -> bytes:
    text = json.dumps({"format": FORMAT, "version": FORMAT_VERSION, "models": models}, indent=2, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def _read_document(path: Path) -> dict[Any, Any]:
    """The ``models`` of a presets file; :class:`PresetError` with the reason when it is not one."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise PresetError(f"{path.name} is too large to be a presets file.")
        document = json.loads(path.read_text(encoding="utf-8"))
    except PresetError:
        raise
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as error:
        detail = (error.strerror or str(error)).lower() if isinstance(error, OSError) else "it is not valid JSON"
        raise PresetError(f"{path.name} could not be read: {detail}.") from error
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise PresetError(f"{path.name} is not a Replicate Desktop presets file.")
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version > FORMAT_VERSION:
        raise PresetError(f"{path.name} was written by a newer version of Replicate Desktop.")
    models = document.get("models")
    if not isinstance(models, dict):
        raise PresetError(f"{path.name} holds no presets.")
    return models


def _free_name(name: str, taken: Mapping[str, Any]) -> str:
    if name not in taken:
        return name
    number = 2
    while f"{name} ({number})"[:MAX_NAME] in taken:
        number += 1
    return f"{name} ({number})"[:MAX_NAME]
