"""Small client-side helpers for the fake server's own tests (plain aiohttp, no app code)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import aiohttp

from .server import FakeReplicate

TQDM = re.compile(r"^\s*(\d+)%\s*\|.+?\|\s*(\d+)/(\d+)")
LLAMA = "meta/meta-llama-3-70b-instruct"
FLUX = "black-forest-labs/flux-schnell"
SDXL_VERSION = "5f24084160c9089501c1b3545d9be3c27883ae2239b6f412990e82d4a6210f8f"


def auth(fake: FakeReplicate, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {fake.token}", **extra}


async def create(session: aiohttp.ClientSession, fake: FakeReplicate, model: str,
                 input: dict[str, Any] | None = None, *,
                 headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    """Creates through the official-model route (tests register their own acme/* scripts as official)."""
    url = f"{fake.base_url}/models/{model}/predictions"
    body = {"input": {"prompt": "a lighthouse"} if input is None else input}
    async with session.post(url, json=body, headers=auth(fake, **(headers or {}))) as response:
        return response.status, await response.json()


async def get(session: aiohttp.ClientSession, fake: FakeReplicate, url: str) -> dict[str, Any]:
    async with session.get(url, headers=auth(fake)) as response:
        assert response.status == 200
        result: dict[str, Any] = await response.json()
        return result


async def wait_terminal(session: aiohttp.ClientSession, fake: FakeReplicate, prediction: dict[str, Any],
                        interval: float = 0.02) -> dict[str, Any]:
    for _ in range(500):
        prediction = await get(session, fake, prediction["urls"]["get"])
        if prediction["status"] in ("succeeded", "failed", "canceled", "aborted"):
            return prediction
        await asyncio.sleep(interval)
    raise AssertionError("prediction never finished")


def parse_sse(text: str) -> list[dict[str, str]]:
    """Blocks of `field: value` lines; data lines joined with \\n, comments kept under ":"."""
    events = []
    for block in text.split("\n\n"):
        if not block:
            continue
        event: dict[str, str] = {}
        for line in block.split("\n"):
            field, _, value = line.partition(": ")
            if field == "data" and "data" in event:
                event["data"] += "\n" + value
            else:
                event[field] = value
        events.append(event)
    return events


async def read_stream(session: aiohttp.ClientSession, url: str, **headers: str) -> tuple[str, str]:
    async with session.get(url, headers={"Accept": "text/event-stream", **headers}) as response:
        assert response.status == 200
        return response.headers["Content-Type"], await response.text()
