"""Qt-free storage: app folders, typed settings, the API token, saved output files and the history.

Names are imported lazily: the window's first paint needs only the settings, not SQLite or the keyring.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_attributes

if TYPE_CHECKING:
    from .foreign_metadata import GenerationSettings, MetadataReading, read_generation_settings
    from .gallery import GalleryCursor, GalleryDetail, GalleryFilter, GalleryItem, GalleryPage, GalleryQueries
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
    from .presets import PresetError, PresetStore
    from .secrets import TokenStore, clean_token
    from .settings import CURRENT_SCHEMA_VERSION, MIGRATIONS, Settings, SettingsStore, validate_settings
    from .thumbnails import ThumbnailCache
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
    "GalleryCursor": "gallery",
    "GalleryDetail": "gallery",
    "GalleryFilter": "gallery",
    "GalleryItem": "gallery",
    "GalleryPage": "gallery",
    "GalleryQueries": "gallery",
    "Generation": "history_records",
    "GenerationSettings": "foreign_metadata",
    "GenerationStatus": "history_records",
    "HistoryEntry": "history_records",
    "HistoryError": "history_records",
    "HistoryStore": "history",
    "MIGRATIONS": "settings",
    "MetadataError": "image_metadata",
    "MetadataReading": "foreign_metadata",
    "NotFoundError": "history_records",
    "OutputRecord": "history_records",
    "OutputWriteError": "outputs",
    "PresetError": "presets",
    "PresetStore": "presets",
    "Settings": "settings",
    "SettingsStore": "settings",
    "ThumbnailCache": "thumbnails",
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
    "read_generation_settings": "foreign_metadata",
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
    "GalleryCursor",
    "GalleryDetail",
    "GalleryFilter",
    "GalleryItem",
    "GalleryPage",
    "GalleryQueries",
    "Generation",
    "GenerationSettings",
    "GenerationStatus",
    "HistoryEntry",
    "HistoryError",
    "HistoryStore",
    "MetadataError",
    "MetadataReading",
    "NotFoundError",
    "OutputRecord",
    "OutputWriteError",
    "PresetError",
    "PresetStore",
    "Settings",
    "SettingsStore",
    "StoredUpload",
    "ThumbnailCache",
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
    "read_generation_settings",
    "read_metadata",
    "save_output",
    "slugify",
    "sniff_image_extension",
    "unique_path",
    "validate_settings",
    "write_bytes_atomically",
]
