"""A local Cog server as a backend, for the window: connect (wait until READY, read the form), run, name it.

The window names a Cog backend like a model, ``cog:http://host:port`` (:func:`model_name`), so the model
picker, history and settings can carry it next to hosted models; the core's ``is_cog_reference`` recognises that
form (the one parser of it) and :func:`cog_url` reads the server back out of it. :meth:`CogFlow.events` gives
the core's event generator for a prediction, which the controller runs through the same ``PredictionRunner`` as a
hosted prediction.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from PySide6.QtCore import QObject, Signal

from ...replicate import COG_PREFIX, CogBackend, CogHealth, InputSchema, PredictionEvent, is_cog_reference

DEFAULT_COG_URL = "http://localhost:5000"
READY_TIMEOUT = 120.0
POLL_INTERVAL = 1.0


def normalize_url(url: str) -> str:
    """``url`` without surrounding blanks or trailing slashes: the key a Cog backend is known by."""
    return url.strip().rstrip("/")


def is_valid_url(url: str) -> bool:
    """An ``http``/``https`` URL with a host and at most a port (``http://localhost:5000``): one the window can
    name as ``cog:http://host:port``."""
    try:
        parts = urlsplit(normalize_url(url))
        _ = parts.port  # raises for a port that is not a number or out of range
    except ValueError:  # that, or a malformed IPv6 host
        return False
    return (parts.scheme in ("http", "https") and bool(parts.hostname) and not any(c.isspace() for c in url.strip())
            and is_cog_reference(model_name(url)))


def cog_url(model: str) -> str:
    """The server URL in ``cog:http://host:port``; ValueError for anything else."""
    if not is_cog_reference(model):
        raise ValueError(f"{model!r} does not name a local Cog server (cog:http://host:port)")
    return normalize_url(model.strip()[len(COG_PREFIX):])


def model_name(url: str) -> str:
    """``cog:http://host:port``: how the window names the Cog server at ``url``."""
    return COG_PREFIX + normalize_url(url)


class CogFlow(QObject):
    """Connects to local Cog servers and runs predictions on them, one :class:`CogBackend` per URL.

    ``session_getter`` returns the app's current session (asked at each use, so a session replaced after a
    settings change is picked up). ``ready_timeout`` and ``poll_interval`` bound :meth:`connect_to`'s wait.

    Signals:
        connected(str url, object schema) — :meth:`connect_to` found the server READY and read its form
    """

    connected = Signal(str, object)

    def __init__(
        self,
        session_getter: Callable[[], aiohttp.ClientSession],
        *,
        ready_timeout: float = READY_TIMEOUT,
        poll_interval: float = POLL_INTERVAL,
        request_timeout: float = 10.0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._session_getter = session_getter
        self.ready_timeout = ready_timeout
        self.poll_interval = poll_interval
        self.request_timeout = request_timeout
        self._backends: dict[str, CogBackend] = {}
        self._schemas: dict[str, InputSchema] = {}

    def backend(self, url: str) -> CogBackend:
        """The backend for ``url`` on the current session (a new one when the session changed)."""
        key = normalize_url(url)
        session = self._session_getter()
        backend = self._backends.get(key)
        if backend is None or backend.session is not session:
            backend = CogBackend(session, key, request_timeout=self.request_timeout)
            self._backends[key] = backend
        return backend

    async def connect_to(
        self, url: str, on_status: Callable[[CogHealth], None] | None = None
    ) -> InputSchema:
        """Waits (bounded) until the server at ``url`` is READY, then reads and returns its input form.

        ``on_status`` hears each new health answer (status or setup logs changed). Raises the core's errors:
        ``NetworkError`` when nothing answers, ``UnexpectedResponse`` when it is not a Cog server,
        ``CogSetupFailed`` (with ``.logs``), ``CogNotReady`` after ``ready_timeout``.
        """
        backend = self.backend(url)
        await backend.wait_until_ready(timeout=self.ready_timeout, poll_interval=self.poll_interval,
                                       on_status=on_status)
        schema = await backend.schema()
        self._schemas[backend.base_url] = schema
        self.connected.emit(backend.base_url, schema)
        return schema

    def schema(self, url: str) -> InputSchema | None:
        """The form the last :meth:`connect_to` to ``url`` read, if any."""
        return self._schemas.get(normalize_url(url))

    def events(
        self,
        url: str,
        model_input: Mapping[str, Any],
        *,
        stream: bool,
        prediction_id: str | None = None,
        alt: str = "",
    ) -> AsyncGenerator[PredictionEvent, None]:
        """The core's event generator for one prediction on the server at ``url`` (not started until iterated).

        Close it when done (``contextlib.aclosing``): with a ``prediction_id`` that cancels it on the server.
        """
        return self.backend(url).predict(model_input, stream=stream, prediction_id=prediction_id, alt=alt)
