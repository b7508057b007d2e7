"""Finding a create whose answer was lost (reset, timeout, a garbled body, the app killed) among the account's
recent predictions, before anything is sent again: model and version, the exact input sent, and a created-at
no earlier than the send (less some clock skew)."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..replicate import MalformedPrediction, ReplicateClient, parse_prediction

log = logging.getLogger(__name__)

CLOCK_SKEW = timedelta(seconds=120)  # the server's clock and ours may disagree by this much
MAX_PAGES = 10  # 1,000 predictions: a create older than that is not "recent"


@dataclass(frozen=True)
class SentCreate:
    """What was sent: the model (``owner/name``), the version it named (``None`` on the model route), a digest of
    the input (:func:`input_digest`) and when (UTC)."""

    model: str
    version: str | None
    digest: str
    sent_at: datetime


def input_digest(model_input: Mapping[str, Any]) -> str:
    """A digest of an input as JSON with sorted keys: equal for the input sent and the input Replicate echoes."""
    text = json.dumps(dict(model_input), sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


async def find_sent(client: ReplicateClient, sent: SentCreate, *, exclude: Collection[str] = (),
                    max_pages: int = MAX_PAGES) -> dict[str, Any] | None:
    """The prediction ``sent`` created, if the account's recent predictions (newest first) show one that no job
    owns yet (``exclude``); of several, the oldest. Raises the client's errors when the list cannot be read:
    then nobody can tell, and nothing should be sent again."""
    earliest = sent.sent_at - CLOCK_SKEW
    url = "predictions"
    found: dict[str, Any] | None = None
    for _ in range(max_pages):
        page = await client.get_json(url)
        results = page.get("results")
        oldest: datetime | None = None
        for item in results if isinstance(results, list) else ():
            created = _time(item.get("created_at")) if isinstance(item, dict) else None
            if created is None:
                continue
            oldest = created if oldest is None else min(oldest, created)
            if created < earliest or not _matches(item, sent) or item.get("id") in exclude:
                continue
            try:
                found = parse_prediction(item)  # newest first: the last match kept is the oldest
            except MalformedPrediction:
                continue
        following = page.get("next")
        if not isinstance(following, str) or not following or (oldest is not None and oldest < earliest):
            break
        url = following
    if found is not None:
        log.info("A create whose answer was lost had made prediction %s; following it instead of sending again",
                 found.get("id"))
    return found


def _matches(item: Mapping[str, Any], sent: SentCreate) -> bool:
    if item.get("model") != sent.model:
        return False
    if sent.version is not None and item.get("version") != sent.version:
        return False
    model_input = item.get("input")
    return isinstance(model_input, dict) and input_digest(model_input) == sent.digest


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
