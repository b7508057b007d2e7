"""The API token: where it comes from, the client built from it, and checking and keeping it against /account."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ..replicate import UnexpectedResponse
from ..storage.secrets import ENV_VAR, TokenStore, clean_token
from .errors import InvalidTokenError

if TYPE_CHECKING:  # the client is built on first use: the network stack is not loaded before
    from ..replicate import ReplicateClient

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.replicate.com/v1"  # the core's too (client.DEFAULT_BASE_URL; a test keeps them equal)

ClientFactory = Callable[[str | None, str, str | None], "ReplicateClient"]  # (token, base URL, proxy) → client
TokenOrigin = Literal["environment", "saved", "none"]


@dataclass(frozen=True)
class TokenSource:
    """Where the token in use came from; ``where`` names the store for a saved one (keyring or file)."""

    origin: TokenOrigin
    where: str = ""


@dataclass(frozen=True)
class AccountInfo:
    """Who a token belongs to, as ``GET /account`` says."""

    username: str
    name: str | None = None
    type: str | None = None

    @property
    def display_name(self) -> str:
        return self.username or self.name or "?"


@dataclass(frozen=True)
class SignedIn:
    """A token that was accepted; ``not_stored`` says why it could not be saved (it is used all the same)."""

    account: AccountInfo
    not_stored: Exception | None = None


class Account:
    """Owns the token in use and the client built from it.

    The token comes from ``REPLICATE_API_TOKEN`` first, else from the token store (keyring or private file;
    those calls may block, so they run in a worker thread). The base URL is ``REPLICATE_API_BASE_URL`` when
    set, else the one configured. The token itself is never logged and never in ``repr``.
    """

    def __init__(self, token_store: TokenStore, make_client: ClientFactory, env: Mapping[str, str], *,
                 base_url: str | None = None, proxy: str | None = None) -> None:
        self.token_store = token_store
        self.make_client = make_client
        self.env = env
        self._base_url = base_url or DEFAULT_BASE_URL
        self._proxy = proxy
        self._token: str | None = None
        self._source = TokenSource("none")
        self._client: ReplicateClient | None = None  # built on first use: the network stack loads then

    def __repr__(self) -> str:
        return f"Account(source={self._source.origin!r}, base_url={self.base_url!r})"

    @property
    def base_url(self) -> str:
        return self.env.get("REPLICATE_API_BASE_URL") or self._base_url

    @property
    def client(self) -> ReplicateClient:
        """The client for the token in use (rebuilt whenever the token or the connection settings change)."""
        if self._client is None:
            self._client = self.make_client(self._token, self.base_url, self._proxy)
        return self._client

    @property
    def has_token(self) -> bool:
        """Whether a token is in use (asked without building a client)."""
        return self._token is not None

    @property
    def token(self) -> str | None:
        """The token in use, for masking it in logs; never show it."""
        return self._token

    @property
    def source(self) -> TokenSource:
        return self._source

    def configure(self, *, base_url: str, proxy: str | None) -> None:
        """Uses new connection settings from now on."""
        self._base_url, self._proxy = base_url, proxy
        self._use(self._token, self._source)

    async def load(self) -> TokenSource:
        """Takes the token from the environment or the store (without checking it) and returns its source."""
        from_env = self.env.get(ENV_VAR, "").strip()
        if from_env:
            self._use(from_env, TokenSource("environment"))
        else:
            saved = await asyncio.to_thread(self.token_store.get)
            where = self.token_store.backend_description
            self._use(saved, TokenSource("saved", where) if saved else TokenSource("none"))
        return self._source

    async def check(self, token: str | None = None) -> AccountInfo:
        """Asks ``/account`` who ``token`` (by default the one in use) belongs to; raises the core's errors
        (``AuthenticationError`` for a refused token, ``MissingTokenError`` for none) or
        :class:`InvalidTokenError` for one that cannot be a token (nothing is sent then)."""
        client = self.client if token is None else self.make_client(_cleaned(token), self.base_url, self._proxy)
        return _account_info(await client.get_json("account"))

    async def sign_in(self, token: str) -> SignedIn:
        """Checks ``token``; when it is accepted, uses it from now on and saves it in the store."""
        cleaned = _cleaned(token)
        account = await self.check(cleaned)
        problem: Exception | None = None
        try:
            await asyncio.to_thread(self.token_store.set, cleaned)
        except (OSError, ValueError) as error:
            log.warning("The token could not be stored: %s", type(error).__name__)
            problem = error
        self._use(cleaned, TokenSource("saved", self.token_store.backend_description))
        return SignedIn(account, problem)

    async def sign_out(self) -> TokenSource:
        """Forgets the saved token; the environment's token, if any, is used from now on."""
        await asyncio.to_thread(self.token_store.clear)
        from_env = self.env.get(ENV_VAR, "").strip()
        self._use(from_env or None, TokenSource("environment") if from_env else TokenSource("none"))
        return self._source

    def _use(self, token: str | None, source: TokenSource) -> None:
        self._token = token
        self._source = source
        self._client = None


def _cleaned(token: str) -> str:
    try:
        return clean_token(token)
    except ValueError as error:
        raise InvalidTokenError(str(error)) from None


def _account_info(body: Mapping[str, Any]) -> AccountInfo:
    username = body.get("username")
    if not isinstance(username, str):
        raise UnexpectedResponse("Replicate's account answer has no username.")
    name, kind = body.get("name"), body.get("type")
    return AccountInfo(username, name if isinstance(name, str) else None, kind if isinstance(kind, str) else None)
