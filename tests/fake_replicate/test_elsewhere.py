"""Other hosts on loopback (elsewhere.py, FakeReplicate.start_tls) and the data: redirect of a real answer,
observed with a plain aiohttp client."""

from __future__ import annotations

import base64

import aiohttp
import pytest

from tests.fake_replicate import FakeReplicate
from tests.fake_replicate.elsewhere import ELSEWHERE, LoopbackResolver, TLSMaterial
from tests.fake_replicate.faults import DataRedirect, Status
from tests.fake_replicate.helpers import auth


@pytest.fixture(scope="module")
def tls() -> TLSMaterial:
    return TLSMaterial.create([ELSEWHERE])


async def test_the_fake_answers_over_tls_for_the_made_up_host_and_nothing_else_resolves(
    fake_replicate: FakeReplicate, tls: TLSMaterial
) -> None:
    resolver = LoopbackResolver({ELSEWHERE: await fake_replicate.start_tls(tls.server_context())})
    connector = aiohttp.TCPConnector(resolver=resolver, ssl=tls.client_context(), use_dns_cache=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        async with session.get(f"https://{ELSEWHERE}/v1/account", headers=auth(fake_replicate)) as response:
            assert response.status == 200 and (await response.json())["username"] == "fake-user"
        with pytest.raises(aiohttp.ClientConnectorError, match=r"example\.com"):
            await session.get("https://example.com/")
    assert resolver.asked == [ELSEWHERE, "example.com"]
    assert fake_replicate.requests[-1].header("Host") == ELSEWHERE


async def test_the_test_certificate_is_trusted_only_by_the_test_context(fake_replicate: FakeReplicate,
                                                                        tls: TLSMaterial) -> None:
    resolver = LoopbackResolver({ELSEWHERE: await fake_replicate.start_tls(tls.server_context())})
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=resolver)) as session:
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await session.get(f"https://{ELSEWHERE}/v1/account")
    connector = aiohttp.TCPConnector(resolver=LoopbackResolver({"another.invalid": resolver.ports[ELSEWHERE]}),
                                     ssl=tls.client_context())
    async with aiohttp.ClientSession(connector=connector) as session:
        with pytest.raises(aiohttp.ClientConnectorCertificateError):  # the name is not on the certificate
            await session.get("https://another.invalid/v1/account")


async def test_a_data_redirect_carries_the_real_answer(fake_replicate: FakeReplicate,
                                                       session: aiohttp.ClientSession) -> None:
    fake_replicate.faults.add(None, DataRedirect(307), method="GET", path="/v1/account")
    async with session.get(f"{fake_replicate.base_url}/account", headers=auth(fake_replicate),
                           allow_redirects=False) as response:
        location = response.headers["Location"]
        assert response.status == 307
    kind, _, payload = location.removeprefix("data:").partition(";base64,")
    assert kind == "application/json"
    assert b'"username": "fake-user"' in base64.b64decode(payload)


def test_a_status_label_tells_rows_apart() -> None:
    assert Status(429, label="retry_after 0 in the body").describe() == (
        "429 application/problem+json, retry_after 0 in the body")
    assert Status(429).describe() == "429 application/problem+json"
