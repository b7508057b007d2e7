"""The token: taken from the environment or the store, checked against /account, saved, forgotten."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from desktop_app.replicate import AuthenticationError, ReplicateClient
from desktop_app.session import Account, InvalidTokenError, TokenSource
from desktop_app.storage.secrets import TokenStore
from tests.fake_replicate import FakeReplicate


def _account(fake: FakeReplicate, http: aiohttp.ClientSession, tmp_path: Path,
             env: dict[str, str] | None = None) -> tuple[Account, TokenStore, list[str | None]]:
    store = TokenStore(tmp_path / "config", env={})
    tokens: list[str | None] = []

    def make_client(token: str | None, base_url: str, proxy: str | None) -> ReplicateClient:
        tokens.append(token)
        return ReplicateClient(http, token=token, base_url=base_url, proxy=proxy)

    return Account(store, make_client, env or {}, base_url=fake.base_url), store, tokens


async def test_the_environment_token_wins_and_is_checked(fake_replicate: FakeReplicate, http: aiohttp.ClientSession,
                                                         tmp_path: Path) -> None:
    account, store, _ = _account(fake_replicate, http, tmp_path, {"REPLICATE_API_TOKEN": f" {fake_replicate.token} "})
    store.set("r8_saved000000000000000000000000000000000")

    assert await account.load() == TokenSource("environment")
    info = await account.check()

    assert (info.username, info.name, info.display_name) == ("fake-user", "Fake User", "fake-user")
    (request,) = fake_replicate.requests_to("GET", "/v1/account")
    assert request.header("Authorization") == f"Bearer {fake_replicate.token}"
    assert fake_replicate.token not in repr(account)


async def test_signing_in_checks_then_saves_and_signing_out_forgets(fake_replicate: FakeReplicate,
                                                                    http: aiohttp.ClientSession,
                                                                    tmp_path: Path) -> None:
    account, store, tokens = _account(fake_replicate, http, tmp_path)
    assert await account.load() == TokenSource("none")
    assert not account.client.has_token

    signed = await account.sign_in(f"{fake_replicate.token}\n")

    assert signed.account.username == "fake-user"
    assert signed.not_stored is None
    assert store.get() == fake_replicate.token  # the keyring is unavailable in tests: the private file
    assert account.source == TokenSource("saved", store.backend_description)
    assert account.client.has_token and account.token == fake_replicate.token
    assert tokens[-1] == fake_replicate.token

    assert await account.sign_out() == TokenSource("none")
    assert store.get() is None
    assert account.token is None and not account.client.has_token


async def test_a_refused_token_is_neither_used_nor_saved(fake_replicate: FakeReplicate, http: aiohttp.ClientSession,
                                                         tmp_path: Path) -> None:
    account, store, _ = _account(fake_replicate, http, tmp_path)
    await account.load()

    with pytest.raises(AuthenticationError) as refused:
        await account.sign_in("r8_wrong0000000000000000000000000000000")

    assert "r8_wrong" not in str(refused.value)
    assert store.get() is None
    assert account.token is None


async def test_a_token_with_spaces_is_refused_before_any_request(fake_replicate: FakeReplicate,
                                                                 http: aiohttp.ClientSession, tmp_path: Path) -> None:
    account, _, _ = _account(fake_replicate, http, tmp_path)

    with pytest.raises(InvalidTokenError):
        await account.sign_in("r8_abc def")

    assert fake_replicate.requests == []


async def test_a_saved_token_is_loaded_and_new_settings_rebuild_the_client(fake_replicate: FakeReplicate,
                                                                           http: aiohttp.ClientSession,
                                                                           tmp_path: Path) -> None:
    account, store, tokens = _account(fake_replicate, http, tmp_path)
    store.set(fake_replicate.token)

    source = await account.load()
    account.configure(base_url="https://example.invalid/v1", proxy=None)

    assert source.origin == "saved"
    assert account.client.base_url == "https://example.invalid/v1"
    assert tokens[-1] == fake_replicate.token


def test_the_default_base_url_is_the_cores() -> None:
    """The account names Replicate's API without loading the network stack; it must be the core's own."""
    from desktop_app.replicate import DEFAULT_BASE_URL
    from desktop_app.session.account import DEFAULT_BASE_URL as SESSION_DEFAULT

    assert SESSION_DEFAULT == DEFAULT_BASE_URL
