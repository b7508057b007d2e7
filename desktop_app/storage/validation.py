"""Field-by-field checks for raw settings values: types, ranges and the API-token guard."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

_TOKEN_PATTERN = re.compile(r"r8_[A-Za-z0-9]{20,}")

FLOAT_RANGES: dict[str, tuple[float, float]] = {"poll_delay": (0.1, 60.0)}
INT_RANGES: dict[str, tuple[int, int]] = {"max_attempts": (1, 10_000), "wait_seconds": (1, 60)}
REQUIRED_TEXT = frozenset({"base_url", "last_model", "language"})
OPTIONAL_TEXT = frozenset({"proxy", "output_dir", "last_save_dir", "window_geometry", "window_state", "deadline"})
THEMES = ("system", "light", "dark")


def looks_like_token(text: str) -> bool:
    """True when ``text`` contains something shaped like a Replicate API token (``r8_`` + 20 or more)."""
    return _TOKEN_PATTERN.search(text) is not None


def mask_tokens(text: str) -> str:
    """``text`` with anything token-shaped replaced by ``r8_…``."""
    return _TOKEN_PATTERN.sub("r8_…", text)


def safe_repr(value: Any, limit: int = 60) -> str:
    """``repr(value)`` shortened to ``limit`` characters, with anything token-shaped masked."""
    text = mask_tokens(repr(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def coerce_field(name: str, value: Any, default: Any) -> tuple[Any, str | None]:
    """Returns ``(usable value, warning or None)`` for the settings field ``name``."""
    if name in FLOAT_RANGES:
        return _coerce_number(name, value, default, FLOAT_RANGES[name], integer=False)
    if name in INT_RANGES:
        return _coerce_number(name, value, default, INT_RANGES[name], integer=True)
    if name in REQUIRED_TEXT or name in OPTIONAL_TEXT:
        return _coerce_text(name, value, default, optional=name in OPTIONAL_TEXT)
    if name == "theme":
        if value in THEMES:
            return value, None
        return default, _replaced(name, value, default, f"it must be one of {', '.join(THEMES)}")
    if name == "custom_models":
        return _coerce_list(name, value, default, _is_model_reference, "model references")
    if name == "splitter_sizes":
        return _coerce_list(name, value, default, _is_size, "non-negative whole numbers")
    if name == "pane_widths":
        if isinstance(value, dict) and all(isinstance(kind, str) and isinstance(widths, dict)
                                           and all(isinstance(pane, str) and _is_size(width)
                                                   for pane, width in widths.items())
                                           for kind, widths in value.items()):
            return value, None
        return default, _replaced(name, value, default, "it must map output kinds to pane widths")
    if name == "model_inputs":
        if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, dict) for k, v in value.items()):
            return value, None
        return default, _replaced(name, value, default, "it must map model names to their input values")
    raise KeyError(name)


def _coerce_number(
    name: str, value: Any, default: Any, bounds: tuple[float, float], *, integer: bool
) -> tuple[Any, str | None]:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return default, _replaced(name, value, default, "it is not a number")
    if integer:
        if isinstance(value, float) and not value.is_integer():
            return default, _replaced(name, value, default, "it is not a whole number")
        value = int(value)
    else:
        value = float(value)
    low, high = bounds
    clamped = min(max(value, type(value)(low)), type(value)(high))
    if clamped != value:
        return clamped, f"The setting {name!r} was {value!r}, outside {low:g}–{high:g}; using {clamped!r}."
    return value, None


def _coerce_text(name: str, value: Any, default: Any, *, optional: bool) -> tuple[Any, str | None]:
    if value is None and optional:
        return None, None
    if not isinstance(value, str):
        return default, _replaced(name, value, default, "it is not text")
    if looks_like_token(value):
        return default, _replaced(name, value, default, "it looks like an API token, which belongs elsewhere")
    text = value.strip()
    if not text:
        if optional:
            return None, None
        return default, _replaced(name, value, default, "it is empty")
    if name == "base_url" and not text.startswith(("https://", "http://")):
        return default, _replaced(name, value, default, "it is not an http(s) address")
    return text, None


def _coerce_list(
    name: str, value: Any, default: Any, accept: Callable[[Any], bool], what: str
) -> tuple[Any, str | None]:
    if not isinstance(value, list):
        return default, _replaced(name, value, default, "it is not a list")
    kept = [item for item in value if accept(item)]
    if len(kept) != len(value):
        dropped = len(value) - len(kept)
        return kept, f"The setting {name!r} had {dropped} entries that are not {what}; they were dropped."
    return kept, None


def _is_model_reference(item: Any) -> bool:
    """``owner/name[:version]``, or a local Cog server as ``cog:http://host:port``."""
    return isinstance(item, str) and "/" in item and not looks_like_token(item) and item.strip() == item


def _is_size(item: Any) -> bool:
    return isinstance(item, int) and not isinstance(item, bool) and 0 <= item <= 1_000_000


def _replaced(name: str, value: Any, default: Any, why: str) -> str:
    return f"The setting {name!r} was {safe_repr(value)}, but {why}; using the default {default!r}."
