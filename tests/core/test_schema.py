"""Cog OpenAPI schemas → form fields, output kinds and input checks (desktop_app.replicate.schema)."""

from __future__ import annotations

from typing import Any

import pytest

from desktop_app.replicate.input_values import coerce_values, validate_input
from desktop_app.replicate.schema import (
    FieldSpec,
    InputSchema,
    OutputSpec,
    classify_file,
    default_values,
    parse_input_schema,
    parse_output,
    parse_output_kind,
)


def cog_schema(inputs: dict[str, Any], output: Any, required: list[str], **extra: Any) -> dict[str, Any]:
    """Wraps properties the way Cog lays out an ``openapi_schema``."""
    schemas = {
        "Input": {"type": "object", "title": "Input", "required": required, "properties": inputs},
        "Output": output,
        "Status": {"type": "string", "title": "Status", "enum": ["starting", "processing", "succeeded"]},
        **extra,
    }
    return {"openapi": "3.0.2", "info": {"title": "Cog", "version": "0.1.0"}, "paths": {},
            "components": {"schemas": schemas}}


LANGUAGE_MODEL = cog_schema(
    {
        "top_p": {"type": "number", "title": "Top P", "default": 0.9, "minimum": 0, "maximum": 1, "x-order": 4,
                  "description": "A probability threshold for generating the output."},
        "prompt": {"type": "string", "title": "Prompt", "x-order": 0, "description": "Prompt to send to the model."},
        "max_tokens": {"type": "integer", "title": "Max Tokens", "default": 512, "minimum": 1, "x-order": 2,
                       "description": "The maximum number of tokens the model should generate."},
        "temperature": {"type": "number", "title": "Temperature", "default": 0.6, "minimum": 0, "maximum": 5,
                        "x-order": 3, "description": "The value used to modulate the next token probabilities."},
        "system_prompt": {"type": "string", "title": "System Prompt", "default": "You are a helpful assistant",
                          "x-order": 1, "description": "System prompt to send to the model."},
        "api_key": {"type": "string", "title": "Api Key", "format": "password", "x-cog-secret": True,
                    "writeOnly": True, "x-order": 5},
    },
    {"type": "array", "items": {"type": "string"}, "title": "Output",
     "x-cog-array-type": "iterator", "x-cog-array-display": "concatenate"},
    ["prompt"],
)

DIFFUSION_MODEL = cog_schema(
    {
        "prompt": {"type": "string", "title": "Prompt", "x-order": 0, "description": "Input prompt"},
        "negative_prompt": {"type": "string", "title": "Negative Prompt", "default": "", "x-order": 1,
                            "description": "Things you do not want to see"},
        "image": {"type": "string", "format": "uri", "title": "Image", "x-order": 2,
                  "description": "Input image for img2img"},
        "aspect_ratio": {"allOf": [{"$ref": "#/components/schemas/aspect_ratio"}], "default": "1:1", "x-order": 3,
                         "description": "Aspect ratio for the generated image"},
        "num_outputs": {"type": "integer", "title": "Num Outputs", "default": 1, "minimum": 1, "maximum": 4,
                        "x-order": 4},
        "scheduler": {"allOf": [{"$ref": "#/components/schemas/scheduler"}], "default": "K_EULER", "x-order": 5},
        "guidance_scale": {"type": "number", "title": "Guidance Scale", "default": 7.5, "minimum": 1,
                           "maximum": 50, "x-order": 6},
        "seed": {"type": "integer", "title": "Seed", "x-order": 7, "description": "Leave blank to randomize"},
        "disable_safety_checker": {"type": "boolean", "title": "Disable Safety Checker", "default": False,
                                   "x-order": 8},
    },
    {"type": "array", "items": {"type": "string", "format": "uri"}, "title": "Output"},
    ["prompt"],
    aspect_ratio={"type": "string", "title": "aspect_ratio", "enum": ["1:1", "16:9", "9:16"],
                  "description": "An enumeration."},
    scheduler={"type": "string", "title": "scheduler", "enum": ["DDIM", "K_EULER", "DPMSolverMultistep"],
               "description": "An enumeration."},
)

