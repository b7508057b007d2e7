"""Polls near a predicted end come fast, but never more than ``max_rate`` in any one second."""

from __future__ import annotations

from collections import deque
from typing import Any

import aiohttp
from aioresponses import aioresponses

from desktop_app.replicate import FollowPolicy, ReplicateClient, parse_model
from desktop_app.replicate.polling import _rate_limited
from desktop_app.replicate.predictions import run_prediction

BASE = "https://api.replicate.com/v1"
ALMOST_DONE = "  95%|█████████▌| 19/20 [00:02<00:00,  9.5it/s]\n"


def _prediction(status: str, output: object = None) -> dict[str, object]:
    return {"id": "p1", "status": status, "output": output, "logs": ALMOST_DONE, "error": None,
            "urls": {"get": f"{BASE}/predictions/p1", "cancel": f"{BASE}/predictions/p1/cancel"}}


def test_rate_limit_stretches_an_interval_only_when_the_window_is_full() -> None:
    policy = FollowPolicy(max_rate=10)
    assert _rate_limited(0.05, deque([0.0, 0.05, 0.1]), policy, now=0.1) == 0.05
    full = deque(i * 0.05 for i in range(10))  # 10 polls in 0.45 s
    assert abs(_rate_limited(0.05, full, policy, now=0.45) - 0.55) < 1e-9  # wait for the first to age out


async def test_polls_near_the_end_never_exceed_ten_a_second() -> None:
    clock = [0.0]
    poll_times: list[float] = []

    async def sleep(seconds: float) -> None:
        clock[0] += seconds

    with aioresponses() as m:
        m.post(f"{BASE}/models/acme/painter/predictions", status=201, payload=_prediction("processing"))
        for _ in range(35):
            m.get(f"{BASE}/predictions/p1", payload=_prediction("processing"))
        m.get(f"{BASE}/predictions/p1", payload=_prediction("succeeded", ["https://x.test/a.png"]))
        async with aiohttp.ClientSession() as session:
            client = ReplicateClient(session, token="r8_x", base_url=BASE, sleep=sleep)
            original = client.get_json

            async def recording_get(url: str, *, read_timeout: float = 30.0) -> dict[str, Any]:
                poll_times.append(clock[0])
                return await original(url, read_timeout=read_timeout)

            client.get_json = recording_get  # type: ignore[method-assign,assignment]
            policy = FollowPolicy(max_attempts=100, delay=1.0)
            events = run_prediction(client, parse_model("acme/painter"), {"prompt": "x"}, kind="image",
                                    policy=policy, sleep=sleep, clock=lambda: clock[0])
            async for _ in events:
                pass

    assert len(poll_times) == 36
    assert abs(poll_times[1] - poll_times[0] - 0.05) < 1e-9  # fast near the predicted end
    for start in poll_times:
        in_window = [t for t in poll_times if start <= t < start + 1.0 - 1e-9]
        assert len(in_window) <= 10, (start, in_window)
