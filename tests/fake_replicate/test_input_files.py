"""Input files kept as Replicate keeps them (``inputs_as_files``): a ``data:`` URI or a Files API URL sent in an input
is echoed as the URL of a copy of the file, which serves the same bytes; anything else is echoed as sent."""

from __future__ import annotations

import base64

import aiohttp

from tests.fake_replicate import FakeReplicate, Script
from tests.fake_replicate.helpers import auth, create, get

UPSCALE = "acme/upscaler"


async def test_input_files_are_echoed_as_urls_of_their_copies(fake_replicate: FakeReplicate,
                                                              session: aiohttp.ClientSession) -> None:
    fake_replicate.set_script(UPSCALE, Script(kind="image", task="upscale", output_kind="single", official=True))
    form = aiohttp.FormData()
    form.add_field("content", b"uploaded bytes", filename="big.png")
    form.add_field("type", "image/png")
    async with session.post(f"{fake_replicate.base_url}/files", data=form, headers=auth(fake_replicate)) as answer:
        uploaded = (await answer.json())["urls"]["get"]
    sent = "data:image/png;base64," + base64.b64encode(b"inline bytes").decode()
    _, plain = await create(session, fake_replicate, UPSCALE, {"image": sent, "scale": 2})
    assert plain["input"]["image"] == sent  # off by default: echoed as sent
    fake_replicate.inputs_as_files = True
    _, kept = await create(session, fake_replicate, UPSCALE, {"image": sent, "scale": 2})
    _, from_upload = await create(session, fake_replicate, UPSCALE, {"image": uploaded})
    _, by_url = await create(session, fake_replicate, UPSCALE, {"image": "https://example.com/x.png"})
    echoed = kept["input"]["image"]
    assert echoed.startswith(f"{fake_replicate.root_url}/files/{kept['id']}/") and kept["input"]["scale"] == 2
    assert (await get(session, fake_replicate, kept["urls"]["get"]))["input"] == kept["input"]
    for url, data in ((echoed, b"inline bytes"), (from_upload["input"]["image"], b"uploaded bytes")):
        async with session.get(url) as answer:
            assert answer.status == 200 and await answer.read() == data
            assert answer.headers["Content-Type"] == "image/png"
    assert by_url["input"]["image"] == "https://example.com/x.png"
