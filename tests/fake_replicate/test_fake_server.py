"""Tests of the fake Replicate server's API routes, through a plain aiohttp.ClientSession."""

from __future__ import annotations

import asyncio
import itertools
import json
import re

import aiohttp
import pytest

from tests.fake_replicate import FakeReplicate, Script
from tests.fake_replicate.helpers import (
    FLUX,
    LLAMA,
    SDXL_VERSION,
    TQDM,
    auth,
    create,
    get,
    parse_sse,
    read_stream,
)


async def test_requests_without_a_valid_token_get_401(fake_replicate: FakeReplicate,
                                                      session: aiohttp.ClientSession) -> None:
    for headers in ({}, {"Authorization": "Bearer r8_wrong"}, {"Authorization": fake_replicate.token}):
        async with session.get(f"{fake_replicate.base_url}/account", headers=headers) as response:
            assert response.status == 401
            assert response.headers["Content-Type"] == "application/problem+json"
            assert await response.json() == {"title": "Unauthenticated", "status": 401,
                                             "detail": "You did not pass a valid authentication token"}
    async with session.get(f"{fake_replicate.base_url}/account",
                           headers={"Authorization": f"Token {fake_replicate.token}"}) as response:
        assert response.status == 200
        assert (await response.json())["username"] == "fake-user"


async def test_official_route_works_only_for_official_models(fake_replicate: FakeReplicate,
                                                             session: aiohttp.ClientSession) -> None:
    status, prediction = await create(session, fake_replicate, LLAMA)
    assert status == 201
    assert prediction["version"] == "hidden"
    assert prediction["model"] == LLAMA
    assert re.fullmatch(r"[a-z2-7]{26}", prediction["id"])
    assert prediction["status"] == "starting"
    assert prediction["source"] == "api"
    assert prediction["urls"]["get"] == f"{fake_replicate.base_url}/predictions/{prediction['id']}"
    assert prediction["urls"]["stream"] == f"{fake_replicate.root_url}/stream/{prediction['id']}"
    assert prediction["created_at"].endswith("Z")
    assert "completed_at" not in prediction

    for model in ("acme/echo", "yorickvp/llava-13b", "nobody/nothing"):
        status, body = await create(session, fake_replicate, model)
        assert status == 404
        assert body == {"detail": "The requested resource could not be found.", "status": 404}
    async with session.get(f"{fake_replicate.base_url}/models/nobody/nothing",
                           headers=auth(fake_replicate)) as response:
        assert response.status == 404

    fake_replicate.set_script(LLAMA, Script(chunks=["x"]))  # official=None keeps the registration
    assert (await create(session, fake_replicate, LLAMA))[0] == 201
    fake_replicate.set_script(LLAMA, Script(official=False))
    assert (await create(session, fake_replicate, LLAMA))[0] == 404
    fake_replicate.set_script("acme/new-model", Script(kind="image", official=True))
    status, prediction = await create(session, fake_replicate, "acme/new-model")
    assert status == 201
    assert "stream" not in prediction["urls"]


async def test_version_route_accepts_ids_and_references(fake_replicate: FakeReplicate,
                                                        session: aiohttp.ClientSession) -> None:
    url = f"{fake_replicate.base_url}/predictions"
    echo_version = fake_replicate.models["acme/echo"].version
    cases = [(SDXL_VERSION, "bytedance/sdxl-lightning-4step", SDXL_VERSION),
             (f"acme/echo:{echo_version}", "acme/echo", echo_version),
             (LLAMA, LLAMA, "hidden")]
    streams = []
    for reference, model, version in cases:
        async with session.post(url, json={"version": reference, "input": {"prompt": "hi"}},
                                headers=auth(fake_replicate)) as response:
            body = await response.json()
            assert response.status == 201, body
            assert (body["model"], body["version"]) == (model, version)
            assert response.headers["Location"] == body["urls"]["get"]
            streams.append("stream" in body["urls"])
    assert streams == [False, False, True]  # image model, echo (stream=False), text model
    async with session.post(url, json={"version": f"acme/echo:{echo_version}", "input": {"prompt": "hello big world"}},
                            headers=auth(fake_replicate, Prefer="wait")) as response:
        assert (await response.json())["output"] == ["hello", " big", " world"]
    for reference in ("0" * 64, "acme/echo", f"acme/echo:{'1' * 64}"):
        async with session.post(url, json={"version": reference, "input": {"prompt": "hi"}},
                                headers=auth(fake_replicate)) as response:
            assert response.status == 422
            assert (await response.json())["title"] == "Invalid version or not permitted"


