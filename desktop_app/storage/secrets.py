"""The Replicate API token: kept in the OS keyring, or in an owner-only file when there is none."""

from __future__ import annotations

import logging
import os
import stat
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .atomic import write_atomically
from .validation import mask_tokens

log = logging.getLogger(__name__)

SERVICE = "replicate-desktop"
USERNAME = "api-token"
ENV_VAR = "REPLICATE_API_TOKEN"
ENV_SOURCE = f"environment variable {ENV_VAR}"
TOKEN_FILE_NAME = "token"

_FRIENDLY_BACKENDS = {
    "keyring.backends.SecretService": "Secret Service",
    "keyring.backends.libsecret": "libsecret",
    "keyring.backends.kwallet": "KWallet",
    "keyring.backends.macOS": "macOS Keychain",
    "keyring.backends.Windows": "Windows Credential Manager",
}


def clean_token(token: str) -> str:
    """``token`` without surrounding whitespace; ``ValueError`` if it is empty or has whitespace inside."""
    cleaned = token.strip()
    if not cleaned:
        raise ValueError("The API token is empty.")
    if any(character.isspace() for character in cleaned):
        raise ValueError("The API token contains spaces or line breaks; paste it again without them.")
    return cleaned


class TokenStore:
    """Gets, sets and clears the API token. The token itself is never kept on the object.

    ``keyring_module`` is anything with the ``keyring`` package's ``get_keyring``,
    ``get_password``, ``set_password`` and ``delete_password``; tests pass a fake.
    ``last_warning`` describes the last fallback or repair, or is ``None``.
    Keyring calls may block (D-Bus, Keychain prompts): call them off the GUI thread.
    """

    def __init__(self, config_dir: Path, *, keyring_module: Any | None = None,
                 env: Mapping[str, str] | None = None) -> None:
        self._config_dir = config_dir
        self._keyring_module = keyring_module
        self._env = os.environ if env is None else env
        self._in_file = False
        self.last_warning: str | None = None

    @property
    def _keyring(self) -> Any:
        """The keyring package, imported only where an OS keyring can exist at all."""
        if self._keyring_module is None and system_keyring_reachable(self._env):
            import keyring

            self._keyring_module = keyring
        return self._keyring_module

    def __repr__(self) -> str:
        return f"TokenStore(config_dir={str(self._config_dir)!r}, backend={self._backend_kind()!r})"

    @property
    def token_file(self) -> Path:
        """The fallback file, used only when no keyring is available."""
        return self._config_dir / TOKEN_FILE_NAME

    @property
    def backend_description(self) -> str:
        """Where the token is (or will be) kept, as a phrase for the UI."""
        backend = None if self._in_file else self._usable_backend()
        if backend is None:
            return f"a private file ({_display_path(self.token_file)}, readable only by you)"
        return f"the system keyring ({_backend_name(backend)})"

    def get(self) -> str | None:
        """The saved token, or ``None`` when there is none (or it cannot be read; see ``last_warning``)."""
        self.last_warning = None
        if self._usable_backend() is not None:
            try:
                token = self._keyring.get_password(SERVICE, USERNAME)
            except Exception as error:  # backends raise D-Bus and OS errors besides KeyringError
                self._warn(f"The system keyring could not be read ({_describe(error)}); trying the file.")
            else:
                if isinstance(token, str) and token.strip():
                    self._in_file = False
                    return token.strip()
        token = self._read_file()
        self._in_file = token is not None
        return token

    def set(self, token: str) -> None:
        """Saves ``token`` (stripped) in the keyring, or in the private file if the keyring fails.

        Raises ``ValueError`` for an empty token and ``OSError`` if the file cannot be written.
        """
        cleaned = clean_token(token)
        self.last_warning = None
        if self._usable_backend() is not None:
            try:
                self._keyring.set_password(SERVICE, USERNAME, cleaned)
            except Exception as error:  # backends raise D-Bus and OS errors besides KeyringError
                self._warn(
                    f"The system keyring refused the token ({_describe(error, cleaned)}); "
                    "it was saved in a private file instead."
                )
            else:
                self._in_file = False
                self._remove_file()
                return
        self._write_file(cleaned)
        self._in_file = True

    def clear(self) -> None:
        """Forgets the token everywhere it may be kept."""
        self.last_warning = None
        if self._usable_backend() is not None:
            try:
                self._keyring.delete_password(SERVICE, USERNAME)
            except Exception as error:  # backends raise D-Bus and OS errors besides KeyringError
                if type(error).__name__ == "PasswordDeleteError":
                    pass  # nothing was stored there
                else:
                    self._warn(f"The token could not be removed from the system keyring ({_describe(error)}).")
        self._remove_file()
        self._in_file = False

    def resolve(self, env: Mapping[str, str]) -> tuple[str | None, str]:
        """``(token, source)``: ``REPLICATE_API_TOKEN`` in ``env`` wins over the saved token."""
        from_env = env.get(ENV_VAR, "").strip()
        if from_env:
            return from_env, ENV_SOURCE
        token = self.get()
        if token is None:
            return None, "not set"
        return token, self.backend_description

    def _usable_backend(self) -> Any | None:
        """The keyring backend if it can really store secrets, else ``None``."""
        module = self._keyring
        if module is None:
            return None
        try:
            backend = module.get_keyring()
        except Exception as error:
            log.warning("No keyring backend could be loaded: %s", _describe(error))
            return None
        return backend if _is_usable(backend) else None

    def _backend_kind(self) -> str:
        return "file" if self._in_file or self._usable_backend() is None else "keyring"

    def _read_file(self) -> str | None:
        path = self.token_file
        try:
            if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) & 0o077:
                os.chmod(path, 0o600)
                self._warn(f"{path} was readable by other users; it is now readable only by you.")
            token = path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as error:
            self._warn(f"The token file {path} could not be read ({_describe(error)}).")
            return None
        return token or None

    def _write_file(self, token: str) -> None:
        self._config_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_atomically(self.token_file, (token + "\n").encode("utf-8"), mode=0o600)
        if os.name == "posix":
            os.chmod(self.token_file, 0o600)  # os.open's mode is narrowed by the umask, never widened

    def _remove_file(self) -> None:
        self.token_file.unlink(missing_ok=True)

    def _warn(self, message: str) -> None:
        log.warning("%s", message)
        self.last_warning = message if self.last_warning is None else f"{self.last_warning} {message}"


