"""A text run streams its reply and is recorded; an image run keeps its outputs in the library and records them."""

from __future__ import annotations

from desktop_app.session import (
    Backends,
    HistoryRecorder,
    OutputProgressed,
    OutputReady,
    OutputsAnnounced,
    RunBegun,
    RunFinished,
    RunRequest,
    RunService,
    RunStarted,
    TextAppended,
)
from desktop_app.storage.image_metadata import read_metadata
from tests.fake_replicate import Script

from .conftest import FAST, Layer
from .helpers import FLUX, LLAMA, events_of, only, skeleton


async def test_a_text_run_streams_its_reply_and_is_recorded(layer: Layer) -> None:
    layer.fake.set_script(LLAMA, Script(kind="text", chunks=["Hel", "lo", " there."]))
    chat = layer.chat()

    run = chat.send("Say hello", "llama-3-70b")
    events = await events_of(run)

    assert skeleton(events) == ["RunBegun", "RunStarted", "TextAppended", "TextAppended", "TextAppended",
                                "RunFinished"]
    assert {event.run_id for event in events} == {run.id}
    assert [event.text for event in only(events, TextAppended)] == ["Hel", "lo", " there."]
    (begun,) = only(events, RunBegun)
    assert (begun.model, begun.kind, begun.prompt) == (LLAMA, "text", "User: Say hello\nAssistant:")
    (started,) = only(events, RunStarted)
    assert started.prediction_id in layer.fake.predictions
    end = events[-1]
    assert isinstance(end, RunFinished)
    assert (end.status, end.text, run.text, run.status) == ("succeeded", "Hello there.", "Hello there.", "finished")
    (create,) = layer.fake.requests_to("POST", f"/v1/models/{LLAMA}/predictions")
    assert create.json is not None
    assert create.json["input"] == {"prompt": "User: Say hello\nAssistant:"}  # built once, sent as it was built
    assert [(t.role, t.text, t.state, t.run_id) for t in chat.conversation] == [
        ("user", "Say hello", "done", None), ("assistant", "Hello there.", "done", run.id)]

    await layer.recorder.flush()
    conversation_id = chat.conversation.history_id
    assert conversation_id is not None
    stored = layer.store.load_conversation(conversation_id)
    assert stored.title == "Say hello"
    assert [(t.role, t.text, t.state) for t in stored.turns] == [("user", "Say hello", "done"),
                                                                ("assistant", "Hello there.", "done")]
    (generation,) = stored.generations
    assert (generation.status, generation.prediction_id, generation.model) == ("succeeded", started.prediction_id,
                                                                                LLAMA)
    assert generation.input == {"prompt": "User: Say hello\nAssistant:"}
    assert generation.turn_id == stored.turns[1].id
    assert generation.predict_time == end.predict_time
    assert set(layer.changed) == {conversation_id}  # the history list hears about this conversation only
    assert layer.failures == []


async def test_a_follow_up_sends_the_conversation_so_far_as_one_prompt(layer: Layer) -> None:
    layer.fake.set_script(LLAMA, Script(kind="text", chunks=["First", " answer."]))
    chat = layer.chat()
    await chat.send("first question", "llama-3-70b").wait()
    layer.fake.set_script(LLAMA, Script(kind="text", chunks=["Second."]))

    end = await chat.send("follow-up", "llama-3-70b").wait()

    assert isinstance(end, RunFinished)
    creates = layer.fake.requests_to("POST", f"/v1/models/{LLAMA}/predictions")
    assert creates[-1].json is not None
    assert creates[-1].json["input"]["prompt"] == (
        "User: first question\nAssistant: First answer.\nUser: follow-up\nAssistant:")
    await layer.recorder.flush()
    assert chat.conversation.history_id is not None
    turns = layer.store.load_conversation(chat.conversation.history_id).turns
    assert [t.text for t in turns] == ["first question", "First answer.", "follow-up", "Second."]


async def test_an_image_run_keeps_its_outputs_in_the_library_and_records_them(layer: Layer) -> None:
    layer.fake.set_script(FLUX, Script(kind="image", images=[("png", 80, 60), ("webp", 32, 32)], stream=True))
    chat = layer.chat()

    run = chat.send("a paper boat on a pond", "flux-schnell")
    events = await events_of(run)

    assert skeleton(events) == ["RunBegun", "RunStarted", "OutputsAnnounced", "OutputReady", "OutputReady",
                                "RunFinished"]
    (announced,) = only(events, OutputsAnnounced)
    assert len(announced.urls) == 2
    assert announced.alt == "a paper boat on a pond"
    ready = sorted(only(events, OutputReady), key=lambda event: event.index)
    assert [event.source_url for event in ready] == list(announced.urls)
    assert {event.index for event in only(events, OutputProgressed)} == {0, 1}
    library = layer.store.library_dir
    for event in ready:
        assert event.path is not None
        assert event.path.is_file()
        assert event.path.is_relative_to(library)
        assert event.data == event.path.read_bytes()  # what the viewer gets is the kept file, metadata and all
        metadata = read_metadata(event.path)
        assert metadata["prompt"] == "a paper boat on a pond"
        assert metadata["model"] == FLUX
        assert metadata["prediction_id"] == run.prediction_id
    assert [event.content_type for event in ready] == ["image/png", "image/webp"]
    assert run.output_path(announced.urls[1]) == ready[1].path
    reply = chat.conversation.reply_for(run.id)
    assert reply is not None
    assert sorted(reply.outputs) == sorted(event.path for event in ready if event.path)

    await layer.recorder.flush()
    assert chat.conversation.history_id is not None
    (generation,) = layer.store.load_conversation(chat.conversation.history_id).generations
    assert generation.status == "succeeded"
    assert generation.prediction_id == run.prediction_id
    assert sorted(output.path for output in generation.outputs) == sorted(event.path for event in ready if event.path)
    assert sorted(output.source_url or "" for output in generation.outputs) == sorted(announced.urls)


async def test_without_a_history_outputs_still_arrive_in_memory(layer: Layer) -> None:
    runs = RunService(Backends(lambda: layer.client, policy=lambda: FAST), recorder=HistoryRecorder(None))
    run = runs.start(RunRequest("flux-schnell", prompt="a fern"))
    events = await events_of(run)

    (ready,) = only(events, OutputReady)
    assert ready.path is None
    assert ready.data.startswith(b"\x89PNG") or ready.data[:4] == b"RIFF"
    assert isinstance(events[-1], RunFinished)
