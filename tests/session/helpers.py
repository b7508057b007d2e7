"""Helpers for the application-layer tests: reading a run's events, waiting for a state, gated scripts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from desktop_app.session import LogsAppended, OutputProgressed, ProgressChanged, Run, SessionEvent
from tests.fake_replicate import FakeReplicate, Script

T = TypeVar("T")

LLAMA = "meta/meta-llama-3-70b-instruct"
MIXTRAL = "mistralai/mixtral-8x7b-instruct-v0.1"
FLUX = "black-forest-labs/flux-schnell"
ECHO = "acme/echo"


async def events_of(run: Run) -> list[SessionEvent]:
    return [event async for event in run]


def skeleton(events: list[SessionEvent]) -> list[str]:
    """Event names without the chatty progress, logs and download ticks."""
    return [type(event).__name__ for event in events
            if not isinstance(event, ProgressChanged | LogsAppended | OutputProgressed)]


def only(events: list[SessionEvent], kind: type[T]) -> list[T]:
    return [event for event in events if isinstance(event, kind)]


async def until(condition: Callable[[], bool], *, message: str, limit: float = 10.0) -> None:
    """Waits (yielding to the loop) until ``condition`` holds; fails with ``message`` after ``limit`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        await asyncio.sleep(0.01)


def gate(fake: FakeReplicate, model: str, script: Script) -> asyncio.Event:
    """Sets ``script`` for ``model`` with a gate that holds its predictions half-way; returns the gate."""
    held = asyncio.Event()
    script.gate = held
    fake.set_script(model, script)
    return held
