"""Cog-style OpenAPI schemas, model and version objects (§8), and validation of create requests (§2, §9)."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from .recording import problem
from .scripts import FakeModel, Script

COG_VERSION = "0.9.6"
ASPECT_RATIOS = ["1:1", "16:9", "21:9", "3:2", "2:3", "4:5", "5:4", "3:4", "4:3", "9:16", "9:21"]
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_PREFER_WAIT = re.compile(r"wait(?:\s*=\s*(\d+))?", re.IGNORECASE)
_WEBHOOK_EVENTS = {"start", "output", "logs", "completed"}
_FIELD_TYPES = {"input": "object", "version": "string", "stream": "boolean", "webhook": "string",
                "webhook_events_filter": "array"}
_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


def _text_inputs() -> dict[str, Any]:
    return {
        "prompt": {"type": "string", "title": "Prompt", "description": "Prompt to send to the model.",
                   "x-order": 0},
        "system_prompt": {"type": "string", "title": "System Prompt", "default": "You are a helpful assistant",
                          "description": "System prompt to send to the model.", "x-order": 1},
        "max_tokens": {"type": "integer", "title": "Max Tokens", "default": 512, "minimum": 1,
                       "description": "The maximum number of tokens the model should generate as output.",
                       "x-order": 2},
        "temperature": {"type": "number", "title": "Temperature", "default": 0.6, "minimum": 0, "maximum": 5,
                        "description": "The value used to modulate the next token probabilities.", "x-order": 3},
        "top_p": {"type": "number", "title": "Top P", "default": 0.9, "minimum": 0, "maximum": 1,
                  "description": "A probability threshold for generating the output.", "x-order": 4},
        "seed": {"type": "integer", "title": "Seed", "description": "Random seed. Leave blank to randomize.",
                 "x-order": 5},
    }


def _image_inputs(script: Script) -> dict[str, Any]:
    first_format = script.images[0][0] if script.images else "webp"
    return {
        "prompt": {"type": "string", "title": "Prompt", "description": "Prompt for generated image",
                   "x-order": 0},
        "aspect_ratio": {"allOf": [{"$ref": "#/components/schemas/aspect_ratio"}], "default": "1:1",
                         "description": "Aspect ratio for the generated image", "x-order": 1},
        "num_outputs": {"type": "integer", "title": "Num Outputs", "default": 1, "minimum": 1, "maximum": 4,
                        "description": "Number of outputs to generate", "x-order": 2},
        "num_inference_steps": {"type": "integer", "title": "Num Inference Steps", "default": script.steps,
                                "minimum": 1, "maximum": max(50, script.steps),
                                "description": "Number of denoising steps.", "x-order": 3},
        "seed": {"type": "integer", "title": "Seed", "description": "Random seed. Set for reproducible generation",
                 "x-order": 4},
        "output_format": {"allOf": [{"$ref": "#/components/schemas/output_format"}], "default": first_format,
                          "description": "Format of the output images", "x-order": 5},
        "disable_safety_checker": {"type": "boolean", "title": "Disable Safety Checker", "default": False,
                                   "description": "Disable safety checker for generated images.", "x-order": 6},
    }


def _inpaint_inputs(script: Script) -> dict[str, Any]:
    """stability-ai/stable-diffusion-inpainting's inputs: the picture, the mask, the prompt and the usual settings."""
    uri = {"type": "string", "format": "uri"}
    return {
        "prompt": {"type": "string", "title": "Prompt", "description": "Input prompt", "x-order": 0},
        "negative_prompt": {"type": "string", "title": "Negative Prompt", "x-order": 1,
                            "description": "Specify things to not see in the output"},
        "image": {**uri, "title": "Image", "x-order": 2,
                  "description": "Initial image to generate variations of. Will be resized to height x width"},
        "mask": {**uri, "title": "Mask", "x-order": 3,
                 "description": "Black and white image to use as mask for inpainting over the image provided. "
                                "White pixels are inpainted and black pixels are preserved."},
        "num_outputs": {"type": "integer", "title": "Num Outputs", "default": 1, "minimum": 1, "maximum": 4,
                        "description": "Number of images to output.", "x-order": 4},
        "num_inference_steps": {"type": "integer", "title": "Num Inference Steps", "default": script.steps,
                                "minimum": 1, "maximum": 500, "description": "Number of denoising steps",
                                "x-order": 5},
        "guidance_scale": {"type": "number", "title": "Guidance Scale", "default": 7.5, "minimum": 1,
                           "maximum": 20, "description": "Scale for classifier-free guidance", "x-order": 6},
        "seed": {"type": "integer", "title": "Seed", "description": "Random seed. Leave blank to randomize the seed",
                 "x-order": 7},
    }


