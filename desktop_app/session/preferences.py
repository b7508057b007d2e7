"""The settings in use, saved as they change, and the form values remembered per model."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any

from ..replicate import FollowPolicy, UnknownModelError, is_cog_reference, parse_model
from ..storage.settings import Settings, SettingsStore

log = logging.getLogger(__name__)


def form_key(model: str) -> str:
    """Whose form values these are: the model without alias or pinned version, or the Cog server."""
    if is_cog_reference(model):
        return model.strip()
    try:
        return parse_model(model).full_name
    except UnknownModelError:
        return model.strip()


class Preferences:
    """Holds the :class:`Settings` and saves every change at once.

    A change that cannot be saved (a read-only disk) still applies for this session; the method that
    made it returns the error, and ``on_save_failed`` hears it, for the window to say so.
    """

    def __init__(self, store: SettingsStore, settings: Settings, *,
                 on_save_failed: Callable[[Exception], None] | None = None) -> None:
        self.store = store
        self.on_save_failed = on_save_failed
        self._settings = settings

    @property
    def settings(self) -> Settings:
        return self._settings

    def follow_policy(self) -> FollowPolicy:
        """How runs follow their predictions, from the settings in use."""
        s = self._settings
        return FollowPolicy(max_attempts=s.max_attempts, delay=s.poll_delay, wait_seconds=s.wait_seconds)

    def replace(self, settings: Settings) -> Exception | None:
        """Uses ``settings`` from now on and saves them."""
        try:
            self._settings = self.store.save(settings)
        except (OSError, ValueError) as error:
            self._settings = settings
            log.warning("Settings not saved: %s", error)
            if self.on_save_failed is not None:
                self.on_save_failed(error)
            return error
        return None

    def update(self, **changes: Any) -> Exception | None:
        """Changes some fields (``last_model=…``) and saves."""
        return self.replace(dataclasses.replace(self._settings, **changes))

    def remembered_inputs(self, model: str) -> dict[str, Any]:
        """The form values last used with ``model``."""
        return dict(self._settings.model_inputs.get(form_key(model), {}))

    def remember_inputs(self, model: str, values: Mapping[str, Any], *,
                        secret: Collection[str] = ()) -> Exception | None:
        """Remembers a run's values for ``model``'s form: no secrets, no seed (a new one each time unless
        locked), no local files (they may be gone by the next run)."""
        if not values:
            return None
        kept = {name: value for name, value in values.items()
                if name not in secret and name != "seed" and not isinstance(value, Path)}
        if kept == self._settings.model_inputs.get(form_key(model)):
            return None
        return self.update(model_inputs={**self._settings.model_inputs, form_key(model): kept})

    def reuse_inputs(self, model: str, inputs: Mapping[str, Any]) -> Exception | None:
        """Puts a past generation's inputs into ``model``'s form (a seed given here stays as it was)."""
        kept = {name: value for name, value in inputs.items() if name != "prompt"}
        return self.update(model_inputs={**self._settings.model_inputs, form_key(model): kept})
