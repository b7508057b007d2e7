"""The application layer put together once: the objects a window (or any other front end) works through."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..storage.history import HistoryStore
from ..storage.secrets import TokenStore
from ..storage.settings import Settings, SettingsStore
from .account import Account, ClientFactory
from .backends import Backends, LocalServers
from .chat import ChatSession
from .library import Library
from .preferences import Preferences
from .recorder import HistoryRecorder
from .recovery import Recovery
from .runs import RunService

if TYPE_CHECKING:
    from ..replicate import ModelSchemas, PollBudget


@dataclass(frozen=True)
class Services:
    """One app's session objects, sharing one account, one recorder, one run service (and through it one poll
    budget and one schema cache). The front end sets the listeners (``recorder.on_changed``, ``on_failed``,
    ``preferences.on_save_failed``) and calls :meth:`aclose` on the way out."""

    account: Account
    preferences: Preferences
    recorder: HistoryRecorder
    runs: RunService
    chat: ChatSession
    library: Library
    recovery: Recovery
    local: LocalServers | None = None

    async def aclose(self) -> None:
        """Cancels every run (their predictions are canceled on the server), then lets the history writes land."""
        await self.runs.aclose()
        await self.recorder.close()


class _Shared:
    """The app-wide poll budget and schema cache, made when the first run needs them (they load the network
    stack, which a window that is only looked at never needs)."""

    def __init__(self, make_schemas: Callable[[], ModelSchemas] | None) -> None:
        self._make_schemas = make_schemas
        self._options: dict[str, Any] | None = None

    def __call__(self) -> Mapping[str, Any]:
        if self._options is None:
            from ..replicate import ModelSchemas, PollBudget

            budget: PollBudget = PollBudget()
            schemas = self._make_schemas() if self._make_schemas is not None else ModelSchemas()
            self._options = {"budget": budget, "schemas": schemas}
        return self._options


def build_services(
    *,
    settings_store: SettingsStore,
    settings: Settings,
    token_store: TokenStore,
    make_client: ClientFactory,
    env: Mapping[str, str],
    history: HistoryStore | None,
    make_local: Callable[[Account], LocalServers] | None = None,
    make_schemas: Callable[[], ModelSchemas] | None = None,
) -> Services:
    """Wires the application layer: the account (token and client), the settings, the history recorder, the run
    service with the app's follow policy, one poll budget and one schema cache (``make_schemas`` makes it, with
    a disk cache say), the chat, the library and recovery. ``make_local`` gives the local Cog servers, if any."""
    account = Account(token_store, make_client, env, base_url=settings.base_url, proxy=settings.proxy)
    local = make_local(account) if make_local is not None else None
    preferences = Preferences(settings_store, settings)
    recorder = HistoryRecorder(history)
    backends = Backends(lambda: account.client, policy=preferences.follow_policy, local=local,
                        prediction_options=_Shared(make_schemas))
    runs = RunService(backends, recorder=recorder)
    library = Library(recorder)
    chat = ChatSession(runs, recorder=recorder, library=library, preferences=preferences)
    recovery = Recovery(runs, recorder, lambda: account.client)
    return Services(account, preferences, recorder, runs, chat, library, recovery, local)
