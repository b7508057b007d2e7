"""Where a run's core events come from: Replicate (create or resume) or a local Cog server.

Everything the core may grow is injected here, not hard-wired: ``prediction_options`` are passed to
``run_prediction`` as keyword arguments (an app-wide poll budget, a schema source…), a request's
``deadline`` becomes ``deadline=`` (Cancel-After), and downloads go through an injectable function.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from ..replicate import (
    APP_POLICY,
    INLINE_LIMIT,
    DownloadedFile,
    DownloadProgress,
    FollowPolicy,
    ModelKind,
    PredictionEvent,
    ReplicateClient,
    Sleep,
    download_output,
    file_input_value,
    resume_prediction,
    run_prediction,
)
from .requests import RunPlan

EventSource = Callable[[], AsyncGenerator[PredictionEvent, None]]
Download = Callable[[ReplicateClient, str, DownloadProgress], Awaitable[DownloadedFile]]


class LocalServers(Protocol):
    """Local Cog servers by URL (the window's Cog flow is one): the core's events for one prediction."""

    def events(self, url: str, model_input: Mapping[str, Any], *, stream: bool,
               alt: str = "") -> AsyncGenerator[PredictionEvent, None]: ...


async def default_download(client: ReplicateClient, url: str, progress: DownloadProgress) -> DownloadedFile:
    """The core's download: the whole output in memory, with progress."""
    return await download_output(client, url, on_progress=progress)


async def resolve_files(client: ReplicateClient, values: Mapping[str, Any], *, inline_only: bool) -> dict[str, Any]:
    """Local files (alone or in a list) become ``data:`` URIs (small) or uploads (large), as Replicate expects; a
    local Cog server takes every file inline (``inline_only``)."""
    limit = 1 << 62 if inline_only else INLINE_LIMIT
    resolved: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, Path):
            resolved[name] = await file_input_value(client, value, inline_limit=limit)
        elif isinstance(value, list | tuple) and any(isinstance(item, Path) for item in value):
            resolved[name] = [await file_input_value(client, item, inline_limit=limit) if isinstance(item, Path)
                              else item for item in value]
        else:
            resolved[name] = value
    return resolved


class Backends:
    """Builds the core event source of each run from its plan, with the app's policy and options."""

    def __init__(
        self,
        client: Callable[[], ReplicateClient],
        *,
        policy: Callable[[], FollowPolicy] = lambda: APP_POLICY,
        local: LocalServers | None = None,
        prediction_options: Mapping[str, Any] | None = None,
        download: Download = default_download,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.client = client
        self.policy = policy
        self.local = local
        self.prediction_options = dict(prediction_options or {})
        self.download = download
        self.sleep = sleep

    def create(self, plan: RunPlan, options: Mapping[str, Any] | None = None) -> EventSource:
        """The events of a new prediction for ``plan`` (its files resolved first); ``options`` add to (or
        replace) the ``run_prediction`` keyword arguments for this run only (a queue's create step)."""
        client, policy, local = self.client(), self.policy(), self.local
        extra = dict(options or {})

        async def source() -> AsyncGenerator[PredictionEvent, None]:
            model_input = await resolve_files(client, plan.model_input, inline_only=plan.local_url is not None)
            if plan.local_url is not None:
                assert local is not None  # plan_run refuses a Cog model without local servers
                events = local.events(plan.local_url, model_input, stream=plan.kind != "image", alt=plan.prompt)
            else:
                assert plan.ref is not None
                options = dict(self.prediction_options)
                if plan.request.deadline is not None:
                    options["deadline"] = plan.request.deadline
                options.update(extra)
                events = run_prediction(client, plan.ref, model_input, kind=plan.kind, alt=plan.prompt,
                                        policy=options.pop("policy", policy), sleep=self.sleep, **options)
            try:
                async for event in events:
                    yield event
            finally:
                await events.aclose()  # closing early cancels the prediction on the server

        return source

    def resume(self, prediction_id: str, kind: ModelKind | None, alt: str) -> EventSource:
        """The events of a prediction created earlier; leaving early does not cancel it."""
        client, policy = self.client(), self.policy()
        budget = self.prediction_options.get("budget")  # the app's one poll budget covers resumed runs too
        return lambda: resume_prediction(client, prediction_id, kind=kind, alt=alt, policy=policy, sleep=self.sleep,
                                         budget=budget)
