"""Where the app keeps its files: config, data, state, cache, logs and saved outputs."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

APP_NAME = "replicate-desktop"
OUTPUTS_FOLDER_NAME = "Replicate Desktop"


@dataclass(frozen=True)
class AppPaths:
    """The app's folders. Constructing one creates nothing on disk; call :meth:`ensure` for that."""

    config_dir: Path
    data_dir: Path
    state_dir: Path
    cache_dir: Path
    outputs_dir: Path
    log_dir: Path

    @classmethod
    def default(cls, app_name: str = APP_NAME) -> AppPaths:
        """The platform's usual folders for ``app_name`` (XDG on Linux, Library on macOS, AppData on Windows).

        Outputs go to ``<Pictures>/Replicate Desktop`` when the user has a pictures folder,
        otherwise to ``<data_dir>/outputs``.
        """
        import platformdirs  # on first use: importing the storage package should stay cheap

        data_dir = platformdirs.user_data_path(app_name, appauthor=False)
        pictures = platformdirs.user_pictures_path()
        outputs_dir = pictures / OUTPUTS_FOLDER_NAME if pictures.is_dir() else data_dir / "outputs"
        return cls(
            config_dir=platformdirs.user_config_path(app_name, appauthor=False),
            data_dir=data_dir,
            state_dir=platformdirs.user_state_path(app_name, appauthor=False),
            cache_dir=platformdirs.user_cache_path(app_name, appauthor=False),
            outputs_dir=outputs_dir,
            log_dir=platformdirs.user_log_path(app_name, appauthor=False),
        )

    @classmethod
    def under(cls, root: Path) -> AppPaths:
        """Every folder inside ``root`` (for tests and portable installs)."""
        return cls(
            config_dir=root / "config",
            data_dir=root / "data",
            state_dir=root / "state",
            cache_dir=root / "cache",
            outputs_dir=root / "outputs",
            log_dir=root / "log",
        )

    @property
    def settings_file(self) -> Path:
        """The JSON file :class:`~desktop_app.storage.settings.SettingsStore` reads and writes."""
        return self.config_dir / "settings.json"

    @property
    def history_db(self) -> Path:
        """The SQLite database :class:`~desktop_app.storage.history.HistoryStore` keeps conversations in."""
        return self.data_dir / "history.db"

    @property
    def queue_db(self) -> Path:
        """The SQLite database :class:`~desktop_app.storage.queue_store.QueueStore` keeps the job queue in."""
        return self.data_dir / "queue.sqlite3"

    @property
    def library_dir(self) -> Path:
        """Where the history keeps every output it saved, named by content (``ab/abcd….png``)."""
        return self.data_dir / "library"

    @property
    def presets_file(self) -> Path:
        """The JSON file :class:`~desktop_app.storage.presets.PresetStore` keeps the form presets in."""
        return self.config_dir / "presets.json"

    @property
    def thumbnails_dir(self) -> Path:
        """Where :class:`~desktop_app.storage.thumbnails.ThumbnailCache` keeps the gallery's thumbnails."""
        return self.cache_dir / "thumbnails"

    def ensure(self) -> None:
        """Creates every folder that is missing; the config folder (it may hold the token) is owner-only."""
        for field in fields(self):
            directory: Path = getattr(self, field.name)
            if field.name == "config_dir":
                directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            else:
                directory.mkdir(parents=True, exist_ok=True)
