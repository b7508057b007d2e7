"""What a model's form starts with when it is built: its last values, its default preset, and what was brought to it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from ...replicate import InputSchema
from ...session import Presets, form_key
from ...storage.presets import PresetError

log = logging.getLogger(__name__)

Fill = Callable[[InputSchema], Mapping[str, Any]]


class StartingValues:
    """The form's starting values for a model (the catalogue flow calls it each time it builds the form): the
    values last used with it, over them its default preset, over those what the user brought to it before its
    form was there (a picture for its image input, the settings of a picture), once.

    ``on_built(model)`` hears each model the form was built for (the preset menu follows it).
    """

    def __init__(self, remembered: Callable[[str], Mapping[str, Any]], presets: Presets | None,
                 schema: Callable[[], InputSchema] | None = None) -> None:
        self.remembered = remembered
        self.presets = presets
        self.schema = schema or (lambda: InputSchema())
        self.on_built: list[Callable[[str], None]] = []
        self.built_for: str | None = None
        self._pending: dict[str, Fill] = {}

    def __call__(self, model: str) -> dict[str, Any]:
        schema = self.schema()
        values = dict(self.remembered(model))
        if self.presets is not None:
            try:
                start = self.presets.starting_values(model, schema)
            except PresetError as error:  # a default that was deleted meanwhile: the form starts without it
                log.warning("The default preset of %s could not be applied: %s", model, error)
                start = None
            if start is not None:
                values.update(start.values)
        fill = self._pending.pop(form_key(model), None)
        if fill is not None:
            values.update(fill(schema))
        self.built_for = form_key(model)
        for listener in list(self.on_built):
            listener(model)
        return values

    def expect(self, model: str, fill: Fill) -> None:
        """``fill(schema)`` gives values for ``model``'s form the next time it is built (the latest wins)."""
        self._pending[form_key(model)] = fill

    def is_built_for(self, model: str) -> bool:
        """Whether the form on screen is ``model``'s."""
        return self.built_for is not None and self.built_for == form_key(model)
