"""Keeps a run's outputs: downloaded at once (Replicate deletes them within the hour) into the library."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from .backends import Download
from .errors import problem_of
from .events import OutputFailed, OutputProgressed, OutputReady, RunId, SessionEvent
from .recorder import HistoryRecorder

if TYPE_CHECKING:
    from ..replicate import ReplicateClient

log = logging.getLogger(__name__)

Emit = Callable[[SessionEvent], None]


class OutputKeeper:
    """Fetches every output of a run concurrently and keeps each in the history's library, with the
    generation's metadata embedded; readers then get the kept file, never the expiring URL."""

    def __init__(self, client: Callable[[], ReplicateClient], recorder: HistoryRecorder | None,
                 download: Download) -> None:
        self.client = client
        self.recorder = recorder
        self.download = download

    async def keep(self, run_id: RunId, urls: Sequence[str], emit: Emit) -> int:
        """Fetches and keeps ``urls``, emitting one :class:`OutputReady` or :class:`OutputFailed` per output
        as it lands; returns how many were kept."""
        results = await asyncio.gather(*(self._keep_one(run_id, index, url, emit) for index, url in enumerate(urls)))
        return sum(results)

    async def _keep_one(self, run_id: RunId, index: int, url: str, emit: Emit) -> bool:
        def progress(received: int, total: int | None) -> None:
            emit(OutputProgressed(run_id, index, received, total))

        try:
            downloaded = await self.download(self.client(), url, progress)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning("Output %d of run %s could not be fetched: %s", index, run_id, error)
            emit(OutputFailed(run_id, index, url, problem_of(error)))
            return False
        data, content_type, path = downloaded.data, downloaded.content_type, None
        if self.recorder is not None and self.recorder.enabled:
            record = await self.recorder.store_output(run_id, downloaded.data, downloaded.content_type, url)
            if record is not None:
                path, content_type = record.path, record.content_type or content_type
                try:
                    data = await asyncio.to_thread(record.path.read_bytes)  # now with the metadata embedded
                except OSError as error:
                    log.warning("Kept output %s is unreadable: %s", record.path, error)
        emit(OutputReady(run_id, index, url, content_type, data, path))
        return True
