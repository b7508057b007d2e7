"""Qt-free storage: app folders, typed settings, the API token, saved output files and the history."""

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
from .validation import looks_like_token

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
    "TokenStore",
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