def system_keyring_reachable(env: Mapping[str, str], platform: str = sys.platform) -> bool:
    """Whether an OS keyring can exist here at all. On Linux and the BSDs the Secret Service and KWallet
    are reached over the D-Bus session bus, so without one there is nothing to talk to, and loading the
    ``keyring`` package (about 24 MiB with its crypto) would buy nothing."""
    if env.get("PYTHON_KEYRING_BACKEND") or platform in {"darwin", "win32", "cygwin"}:
        return True
    if env.get("DBUS_SESSION_BUS_ADDRESS"):
        return True
    return hasattr(os, "getuid") and Path(f"/run/user/{os.getuid()}/bus").exists()


def _is_chainer(backend: Any) -> bool:
    return type(backend).__name__ == "ChainerBackend" and hasattr(backend, "backends")


def _is_usable(backend: Any) -> bool:
    """False for the fail and null backends and for a chainer with nothing viable to chain."""
    if _is_chainer(backend):
        return any(_is_usable(child) for child in backend.backends)
    priority = getattr(backend, "priority", 1)
    return isinstance(priority, int | float) and priority > 0


def _backend_name(backend: Any) -> str:
    if _is_chainer(backend):
        return ", ".join(_backend_name(child) for child in backend.backends if _is_usable(child))
    module = type(backend).__module__
    if module in _FRIENDLY_BACKENDS:
        return _FRIENDLY_BACKENDS[module]
    name = getattr(backend, "name", None)
    if not isinstance(name, str) or not name:
        name = type(backend).__name__
    return name.removesuffix(" Keyring").strip() or name


def _display_path(path: Path) -> str:
    """``path`` with the home folder shortened to ``~``."""
    try:
        return str(Path("~") / path.relative_to(Path.home()))
    except ValueError:
        return str(path)


def _describe(error: BaseException, secret: str | None = None) -> str:
    """A short reason for ``error``, with ``secret`` and anything token-shaped masked out."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    text = str(error).strip()
    if secret:
        text = text.replace(secret, "…")
    text = mask_tokens(text)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
