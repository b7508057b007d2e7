"""The account's own models: who the token belongs to, whether a destination model exists, and creating one
(``POST /v1/models``) to train into."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from .catalogue import ModelCard, get_model_card, model_card
from .client import ReplicateClient
from .errors import APIError, ConfigurationError, NotFoundError, UnexpectedResponse, excerpt
from .training_objects import DestinationRef

Visibility = Literal["public", "private"]
# Hardware SKUs look like ``cpu``, ``gpu-t4``, ``gpu-a40-large``, ``gpu-h100``, ``gpu-2x-a100`` (GET /v1/hardware).
_SKU = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")


class ModelNameTaken(APIError):
    """``POST /v1/models`` answered 409: the account already has (or had) a model of that name."""

    def _message(self) -> str:
        return f"A model with that name exists already on this account; choose another name ({self.detail})."


class NotYourModel(ConfigurationError):
    """The destination belongs to another account, so nothing can be trained into it (exit code 2)."""

    exit_code = 2


@dataclass(frozen=True)
class AccountName:
    """The account a token acts for (``GET /v1/account``)."""

    username: str
    kind: str | None = None


def check_hardware(sku: str) -> str:
    """``sku`` once it is shaped like a hardware SKU; raises :class:`ConfigurationError` otherwise (nothing sent)."""
    cleaned = sku.strip()
    if not _SKU.match(cleaned):
        raise ConfigurationError(
            f"{excerpt(cleaned, 40)!r} is not a hardware name: use a SKU such as cpu, gpu-t4, gpu-l40s or gpu-h100."
        )
    return cleaned


async def account_name(client: ReplicateClient) -> AccountName:
    """Who the token belongs to."""
    body = await client.get_json("account")
    username = body.get("username")
    if not isinstance(username, str) or not username:
        raise UnexpectedResponse("Replicate's account answer has no username.")
    kind = body.get("type")
    return AccountName(username, kind if isinstance(kind, str) else None)


async def find_model(client: ReplicateClient, destination: DestinationRef) -> ModelCard | None:
    """The model called ``destination``, or ``None`` when Replicate does not show it to this account."""
    try:
        return await get_model_card(client, destination.owner, destination.name)
    except NotFoundError:
        return None


async def create_model(
    client: ReplicateClient,
    destination: DestinationRef,
    *,
    hardware: str,
    visibility: Visibility = "private",
    description: str | None = None,
) -> ModelCard:
    """Creates an empty model (``latest_version`` null) owned by the token's account.

    A 409 becomes :class:`ModelNameTaken`. Not retried (a POST).
    """
    body: dict[str, str] = {"owner": destination.owner, "name": destination.name, "visibility": visibility,
                            "hardware": check_hardware(hardware)}
    if description:
        body["description"] = description
    try:
        _, created = await client.post_json("models", body)
    except APIError as error:
        if error.status == 409:
            raise ModelNameTaken(error.status, error.detail, title=error.title, body=error.body) from None
        raise
    return model_card(created)
