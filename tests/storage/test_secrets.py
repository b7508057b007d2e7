"""TokenStore: the keyring when it works, an owner-only file when it does not, and env precedence."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import keyring
import keyring.core
import keyring.errors
import pytest
from keyring.backends import chainer, fail, null

from desktop_app.storage import TokenStore
from desktop_app.storage.secrets import ENV_SOURCE, SERVICE, USERNAME

TOKEN = "r8_" + "Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i"
# keyring's backends are untyped; calling them through Any keeps mypy quiet without ignores.
FailKeyring: Any = fail.Keyring
NullKeyring: Any = null.Keyring
Chainer: Any = chainer.ChainerBackend
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")


class FakeBackend:
    """Looks like a keyring backend with a display name and a priority."""

    priority = 5
    name = "FakeVault Keyring"


class FakeKeyring:
    """An in-memory stand-in for the ``keyring`` module, with switchable failures."""

    def __init__(self) -> None:
        self.passwords: dict[tuple[str, str], str] = {}
        self.fail_set: Exception | None = None
        self.fail_get: Exception | None = None
        self.backend: Any = FakeBackend()

    def get_keyring(self) -> Any:
        return self.backend

    def get_password(self, service: str, username: str) -> str | None:
        if self.fail_get is not None:
            raise self.fail_get
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.fail_set is not None:
            raise self.fail_set
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.passwords:
            raise keyring.errors.PasswordDeleteError("not found")
        del self.passwords[(service, username)]


@pytest.fixture
def fake() -> FakeKeyring:
    return FakeKeyring()


@pytest.fixture
def real_fail_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real ``keyring`` module with its real fail backend (what a desktop without a keyring has)."""
    monkeypatch.setattr(keyring.core, "_keyring_backend", FailKeyring())


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_keyring_round_trip(tmp_path: Path, fake: FakeKeyring) -> None:
    store = TokenStore(tmp_path, keyring_module=fake)

    assert store.get() is None
    store.set(f"  {TOKEN}\n")

    assert fake.passwords == {(SERVICE, USERNAME): TOKEN}
    assert store.get() == TOKEN
    assert store.backend_description == "the system keyring (FakeVault)"
    assert not store.token_file.exists()
    assert store.last_warning is None

    store.clear()
    assert fake.passwords == {}
    assert store.get() is None


def test_clear_without_a_token_is_fine(tmp_path: Path, fake: FakeKeyring) -> None:
    TokenStore(tmp_path, keyring_module=fake).clear()


@pytest.mark.parametrize("blank", ["", "   ", "\n\t"])
def test_empty_token_is_an_error(tmp_path: Path, fake: FakeKeyring, blank: str) -> None:
    with pytest.raises(ValueError, match="empty"):
        TokenStore(tmp_path, keyring_module=fake).set(blank)
    assert fake.passwords == {}


def test_token_with_inner_whitespace_is_an_error(tmp_path: Path, fake: FakeKeyring) -> None:
    with pytest.raises(ValueError, match="spaces") as caught:
        TokenStore(tmp_path, keyring_module=fake).set("r8_abc def")
    assert "abc" not in str(caught.value)


@posix_only
def test_real_fail_backend_falls_back_to_an_owner_only_file(tmp_path: Path, real_fail_backend: None) -> None:
    config_dir = tmp_path / "config"
    store = TokenStore(config_dir)

    assert store.get() is None
    store.set(TOKEN)

    assert store.token_file == config_dir / "token"
    assert store.token_file.read_text(encoding="utf-8") == TOKEN + "\n"
    assert _mode(store.token_file) == 0o600
    assert _mode(config_dir) & 0o077 == 0
    assert store.get() == TOKEN
    assert "a private file" in store.backend_description
    assert "readable only by you" in store.backend_description
    assert [p.name for p in config_dir.iterdir()] == ["token"]

    store.clear()
    assert not store.token_file.exists()
    assert store.get() is None


def test_file_description_shortens_the_home_folder(real_fail_backend: None) -> None:
    store = TokenStore(Path.home() / ".config" / "replicate-desktop")
    assert store.backend_description == (
        f"a private file ({Path('~', '.config', 'replicate-desktop', 'token')}, readable only by you)"
    )


@posix_only
def test_file_mode_is_0600_even_with_a_permissive_umask(tmp_path: Path, real_fail_backend: None) -> None:
    old = os.umask(0)
    try:
        TokenStore(tmp_path).set(TOKEN)
    finally:
        os.umask(old)
    assert _mode(tmp_path / "token") == 0o600


