"""``proxy=`` is honoured for every request: create, poll, stream and the image download."""

from __future__ import annotations

from urllib.parse import urlsplit

import aiohttp

from desktop_app.replicate import (
    APP_POLICY,
    ImageResponse,
    ReplicateClient,
    ReplicateHome,
    download_output,
    generate,
)
from tests.fake_replicate import FakeReplicate, Script

from .helpers import FLUX, ForwardingProxy, collect, texts


def forwarded_paths(proxy: ForwardingProxy) -> list[tuple[str, str]]:
    return [(method, urlsplit(url).path) for method, url in proxy.forwarded]


async def test_create_poll_and_download_go_through_the_proxy(proxy: ForwardingProxy,
                                                             session: aiohttp.ClientSession) -> None:
    async with FakeReplicate(wait_window=0.1) as fake:
        fake.set_script(FLUX, Script(kind="image", official=True, stream=False, steps=6, step_time=0.05))
        result = ReplicateHome.create_async_generator(
            model="flux-schnell", messages=[{"role": "user", "content": "through a proxy"}],
            proxy=proxy.url, api_key=fake.token, base_url=fake.base_url, max_attempts=100, delay=0.05,
        )
        items = [item async for item in result]
        (picture,) = items
        assert isinstance(picture, ImageResponse)
        client = ReplicateClient(session, token=fake.token, base_url=fake.base_url, proxy=proxy.url)
        downloaded = await download_output(client, picture.images[0])

        assert downloaded.data.startswith(b"\x89PNG")
        (prediction_id,) = fake.predictions
        paths = forwarded_paths(proxy)
        assert paths[0] == ("POST", f"/v1/models/{FLUX}/predictions")
        polls = paths[1:-1]
        assert polls
        assert set(polls) == {("GET", f"/v1/predictions/{prediction_id}")}
        assert paths[-1] == ("GET", f"/files/{prediction_id}/out-0.png")
        assert [(request.method, request.path) for request in fake.requests] == paths  # nothing went around it
        assert proxy.refused == []
        create = fake.requests[0]
        assert create.header("Authorization") == f"Bearer {fake.token}"
        assert create.header("Prefer") == "wait=60"


async def test_the_stream_goes_through_the_proxy(fake_replicate: FakeReplicate, proxy: ForwardingProxy,
                                                 session: aiohttp.ClientSession) -> None:
    client = ReplicateClient(session, token=fake_replicate.token, base_url=fake_replicate.base_url, proxy=proxy.url)

    events = await collect(generate(client, "llama-3-70b", [], prompt="hi", policy=APP_POLICY))

    assert "".join(texts(events)) == "The quick brown fox jumps over the lazy dog."
    (prediction_id,) = fake_replicate.predictions
    assert forwarded_paths(proxy) == [
        ("POST", "/v1/models/meta/meta-llama-3-70b-instruct/predictions"),
        ("GET", f"/stream/{prediction_id}"),
        ("GET", f"/v1/predictions/{prediction_id}"),
    ]
    assert len(fake_replicate.requests) == 3
