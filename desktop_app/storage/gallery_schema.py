"""What the gallery needs in the history database: the v2 → v3 migration and the values it keeps per output.

Version 3 gives each output its model (without the pinned version), its kind (image, video, audio, other),
favourite and reject flags and a ``deleted_at`` time (deleted in the gallery, its file removed once the undo
window is over); each generation its prompt (what the gallery searches) and the output it was made from (a chain
of steps: upscale, remove the background, …). The indexes serve the gallery's sorts and filters by keyset.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any, Literal

OutputKind = Literal["image", "video", "audio", "other"]
OUTPUT_KINDS: tuple[OutputKind, ...] = ("image", "video", "audio", "other")
COG_PREFIX = "cog:"

KIND_SQL = (
    "CASE WHEN lower(content_type) LIKE 'image/%' THEN 'image' WHEN lower(content_type) LIKE 'video/%' THEN 'video' "
    "WHEN lower(content_type) LIKE 'audio/%' THEN 'audio' ELSE 'other' END"
)

_COLUMNS = (
    "ALTER TABLE outputs ADD COLUMN model TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE outputs ADD COLUMN kind TEXT NOT NULL DEFAULT 'other' "
    "CHECK (kind IN ('image', 'video', 'audio', 'other'))",
    "ALTER TABLE outputs ADD COLUMN favourite INTEGER NOT NULL DEFAULT 0 CHECK (favourite IN (0, 1))",
    "ALTER TABLE outputs ADD COLUMN rejected INTEGER NOT NULL DEFAULT 0 CHECK (rejected IN (0, 1))",
    "ALTER TABLE outputs ADD COLUMN deleted_at TEXT",
    "ALTER TABLE generations ADD COLUMN prompt TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE generations ADD COLUMN source_output_id INTEGER REFERENCES outputs (id) ON DELETE SET NULL",
)

# Live outputs only (deleted ones wait for their files to go): SQLite walks an index both ways, and the model
# index is (model ascending, newest first) because that is the gallery's "by model" order.
_INDEXES = (
    "CREATE INDEX outputs_by_date ON outputs (created_at, id) WHERE deleted_at IS NULL",
    "CREATE INDEX outputs_by_model ON outputs (model, created_at DESC, id DESC) WHERE deleted_at IS NULL",
    "CREATE INDEX outputs_by_kind ON outputs (kind, created_at, id) WHERE deleted_at IS NULL",
    "CREATE INDEX outputs_favourites ON outputs (created_at, id) WHERE favourite = 1 AND deleted_at IS NULL",
    "CREATE INDEX outputs_deleted ON outputs (deleted_at) WHERE deleted_at IS NOT NULL",
    "CREATE INDEX generations_by_source ON generations (source_output_id) WHERE source_output_id IS NOT NULL",
)


def output_kind(content_type: str | None) -> OutputKind:
    """``image``, ``video``, ``audio`` or ``other`` from a media type (the same rule the migration applies)."""
    folded = (content_type or "").lower()
    for kind in OUTPUT_KINDS[:3]:
        if folded.startswith(f"{kind}/"):
            return kind
    return "other"


def model_name(model: str) -> str:
    """The model without its pinned version (``owner/name``), or a local Cog server as it is."""
    text = model.strip()
    return text if text.startswith(COG_PREFIX) else text.split(":", 1)[0]


def prompt_of(values: Mapping[str, Any]) -> str:
    """The prompt of a generation's input (``""`` when it has none)."""
    prompt = values.get("prompt")
    return prompt if isinstance(prompt, str) else ""


def add_gallery_columns(connection: sqlite3.Connection) -> None:
    """v2 → v3: the columns and indexes above, filled in for the rows already there."""
    for statement in _COLUMNS:
        connection.execute(statement)
    connection.execute(f"UPDATE outputs SET kind = {KIND_SQL}")
    models = connection.execute("SELECT id, model FROM generations").fetchall()
    connection.executemany("UPDATE outputs SET model = ? WHERE generation_id = ?",
                           [(model_name(model), generation_id) for generation_id, model in models])
    prompts = []
    for generation_id, text in connection.execute("SELECT id, input_json FROM generations"):
        try:
            values = json.loads(text)
        except ValueError:
            continue  # a row the app did not write; it simply has no prompt to search
        if isinstance(values, dict) and prompt_of(values):
            prompts.append((prompt_of(values), generation_id))
    connection.executemany("UPDATE generations SET prompt = ? WHERE id = ?", prompts)
    for statement in _INDEXES:
        connection.execute(statement)
