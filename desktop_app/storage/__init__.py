"""Qt-free storage: app folders, typed settings, the API token and saved output files."""

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
    "OutputWriteError",
    "Settings",
    "SettingsStore",
    "TokenStore",
    "clean_token",
    "default_output_name",
    "extension_for_content_type",
    "looks_like_token",
    "save_output",
    "slugify",
    "sniff_image_extension",
    "unique_path",
    "validate_settings",
    "write_bytes_atomically",
]
