"""Picks up, on start, the predictions that were still running when the app last closed or died."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..replicate import ReplicateError
from ..storage.history import HistoryStore
from ..storage.history_records import Generation
from .events import RunFinished
from .recorder import HistoryRecorder
from .run import Listener, Run
from .runs import RunService

if TYPE_CHECKING:
    from ..replicate import ReplicateClient

log = logging.getLogger(__name__)

RETENTION = timedelta(minutes=65)  # Replicate keeps API predictions' outputs for about an hour
CLOCK_SKEW = timedelta(seconds=120)


class Recovery:
    """Follows unfinished generations to their end and keeps their outputs, so that a result paid for is
    not lost to a closed lid or a crash. Each is an ordinary resumed run of the run service."""

    def __init__(self, runs: RunService, recorder: HistoryRecorder, client: Callable[[], ReplicateClient], *,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.runs = runs
        self.recorder = recorder
        self.client = client
        self.now = now

    async def resume_unfinished(self, *, listener: Listener | None = None) -> int:
        """Resumes every unfinished generation at once and returns how many finished with their results.

        First the generations whose create request was still held when the app died are looked up among
        the server's recent predictions; then all with a prediction id are followed to their end.
        """
        if not self.recorder.enabled:
            return 0
        found = await self._find_held_predictions()
        unfinished = await self.recorder.call(lambda store: store.restart.unfinished_generations())
        pending = {generation.id: generation for generation in [*found, *unfinished] if generation.prediction_id}
        runs: list[Run] = [self.runs.resume(generation, listener=listener) for generation in pending.values()]
        ends = await asyncio.gather(*(run.wait() for run in runs))
        return sum(isinstance(end, RunFinished) for end in ends)

    async def _find_held_predictions(self) -> list[Generation]:
        """Generations whose create request was held (``Prefer: wait``) when the app died never learnt their
        prediction id; the server's list of recent predictions tells it, by model and input."""
        since = self.now() - RETENTION
        orphans = await self.recorder.call(lambda store: store.restart.interrupted_without_prediction(since))
        if not orphans:
            return []
        try:
            listing = await self.client().get_json("predictions")
        except ReplicateError as error:
            log.warning("Could not list recent predictions to recover held ones: %s", error)
            return []
        results = [result for result in listing.get("results", []) if isinstance(result, dict)]
        found: list[Generation] = []
        for generation in orphans:
            match = matching_prediction(results, generation)
            if match is None:
                continue
            results.remove(match)
            prediction_id = str(match["id"])
            await self.recorder.call(functools.partial(_adopt_prediction, generation_id=generation.id,
                                                       prediction_id=prediction_id))
            found.append(dataclasses.replace(generation, prediction_id=prediction_id, status="processing"))
        return found


def matching_prediction(results: list[dict[str, Any]], generation: Generation) -> dict[str, Any] | None:
    """The newest listed prediction of the same model and input created after the generation started."""
    earliest = generation.created_at - CLOCK_SKEW
    for result in results:
        created = _parse_time(result.get("created_at"))
        if (result.get("input") == generation.input and result.get("model") == generation.model.split(":")[0]
                and created is not None and created >= earliest and result.get("id")):
            return result
    return None


def _adopt_prediction(store: HistoryStore, *, generation_id: int, prediction_id: str) -> None:
    store.update_generation(generation_id, prediction_id=prediction_id, status="processing")


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
