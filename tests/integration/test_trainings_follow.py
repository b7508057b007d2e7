"""The core's trainings against the fake server: a training left while Replicate creates it is canceled, not left
running unseen; a training followed to its end leaves a version the core can run."""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp

from desktop_app.replicate import (
    ImageResponse,
    TrainingCompleted,
    TrainingFollow,
    generate,
    parse_destination,
    parse_trainer,
    run_training,
)
from tests.fake_replicate import FakeReplicate
from tests.fake_replicate.fault_kinds import Stall
from tests.fake_replicate.training_run import TrainingScript
from tests.fake_replicate.trainings import FLUX_TRAINER
from tests.session.helpers import until

from .helpers import collect, make_client

FAST = TrainingFollow(interval=0.02)


async def test_leaving_while_the_training_is_created_cancels_it(fake_replicate: FakeReplicate,
                                                                 session: aiohttp.ClientSession) -> None:
    trainer = fake_replicate.trainings.add_trainer(script=TrainingScript(gate=asyncio.Event()))
    fake_replicate.trainings.add_model("fake-user/faces")
    fake_replicate.faults.add(None, Stall(0.5), method="POST", path=r"/v1/models/.+/trainings")
    events = run_training(make_client(session, fake_replicate), parse_trainer(f"{FLUX_TRAINER}:{trainer.version}"),
                          parse_destination("fake-user/faces"), {"input_images": "https://x.test/a.zip"}, follow=FAST)
    task = asyncio.ensure_future(anext(events))
    await until(lambda: bool(fake_replicate.trainings.trainings), message="Replicate to create the training")

    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task

    (training,) = fake_replicate.trainings.trainings.values()
    assert training.status == "canceled"
    assert fake_replicate.requests_to("POST", f"/v1/trainings/{training.id}/cancel")


async def test_the_new_version_runs(fake_replicate: FakeReplicate, session: aiohttp.ClientSession) -> None:
    trainer = fake_replicate.trainings.add_trainer()
    fake_replicate.trainings.add_model("fake-user/faces")
    client = make_client(session, fake_replicate)
    events = await collect(run_training(client, parse_trainer(f"{FLUX_TRAINER}:{trainer.version}"),
                                        "fake-user/faces", {"input_images": "https://x.test/a.zip"}, follow=FAST))
    done = events[-1]
    assert isinstance(done, TrainingCompleted)

    outputs = await collect(generate(client, done.result.version, [], prompt="a photo of TOK"))

    assert any(isinstance(event, ImageResponse) for event in outputs)
    (prediction,) = fake_replicate.predictions.values()
    assert prediction.version == done.result.version_id