UPSCALER = cog_schema(
    {
        "image": {"type": "string", "format": "uri", "title": "Image", "description": "Input image"},
        "scale": {"allOf": [{"$ref": "#/components/schemas/scale"}], "default": 4},
    },
    {"type": "string", "format": "uri", "title": "Output"},
    ["image"],
    scale={"type": "integer", "title": "scale", "enum": [2, 4, 8], "description": "An enumeration."},
)


def names(schema: InputSchema) -> list[str]:
    return [spec.name for spec in schema.fields]


def spec(schema: InputSchema, name: str) -> FieldSpec:
    found = schema.get(name)
    assert found is not None, name
    return found


# ---- parsing -----------------------------------------------------------------------------------


def test_language_model_fields_are_sorted_typed_and_bounded() -> None:
    schema = parse_input_schema(LANGUAGE_MODEL)
    assert names(schema) == ["prompt", "system_prompt", "max_tokens", "temperature", "top_p", "api_key"]
    assert [s.kind for s in schema.fields] == ["text", "text", "integer", "number", "number", "string"]
    assert schema.required == {"prompt"}
    assert schema.problems == []
    assert schema.unsupported == []
    prompt = spec(schema, "prompt")
    assert prompt.required
    assert prompt.is_prompt
    assert prompt.multiline
    assert not prompt.has_default
    assert prompt.description == "Prompt to send to the model."
    assert schema.prompt_field is prompt
    system = spec(schema, "system_prompt")
    assert system.is_prompt
    assert not system.required
    assert (system.default, system.has_default) == ("You are a helpful assistant", True)
    temperature = spec(schema, "temperature")
    assert (temperature.minimum, temperature.maximum, temperature.default) == (0, 5, 0.6)
    assert spec(schema, "max_tokens").maximum is None
    secret = spec(schema, "api_key")
    assert secret.secret
    assert secret.format == "password"
    assert not secret.is_prompt
    assert default_values(schema) == {"system_prompt": "You are a helpful assistant", "max_tokens": 512,
                                      "temperature": 0.6, "top_p": 0.9}


def test_diffusion_model_resolves_enums_behind_refs_and_finds_files_and_seed() -> None:
    schema = parse_input_schema(DIFFUSION_MODEL)
    assert names(schema)[:4] == ["prompt", "negative_prompt", "image", "aspect_ratio"]
    aspect = spec(schema, "aspect_ratio")
    assert aspect.kind == "enum"
    assert aspect.choices == ["1:1", "16:9", "9:16"]
    assert aspect.default == "1:1"
    assert aspect.title == "aspect_ratio"  # the referenced schema's title, as Cog names it
    assert aspect.description == "Aspect ratio for the generated image"  # the property's own text wins
    assert spec(schema, "scheduler").choices == ["DDIM", "K_EULER", "DPMSolverMultistep"]
    image = spec(schema, "image")
    assert (image.kind, image.format, image.required) == ("file", "uri", False)
    assert spec(schema, "seed").kind == "seed"
    assert spec(schema, "num_outputs").kind == "integer"
    assert spec(schema, "disable_safety_checker").kind == "boolean"
    negative = spec(schema, "negative_prompt")
    assert negative.is_prompt
    assert negative.kind == "text"
    assert schema.prompt_field is spec(schema, "prompt")


def test_upscaler_has_an_image_input_and_an_integer_enum() -> None:
    schema = parse_input_schema(UPSCALER)
    assert names(schema) == ["image", "scale"]  # no x-order: schema order
    assert spec(schema, "image").kind == "file"
    assert spec(schema, "image").required
    scale = spec(schema, "scale")
    assert (scale.kind, scale.choices, scale.default) == ("enum", [2, 4, 8], 4)
    assert schema.prompt_field is None
    assert spec(schema, "image").title == "Image"
    assert scale.title == "scale"


