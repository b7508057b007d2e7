"""A run's events: any number of readers, each from the first event; listeners first; a failed download."""

from __future__ import annotations

import asyncio

from desktop_app.session import (
    OutputFailed,
    RunFinished,
    RunRequest,
    SessionEvent,
    TextAppended,
    TextReplaced,
)
from desktop_app.session import driver as driver_module
from tests.fake_replicate import Script

from .conftest import Layer
from .helpers import FLUX, LLAMA, events_of, gate, skeleton, until


async def test_late_and_parallel_readers_see_every_event_in_order(layer: Layer) -> None:
    held = gate(layer.fake, LLAMA, Script(kind="text", chunks=["a", "b", "c"], gate_after=2))
    heard: list[SessionEvent] = []
    run = layer.runs.start(RunRequest("llama-3-70b", prompt="go"), listener=heard.append)
    early = asyncio.ensure_future(events_of(run))
    await until(lambda: run.text == "ab", message="half the reply")
    late = asyncio.ensure_future(events_of(run))
    held.set()

    first, second = await asyncio.gather(early, late)

    assert first == second == heard == run.events
    assert skeleton(first)[-1] == "RunFinished"
    assert "".join(e.text for e in first if isinstance(e, TextAppended)) == "abc"
    assert [e async for e in run] == first  # a reader after the end replays it all


async def test_a_listener_that_raises_does_not_stop_the_run(layer: Layer) -> None:
    def broken(_event: SessionEvent) -> None:
        raise RuntimeError("listener bug")

    run = layer.runs.start(RunRequest("llama-3-70b", prompt="go"), listener=broken)

    assert isinstance(await run.wait(), RunFinished)


async def test_an_output_that_cannot_be_fetched_fails_alone(layer: Layer) -> None:
    layer.fake.set_script(FLUX, Script(kind="image", images=[("png", 8, 8)]))
    layer.fake.fail_next("GET", r"/files/.*", 404, body="gone", content_type="text/plain")

    run = layer.runs.start(RunRequest("flux-schnell", prompt="x"))
    events = await events_of(run)

    (failed,) = [e for e in events if isinstance(e, OutputFailed)]
    assert (failed.index, failed.problem.kind) == (0, "error")
    assert "404" in failed.problem.message
    assert isinstance(events[-1], RunFinished)  # the prediction succeeded; only the download did not


async def test_a_garbled_stream_ends_as_the_exact_reply_in_the_run_and_the_history(layer: Layer) -> None:
    chunks = ["Once", " upon", " a", " time", "."]
    layer.fake.set_script(LLAMA, Script(kind="text", chunks=chunks, stream_ids=False, stream_duplicates=True))
    chat = layer.chat()

    run = chat.send("a story", "llama-3-70b")
    events = await events_of(run)

    (replaced,) = [e for e in events if isinstance(e, TextReplaced)]
    assert replaced.text == run.text == "".join(chunks)
    assert isinstance(events[-1], RunFinished)
    await layer.recorder.flush()
    assert chat.conversation.history_id is not None
    turns = layer.store.load_conversation(chat.conversation.history_id).turns
    assert [(t.role, t.text) for t in turns] == [("user", "a story"), ("assistant", "".join(chunks))]
    assert driver_module.session_event(3, object()) is None