async def test_deployment_route_and_malformed_bodies(fake_replicate: FakeReplicate,
                                                     session: aiohttp.ClientSession) -> None:
    url = f"{fake_replicate.base_url}/deployments/acme/echo/predictions"
    async with session.post(url, json={"input": {"prompt": "hi"}}, headers=auth(fake_replicate)) as response:
        body = await response.json()
        assert response.status == 201
        assert body["deployment"] == "acme/echo"
        assert body["version"] == fake_replicate.models["acme/echo"].version
    async with session.post(f"{fake_replicate.base_url}/deployments/nobody/nothing/predictions",
                            json={"input": {"prompt": "hi"}}, headers=auth(fake_replicate)) as response:
        assert response.status == 404
    async with session.post(f"{fake_replicate.base_url}/predictions", data=b"{not json",
                            headers=auth(fake_replicate)) as response:
        assert response.status == 400
        assert response.headers["Content-Type"] == "application/problem+json"
    status, body = await create(session, fake_replicate, LLAMA, {"prompt": 5, "temperature": True})
    assert status == 422
    assert [item["field"] for item in body["invalid_fields"]] == ["input.prompt", "input.temperature"]
    assert body["detail"].startswith("- input.prompt: Invalid type. Expected: string, given: integer\n")


async def test_unknown_keys_and_missing_prompt_are_422(fake_replicate: FakeReplicate,
                                                       session: aiohttp.ClientSession) -> None:
    async with session.post(f"{fake_replicate.base_url}/predictions", json={"version": SDXL_VERSION, "inptu": {}},
                            headers=auth(fake_replicate)) as response:
        assert response.status == 422
        assert response.headers["Content-Type"] == "application/problem+json"
        assert (await response.json())["invalid_fields"] == [
            {"type": "required", "field": "", "description": "input is required"},
            {"type": "additional_property_not_allowed", "field": "",
             "description": "Additional property inptu is not allowed"},
        ]
    status, body = await create(session, fake_replicate, LLAMA, {"max_tokens": 10})
    assert status == 422
    assert body["invalid_fields"] == [{"type": "required", "field": "input", "description": "prompt is required"}]
    status, body = await create(session, fake_replicate, FLUX, {"prompt": "x", "num_outputs": 9})
    assert status == 422
    assert body["invalid_fields"][0]["type"] == "number_lte"
    assert fake_replicate.predictions == {}


async def test_models_versions_and_account(fake_replicate: FakeReplicate, session: aiohttp.ClientSession) -> None:
    model = await get(session, fake_replicate, f"{fake_replicate.base_url}/models/{LLAMA}")
    assert model["is_official"] is True
    assert model["default_example"] is None
    schemas = model["latest_version"]["openapi_schema"]["components"]["schemas"]
    assert schemas["Input"]["required"] == ["prompt"]
    assert schemas["Output"]["x-cog-array-type"] == "iterator"
    assert schemas["Output"]["x-cog-array-display"] == "concatenate"
    async with session.get(f"{fake_replicate.base_url}/models/{LLAMA}/versions",
                           headers=auth(fake_replicate)) as response:
        assert response.status == 404
    version = await get(session, fake_replicate,
                        f"{fake_replicate.base_url}/models/bytedance/sdxl-lightning-4step/versions/{SDXL_VERSION}")
    assert version["id"] == SDXL_VERSION
    image_schemas = version["openapi_schema"]["components"]["schemas"]
    assert image_schemas["Output"] == {"type": "array", "items": {"type": "string", "format": "uri"}, "title": "Output"}
    aspect_ratio = image_schemas["Input"]["properties"]["aspect_ratio"]
    assert aspect_ratio["allOf"] == [{"$ref": "#/components/schemas/aspect_ratio"}]
    async with session.get(model["cover_image_url"]) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "image/png"
    account = await get(session, fake_replicate, f"{fake_replicate.base_url}/account")
    assert account["type"] == "user"
    assert account["name"] == "Fake User"
    assert account["github_url"] is None