def test_x_order_sorts_before_unordered_fields() -> None:
    schema = parse_input_schema(cog_schema(
        {"b": {"type": "string"}, "a": {"type": "string", "x-order": 1}, "c": {"type": "string", "x-order": 0}},
        {"type": "string"}, [],
    ))
    assert names(schema) == ["c", "a", "b"]
    assert spec(schema, "b").title == "B"


def test_arrays_of_strings_and_uris_and_numbers() -> None:
    schema = parse_input_schema(cog_schema(
        {
            "stop": {"type": "array", "items": {"type": "string"}, "title": "Stop Sequences"},
            "images": {"type": "array", "items": {"type": "string", "format": "uri"}},
            "weights": {"type": "array", "items": {"type": "number"}},
            "boxes": {"type": "array", "items": {"type": "object"}},
        },
        {"type": "string"}, [],
    ))
    assert [(s.name, s.kind, s.item_kind) for s in schema.fields] == [
        ("stop", "array", "string"), ("images", "array", "file"), ("weights", "array", "number"),
        ("boxes", "unknown", None),
    ]
    assert schema.unsupported == ["boxes"]


def test_optional_and_nullable_forms_of_newer_pydantic() -> None:
    schema = parse_input_schema(cog_schema(
        {
            "mask": {"anyOf": [{"type": "string", "format": "uri"}, {"type": "null"}], "title": "Mask"},
            "steps": {"type": ["integer", "null"], "minimum": 1, "exclusiveMaximum": 100},
            "style": {"anyOf": [{"$ref": "#/components/schemas/style"}, {"type": "null"}], "default": None},
            "gt": {"type": "number", "exclusiveMinimum": 0},
        },
        {"type": "string"}, [],
        style={"enum": ["anime", "photo"], "type": "string"},
    ))
    mask, steps, style, gt = schema.fields
    assert (mask.kind, mask.nullable) == ("file", True)
    assert (steps.kind, steps.nullable, steps.maximum, steps.exclusive_maximum) == ("integer", True, 100, True)
    assert (style.kind, style.choices, style.has_default, style.default) == ("enum", ["anime", "photo"], True, None)
    assert (gt.minimum, gt.exclusive_minimum) == (0, True)
    assert validate_input(schema, {"gt": 0, "steps": 100}) == {
        "gt": "Gt must be greater than 0.", "steps": "Steps must be less than 100.",
    }


def test_long_strings_are_multiline_and_short_ones_are_not() -> None:
    schema = parse_input_schema(cog_schema(
        {
            "caption": {"type": "string", "maxLength": 2000},
            "template": {"type": "string", "default": "line one\nline two"},
            "name": {"type": "string", "maxLength": 40},
        },
        {"type": "string"}, [],
    ))
    assert [(s.kind, s.multiline, s.is_prompt) for s in schema.fields] == [
        ("text", True, False), ("text", True, False), ("string", False, False),
    ]


@pytest.mark.parametrize(
    ("openapi", "notice"),
    [
        (None, "publishes no input schema"),
        ({}, "publishes no input schema"),
        ("not a schema", "publishes no input schema"),
        ({"components": {"schemas": {"Output": {"type": "string"}}}}, "no Input section"),
        ({"components": {"schemas": {"Input": {"properties": ["prompt"]}}}}, "no readable properties"),
        ({"components": []}, "publishes no input schema"),
    ],
)
def test_missing_or_malformed_schemas_give_no_fields_and_a_notice(openapi: Any, notice: str) -> None:
    schema = parse_input_schema(openapi)
    assert schema.fields == []
    assert schema.is_empty
    assert len(schema.problems) == 1
    assert notice in schema.problems[0]
    assert "JSON" in schema.problems[0]


