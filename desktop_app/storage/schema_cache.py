"""Models' schemas on disk between runs of the app (and the CLI): one small JSON file per key."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .atomic import write_atomically

log = logging.getLogger(__name__)

CACHE_FORMAT = 1


class SchemaCache:
    """JSON objects by key (``model/<owner>/<name>``, ``version/<id>``) under ``directory``.

    The core's ``ModelSchemas`` decides what is stored and for how long; this only keeps it. Writes are
    atomic; a missing, unreadable or foreign file counts as missing. Nothing here touches the network.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def load(self, key: str) -> dict[str, Any] | None:
        """The object stored under ``key``, or ``None``."""
        path = self._path(key)
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            log.warning("Ignoring unreadable cached schema %s: %s", path.name, error)
            return None
        if not isinstance(stored, dict) or stored.get("format") != CACHE_FORMAT or stored.get("key") != key:
            return None
        value = stored.get("value")
        return value if isinstance(value, dict) else None

    def save(self, key: str, value: Mapping[str, Any]) -> None:
        """Stores ``value`` under ``key`` (replacing an older copy). Raises ``OSError`` if it cannot be written."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"format": CACHE_FORMAT, "key": key, "value": dict(value)}
        write_atomically(path, json.dumps(payload, ensure_ascii=False).encode("utf-8"))

    def _path(self, key: str) -> Path:
        return self.directory / f"{hashlib.sha256(key.encode('utf-8')).hexdigest()[:40]}.json"
