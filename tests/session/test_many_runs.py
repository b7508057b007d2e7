"""Several runs at once, each with its own id and events; cancelling one leaves the others running."""

from __future__ import annotations

import asyncio

from desktop_app.session import (
    ChatSession,
    OutputReady,
    Run,
    RunCanceled,
    RunFinished,
    RunRequest,
    RunStarted,
    TextAppended,
)
from tests.fake_replicate import Script

from .conftest import Layer
from .helpers import FLUX, LLAMA, MIXTRAL, events_of, gate, only, until


def _gated_trio(layer: Layer) -> list[asyncio.Event]:
    """Llama, Flux and Mixtral, each held half-way until its gate opens."""
    return [
        gate(layer.fake, LLAMA, Script(kind="text", chunks=["A", "B", "C", "D"], gate_after=2)),
        gate(layer.fake, FLUX, Script(kind="image", steps=4, gate_after=2, stream=True)),
        gate(layer.fake, MIXTRAL, Script(kind="text", chunks=["x", "y", "z"], gate_after=1)),
    ]


async def _all_half_way(layer: Layer, runs: list[Run]) -> None:
    """Waits until all three predictions are held at their gates on the server, so all three truly overlap (the
    image run's create request is itself held, ``Prefer: wait``, so only the server knows its id yet)."""
    predictions = layer.fake.predictions
    await until(lambda: len(predictions) == 3 and all(p.status == "processing" for p in predictions.values()),
                message="three predictions processing")
    await until(lambda: runs[0].text == "AB" and runs[2].text == "x", message="text up to the gates")


async def test_three_runs_at_once_each_complete_with_their_own_ids_and_events(layer: Layer) -> None:
    gates = _gated_trio(layer)
    chats = [layer.chat(), layer.chat(), layer.chat()]
    runs = [chats[0].send("tell a story", "llama-3-70b"), chats[1].send("a red kite", "flux-schnell"),
            chats[2].send("count", MIXTRAL)]
    readers = [asyncio.ensure_future(events_of(run)) for run in runs]

    await _all_half_way(layer, runs)
    assert len(layer.runs.active) == 3
    assert [run.status for run in runs] == ["running"] * 3
    for held in gates:
        held.set()
    results = await asyncio.gather(*readers)

    assert len({run.id for run in runs}) == 3
    assert len({run.prediction_id for run in runs}) == 3
    for run, events in zip(runs, results, strict=True):
        assert {event.run_id for event in events} == {run.id}
        assert isinstance(events[-1], RunFinished)
        (started,) = only(events, RunStarted)
        assert started.prediction_id == run.prediction_id
    assert "".join(event.text for event in only(results[0], TextAppended)) == "ABCD"
    assert "".join(event.text for event in only(results[2], TextAppended)) == "xyz"
    assert only(results[0], OutputReady) == [] and only(results[2], OutputReady) == []
    (image,) = only(results[1], OutputReady)
    assert image.path is not None and image.path.is_file()
    assert layer.runs.active == []

    await layer.recorder.flush()
    ids = [chat.conversation.history_id for chat in chats]
    assert None not in ids and len(set(ids)) == 3  # three chats, three conversations in the history
    for chat, run in zip(chats, runs, strict=True):
        assert chat.conversation.history_id is not None
        (generation,) = layer.store.load_conversation(chat.conversation.history_id).generations
        assert (generation.status, generation.prediction_id) == ("succeeded", run.prediction_id)


async def test_cancelling_one_of_three_cancels_it_on_the_server_while_the_others_finish(layer: Layer) -> None:
    gates = _gated_trio(layer)
    chats = [layer.chat(), layer.chat(), layer.chat()]
    runs = [chats[0].send("tell a story", "llama-3-70b"), chats[1].send("a red kite", "flux-schnell"),
            chats[2].send("count", MIXTRAL)]
    await _all_half_way(layer, runs)

    assert layer.runs.cancel(runs[0].id)
    end = await runs[0].wait()
    for held in gates:
        held.set()
    others = await asyncio.gather(runs[1].wait(), runs[2].wait())

    assert isinstance(end, RunCanceled)
    assert end.text == "AB"  # what had arrived stays
    canceled = str(runs[0].prediction_id)
    assert layer.fake.predictions[canceled].status == "canceled"
    assert [r.path for r in layer.fake.requests_to("POST", "/v1/predictions/")] == [
        f"/v1/predictions/{canceled}/cancel"]
    assert [type(event).__name__ for event in others] == ["RunFinished", "RunFinished"]
    for run in runs[1:]:
        assert layer.fake.predictions[str(run.prediction_id)].status == "succeeded"
    reply = chats[0].conversation.reply_for(runs[0].id)
    assert reply is not None
    assert (reply.state, reply.text) == ("stopped", "AB")
    assert not layer.runs.cancel(runs[0].id)  # it is over

    await layer.recorder.flush()
    assert chats[0].conversation.history_id is not None
    stored = layer.store.load_conversation(chats[0].conversation.history_id)
    assert stored.generations[0].status == "canceled"
    assert [(t.text, t.state) for t in stored.turns][-1] == ("AB", "stopped")


async def test_a_new_run_in_the_same_slot_replaces_the_running_one(layer: Layer) -> None:
    held = gate(layer.fake, LLAMA, Script(kind="text", chunks=["one", "two"], gate_after=1))
    first = layer.runs.start(RunRequest("llama-3-70b", prompt="first"), slot="preview")
    await until(lambda: first.text == "one", message="the first run half-way")

    second = layer.runs.start(RunRequest("llama-3-70b", prompt="second"), slot="preview")
    assert isinstance(await first.wait(), RunCanceled)
    held.set()
    assert isinstance(await second.wait(), RunFinished)
    assert layer.fake.predictions[str(first.prediction_id)].status == "canceled"
    assert second.text == "onetwo"


async def test_a_run_cancelled_before_its_first_step_still_ends_for_its_readers(layer: Layer) -> None:
    run = layer.runs.start(RunRequest("llama-3-70b", prompt="never mind"))
    assert run.cancel()  # before its task ran at all

    events = await events_of(run)

    assert [type(event).__name__ for event in events] == ["RunCanceled"]
    assert layer.fake.requests_to("POST", "/v1/") == []  # nothing was created, nothing is paid


async def test_stopping_a_chat_keeps_the_partial_reply_in_the_prompt_of_the_next_message(layer: Layer) -> None:
    gate(layer.fake, LLAMA, Script(kind="text", chunks=["Once", " upon", " a time"], gate_after=2))
    chat: ChatSession = layer.chat()
    run = chat.send("a story", "llama-3-70b")
    await until(lambda: run.text == "Once upon", message="half a reply")
    chat.stop()
    assert isinstance(await run.wait(), RunCanceled)
    assert not chat.busy
    layer.fake.set_script(LLAMA, Script(kind="text", chunks=["Sure."]))

    await chat.send("go on", "llama-3-70b").wait()

    create = layer.fake.requests_to("POST", f"/v1/models/{LLAMA}/predictions")[-1]
    assert create.json is not None
    assert create.json["input"]["prompt"] == "User: a story\nAssistant: Once upon\nUser: go on\nAssistant:"