def test_unknown_types_broken_refs_and_junk_properties_are_reported_not_raised() -> None:
    schema = parse_input_schema(cog_schema(
        {
            "prompt": {"type": "string"},
            "config": {"type": "object", "title": "Config"},
            "mystery": {"title": "No type at all"},
            "dangling": {"allOf": [{"$ref": "#/components/schemas/missing"}]},
            "junk": 42,
            "loop": {"$ref": "#/components/schemas/loop"},
        },
        {"type": "string"}, ["prompt", "ghost"],
        loop={"$ref": "#/components/schemas/loop"},
    ))
    assert names(schema) == ["prompt", "config", "mystery", "dangling", "junk", "loop"]
    assert schema.unsupported == ["config", "mystery", "dangling", "junk", "loop"]
    assert schema.required == {"prompt"}
    assert any("'dangling'" in problem for problem in schema.problems)
    assert any("'junk'" in problem for problem in schema.problems)
    assert any("ghost" in problem for problem in schema.problems)


# ---- output ------------------------------------------------------------------------------------


def test_output_kinds() -> None:
    assert parse_output(LANGUAGE_MODEL) == OutputSpec("text", many=True, iterator=True, concatenate=True)
    assert parse_output(DIFFUSION_MODEL) == OutputSpec("files", many=True)
    assert parse_output(UPSCALER) == OutputSpec("files")
    assert parse_output_kind(cog_schema({}, {"type": "string", "title": "Output"}, [])) == "text"
    assert parse_output_kind(cog_schema({}, {"type": "array", "items": {"type": "string"}}, [])) == "text"
    obj = {"type": "object", "properties": {"text": {"type": "string"}, "mask": {"type": "string", "format": "uri"}}}
    assert parse_output_kind(cog_schema({}, obj, [])) == "json"
    assert parse_output_kind(cog_schema({}, {"$ref": "#/components/schemas/ModelOutput"}, [],
                                        ModelOutput=obj)) == "json"
    assert parse_output_kind(cog_schema({}, {"type": "number"}, [])) == "json"
    assert parse_output_kind(cog_schema({}, {"type": "array", "items": {"type": "object"}}, [])) == "json"
    assert parse_output_kind(cog_schema({}, {"title": "Output"}, [])) == "unknown"
    assert parse_output_kind(None) == "unknown"
    assert parse_output_kind({"components": {"schemas": {}}}) == "unknown"


@pytest.mark.parametrize(
    ("content_type", "url", "expected"),
    [
        ("image/png", None, "image"),
        ("audio/mpeg; charset=binary", None, "audio"),
        ("video/mp4", "https://x/out.png", "video"),
        ("application/octet-stream", "https://replicate.delivery/abc/out-0.webp", "image"),
        (None, "https://replicate.delivery/abc/speech.WAV?x=1", "audio"),
        (None, "https://replicate.delivery/abc/clip.mp4", "video"),
        (None, "data:image/jpeg;base64,AAAA", "image"),
        (None, "data:audio/wav;base64,AAAA", "audio"),
        (None, "https://replicate.delivery/abc/weights.tar", "other"),
        (None, None, "other"),
        ("text/plain", "https://x/notes.txt", "other"),
    ],
)
def test_classify_file(content_type: str | None, url: str | None, expected: str) -> None:
    assert classify_file(content_type, url) == expected


# ---- validation and coercion -------------------------------------------------------------------


def test_validate_reports_each_problem_by_field_with_its_title() -> None:
    schema = parse_input_schema(DIFFUSION_MODEL)
    errors = validate_input(schema, {
        "prompt": "  ", "num_outputs": 9, "guidance_scale": 0.5, "aspect_ratio": "4:3", "seed": "abc",
        "image": "/home/me/cat.png", "disable_safety_checker": "maybe",
    })
    assert errors == {
        "prompt": "Prompt is required.",
        "num_outputs": "Num Outputs must be at most 4 (it is 9).",
        "guidance_scale": "Guidance Scale must be at least 1 (it is 0.5).",
        "aspect_ratio": "aspect_ratio must be one of: 1:1, 16:9, 9:16.",
        "seed": "Seed must be a whole number.",
        "image": "Image must be a file URL or a data: URI (choose a file to upload).",
        "disable_safety_checker": "Disable Safety Checker must be true or false.",
    }
    assert validate_input(schema, {"prompt": "a cat", "unknown_key": object()}) == {}


