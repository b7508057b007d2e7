"""Typed, versioned user settings, validated field by field and saved atomically as JSON."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from .atomic import write_atomically
from .validation import coerce_field, looks_like_token, mask_tokens, safe_repr

log = logging.getLogger(__name__)

CURRENT_SCHEMA_VERSION = 1
Theme = Literal["system", "light", "dark"]
Migration = Callable[[dict[str, Any]], dict[str, Any]]

#: Upgrades a raw settings dict from schema version N (the key) to N + 1.
MIGRATIONS: Mapping[int, Migration] = {}

@dataclass
class Settings:
    """Everything the user can change, with safe defaults. Never holds the API token."""

    schema_version: int = CURRENT_SCHEMA_VERSION
    base_url: str = "https://api.replicate.com/v1"
    poll_delay: float = 1.0
    max_attempts: int = 300
    wait_seconds: int = 60
    deadline: str | None = None  # per-run Cancel-After such as "10m"; None: runs have no deadline
    proxy: str | None = None
    output_dir: str | None = None
    theme: Theme = "system"
    last_model: str = "flux-schnell"
    custom_models: list[str] = field(default_factory=list)
    last_save_dir: str | None = None
    window_geometry: str | None = None
    window_state: str | None = None
    splitter_sizes: list[int] = field(default_factory=list)  # no longer written: pane_widths took its place
    pane_widths: dict[str, dict[str, int]] = field(default_factory=dict)  # per output kind: pane name → width
    language: str = "system"
    model_inputs: dict[str, dict[str, Any]] = field(default_factory=dict)  # the last form values per model


def validate_settings(raw: Mapping[str, Any]) -> tuple[Settings, list[str]]:
    """Builds :class:`Settings` from a raw mapping, field by field.

    Unknown keys are ignored; a missing field takes its default; a mistyped value is replaced
    by the default and an out-of-range number is clamped, each with a human warning.
    """
    defaults = Settings()
    values: dict[str, Any] = {}
    warnings: list[str] = []
    for item in fields(Settings):
        if item.name == "schema_version":
            continue
        default = getattr(defaults, item.name)
        if item.name not in raw:
            values[item.name] = default
            continue
        value, warning = coerce_field(item.name, raw[item.name], default)
        values[item.name] = value
        if warning:
            warnings.append(warning)
    return Settings(**values), warnings


class SettingsStore:
    """Loads and saves :class:`Settings` at ``path``; never crashes and never loses a file silently.

    ``last_warning`` holds a human sentence about what the last ``load`` or ``save`` had to
    repair (``None`` when all was well), so the UI can show it.
    """

    def __init__(
        self,
        path: Path,
        *,
        migrations: Mapping[int, Migration] = MIGRATIONS,
        clock: Callable[[], datetime] = datetime.now,
    ) -> None:
        self.path = path
        self.last_warning: str | None = None
        self._migrations = migrations
        self._clock = clock
        self._unknown: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"SettingsStore({str(self.path)!r})"

    def load(self) -> Settings:
        """The saved settings, or the defaults when the file is missing, unreadable or corrupt.

        A file that cannot be parsed is kept beside the original as ``settings.json.bad-<timestamp>``.
        """
        self.last_warning = None
        self._unknown = {}
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return Settings()
        except (OSError, UnicodeDecodeError) as error:
            return self._recover(f"could not be read ({_reason(error)})")
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as error:
            return self._recover(f"is not valid JSON ({error.msg} at line {error.lineno})")
        except (ValueError, RecursionError) as error:
            return self._recover(f"is not valid JSON ({type(error).__name__})")
        if not isinstance(raw, dict):
            return self._recover("does not contain a JSON object")

        warnings: list[str] = []
        try:
            raw = self._migrate(raw, warnings)
        except Exception as error:  # a buggy upgrade must not keep the app from starting
            log.exception("Settings migration failed")
            return self._recover(f"could not be upgraded ({type(error).__name__}: {mask_tokens(str(error))})")
        settings, field_warnings = validate_settings(raw)
        warnings.extend(field_warnings)
        known = {item.name for item in fields(Settings)}
        self._unknown = {key: value for key, value in raw.items() if key not in known}
        self._warn(warnings)
        return settings

    def save(self, settings: Settings) -> Settings:
        """Writes ``settings`` atomically and returns what was written (out-of-range values clamped).

        Raises ``ValueError`` if any text field looks like an API token (tokens belong in the
        keyring), and ``OSError`` if the file cannot be written; the old file is then intact.
        """
        self.last_warning = None
        for name, value in _string_values(settings):
            if looks_like_token(value):
                raise ValueError(
                    f"Refusing to save settings: the field {name!r} looks like a Replicate API token; "
                    "tokens are kept in the token store, never in the settings file."
                )
        clean, warnings = validate_settings(asdict(settings))
        self._warn(warnings)
        payload = {**self._unknown, **asdict(clean)}
        payload["schema_version"] = CURRENT_SCHEMA_VERSION
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
        write_atomically(self.path, text.encode("utf-8"))
        return clean

    def _migrate(self, raw: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
        version = raw.get("schema_version", CURRENT_SCHEMA_VERSION)
        if not isinstance(version, int) or isinstance(version, bool):
            warnings.append(
                f"The settings schema version {safe_repr(version)} is not a number; assuming the current one."
            )
            return raw
        if version > CURRENT_SCHEMA_VERSION:
            warnings.append(
                f"The settings were written by a newer version of the app (schema {version}); "
                "settings this version does not know are kept untouched."
            )
        while version < CURRENT_SCHEMA_VERSION:
            migrate = self._migrations.get(version)
            if migrate is None:
                warnings.append(
                    f"No upgrade is known from settings schema {version}; reading them as they are."
                )
                break
            raw = migrate(dict(raw))
            version += 1
            raw["schema_version"] = version
        return raw

    def _recover(self, problem: str) -> Settings:
        """Moves the bad file aside, records why, and returns the defaults."""
        stamp = self._clock().strftime("%Y%m%d-%H%M%S")
        backup = self.path.with_name(f"{self.path.name}.bad-{stamp}")
        counter = 2
        while backup.exists():
            backup = self.path.with_name(f"{self.path.name}.bad-{stamp}-{counter}")
            counter += 1
        try:
            os.replace(self.path, backup)
        except OSError as error:
            kept = f"it could not be moved aside ({_reason(error)}) and will be replaced on the next save"
        else:
            kept = f"it was kept as {backup}"
        self._warn([f"The settings file {self.path} {problem}, so the defaults are in use; {kept}."])
        return Settings()

    def _warn(self, warnings: list[str]) -> None:
        for warning in warnings:
            log.warning("%s", warning)
        self.last_warning = " ".join(warnings) if warnings else None


def _string_values(settings: Settings) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for name, value in asdict(settings).items():
        if isinstance(value, str):
            found.append((name, value))
        elif isinstance(value, list):
            found.extend((name, item) for item in value if isinstance(item, str))
    return found


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__