def _upscale_inputs() -> dict[str, Any]:
    """nightmareai/real-esrgan's inputs: a picture, how much larger, and whether to correct faces; no prompt."""
    return {
        "image": {"type": "string", "format": "uri", "title": "Image", "description": "Input image", "x-order": 0},
        "scale": {"type": "number", "title": "Scale", "default": 4, "minimum": 0, "maximum": 10,
                  "description": "Factor to scale image by", "x-order": 1},
        "face_enhance": {"type": "boolean", "title": "Face Enhance", "default": False,
                         "description": "Run GFPGAN face enhancement along with upscaling", "x-order": 2},
    }


_REQUIRED = {"generate": ["prompt"], "inpaint": ["prompt", "image", "mask"], "upscale": ["image"]}
_URI_SCHEMES = ("https://", "http://", "data:")


def openapi_schema(script: Script) -> dict[str, Any]:
    """The `openapi_schema` of a version, shaped like the one Cog generates for such a model."""
    schemas: dict[str, Any] = {
        "Status": {"type": "string", "title": "Status",
                   "enum": ["starting", "processing", "succeeded", "canceled", "failed"],
                   "description": "An enumeration."},
        "WebhookEvent": {"type": "string", "title": "WebhookEvent",
                         "enum": ["start", "output", "logs", "completed"], "description": "An enumeration."},
    }
    if script.kind == "text":
        properties = _text_inputs()
        if script.image_input:
            properties["image"] = {"type": "string", "format": "uri", "title": "Image",
                                   "description": "Input image", "x-order": 0}
        output: dict[str, Any] = {"type": "array", "items": {"type": "string"}, "title": "Output",
                                  "x-cog-array-type": "iterator", "x-cog-array-display": "concatenate"}
    elif script.task == "inpaint":
        properties = _inpaint_inputs(script)
        output = {"type": "array", "items": {"type": "string", "format": "uri"}, "title": "Output"}
    elif script.task == "upscale":
        properties = _upscale_inputs()
        output = {"type": "string", "format": "uri", "title": "Output"}
    else:
        properties = _image_inputs(script)
        schemas["aspect_ratio"] = {"type": "string", "title": "aspect_ratio", "enum": ASPECT_RATIOS,
                                   "description": "An enumeration."}
        schemas["output_format"] = {"type": "string", "title": "output_format", "enum": ["webp", "jpg", "png"],
                                    "description": "An enumeration."}
        uri = {"type": "string", "format": "uri"}
        output = (
            {"type": "array", "items": uri, "title": "Output"}
            if script.output_kind == "list"
            else {**uri, "title": "Output"}
        )
    required = _REQUIRED[script.task] if script.kind == "image" else ["prompt"]
    schemas["Input"] = {"type": "object", "title": "Input", "required": required, "properties": properties}
    schemas["Output"] = output
    return {
        "openapi": "3.0.2",
        "info": {"title": "Cog", "version": "0.1.0"},
        "paths": {
            "/predictions": {"post": {"summary": "Predict", "operationId": "predict_predictions_post"}},
        },
        "components": {"schemas": schemas},
    }


def version_object(model: FakeModel) -> dict[str, Any]:
    """A version resource: id, created_at, cog_version, openapi_schema (with TrainingInput for a trainer)."""
    schema = openapi_schema(model.script)
    if model.training_input is not None:
        from .trainings import add_training_schemas

        add_training_schemas(schema, model.training_input)
    return {
        "id": model.version,
        "created_at": model.created_at,
        "cog_version": COG_VERSION,
        "openapi_schema": schema,
    }


def model_object(model: FakeModel, root_url: str) -> dict[str, Any]:
    """A model resource as `GET /v1/models/{owner}/{name}` returns it."""
    return {
        "url": f"https://replicate.com/{model.full_name}",
        "owner": model.owner,
        "name": model.name,
        "description": model.description,
        "visibility": model.visibility,
        "github_url": None,
        "paper_url": None,
        "license_url": None,
        "run_count": model.run_count,
        "cover_image_url": f"{root_url}/covers/{model.owner}/{model.name}.png",
        "default_example": None,
        "is_official": model.official,
        "latest_version": version_object(model) if model.version else None,
    }


def invalid_field(kind: str, field: str, description: str) -> dict[str, str]:
    """One entry of a 422 body's `invalid_fields`."""
    return {"type": kind, "field": field, "description": description}


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    for name, types in _JSON_TYPES.items():
        if isinstance(value, types):
            return name
    return "unknown"


