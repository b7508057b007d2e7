"""Qt-free storage: app folders, typed settings, the API token, saved output files and the history.

Names are imported lazily: the window's first paint needs only the settings, not SQLite or the keyring.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_attributes

if TYPE_CHECKING:
    from .history import HistoryStore
    from .history_records import (
        Conversation,
        Generation,
        GenerationStatus,
        HistoryEntry,
        HistoryError,
        NotFoundError,
        OutputRecord,
        Turn,
    )
    from .image_metadata import MetadataError, embed_metadata, read_metadata
    from .outputs import (
        OutputWriteError,
        default_output_name,
        extension_for_content_type,
        save_output,
        slugify,
        sniff_image_extension,
        unique_path,
        write_bytes_atomically,
    )
    from .paths import AppPaths
    from .secrets import TokenStore, clean_token
    from .settings import CURRENT_SCHEMA_VERSION, MIGRATIONS, Settings, SettingsStore, validate_settings
    from .trainings_store import (
        StoredUpload,
        TrainingRecord,
        TrainingsStore,
        TrainingsStoreError,
    )
    from .validation import looks_like_token

_LAZY: dict[str, str] = {
    "AppPaths": "paths",
    "CURRENT_SCHEMA_VERSION": "settings",
    "Conversation": "history_records",
    "Generation": "history_records",
    "GenerationStatus": "history_records",
    "HistoryEntry": "history_records",
    "HistoryError": "history_records",
    "HistoryStore": "history",
    "MIGRATIONS": "settings",
    "MetadataError": "image_metadata",
    "NotFoundError": "history_records",
    "OutputRecord": "history_records",
    "OutputWriteError": "outputs",
    "Settings": "settings",
    "SettingsStore": "settings",
    "StoredUpload": "trainings_store",
    "TokenStore": "secrets",
    "TrainingRecord": "trainings_store",
    "TrainingsStore": "trainings_store",
    "TrainingsStoreError": "trainings_store",
    "Turn": "history_records",
    "clean_token": "secrets",
    "default_output_name": "outputs",
    "embed_metadata": "image_metadata",
    "extension_for_content_type": "outputs",
    "looks_like_token": "validation",
    "read_metadata": "image_metadata",
    "save_output": "outputs",
    "slugify": "outputs",
    "sniff_image_extension": "outputs",
    "unique_path": "outputs",
    "validate_settings": "settings",
    "write_bytes_atomically": "outputs",
}


__getattr__ = lazy_attributes(__name__, _LAZY, globals())


__all__ = [
    "CURRENT_SCHEMA_VERSION",
    "MIGRATIONS",
    "AppPaths",
    "Conversation",
    "Generation",
    "GenerationStatus",
    "HistoryEntry",
    "HistoryError",
    "HistoryStore",
    "MetadataError",
    "NotFoundError",
    "OutputRecord",
    "OutputWriteError",
    "Settings",
    "SettingsStore",
    "StoredUpload",
    "TokenStore",
    "TrainingRecord",
    "TrainingsStore",
    "TrainingsStoreError",
    "Turn",
    "clean_token",
    "default_output_name",
    "embed_metadata",
    "extension_for_content_type",
    "looks_like_token",
    "read_metadata",
    "save_output",
    "slugify",
    "sniff_image_extension",
    "unique_path",
    "validate_settings",
    "write_bytes_atomically",
]
