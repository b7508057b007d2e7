"""The fake's image models with picture inputs: inpainting (image + mask) and upscaling (image, no prompt), shaped
like the real ones, and the API's check that a uri input holds a URI."""

from __future__ import annotations

import aiohttp
import pytest

from tests.fake_replicate import FakeReplicate, Script
from tests.fake_replicate.helpers import create, get, wait_terminal

INPAINT = "stability-ai/stable-diffusion-inpainting"
UPSCALE = "nightmareai/real-esrgan"
PIXEL = ("data:image/png;base64,"
         "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGP4DwABAQEAWk1v8QAAAABJRU5ErkJggg==")


@pytest.fixture
def models(fake_replicate: FakeReplicate) -> FakeReplicate:
    fake_replicate.set_script(INPAINT, Script(kind="image", task="inpaint", official=True))
    fake_replicate.set_script(UPSCALE, Script(kind="image", task="upscale", output_kind="single", official=True))
    return fake_replicate


async def test_the_inpainting_schema_asks_for_an_image_and_a_mask(models: FakeReplicate,
                                                                 session: aiohttp.ClientSession) -> None:
    model = await get(session, models, f"{models.base_url}/models/{INPAINT}")
    schema = model["latest_version"]["openapi_schema"]["components"]["schemas"]["Input"]
    assert schema["required"] == ["prompt", "image", "mask"]
    for name in ("image", "mask"):
        assert schema["properties"][name]["format"] == "uri"
    assert "White pixels are inpainted" in schema["properties"]["mask"]["description"]

    status, body = await create(session, models, INPAINT, {"prompt": "a cat", "image": PIXEL})
    assert status == 422
    assert body["invalid_fields"] == [{"type": "required", "field": "input", "description": "mask is required"}]
    status, body = await create(session, models, INPAINT, {"prompt": "a cat", "image": PIXEL, "mask": "mask.png"})
    assert status == 422
    assert body["invalid_fields"] == [{"type": "format", "field": "input.mask",
                                       "description": "Does not match format 'uri'"}]
    status, prediction = await create(session, models, INPAINT, {"prompt": "a cat", "image": PIXEL, "mask": PIXEL})
    assert status == 201
    assert prediction["input"]["mask"] == PIXEL
    done = await wait_terminal(session, models, prediction)
    assert done["status"] == "succeeded" and len(done["output"]) == 1


async def test_the_upscaler_takes_no_prompt_and_gives_one_file(models: FakeReplicate,
                                                              session: aiohttp.ClientSession) -> None:
    model = await get(session, models, f"{models.base_url}/models/{UPSCALE}")
    schema = model["latest_version"]["openapi_schema"]["components"]["schemas"]
    assert schema["Input"]["required"] == ["image"]
    assert "prompt" not in schema["Input"]["properties"]
    assert schema["Output"] == {"type": "string", "format": "uri", "title": "Output"}
    status, prediction = await create(session, models, UPSCALE, {"image": "https://example.com/cat.png",
                                                                 "scale": 2})
    assert status == 201
    done = await wait_terminal(session, models, prediction)
    assert done["status"] == "succeeded" and isinstance(done["output"], str)


def test_only_image_models_have_picture_tasks() -> None:
    with pytest.raises(ValueError, match="task"):
        Script(kind="text", task="inpaint")