def type_matches(value: Any, expected: str) -> bool:
    """JSON-schema type check where booleans are not numbers and integral floats are not integers."""
    if isinstance(value, bool):
        return expected == "boolean"
    return isinstance(value, _JSON_TYPES.get(expected, (object,)))


def validate_input(script: Script, value: dict[str, Any]) -> list[dict[str, str]]:
    """Problems of `value` against the model's Input schema, as `invalid_fields` entries.

    Like Replicate, keys that the schema does not know are accepted (and ignored by the model).
    """
    schemas = openapi_schema(script)["components"]["schemas"]
    input_schema = schemas["Input"]
    problems = [
        invalid_field("required", "input", f"{name} is required")
        for name in input_schema["required"]
        if name not in value
    ]
    for name, prop in input_schema["properties"].items():
        if name not in value:
            continue
        field, item = f"input.{name}", value[name]
        if "allOf" in prop:
            ref = prop["allOf"][0]["$ref"].rsplit("/", 1)[-1]
            prop = schemas[ref]
        expected = prop["type"]
        if not type_matches(item, expected):
            problems.append(invalid_field(
                "invalid_type", field, f"Invalid type. Expected: {expected}, given: {_type_name(item)}"
            ))
            continue
        if prop.get("format") == "uri" and not item.startswith(_URI_SCHEMES):
            problems.append(invalid_field("format", field, "Does not match format 'uri'"))
            continue
        if "enum" in prop and item not in prop["enum"]:
            choices = ", ".join(f'"{choice}"' for choice in prop["enum"])
            problems.append(invalid_field("enum", field, f"{field} must be one of the following: {choices}"))
        if "minimum" in prop and item < prop["minimum"]:
            problems.append(invalid_field(
                "number_gte", field, f"Must be greater than or equal to {prop['minimum']}"
            ))
        if "maximum" in prop and item > prop["maximum"]:
            problems.append(invalid_field("number_lte", field, f"Must be less than or equal to {prop['maximum']}"))
    return problems


def parse_duration(text: str) -> float | None:
    """Seconds in a `Cancel-After` value ("30s", "5m", "1h30m45s", bare "45"); None when malformed."""
    text = text.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    if not text or _DURATION_PART.sub("", text) != "":
        return None
    return sum(float(number) * _UNIT_SECONDS[unit] for number, unit in _DURATION_PART.findall(text))


def parse_prefer_wait(value: str | None, window: float) -> float | None:
    """Seconds to hold a create request for `Prefer: wait` / `wait=N` (N clamped to 1–60, then to `window`)."""
    for part in (value or "").replace(";", ",").split(","):
        match = _PREFER_WAIT.fullmatch(part.strip())
        if match:
            wanted = window if match.group(1) is None else min(max(int(match.group(1)), 1), 60)
            return min(wanted, window)
    return None


def invalid_response(fields: list[dict[str, str]]) -> web.Response:
    """The 422 answer listing `invalid_fields` (detail: one "- field: description" line each)."""
    detail = "".join(f"- {item['field'] or '(root)'}: {item['description']}\n" for item in fields)
    body = {"title": "Input validation failed", "detail": detail, "status": 422, "invalid_fields": fields}
    return problem(422, body)


def _wrong_type(field: str, expected: str, value: Any) -> dict[str, str]:
    return invalid_field("invalid_type", field, f"Invalid type. Expected: {expected}, given: {_type_name(value)}")


def check_request(payload: Any, allowed: tuple[str, ...], required: tuple[str, ...]) -> list[dict[str, str]]:
    """Top-level validation of a create body (the request schema has `additionalProperties: false`)."""
    if not isinstance(payload, dict):
        return [_wrong_type("", "object", payload)]
    problems = [invalid_field("required", "", f"{key} is required") for key in required if key not in payload]
    problems += [
        invalid_field("additional_property_not_allowed", "", f"Additional property {key} is not allowed")
        for key in payload
        if key not in allowed
    ]
    problems += [
        _wrong_type(key, expected, payload[key])
        for key, expected in _FIELD_TYPES.items()
        if key in payload and key in allowed and not type_matches(payload[key], expected)
    ]
    events = payload.get("webhook_events_filter")
    if isinstance(events, list):
        choices = ", ".join(f'"{name}"' for name in sorted(_WEBHOOK_EVENTS))
        problems += [
            invalid_field("enum", "webhook_events_filter", f"webhook_events_filter must be one of: {choices}")
            for event in events
            if event not in _WEBHOOK_EVENTS
        ]
    return problems