def test_validate_types_and_lengths() -> None:
    schema = parse_input_schema(cog_schema(
        {
            "prompt": {"type": "string", "maxLength": 5, "minLength": 2},
            "max_tokens": {"type": "integer", "minimum": 1},
            "temperature": {"type": "number"},
            "flag": {"type": "boolean"},
            "stop": {"type": "array", "items": {"type": "integer"}},
        },
        {"type": "string"}, ["prompt"],
    ))
    assert validate_input(schema, {"prompt": "toolong", "max_tokens": 1.5, "temperature": "hot", "flag": 3,
                                   "stop": [1, "x"]}) == {
        "prompt": "Prompt is too long: 7 characters, at most 5.",
        "max_tokens": "Max tokens must be a whole number.",
        "temperature": "Temperature must be a number.",
        "flag": "Flag must be true or false.",
        "stop": "Each item of Stop must be a whole number.",
    }
    assert validate_input(schema, {"prompt": "a"}) == {"prompt": "Prompt is too short: at least 2 characters."}
    assert validate_input(schema, {"prompt": 12}) == {"prompt": "Prompt must be text."}
    assert validate_input(schema, {"prompt": "ok", "max_tokens": True}) == {
        "max_tokens": "Max tokens must be a whole number."}
    assert validate_input(schema, {"prompt": "ok", "temperature": float("nan")}) == {
        "temperature": "Temperature must be a number."}


def test_coerce_drops_empty_optionals_converts_form_strings_and_keeps_explicit_values() -> None:
    schema = parse_input_schema(DIFFUSION_MODEL)
    values = {
        "prompt": "a lighthouse", "negative_prompt": "", "image": None, "num_outputs": "2", "seed": "42",
        "guidance_scale": "7", "aspect_ratio": "16:9", "disable_safety_checker": "true", "extra": "kept",
    }
    assert validate_input(schema, values) == {}
    coerced = coerce_values(schema, values)
    assert coerced == {"prompt": "a lighthouse", "num_outputs": 2, "seed": 42, "guidance_scale": 7,
                       "aspect_ratio": "16:9", "disable_safety_checker": True, "extra": "kept"}
    assert type(coerced["num_outputs"]) is int
    assert coerce_values(schema, {"num_outputs": 3.0})["num_outputs"] == 3
    assert type(coerce_values(schema, {"num_outputs": 3.0})["num_outputs"]) is int
    assert coerce_values(schema, {"seed": 0, "disable_safety_checker": False}) == {
        "seed": 0, "disable_safety_checker": False}
    assert coerce_values(schema, {"num_outputs": "many"}) == {"num_outputs": "many"}  # left for the server


def test_coerce_maps_enum_strings_to_their_typed_choice_and_splits_array_text() -> None:
    upscaler = parse_input_schema(UPSCALER)
    assert coerce_values(upscaler, {"scale": "8", "image": "data:image/png;base64,AAAA"}) == {
        "scale": 8, "image": "data:image/png;base64,AAAA"}
    assert validate_input(upscaler, {"scale": 3, "image": "https://x/y.png"}) == {
        "scale": "scale must be one of: 2, 4, 8."}
    schema = parse_input_schema(cog_schema(
        {"stop": {"type": "array", "items": {"type": "string"}}, "config": {"type": "object"}},
        {"type": "string"}, [],
    ))
    assert coerce_values(schema, {"stop": "###\n\n</s>\n", "config": '{"a": 1}'}) == {
        "stop": ["###", "</s>"], "config": {"a": 1}}
    assert coerce_values(schema, {"stop": []}) == {}