async def test_prefer_wait_returns_a_finished_prediction_with_201(fake_replicate: FakeReplicate,
                                                                  session: aiohttp.ClientSession) -> None:
    status, prediction = await create(session, fake_replicate, LLAMA, headers={"Prefer": "wait"})
    assert status == 201
    assert prediction["status"] == "succeeded"
    assert "".join(prediction["output"]) == "The quick brown fox jumps over the lazy dog."
    assert set(prediction["metrics"]) == {"predict_time", "total_time"}
    assert prediction["completed_at"] >= prediction["started_at"] >= prediction["created_at"]


async def test_prefer_wait_gives_202_when_the_window_ends_first(session: aiohttp.ClientSession) -> None:
    async with FakeReplicate(wait_window=0.2) as fake:
        fake.set_script("acme/slow", Script(kind="text", official=True, chunks=["a"] * 50, token_interval=0.02))
        started = asyncio.get_running_loop().time()
        status, prediction = await create(session, fake, "acme/slow", headers={"Prefer": "wait=5"})
        assert 0.2 <= asyncio.get_running_loop().time() - started < 1.0
        assert status == 202
        assert prediction["status"] == "processing"
        assert 0 < len(prediction["output"]) < 50
        status, prediction = await create(session, fake, "acme/slow")
        assert (status, prediction["status"], prediction["output"]) == (201, "starting", None)


async def test_polling_sees_text_output_grow(fake_replicate: FakeReplicate, session: aiohttp.ClientSession) -> None:
    chunks = [f" w{i}" for i in range(12)]
    fake_replicate.set_script(LLAMA, Script(kind="text", official=True, chunks=chunks, token_interval=0.03))
    _, prediction = await create(session, fake_replicate, LLAMA)
    seen: list[list[str]] = []
    while prediction["status"] not in ("succeeded", "failed"):
        prediction = await get(session, fake_replicate, prediction["urls"]["get"])
        seen.append(prediction["output"] or [])
        await asyncio.sleep(0.02)
    assert len({len(output) for output in seen}) >= 4
    for earlier, later in itertools.pairwise(seen):
        assert later[: len(earlier)] == earlier
    assert seen[-1] == chunks
    assert "Loading model…" in prediction["logs"]


async def test_image_models_log_tqdm_lines_and_output_files_at_the_end(
    fake_replicate: FakeReplicate, session: aiohttp.ClientSession
) -> None:
    fake_replicate.set_script(FLUX, Script(kind="image", official=True, steps=5, step_time=0.03))
    _, prediction = await create(session, fake_replicate, FLUX)
    outputs_while_running = []
    while prediction["status"] != "succeeded":
        prediction = await get(session, fake_replicate, prediction["urls"]["get"])
        if prediction["status"] == "processing":
            outputs_while_running.append(prediction["output"])
        await asyncio.sleep(0.02)
    assert outputs_while_running
    assert all(output is None for output in outputs_while_running)
    progress = [TQDM.match(line) for line in prediction["logs"].splitlines()]
    steps = [(int(m[1]), int(m[2]), int(m[3])) for m in progress if m]
    assert steps == [(0, 0, 5), (20, 1, 5), (40, 2, 5), (60, 3, 5), (80, 4, 5), (100, 5, 5)]
    assert "100%|██████████| 5/5 [" in prediction["logs"]
    assert prediction["output"] == [f"{fake_replicate.root_url}/files/{prediction['id']}/out-0.png"]


