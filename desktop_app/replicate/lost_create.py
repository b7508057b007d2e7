"""Finding the prediction a create made when its answer never arrived (a reset, a timeout, a garbled body, a run
stopped during its ``Prefer: wait`` hold) among the account's recent predictions, so that it is followed or
canceled instead of left running, and billed, unseen."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from .client import JSON, ReplicateClient
from .errors import MalformedPrediction
from .model_schemas import ModelTarget
from .models import ModelRef
from .parse import parse_prediction

log = logging.getLogger(__name__)

CLOCK_SKEW = timedelta(seconds=120)  # how far this machine's clock and Replicate's may disagree
MAX_PAGES = 5  # 500 predictions, newest first: a create this recent is on the first page unless the account is busy
_CLAIMED_LIMIT = 10_000


class _Claimed:
    """Ids of the predictions this process created or followed: a lost create is never mistaken for one of them."""

    def __init__(self) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()

    def add(self, prediction_id: str) -> None:
        self._ids[prediction_id] = None
        self._ids.move_to_end(prediction_id)
        while len(self._ids) > _CLAIMED_LIMIT:
            self._ids.popitem(last=False)

    def __contains__(self, prediction_id: object) -> bool:
        return prediction_id in self._ids


CLAIMED = _Claimed()


def claim_prediction(prediction_id: str) -> None:
    """Marks a prediction as known to this process (created, resumed or found), so no lookup takes it."""
    if prediction_id:
        CLAIMED.add(prediction_id)


@dataclass(frozen=True)
class SentCreate:
    """A create as it was sent: the model (``owner/name``), the version it named (``None`` on the model's own
    route, where Replicate reports ``hidden`` or the latest version), the input and when it left (UTC)."""

    model: str
    version: str | None
    model_input: Mapping[str, Any]
    sent_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @classmethod
    def of(cls, ref: ModelRef, model_input: Mapping[str, Any], target: ModelTarget | None = None) -> SentCreate:
        version = ref.version or (target.version if target is not None else None)
        return cls(ref.full_name, version, dict(model_input))

    def matches(self, item: Mapping[str, Any]) -> bool:
        """Whether a listed prediction could be this create: same model, version and input, created no
        earlier than the send (less :data:`CLOCK_SKEW`)."""
        if item.get("model") != self.model:
            return False
        if self.version is not None and item.get("version") != self.version:
            return False
        created = _time(item.get("created_at"))
        if created is None or created < self.sent_at - CLOCK_SKEW:
            return False
        echoed = item.get("input")
        return isinstance(echoed, dict) and same_input(self.model_input, echoed)


def same_input(sent: object, echoed: object) -> bool:
    """Whether Replicate's echo of an input is the input sent. A ``data:`` URI may come back as the URL of the
    file Replicate stored from it; anything else must be equal (``True`` is not ``1``)."""
    if isinstance(sent, str) and sent.startswith("data:"):
        return isinstance(echoed, str)
    if isinstance(sent, Mapping):
        return (isinstance(echoed, Mapping) and sent.keys() == echoed.keys()
                and all(same_input(sent[key], echoed[key]) for key in sent))
    if isinstance(sent, list | tuple):
        return (isinstance(echoed, list) and len(sent) == len(echoed)
                and all(same_input(a, b) for a, b in zip(sent, echoed, strict=True)))
    if isinstance(sent, bool) or isinstance(echoed, bool):
        return type(sent) is type(echoed) and sent == echoed
    return bool(sent == echoed)


async def find_lost_prediction(client: ReplicateClient, sent: SentCreate, *, exclude: Collection[str] = (),
                    max_pages: int = MAX_PAGES) -> JSON | None:
    """The prediction ``sent`` made, if ``GET /v1/predictions`` (newest first) lists one this process does not
    already know (nor ``exclude``): of several, the oldest, the one closest to the send. ``None`` when none is
    there. The client's errors pass through: when the list cannot be read, nobody can tell."""
    url = "predictions"
    earliest = sent.sent_at - CLOCK_SKEW
    found: JSON | None = None
    for _ in range(max_pages):
        page = await client.get_json(url)
        results = page.get("results")
        oldest: datetime | None = None
        for item in results if isinstance(results, list) else ():
            if not isinstance(item, dict):
                continue
            created = _time(item.get("created_at"))
            if created is not None:
                oldest = created if oldest is None else min(oldest, created)
            if item.get("id") in CLAIMED or item.get("id") in exclude or not sent.matches(item):
                continue
            try:
                found = parse_prediction(item)  # newest first: the last one kept is the oldest
            except MalformedPrediction as error:
                log.info("A listed prediction that could be the lost create is unusable: %s", error)
        following = page.get("next")
        if not isinstance(following, str) or not following or (oldest is not None and oldest < earliest):
            break
        url = following
    if found is not None:
        claim_prediction(str(found["id"]))
    return found


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
