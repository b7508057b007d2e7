"""Picks up, on start, the predictions that were still running when the app last closed or died."""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from ...replicate import (
    Completed,
    ImageResponse,
    PollBudget,
    ReplicateClient,
    ReplicateError,
    TextDelta,
    TextReplaced,
    download_output,
    kind_of,
    resume_prediction,
)
from ...storage.history import HistoryStore
from ...storage.history_records import Generation
from .recorder import HistoryRecorder

log = logging.getLogger(__name__)


class Recovery:
    """Follows unfinished generations to their end and keeps their outputs, so that a result paid for is
    not lost to a closed lid or a crash."""

    def __init__(self, client_getter: Callable[[], ReplicateClient], history: HistoryRecorder,
                 keys: Iterator[int], budget: PollBudget | None = None) -> None:
        self.budget = budget  # the app's poll budget, shared with the runs in flight
        self.client_getter = client_getter
        self.history = history
        self.keys = keys

    async def resume_unfinished(self) -> int:
        """Follows generations that were still running when the app last closed (or was killed) to their
        end, and keeps their outputs: a result paid for is never lost to a closed lid."""
        recovered = 0
        for generation in await self._find_held_predictions():
            if await self._resume_one(generation):
                recovered += 1
        for generation in await self.history.call(lambda store: store.unfinished_generations()):
            if generation.prediction_id and await self._resume_one(generation):
                recovered += 1
        return recovered

    async def _find_held_predictions(self) -> list[Generation]:
        """Generations whose create request was still held (``Prefer: wait``) when the app died never
        learnt their prediction id; the server's list of recent predictions tells it by model and input."""
        since = datetime.now(UTC) - RETENTION
        orphans = await self.history.call(lambda store: store.interrupted_without_prediction(since))
        if not orphans:
            return []
        try:
            listing = await self.client_getter().get_json("predictions")
        except ReplicateError as error:
            log.warning("Could not list recent predictions to recover held ones: %s", error)
            return []
        results = [r for r in listing.get("results", []) if isinstance(r, dict)]
        found: list[Generation] = []
        for generation in orphans:
            match = _matching_prediction(results, generation)
            if match is None:
                continue
            results.remove(match)
            prediction_id = str(match["id"])
            await self.history.call(functools.partial(_adopt_prediction, generation_id=generation.id,
                                                      prediction_id=prediction_id))
            found.append(dataclasses.replace(generation, prediction_id=prediction_id))
        return found

    async def _resume_one(self, generation: Generation) -> bool:
        key = next(self.keys)
        self.history.adopt(key, generation.turn_id, generation.id)
        prompt = str(generation.input.get("prompt", ""))
        kind = kind_of(generation.model)
        text: list[str] = []
        assert generation.prediction_id is not None
        try:
            async for event in resume_prediction(self.client_getter(), generation.prediction_id, kind=kind, alt=prompt,
                                                 budget=self.budget):
                if isinstance(event, TextDelta):
                    text.append(event.text)
                elif isinstance(event, TextReplaced):
                    text[:] = [event.text]
                elif isinstance(event, ImageResponse):
                    for url in event.images:
                        downloaded = await download_output(self.client_getter(), url)
                        await self.history.store_output(key, downloaded.data, downloaded.content_type, url, {})
                elif isinstance(event, Completed):
                    self.history.finish(key, text="".join(text), turn_state="done", status=event.status,
                                        predict_time=event.predict_time)
                    return True
        except ReplicateError as error:
            log.warning("Could not resume prediction %s: %s", generation.prediction_id, error)
            self.history.finish(key, text="".join(text), turn_state="failed", status="interrupted", error=str(error))
        return False



RETENTION = timedelta(minutes=65)  # Replicate keeps API predictions' outputs for about an hour


def _matching_prediction(results: list[dict[str, Any]], generation: Generation) -> dict[str, Any] | None:
    """The newest listed prediction of the same model and input created after the generation started."""
    earliest = generation.created_at - timedelta(seconds=120)
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


