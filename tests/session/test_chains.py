"""'Send to…' end to end against the fake server: a kept output runs through another model in one step, its file
sent as Replicate expects, the result recorded in the same conversation and linked back to its source."""

from __future__ import annotations

import base64
from typing import Any

from desktop_app.replicate import parse_input_schema
from desktop_app.session import Gallery, RunFailed, RunFinished, RunRequest
from desktop_app.storage.gallery import GalleryFilter
from tests.fake_replicate import Script

from .conftest import Layer
from .helpers import FLUX

UPSCALER, EDITOR = "acme/upscaler", "acme/multi-editor"
UPSCALER_SCHEMA = parse_input_schema({"components": {"schemas": {"Input": {"type": "object", "required": ["image"],
    "properties": {"image": {"type": "string", "format": "uri", "x-order": 0},
                   "scale": {"type": "integer", "default": 4, "minimum": 2, "maximum": 8, "x-order": 1}}}}}})
EDITOR_SCHEMA = parse_input_schema({"components": {"schemas": {"Input": {"type": "object", "required": ["prompt"],
    "properties": {"prompt": {"type": "string", "x-order": 0},
                   "image_input": {"type": "array", "items": {"type": "string", "format": "uri"}, "x-order": 1}}}}}})


def last_create(layer: Layer) -> Any:
    """The last create request (a community model's goes to /v1/predictions with its version)."""
    [*_, create] = [r for r in layer.fake.requests if r.method == "POST" and r.path.endswith("/predictions")]
    assert create.json is not None
    return create


async def first_image(layer: Layer, gallery: Gallery, prompt: str) -> int:
    layer.fake.set_script(FLUX, Script(kind="image", images=[("png", 24, 16)]))
    run = layer.runs.start(RunRequest(FLUX, prompt=prompt))
    assert isinstance(await run.wait(), RunFinished)
    await layer.recorder.flush()
    listing = await gallery.listing(GalleryFilter())
    return (await listing.rows(0, 1))[0].id


async def test_send_to_runs_the_output_through_another_model_and_links_the_result(layer: Layer) -> None:
    gallery = Gallery(layer.recorder)
    source_id = await first_image(layer, gallery, "a lighthouse at dusk")
    source = await gallery.item(source_id)
    layer.fake.set_script(UPSCALER, Script(kind="image", images=[("png", 96, 64)]))

    sent = await gallery.send_to(source_id, UPSCALER, UPSCALER_SCHEMA, parameters={"scale": "2"})
    assert sent.choice.key == "image" and sent.target.history_id == source.conversation_id
    assert sent.request.source_output_id == source_id
    run = layer.runs.start(sent.request, target=sent.target)
    assert isinstance(await run.wait(), RunFinished)
    await layer.recorder.flush()

    create = last_create(layer)
    sent_image = create.json["input"]["image"]
    assert sent_image.startswith("data:image/png;base64,")
    assert base64.b64decode(sent_image.split(",", 1)[1]) == source.path.read_bytes()
    assert create.json["input"]["scale"] == 2
    result = (await (await gallery.listing(GalleryFilter(models=(UPSCALER,)))).rows(0, 5))[0]
    assert result.conversation_id == source.conversation_id
    assert result.prompt == "a lighthouse at dusk"
    assert [item.id for item in await gallery.chain(result.id)] == [result.id, source_id]
    assert [item.id for item in await gallery.made_from(source_id)] == [result.id]
    again = await gallery.use_settings_again(result.id)
    assert again.inputs["image"] == source.path  # "use again" gives the kept file back as a file


async def test_a_model_taking_a_list_of_images_gets_a_list(layer: Layer) -> None:
    gallery = Gallery(layer.recorder)
    source_id = await first_image(layer, gallery, "a red door")
    layer.fake.set_script(EDITOR, Script(kind="image", images=[("png", 24, 16)]))
    sent = await gallery.send_to(source_id, EDITOR, EDITOR_SCHEMA)
    assert sent.choice.key == "image_input" and isinstance(sent.choice.value, list)
    assert isinstance(await layer.runs.start(sent.request, target=sent.target).wait(), RunFinished)
    create = last_create(layer)
    [image] = create.json["input"]["image_input"]
    assert image.startswith("data:image/png;base64,")
    assert create.json["input"]["prompt"] == "a red door"


async def test_a_source_file_gone_before_the_run_is_refused_before_anything_is_sent(layer: Layer) -> None:
    gallery = Gallery(layer.recorder)
    source_id = await first_image(layer, gallery, "a boat")
    sent = await gallery.send_to(source_id, UPSCALER, UPSCALER_SCHEMA)
    (await gallery.item(source_id)).path.unlink()
    before = len(layer.fake.requests)
    end = await layer.runs.start(sent.request, target=sent.target).wait()
    assert isinstance(end, RunFailed)
    assert end.problem.checked_locally and "there is no file at" in end.problem.message
    assert len(layer.fake.requests) == before
