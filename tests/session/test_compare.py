"""Comparisons: one prompt to 2–4 models at once, measured per model, kept in history, one chosen to go on with."""

from __future__ import annotations

import pytest

from desktop_app.replicate import UnknownModelError
from desktop_app.session import ChatSession, RunFinished
from desktop_app.session.compare import CompareError, Comparison
from desktop_app.session.costs import Prices
from tests.fake_replicate import Script

from .conftest import Layer
from .helpers import FLUX, LLAMA, MIXTRAL, until

SDXL = "bytedance/sdxl-lightning-4step"


async def test_text_models_stream_side_by_side_and_are_measured(layer: Layer) -> None:
    layer.fake.set_script(LLAMA, Script(kind="text", official=True, chunks=["Hel", "lo", " there", "!"]))
    layer.fake.set_script(MIXTRAL, Script(kind="text", chunks=["Bon", "jour"], token_interval=0.03))
    comparison = Comparison(layer.runs, "Say hello", [LLAMA, MIXTRAL], recorder=layer.recorder, prices=Prices())
    lanes = comparison.start()
    ends = await comparison.wait()
    assert all(isinstance(end, RunFinished) for end in ends)
    assert [lane.text for lane in lanes] == ["Hello there!", "Bonjour"]
    for lane in lanes:
        metrics = lane.metrics
        assert metrics.time_to_first_token is not None and metrics.total_time is not None
        assert 0 <= metrics.time_to_first_token <= metrics.total_time
        assert metrics.tokens_per_second is not None and metrics.tokens_per_second > 0
        assert metrics.predict_time is not None
    assert lanes[0].metrics.cost is not None and lanes[0].metrics.cost.amount is not None  # llama has a price
    assert lanes[1].metrics.cost is not None and lanes[1].metrics.cost.amount is None  # mixtral's hardware unknown
    await layer.recorder.flush()
    stored = layer.store.load_conversation(comparison.conversation.history_id or 0)
    assert [(turn.role, turn.text) for turn in stored.turns] == [
        ("user", "Say hello"), ("assistant", "Hello there!"), ("assistant", "Bonjour")]
    assert len(stored.generations) == 2


async def test_continue_with_the_chosen_reply(layer: Layer) -> None:
    layer.fake.set_script(LLAMA, Script(kind="text", official=True, echo=True))
    layer.fake.set_script(MIXTRAL, Script(kind="text", chunks=["Mixtral", " says", " hi"]))
    comparison = Comparison(layer.runs, "hello world", [LLAMA, MIXTRAL])
    comparison.start()
    await comparison.wait()
    chosen = comparison.continue_with(1)
    assert [(turn.role, turn.model, turn.text) for turn in chosen.turns] == [
        ("user", MIXTRAL, "hello world"), ("assistant", MIXTRAL, "Mixtral says hi")]
    chat = ChatSession(layer.runs)
    chat.adopt(chosen)
    run = chat.send("and then?", MIXTRAL)
    await run.wait()
    sent = layer.fake.predictions[run.prediction_id or ""].input["prompt"]
    assert "Mixtral says hi" in sent and "and then?" in sent


async def test_image_models_give_their_outputs_for_a_grid(layer: Layer) -> None:
    layer.fake.set_script(SDXL, Script(kind="image", images=[("png", 8, 8), ("png", 8, 8)]))
    comparison = Comparison(layer.runs, "a lighthouse", [FLUX, SDXL])
    lanes = comparison.start()
    await comparison.wait()
    assert [len(lane.run.outputs) for lane in lanes] == [1, 2]
    assert all(output.path is not None and output.path.is_file() for lane in lanes for output in lane.run.outputs)


async def test_cancel_stops_every_lane_on_the_server(layer: Layer) -> None:
    import asyncio

    gate = asyncio.Event()
    layer.fake.set_script(LLAMA, Script(kind="text", official=True, gate=gate, gate_after=1))
    layer.fake.set_script(MIXTRAL, Script(kind="text", gate=gate, gate_after=1))
    comparison = Comparison(layer.runs, "wait", [LLAMA, MIXTRAL])
    lanes = comparison.start()
    await until(lambda: len(layer.fake.predictions) == 2 and all(lane.run.prediction_id for lane in lanes),
                message="both predictions running")
    comparison.cancel()
    await comparison.wait()
    assert [lane.run.status for lane in lanes] == ["canceled", "canceled"]
    assert {p.status for p in layer.fake.predictions.values()} == {"canceled"}
    with pytest.raises(CompareError, match="not finished"):
        comparison.continue_with(0)


def test_a_comparison_needs_two_to_four_models_and_a_prompt(layer: Layer) -> None:
    with pytest.raises(CompareError, match="2 to 4"):
        Comparison(layer.runs, "x", [LLAMA, LLAMA])
    with pytest.raises(CompareError, match="2 to 4"):
        Comparison(layer.runs, "x", [LLAMA, MIXTRAL, FLUX, SDXL, "a/b"])
    with pytest.raises(CompareError, match="prompt"):
        Comparison(layer.runs, " ", [LLAMA, MIXTRAL])


async def test_nothing_is_sent_when_one_model_fails_its_checks(layer: Layer) -> None:
    comparison = Comparison(layer.runs, "x", [LLAMA, "not a model!"])
    with pytest.raises(UnknownModelError):
        comparison.start()
    assert layer.fake.predictions == {}


async def test_each_lane_is_kept_in_history_like_any_other_run_under_one_comparison(layer: Layer) -> None:
    layer.fake.set_script(SDXL, Script(kind="image", images=[("png", 8, 8), ("png", 8, 8)]))
    comparison = Comparison(layer.runs, "a lighthouse at dusk", [FLUX, SDXL])  # the run service's recorder
    lanes = comparison.start()
    await comparison.wait()
    await layer.recorder.flush()
    (entry,) = layer.store.list_entries()
    assert entry.title == "a lighthouse at dusk (flux-schnell vs sdxl-lightning-4step)"
    stored = layer.store.load_conversation(entry.conversation_id)
    assert [(turn.role, turn.model) for turn in stored.turns] == [("user", FLUX), ("assistant", FLUX),
                                                                  ("assistant", SDXL)]
    assert stored.turns[0].text == "a lighthouse at dusk"
    by_model = {generation.model: generation for generation in stored.generations}
    for lane in lanes:
        generation = by_model[lane.model]
        assert generation.prediction_id == lane.run.prediction_id and generation.prediction_id in layer.fake.predictions
        assert generation.status == "succeeded" and generation.predict_time == lane.metrics.predict_time
        assert generation.input == {"prompt": "a lighthouse at dusk"}
        assert [output.path for output in generation.outputs] == [output.path for output in lane.run.outputs]
        assert all(output.path is not None and output.path.is_file() for output in generation.outputs)
    assert [len(by_model[model].outputs) for model in (FLUX, SDXL)] == [1, 2]
    assert layer.store.restart.unfinished_generations() == []
