"""The parameter form's look and its small conversions: the style sheet, readable labels, JSON-safe values."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from ...replicate import FieldSpec


def style_sheet(*, dark: bool) -> str:
    """The form's frames, error lines and notice, in colours that read on a light or a dark palette."""
    red = "#ff7b72" if dark else "#cf222e"
    notice_bg, notice_fg, notice_border = ("#3a2f12", "#f2cc60", "#6b5417") if dark else \
        ("#fff8c5", "#4d2d00", "#e6d27a")
    return (
        f'QFrame[fieldFrame="true"] {{ border: 1px solid transparent; border-radius: 4px; }}'
        f'QPlainTextEdit#parameter_form_json[invalid="true"] {{ border: 1px solid {red}; }}'
        f'QFrame[fieldFrame="true"][invalid="true"] {{ border: 1px solid {red}; }}'
        f'QLabel[role="error"] {{ color: {red}; }}'
        f'QLabel[role="notice"] {{ background: {notice_bg}; color: {notice_fg};'
        f' border: 1px solid {notice_border}; border-radius: 4px; padding: 6px 8px; }}'
    )


def label_text(spec: FieldSpec) -> str:
    """The title, made readable when Cog copied a raw name into it (``aspect_ratio`` → ``Aspect ratio``)."""
    title = spec.title.strip()
    if not title or title == spec.name or ("_" in title and " " not in title):
        return title.replace("_", " ").strip().capitalize() or spec.name
    return title


def jsonable(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return str(value)
    return value


def finite(text: str) -> float:
    """Python's JSON reader takes NaN, Infinity and 1e999; JSON (and the API) does not, so they stop here."""
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is not a finite number")
    return number