@posix_only
def test_loose_permissions_are_tightened_on_read(tmp_path: Path, real_fail_backend: None) -> None:
    store = TokenStore(tmp_path)
    store.set(TOKEN)
    os.chmod(store.token_file, 0o644)

    assert store.get() == TOKEN

    assert _mode(store.token_file) == 0o600
    assert store.last_warning is not None
    assert "readable only by you" in store.last_warning


@posix_only
def test_overwriting_a_loose_file_fixes_its_permissions(tmp_path: Path, real_fail_backend: None) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("old\n", encoding="utf-8")
    os.chmod(token_file, 0o666)

    TokenStore(tmp_path).set(TOKEN)

    assert _mode(token_file) == 0o600
    assert token_file.read_text(encoding="utf-8") == TOKEN + "\n"


@pytest.mark.parametrize(
    "error",
    [keyring.errors.PasswordSetError("locked"), keyring.errors.KeyringLocked("locked"), RuntimeError("dbus")],
)
def test_keyring_error_on_set_falls_back_to_the_file(tmp_path: Path, fake: FakeKeyring, error: Exception) -> None:
    fake.fail_set = error
    store = TokenStore(tmp_path, keyring_module=fake)
    assert store.backend_description.startswith("the system keyring")

    store.set(TOKEN)

    assert fake.passwords == {}
    assert (tmp_path / "token").read_text(encoding="utf-8") == TOKEN + "\n"
    assert store.backend_description.startswith("a private file")
    assert store.last_warning is not None
    assert "private file" in store.last_warning
    assert store.get() == TOKEN  # keyring empty → the file


def test_error_messages_never_echo_the_token(tmp_path: Path, fake: FakeKeyring) -> None:
    fake.fail_set = keyring.errors.PasswordSetError(f"cannot store {TOKEN}")
    store = TokenStore(tmp_path, keyring_module=fake)

    store.set(TOKEN)

    assert store.last_warning is not None
    assert TOKEN not in store.last_warning


def test_keyring_error_on_get_reads_the_file(tmp_path: Path, fake: FakeKeyring) -> None:
    (tmp_path / "token").write_text(TOKEN + "\n", encoding="utf-8")
    os.chmod(tmp_path / "token", 0o600)
    fake.fail_get = keyring.errors.KeyringLocked("locked")
    store = TokenStore(tmp_path, keyring_module=fake)

    assert store.get() == TOKEN
    assert store.last_warning is not None
    assert "could not be read" in store.last_warning
    assert store.backend_description.startswith("a private file")


def test_moving_to_a_working_keyring_removes_the_plaintext_file(tmp_path: Path, fake: FakeKeyring) -> None:
    (tmp_path / "token").write_text("r8_old\n", encoding="utf-8")
    store = TokenStore(tmp_path, keyring_module=fake)
    assert store.get() == "r8_old"
    assert store.backend_description.startswith("a private file")

    store.set(TOKEN)

    assert not (tmp_path / "token").exists()
    assert fake.passwords[(SERVICE, USERNAME)] == TOKEN
    assert store.backend_description == "the system keyring (FakeVault)"


def test_keyring_wins_over_a_stale_file(tmp_path: Path, fake: FakeKeyring) -> None:
    (tmp_path / "token").write_text("r8_stale\n", encoding="utf-8")
    fake.passwords[(SERVICE, USERNAME)] = TOKEN
    assert TokenStore(tmp_path, keyring_module=fake).get() == TOKEN


def test_clear_removes_both_copies(tmp_path: Path, fake: FakeKeyring) -> None:
    (tmp_path / "token").write_text("r8_stale\n", encoding="utf-8")
    fake.passwords[(SERVICE, USERNAME)] = TOKEN
    store = TokenStore(tmp_path, keyring_module=fake)

    store.clear()

    assert fake.passwords == {}
    assert not (tmp_path / "token").exists()
    assert store.get() is None


@pytest.mark.parametrize(
    "backend",
    [FailKeyring, NullKeyring],
    ids=["fail", "null"],
)
def test_unusable_backends_use_the_file(tmp_path: Path, fake: FakeKeyring, backend: Any) -> None:
    fake.backend = backend()
    store = TokenStore(tmp_path, keyring_module=fake)

    store.set(TOKEN)

    assert fake.passwords == {}  # never even tried
    assert (tmp_path / "token").exists()
    assert store.backend_description.startswith("a private file")
    assert store.last_warning is None


