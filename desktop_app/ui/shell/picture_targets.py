"""Which models can take a picture: the chosen one, by its form's schema, and the user's, by their cached schemas."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from ...replicate import BUILTIN_MODELS, InputSchema, UnknownModelError, parse_model
from ...session.picture_inputs import input_field
from ..models.catalogue_flow import CatalogueFlow
from .main_window import MainWindow
from .starting_values import StartingValues

if TYPE_CHECKING:
    from ...replicate import ReplicateClient

#: Models "Send to…" offers besides the user's own: upscalers and background removal (each takes one image).
SEND_TO_EXAMPLES: tuple[str, ...] = ("nightmareai/real-esrgan", "851-labs/background-remover")


class PictureTargets:
    """Answers "which input of which model takes this picture" from what is known without asking the network:
    the form's schema for the chosen model, the catalogue's cached cards for the others; :meth:`schema` asks
    Replicate for a model whose card is not cached yet."""

    def __init__(self, window: MainWindow, catalogue: CatalogueFlow, starting: StartingValues,
                 client: Callable[[], ReplicateClient]) -> None:
        self.window = window
        self.catalogue = catalogue
        self.starting = starting
        self.client = client

    def current(self) -> str:
        return self.window.model_picker.current_model()

    def current_schema(self) -> InputSchema | None:
        """The chosen model's schema, when its form is the one on screen."""
        model = self.current()
        return self.catalogue.schema() if self.starting.is_built_for(model) else None

    def cached_schema(self, model: str) -> InputSchema | None:
        """The model's schema from the form (when it is the chosen one) or its cached card; ``None`` if unknown."""
        if self.starting.is_built_for(model):
            return self.catalogue.schema()
        try:
            ref = parse_model(model)
        except UnknownModelError:
            return None
        card = self.catalogue.cache.get(ref.owner, ref.name)
        return card.input_schema if card is not None else None

    async def schema(self, model: str) -> InputSchema:
        """The model's schema: cached, else read from Replicate (and cached for next time)."""
        known = self.cached_schema(model)
        if known is not None:
            return known
        from ...replicate import get_model_card

        ref = parse_model(model)
        card = await get_model_card(self.client(), ref.owner, ref.name)
        with contextlib.suppress(OSError):  # not kept: only the next look-up is slower
            self.catalogue.cache.put(card)
        return card.input_schema

    def takes(self, model: str, *, mask: bool = False) -> bool:
        """Whether ``model`` (by its known schema) has an image input, and a mask input too when ``mask``."""
        schema = self.cached_schema(model)
        if schema is None or input_field(schema, "image") is None:
            return False
        return not mask or input_field(schema, "image", mask=True) is not None

    def user_models(self) -> list[str]:
        """The models in the user's list: the built-in ones and those they added."""
        names = [info.full_name for info in BUILTIN_MODELS]
        names += [model for model in self.window.model_picker.custom_models() if model not in names]
        return names

    def takers(self) -> list[str]:
        """The user's models known to take a picture."""
        return [model for model in self.user_models() if self.takes(model)]
