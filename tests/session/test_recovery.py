"""After a restart, unfinished predictions are followed to their end and their results kept."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from desktop_app.session import Recovery, RunBegun, RunFinished
from desktop_app.storage.history import HistoryStore
from tests.fake_replicate import FakeReplicate, Script

from .conftest import make_layer, open_store
from .helpers import FLUX, LLAMA, gate, until


async def _create(http: aiohttp.ClientSession, fake: FakeReplicate, model: str, prompt: str, *,
                  wait: bool = True) -> dict[str, object]:
    headers = {"Authorization": f"Bearer {fake.token}", **({"Prefer": "wait"} if wait else {})}
    async with http.post(f"{fake.base_url}/models/{model}/predictions", json={"input": {"prompt": prompt}},
                         headers=headers) as response:
        body: dict[str, object] = await response.json()
    return body


def _left_running(tmp_path: Path, model: str, prompt: str, prediction_id: str | None) -> int:
    """What the last session left behind: a generation still ``processing`` (or, with no prediction id, one
    whose create request was held when the app died); returns its id."""
    store = open_store(tmp_path)
    conversation = store.create_conversation(prompt, model)
    turn = store.add_turn(conversation, "assistant", "", model, "streaming")
    generation = store.start_generation(conversation, turn, model, None, {"prompt": prompt})
    if prediction_id is not None:
        store.update_generation(generation, prediction_id=prediction_id, status="processing")
    store.close()
    return generation


async def test_an_unfinished_prediction_is_resumed_after_a_restart(fake_replicate: FakeReplicate,
                                                                   http: aiohttp.ClientSession,
                                                                   tmp_path: Path) -> None:
    held = gate(fake_replicate, LLAMA, Script(kind="text", chunks=["Still", " here."], gate_after=1))
    created = await _create(http, fake_replicate, LLAMA, "are you there?", wait=False)
    generation = _left_running(tmp_path, LLAMA, "are you there?", str(created["id"]))

    store = open_store(tmp_path)  # the next start
    store.restart.mark_interrupted_on_start()
    layer = await make_layer(fake_replicate, http, store)
    heard: list[object] = []
    recovery = Recovery(layer.runs, layer.recorder, lambda: layer.client)
    try:
        task = asyncio.ensure_future(recovery.resume_unfinished(listener=heard.append))
        await until(lambda: len(layer.runs.active) == 1, message="the resumed run")
        (run,) = layer.runs.active
        held.set()
        assert await task == 1

        begun = heard[0]
        assert isinstance(begun, RunBegun) and begun.resumed
        assert isinstance(heard[-1], RunFinished)
        assert run.text == "Still here."
        assert fake_replicate.requests_to("POST", "/v1/predictions/") == []  # nothing canceled, nothing re-created
        await layer.recorder.flush()
        recovered = store.get_generation(generation)
        assert recovered.status == "succeeded"
        turn = store.load_conversation(recovered.conversation_id).turns[0]
        assert (turn.text, turn.state) == ("Still here.", "done")
    finally:
        await layer.runs.aclose()
        await layer.recorder.close()
        store.close()


async def test_an_image_that_finished_while_the_app_was_closed_is_kept(fake_replicate: FakeReplicate,
                                                                      http: aiohttp.ClientSession,
                                                                      tmp_path: Path) -> None:
    created = await _create(http, fake_replicate, FLUX, "night sky")
    assert created["status"] == "succeeded"
    generation = _left_running(tmp_path, FLUX, "night sky", str(created["id"]))

    store = open_store(tmp_path)
    layer = await make_layer(fake_replicate, http, store)
    try:
        assert await Recovery(layer.runs, layer.recorder, lambda: layer.client).resume_unfinished() == 1
        await layer.recorder.flush()
        (output,) = store.get_generation(generation).outputs
        assert output.path.is_file()
        assert store.get_generation(generation).status == "succeeded"
    finally:
        await layer.recorder.close()
        store.close()


async def test_a_prediction_held_when_the_app_died_is_found_by_model_and_input(fake_replicate: FakeReplicate,
                                                                               http: aiohttp.ClientSession,
                                                                               tmp_path: Path) -> None:
    generation = _left_running(tmp_path, FLUX, "red kite", None)
    for prompt in ("something else", "red kite"):
        created = await _create(http, fake_replicate, FLUX, prompt)

    store = open_store(tmp_path)
    assert store.restart.mark_interrupted_on_start() == 1  # what the app does on start, before recovering
    layer = await make_layer(fake_replicate, http, store)
    try:
        assert await Recovery(layer.runs, layer.recorder, lambda: layer.client).resume_unfinished() == 1
        await layer.recorder.flush()
        recovered = store.get_generation(generation)
        assert (recovered.prediction_id, recovered.status) == (created["id"], "succeeded")
        assert len(recovered.outputs) == 1
    finally:
        await layer.recorder.close()
        store.close()


async def test_stopping_a_resumed_run_leaves_it_for_the_next_start(fake_replicate: FakeReplicate,
                                                                   http: aiohttp.ClientSession,
                                                                   store: HistoryStore, tmp_path: Path) -> None:
    held = gate(fake_replicate, LLAMA, Script(kind="text", chunks=["a", "b"], gate_after=1))
    created = await _create(http, fake_replicate, LLAMA, "slow", wait=False)
    conversation = store.create_conversation("slow", LLAMA)
    generation_id = store.start_generation(conversation, None, LLAMA, None, {"prompt": "slow"})
    store.update_generation(generation_id, prediction_id=str(created["id"]), status="processing")
    layer = await make_layer(fake_replicate, http, store)

    run = layer.runs.resume(store.get_generation(generation_id))
    await until(lambda: run.text == "a", message="the resumed run half-way")
    await layer.runs.aclose()  # the app closes again

    assert run.status == "canceled"
    assert fake_replicate.predictions[str(created["id"])].status == "processing"  # not canceled on the server
    await layer.recorder.flush()
    assert store.get_generation(generation_id).status == "processing"  # still unfinished: resumed next time
    held.set()
    await layer.recorder.close()