def test_chainer_without_viable_backends_uses_the_file(
    tmp_path: Path, fake: FakeKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Chainer, "backends", [FailKeyring()])
    fake.backend = Chainer()

    store = TokenStore(tmp_path, keyring_module=fake)
    store.set(TOKEN)

    assert (tmp_path / "token").exists()
    assert store.backend_description.startswith("a private file")


def test_chainer_with_a_viable_backend_uses_the_keyring(
    tmp_path: Path, fake: FakeKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Chainer, "backends", [FakeBackend(), FailKeyring()])
    fake.backend = Chainer()

    store = TokenStore(tmp_path, keyring_module=fake)
    store.set(TOKEN)

    assert fake.passwords == {(SERVICE, USERNAME): TOKEN}
    assert store.backend_description == "the system keyring (FakeVault)"


def test_backend_that_cannot_load_uses_the_file(tmp_path: Path, fake: FakeKeyring) -> None:
    def broken() -> Any:
        raise keyring.errors.InitError("no backend")

    fake.get_keyring = broken  # type: ignore[method-assign]
    store = TokenStore(tmp_path, keyring_module=fake)
    store.set(TOKEN)
    assert store.get() == TOKEN
    assert store.backend_description.startswith("a private file")


def test_friendly_names_for_known_backends(tmp_path: Path, fake: FakeKeyring) -> None:
    secret_service = type("Keyring", (FakeBackend,), {"__module__": "keyring.backends.SecretService"})
    fake.backend = secret_service()
    assert TokenStore(tmp_path, keyring_module=fake).backend_description == "the system keyring (Secret Service)"


def test_environment_variable_wins(tmp_path: Path, fake: FakeKeyring) -> None:
    store = TokenStore(tmp_path, keyring_module=fake)
    store.set(TOKEN)

    assert store.resolve({"REPLICATE_API_TOKEN": "  r8_from_env \n"}) == ("r8_from_env", ENV_SOURCE)
    assert ENV_SOURCE == "environment variable REPLICATE_API_TOKEN"


def test_resolve_falls_back_to_the_stored_token(tmp_path: Path, fake: FakeKeyring) -> None:
    store = TokenStore(tmp_path, keyring_module=fake)
    assert store.resolve({}) == (None, "not set")

    store.set(TOKEN)

    assert store.resolve({"REPLICATE_API_TOKEN": "   "}) == (TOKEN, "the system keyring (FakeVault)")


def test_resolve_names_the_file_when_the_token_is_there(tmp_path: Path, real_fail_backend: None) -> None:
    store = TokenStore(tmp_path)
    store.set(TOKEN)
    token, source = store.resolve({})
    assert token == TOKEN
    assert source.startswith("a private file")


def test_repr_and_str_never_contain_the_token(tmp_path: Path, fake: FakeKeyring) -> None:
    store = TokenStore(tmp_path, keyring_module=fake)
    store.set(TOKEN)
    store.get()

    for text in (repr(store), str(store), store.backend_description, str(vars(store))):
        assert TOKEN not in text
    assert "keyring" in repr(store)


def test_unreadable_file_gives_none_with_a_warning(
    tmp_path: Path, real_fail_backend: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = TokenStore(tmp_path)
    store.set(TOKEN)

    def denied(self: Path, *args: Any, **kwargs: Any) -> str:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_text", denied)

    assert store.get() is None
    assert store.last_warning is not None
    assert "Permission denied" in store.last_warning


def test_keyring_is_not_loaded_where_no_keyring_can_exist(tmp_path: Path) -> None:
    from desktop_app.storage.secrets import system_keyring_reachable

    assert not system_keyring_reachable({}, platform="linux") or Path(f"/run/user/{os.getuid()}/bus").exists()
    assert system_keyring_reachable({"DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus"}, platform="linux")
    assert system_keyring_reachable({}, platform="darwin")
    assert system_keyring_reachable({"PYTHON_KEYRING_BACKEND": "x"}, platform="linux")
    if Path(f"/run/user/{os.getuid()}/bus").exists():
        return
    store = TokenStore(tmp_path / "config", env={})
    store.set("r8_" + "a" * 30)
    assert store.token_file.read_text().strip() == "r8_" + "a" * 30
    assert "private file" in store.backend_description
