"""The seed-compatible facade: ``ReplicateHome.create_async_generator`` over the typed event stream."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Generator, Iterable, Mapping
from typing import Any, ClassVar

import aiohttp

from .client import ReplicateClient
from .deadline import parse_deadline
from .events import ImageResponse, PredictionEvent, TextDelta, TextReplaced
from .models import ALIASES, BUILTIN_MODELS, get_model, known_kind, parse_model
from .predictions import FollowPolicy, ModelSchemas, PollBudget, run_prediction
from .prompts import MessageLike, build_prompt


async def generate(
    client: ReplicateClient,
    model: str,
    messages: Iterable[MessageLike],
    *,
    prompt: str | None = None,
    extra_input: Mapping[str, Any] | None = None,
    policy: FollowPolicy | None = None,
    sleep: Any = asyncio.sleep,
    budget: PollBudget | None = None,
    schemas: ModelSchemas | None = None,
    deadline: str | float | None = None,
) -> AsyncGenerator[PredictionEvent, None]:
    """Resolves the model, builds the prompt and runs the prediction, yielding typed events.

    Every check that needs no network (model name, token, empty prompt, deadline) happens before
    the first request. A model outside the built-in table is known by its schema (read through
    ``schemas``, the app's cache) before it runs; ``budget`` is the app's poll budget.
    """
    ref = parse_model(model)
    kind = known_kind(model)
    text = build_prompt(kind, messages, prompt)
    client.require_token()
    parse_deadline(deadline)
    model_input = {"prompt": text, **dict(extra_input or {})}
    events = run_prediction(client, ref, model_input, kind=kind, alt=text, policy=policy or FollowPolicy(),
                            sleep=sleep, budget=budget, schemas=schemas, deadline=deadline)
    async with contextlib.aclosing(events):
        async for event in events:
            yield event


FacadeItem = str | ImageResponse | TextReplaced


class AsyncResult:
    """What ``create_async_generator`` returns: iterate it directly, or ``await`` it first
    (the seed's call shape) and iterate the result.

    Items are ``str`` chunks of a text reply, or one ``ImageResponse``. Rarely, when the stream turned out
    to differ from the model's output (events replayed or doubled in a way that could not be told apart),
    a ``TextReplaced`` follows: its ``text`` is the whole exact reply, replacing every chunk before it (a
    ``str`` chunk cannot take text back, so the correction is its own item; ``str()`` of it is the text)."""

    def __init__(self, items: AsyncGenerator[FacadeItem, None]) -> None:
        self._items = items

    def __aiter__(self) -> AsyncResult:
        return self

    async def __anext__(self) -> FacadeItem:
        return await self._items.__anext__()

    def __await__(self) -> Generator[Any, None, AsyncResult]:
        yield from ()
        return self

    async def aclose(self) -> None:
        """Stops early; a running prediction is canceled on the server."""
        await self._items.aclose()


class ReplicateHome:
    """Text and image generation with Replicate's hosted models, in the seed provider's shape."""

    url = "https://replicate.com"
    working = True
    default_model = "meta/meta-llama-3-70b-instruct"
    model_aliases: ClassVar[dict[str, str]] = dict(ALIASES)
    image_models: ClassVar[list[str]] = [info.full_name for info in BUILTIN_MODELS if info.kind == "image"]
    text_models: ClassVar[list[str]] = [info.full_name for info in BUILTIN_MODELS if info.kind == "text"]
    models: ClassVar[list[str]] = text_models + image_models

    @classmethod
    def get_model(cls, model: str) -> str:
        """Alias → full name; ``owner/name[:version]`` passes; anything else raises UnknownModelError."""
        return get_model(model)

    @classmethod
    def create_async_generator(
        cls,
        model: str,
        messages: Iterable[MessageLike],
        *,
        prompt: str | None = None,
        proxy: str | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        max_attempts: int = 30,
        delay: float = 5.0,
        session: aiohttp.ClientSession | None = None,
        extra_input: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> AsyncResult:
        """Runs ``model`` on ``messages`` and yields text chunks or one ``ImageResponse`` (see :class:`AsyncResult`
        for the rare ``TextReplaced``).

        ``max_attempts`` × ``delay`` bound the polling fallback; results normally arrive
        sooner through a held request or a stream. Unknown keyword arguments become model input.
        """
        get_model(model)  # fail fast on a bad model name, before anything else happens
        policy = FollowPolicy(max_attempts=max_attempts, delay=delay)
        items = _items(model, list(messages), prompt, proxy, api_key, base_url, policy, session,
                       {**kwargs, **dict(extra_input or {})})
        return AsyncResult(items)


async def _items(
    model: str,
    messages: list[MessageLike],
    prompt: str | None,
    proxy: str | None,
    api_key: str | None,
    base_url: str | None,
    policy: FollowPolicy,
    session: aiohttp.ClientSession | None,
    extra_input: Mapping[str, Any],
) -> AsyncGenerator[FacadeItem, None]:
    own_session = session is None
    http = session or aiohttp.ClientSession()
    try:
        client = ReplicateClient.from_env(http, token=api_key, base_url=base_url, proxy=proxy)
        events = generate(client, model, messages, prompt=prompt, extra_input=extra_input, policy=policy)
        async with contextlib.aclosing(events):
            async for event in events:
                if isinstance(event, TextDelta):
                    yield event.text
                elif isinstance(event, ImageResponse | TextReplaced):
                    yield event
    finally:
        if own_session:
            await http.close()
