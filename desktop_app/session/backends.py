"""Where a run's core events come from: Replicate (create or resume) or a local Cog server.

Everything the core may grow is injected here, not hard-wired: ``prediction_options`` are passed to
``run_prediction`` as keyword arguments (an app-wide poll budget, a schema source…; a function giving them
defers building them to the first run), a request's
``deadline`` becomes ``deadline=`` (Cancel-After), and downloads go through an injectable function.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..replicate import APP_POLICY, FollowPolicy, ModelKind, PredictionEvent
from .requests import RunPlan

if TYPE_CHECKING:  # the network side of the core loads with the first run, not with the window
    from ..replicate import DownloadedFile, DownloadProgress, ReplicateClient, Sleep

EventSource = Callable[[], AsyncGenerator[PredictionEvent, None]]
Download = Callable[["ReplicateClient", str, "DownloadProgress"], Awaitable["DownloadedFile"]]


class LocalServers(Protocol):
    """Local Cog servers by URL (the window's Cog flow is one): the core's events for one prediction."""

    def events(self, url: str, model_input: Mapping[str, Any], *, stream: bool,
               alt: str = "") -> AsyncGenerator[PredictionEvent, None]: ...


async def default_download(client: ReplicateClient, url: str, progress: DownloadProgress) -> DownloadedFile:
    """The core's download: the whole output in memory, with progress."""
    from ..replicate import download_output

    return await download_output(client, url, on_progress=progress)


async def resolve_files(client: ReplicateClient, values: Mapping[str, Any], *, inline_only: bool) -> dict[str, Any]:
    """Local files (alone or in a list) become ``data:`` URIs (small) or uploads (large), as Replicate expects; a
    local Cog server takes every file inline (``inline_only``)."""
    from ..replicate import INLINE_LIMIT, file_input_value

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
        prediction_options: Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None = None,
        download: Download = default_download,
        sleep: Sleep | None = None,
    ) -> None:
        self.client = client
        self.policy = policy
        self.local = local
        self._options = prediction_options
        self.download = download
        self.sleep: Sleep = sleep or asyncio.sleep

    def options(self) -> dict[str, Any]:
        """The keyword arguments for ``run_prediction`` (given as a function, they are made on first use)."""
        options = self._options() if callable(self._options) else self._options
        return dict(options or {})

    def create(self, plan: RunPlan, options: Mapping[str, Any] | None = None) -> EventSource:
        """The events of a new prediction for ``plan`` (its files resolved first); ``options`` add to (or
        replace) the ``run_prediction`` keyword arguments for this run only (a queue's create step)."""
        client, policy, local = self.client(), self.policy(), self.local
        extra = dict(options or {})

        async def source() -> AsyncGenerator[PredictionEvent, None]:
            from ..replicate import run_prediction

            model_input = await resolve_files(client, plan.model_input, inline_only=plan.local_url is not None)
            if plan.local_url is not None:
                assert local is not None  # plan_run refuses a Cog model without local servers
                events = local.events(plan.local_url, model_input, stream=plan.kind != "image", alt=plan.prompt)
            else:
                assert plan.ref is not None
                options = self.options()
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
        budget = self.options().get("budget")  # the app's poll budget, shared with the runs in flight
        from ..replicate import resume_prediction

        return lambda: resume_prediction(client, prediction_id, kind=kind, alt=alt, policy=policy, sleep=self.sleep,
                                         budget=budget)
