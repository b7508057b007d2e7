"""What the queue needs from the run service: per-run core options, following a prediction by its id without
history, run ids kept apart, a hook on every finished run (the spend ledger), and models without a prompt."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from desktop_app.replicate import CreateCall, EmptyPromptError, parse_input_schema
from desktop_app.session import Backends, RunFinished, RunRequest, RunService
from desktop_app.session.spend import Spending
from desktop_app.storage.queue_store import QueueStore
from tests.fake_replicate import Script

from .conftest import FAST, Layer
from .helpers import FLUX, LLAMA


async def test_follow_picks_up_a_prediction_by_id_and_leaves_it_running_when_stopped(layer: Layer) -> None:
    layer.fake.set_script(FLUX, Script(kind="image", official=True))
    _, created = await layer.client.post_json(f"models/{FLUX}/predictions", {"input": {"prompt": "x"}})
    run = layer.runs.follow(created["id"], model=FLUX, prompt="x")
    end = await run.wait()
    assert isinstance(end, RunFinished)
    assert len(run.outputs) == 1 and run.outputs[0].path is None  # no history of its own
    assert layer.store.count_entries() == 0


async def test_on_finished_hears_every_successful_run_and_ids_start_where_told(layer: Layer,
                                                                              tmp_path: Path) -> None:
    layer.fake.set_script(FLUX, Script(kind="image", official=True))
    with QueueStore.open(tmp_path / "q.sqlite3") as store:
        spending = Spending(store)
        runs = RunService(Backends(lambda: layer.client, policy=lambda: FAST), first_id=500,
                          on_finished=spending.record_run)
        run = runs.start(RunRequest(FLUX, prompt="a"))
        await run.wait()
        assert run.id == 500
        (entry,) = store.spend()
        assert entry.prediction_id == run.prediction_id
        assert entry.cost == pytest.approx(0.003)
        assert "1 image" in entry.basis


async def test_per_run_options_reach_the_core(layer: Layer) -> None:
    seen: list[str] = []

    async def create(call: CreateCall) -> dict[str, Any]:
        seen.append(call.ref.full_name)
        return await call.send()

    plan = layer.runs.prepare(RunRequest(LLAMA, prompt="hi"))
    run = layer.runs.launch(plan, options={"create": create})
    assert isinstance(await run.wait(), RunFinished)
    assert seen == [LLAMA]


def test_a_model_without_a_prompt_input_needs_none(layer: Layer) -> None:
    schema = parse_input_schema({"components": {"schemas": {"Input": {"type": "object", "properties": {
        "image": {"type": "string", "format": "uri", "x-order": 0},
        "scale": {"type": "integer", "default": 2, "x-order": 1}}}}}})
    plan = layer.runs.prepare(RunRequest("acme/upscaler", parameters={"scale": 4}, schema=schema))
    assert plan.model_input == {"scale": 4}
    with pytest.raises(EmptyPromptError):
        layer.runs.prepare(RunRequest("acme/upscaler", parameters={"scale": 4}))  # without a schema: unknown
