"""Everything checkable is checked before a request creates a prediction; failures come back typed and recorded."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from desktop_app.replicate import AuthenticationError, MissingTokenError, PredictionFailed, UnknownModelError
from desktop_app.replicate.schema import InputSchema, parse_input_schema
from desktop_app.session import ChatBusyError, InputProblems, RunFailed, RunFinished, RunRequest
from desktop_app.storage.history import HistoryStore
from tests.fake_replicate import FakeReplicate, Script

from .conftest import Layer, make_layer
from .helpers import FLUX, LLAMA, events_of, gate, until


async def _schema(layer: Layer, model: str) -> InputSchema:
    body = await layer.client.get_json(f"models/{model}")
    return parse_input_schema(body["latest_version"]["openapi_schema"])


async def test_without_a_token_nothing_is_sent_and_the_conversation_is_untouched(
        fake_replicate: FakeReplicate, http: aiohttp.ClientSession, store: HistoryStore) -> None:
    layer = await make_layer(fake_replicate, http, store, token="")
    chat = layer.chat()

    run = chat.send("a lighthouse", "flux-schnell")

    assert run.done
    events = await events_of(run)
    assert [type(event).__name__ for event in events] == ["RunFailed"]
    end = events[0]
    assert isinstance(end, RunFailed)
    assert (end.problem.kind, end.problem.checked_locally) == ("auth", True)
    assert isinstance(end.problem.error, MissingTokenError)
    assert fake_replicate.requests == []
    assert list(chat.conversation) == []  # the window keeps the prompt; nothing is lost, nothing recorded
    await layer.recorder.flush()
    assert store.count_entries() == 0
    await layer.recorder.close()


async def test_an_unknown_model_is_refused_locally(layer: Layer) -> None:
    end = await layer.runs.start(RunRequest("not a model", prompt="hello")).wait()

    assert isinstance(end, RunFailed)
    assert isinstance(end.problem.error, UnknownModelError)
    assert (end.problem.kind, end.problem.checked_locally) == ("error", True)
    assert layer.fake.requests == []


async def test_parameters_are_checked_against_the_schema_once_before_any_request(layer: Layer,
                                                                                 tmp_path: Path) -> None:
    schema = await _schema(layer, FLUX)
    layer.fake.requests.clear()
    chat = layer.chat()

    run = chat.send("a kite", "flux-schnell", schema=schema,
                    parameters={"num_outputs": 9, "image": tmp_path / "gone.png", "aspect_ratio": "1:1"})

    end = await run.wait()
    assert isinstance(end, RunFailed)
    assert isinstance(end.problem.error, InputProblems)
    assert (end.problem.kind, end.problem.checked_locally) == ("input_rejected", True)
    assert set(end.problem.fields) == {"num_outputs", "image"}
    assert "gone.png" in end.problem.fields["image"]
    assert layer.fake.requests == []
    assert list(chat.conversation) == []


async def test_checked_parameters_are_converted_and_sent_with_the_prompt(layer: Layer) -> None:
    schema = await _schema(layer, FLUX)
    chat = layer.chat()

    end = await chat.send("a kite", "flux-schnell", schema=schema,
                          parameters={"num_outputs": "2", "seed": "", "aspect_ratio": "16:9"}).wait()

    assert isinstance(end, RunFinished)
    (create,) = layer.fake.requests_to("POST", f"/v1/models/{FLUX}/predictions")
    assert create.json is not None
    assert create.json["input"] == {"prompt": "a kite", "num_outputs": 2, "aspect_ratio": "16:9"}


async def test_inputs_the_server_rejects_are_named(layer: Layer) -> None:
    chat = layer.chat()

    end = await chat.send("a kite", "flux-schnell", parameters={"num_outputs": 9}).wait()

    assert isinstance(end, RunFailed)
    assert end.problem.kind == "input_rejected"
    assert not end.problem.checked_locally
    assert "num_outputs" in end.problem.fields
    reply = chat.conversation.last_reply()
    assert reply is not None
    assert (reply.state, reply.problem) == ("failed", end.problem)
    await layer.recorder.flush()
    assert chat.conversation.history_id is not None
    (generation,) = layer.store.load_conversation(chat.conversation.history_id).generations
    assert generation.status == "failed"
    assert generation.error == end.problem.message


async def test_a_refused_token_is_an_auth_problem(fake_replicate: FakeReplicate, http: aiohttp.ClientSession,
                                                  store: HistoryStore) -> None:
    layer = await make_layer(fake_replicate, http, store, token="r8_wrong0000000000000000000000000000000")

    end = await layer.chat().send("hi", "llama-3-70b").wait()

    assert isinstance(end, RunFailed)
    assert isinstance(end.problem.error, AuthenticationError)
    assert (end.problem.kind, end.problem.checked_locally) == ("auth", False)
    assert layer.fake.token not in end.problem.message
    await layer.runs.aclose()
    await layer.recorder.close()


async def test_a_model_failure_keeps_what_arrived_and_is_recorded_as_failed(layer: Layer) -> None:
    layer.fake.set_script(LLAMA, Script(kind="text", chunks=["Half", " a"], end="failed", error="GPU fell over"))
    chat = layer.chat()

    end = await chat.send("explain", "llama-3-70b").wait()

    assert isinstance(end, RunFailed)
    assert isinstance(end.problem.error, PredictionFailed)
    assert end.problem.kind == "error"
    assert "GPU fell over" in end.problem.message
    assert end.text == "Half a"
    await layer.recorder.flush()
    assert chat.conversation.history_id is not None
    stored = layer.store.load_conversation(chat.conversation.history_id)
    assert (stored.generations[0].status, stored.turns[-1].state, stored.turns[-1].text) == ("failed", "failed",
                                                                                            "Half a")


async def test_retry_runs_the_same_messages_again_and_regenerate_replaces_the_reply(layer: Layer) -> None:
    layer.fake.set_script(LLAMA, Script(kind="text", chunks=["x"], end="failed"))
    chat = layer.chat()
    assert isinstance(await chat.send("question", "llama-3-70b").wait(), RunFailed)
    layer.fake.set_script(LLAMA, Script(kind="text", chunks=["Answer."]))

    retried = chat.retry()
    assert retried is not None
    assert isinstance(await retried.wait(), RunFinished)
    layer.fake.set_script(LLAMA, Script(kind="text", chunks=["Better answer."]))
    regenerated = chat.regenerate()
    assert regenerated is not None
    assert isinstance(await regenerated.wait(), RunFinished)

    prompts = [r.json["input"]["prompt"] for r in layer.fake.requests_to("POST", f"/v1/models/{LLAMA}/predictions")
               if r.json is not None]
    assert prompts == ["User: question\nAssistant:"] * 3
    assert [(t.role, t.text, t.state) for t in chat.conversation] == [
        ("user", "question", "done"), ("assistant", "x", "failed"), ("assistant", "Better answer.", "done")]


async def test_a_chat_runs_one_reply_at_a_time(layer: Layer) -> None:
    held = gate(layer.fake, LLAMA, Script(kind="text", chunks=["a", "b"], gate_after=1))
    chat = layer.chat()
    run = chat.send("first", "llama-3-70b")
    await until(lambda: run.text == "a", message="the first reply half-way")

    with pytest.raises(ChatBusyError):
        chat.send("second", "llama-3-70b")
    with pytest.raises(ChatBusyError):
        await chat.open(1)
    assert chat.busy
    held.set()
    assert isinstance(await run.wait(), RunFinished)
    assert not chat.busy
    assert [t.text for t in chat.conversation] == ["first", "ab"]