async def test_fail_next_scripts_http_failures(fake_replicate: FakeReplicate, session: aiohttp.ClientSession) -> None:
    account = f"{fake_replicate.base_url}/account"
    fake_replicate.fail_next("GET", r"/v1/account", 500, times=2)
    for expected in (500, 500, 200):
        async with session.get(account, headers=auth(fake_replicate)) as response:
            assert response.status == expected
    fake_replicate.fail_next("POST", r"/v1/models/.+/predictions", 429, headers={"Retry-After": "1"})
    async with session.post(f"{fake_replicate.base_url}/models/{LLAMA}/predictions", json={"input": {}},
                            headers=auth(fake_replicate)) as response:
        assert response.status == 429
        assert response.headers["Retry-After"] == "1"
        assert "throttled" in (await response.json())["detail"]
    fake_replicate.fail_next("get", r"/v1/predictions/\w+", 502, content_type="text/html")
    _, prediction = await create(session, fake_replicate, LLAMA)
    async with session.get(prediction["urls"]["get"], headers=auth(fake_replicate)) as response:
        assert response.status == 502
        assert response.headers["Content-Type"] == "text/html"
        assert "<h1>502 Bad Gateway</h1>" in await response.text()
    fake_replicate.fail_next("*", r"/v1/account", 402, body={"title": "Billing required", "status": 402})
    async with session.get(account, headers=auth(fake_replicate)) as response:
        assert (response.status, await response.json()) == (402, {"title": "Billing required", "status": 402})
    assert len(fake_replicate.requests_to("GET", "/v1/account")) == 4


async def test_requests_are_recorded_before_answering(fake_replicate: FakeReplicate,
                                                      session: aiohttp.ClientSession) -> None:
    async with session.get(f"{fake_replicate.base_url}/account?x=1", headers={"X-Custom": "MiXeD"}) as response:
        assert response.status == 401
    await create(session, fake_replicate, LLAMA, {"prompt": "hi"}, headers={"Prefer": "wait=1"})
    first, second = fake_replicate.requests
    assert (first.method, first.path, first.query, first.json) == ("GET", "/v1/account", {"x": "1"}, None)
    assert first.header("x-custom") == "MiXeD"
    assert first.header("Authorization") is None
    assert second.json == {"input": {"prompt": "hi"}}
    assert json.loads(second.body) == second.json
    assert second.header("prefer") == "wait=1"
    assert second.time >= first.time
    assert fake_replicate.requests_to("post", "/v1/models/") == [second]


async def test_list_predictions_newest_first(fake_replicate: FakeReplicate, session: aiohttp.ClientSession) -> None:
    ids = [(await create(session, fake_replicate, LLAMA))[1]["id"] for _ in range(3)]
    page = await get(session, fake_replicate, f"{fake_replicate.base_url}/predictions")
    assert [item["id"] for item in page["results"]] == ids[::-1]
    assert page["next"] is None
    assert page["previous"] is None


async def test_close_ends_streams_and_held_requests(session: aiohttp.ClientSession) -> None:
    fake = FakeReplicate()
    await fake.start()
    gate = asyncio.Event()
    fake.set_script(LLAMA, Script(kind="text", official=True, gate=gate))
    _, prediction = await create(session, fake, LLAMA)
    stream = asyncio.create_task(read_stream(session, prediction["urls"]["stream"]))
    held = asyncio.create_task(create(session, fake, LLAMA, headers={"Prefer": "wait"}))
    await asyncio.sleep(0.1)
    started = asyncio.get_running_loop().time()
    await fake.close()
    assert asyncio.get_running_loop().time() - started < 1.0
    await asyncio.gather(stream, held, return_exceptions=True)
    assert asyncio.all_tasks() == {asyncio.current_task()}


def test_runs_on_a_qasync_loop() -> None:
    qasync = pytest.importorskip("qasync")
    widgets = pytest.importorskip("PySide6.QtWidgets")
    app = widgets.QApplication.instance() or widgets.QApplication([])
    loop = qasync.QEventLoop(app, already_running=False)

    async def scenario() -> tuple[int, list[str], int]:
        async with FakeReplicate() as fake, aiohttp.ClientSession() as client:
            status, prediction = await create(client, fake, FLUX, headers={"Prefer": "wait"})
            _, text = await read_stream(client, prediction["urls"]["stream"])
            async with client.get(prediction["output"][0]) as response:
                size = len(await response.read())
            return status, [e["event"] for e in parse_sse(text)[-2:]], size

    try:
        status, last_events, size = loop.run_until_complete(scenario())
    finally:
        loop.close()
    assert status == 201
    assert last_events == ["output", "done"]
    assert size > 0
