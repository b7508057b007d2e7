"""A local Cog server runs through the same service: no token needed, files sent inline, recorded the same way."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from typing import Any

import aiohttp

from desktop_app.replicate import PredictionEvent, ReplicateClient
from desktop_app.replicate.cog import CogBackend
from desktop_app.session import Backends, ChatSession, HistoryRecorder, OutputReady, RunFailed, RunFinished, RunService
from desktop_app.storage.history import HistoryStore
from tests.fake_replicate.cog import FakeCog

from .helpers import events_of, only


class CogServers:
    """The smallest :class:`~desktop_app.session.LocalServers`: one core backend per URL."""

    def __init__(self, http: aiohttp.ClientSession) -> None:
        self.http = http

    def events(self, url: str, model_input: Mapping[str, Any], *, stream: bool,
               alt: str = "") -> AsyncGenerator[PredictionEvent, None]:
        return CogBackend(self.http, url).predict(model_input, stream=stream, alt=alt)


async def test_a_local_cog_model_streams_without_a_token_and_is_recorded(fake_cog: FakeCog, store: HistoryStore,
                                                                       http: aiohttp.ClientSession) -> None:
    client = ReplicateClient(http, token=None, base_url="http://127.0.0.1:9/v1")  # no token, unreachable API
    recorder = HistoryRecorder(store)
    runs = RunService(Backends(lambda: client, local=CogServers(http)), recorder=recorder)
    chat = ChatSession(runs, recorder=recorder)
    model = f"cog:{fake_cog.base_url}"

    run = chat.send("hello", model)
    events = await events_of(run)

    assert isinstance(events[-1], RunFinished)
    assert run.text == "Hello from a local Cog model."
    (prediction,) = fake_cog.predictions.values()
    assert prediction.input == {"prompt": "hello"}
    await recorder.flush()
    assert chat.conversation.history_id is not None
    (generation,) = store.load_conversation(chat.conversation.history_id).generations
    assert (generation.model, generation.status, generation.prediction_id) == (model, "succeeded", None)
    await recorder.close()


async def test_a_local_cog_image_is_kept_in_the_library(fake_cog: FakeCog, store: HistoryStore,
                                                        http: aiohttp.ClientSession) -> None:
    fake_cog.kind = "image"
    client = ReplicateClient(http, token=None)
    recorder = HistoryRecorder(store)
    runs = RunService(Backends(lambda: client, local=CogServers(http)), recorder=recorder)

    run = ChatSession(runs, recorder=recorder).send("a cube", f"cog:{fake_cog.base_url}/")
    events = await events_of(run)

    (ready,) = only(events, OutputReady)
    assert ready.path is not None and ready.path.is_relative_to(store.library_dir)
    assert isinstance(events[-1], RunFinished)
    assert run.model == f"cog:{fake_cog.base_url}"  # the trailing slash does not make it another model
    await recorder.close()


async def test_without_local_servers_a_cog_model_is_refused_locally(store: HistoryStore,
                                                                    http: aiohttp.ClientSession) -> None:
    runs = RunService(Backends(lambda: ReplicateClient(http, token=None)))

    run = ChatSession(runs).send("hello", "cog:http://localhost:5000")

    end = run.end
    assert isinstance(end, RunFailed)
    assert end.problem.checked_locally
    assert "Cog" in end.problem.message
