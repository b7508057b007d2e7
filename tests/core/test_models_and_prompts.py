"""Model aliases, references and prompt building."""

from __future__ import annotations

import pytest

from desktop_app.replicate import (
    ALIASES,
    EmptyPromptError,
    ImageResponse,
    Message,
    ReplicateHome,
    UnknownModelError,
    build_prompt,
    format_prompt,
    get_model,
    known_kind,
    parse_model,
)
from desktop_app.replicate.models import model_path
from desktop_app.replicate.prompts import MessageLike

VERSION = "f2ab8a5bfe79f02f0789a146cf5e73d2a4ff2684a98c2b303d1e1ff3814271db"


@pytest.mark.parametrize(
    ("alias", "full"),
    [
        ("flux-schnell", "black-forest-labs/flux-schnell"),
        ("sd-3", "stability-ai/stable-diffusion-3"),
        ("sdxl", "bytedance/sdxl-lightning-4step"),
        ("playground-v2.5", "playgroundai/playground-v2.5-1024px-aesthetic"),
        ("llama-3-70b", "meta/meta-llama-3-70b-instruct"),
        ("mixtral-8x7b", "mistralai/mixtral-8x7b-instruct-v0.1"),
        ("gemma-2b", "google-deepmind/gemma-2b-it"),
        ("llava-13b", "yorickvp/llava-13b"),
    ],
)
def test_aliases_map_to_full_names(alias: str, full: str) -> None:
    assert get_model(alias) == full
    assert ReplicateHome.get_model(alias) == full
    assert get_model(full) == full


def test_any_owner_name_and_version_pass_through() -> None:
    assert get_model("someone/new-model") == "someone/new-model"
    ref = parse_model(f"someone/new-model:{VERSION}")
    assert (ref.owner, ref.name, ref.version) == ("someone", "new-model", VERSION)
    assert str(ref) == f"someone/new-model:{VERSION}"


@pytest.mark.parametrize("bad", ["gpt-4", "", "owner/", "/name", "a/b/c", "dall e"])
def test_unknown_models_are_refused_with_the_alias_list(bad: str) -> None:
    with pytest.raises(UnknownModelError) as caught:
        get_model(bad)
    message = str(caught.value)
    for alias in ALIASES:
        assert alias in message


@pytest.mark.parametrize(("version", "given"), [
    ("notahexversion", "but 'notahexversion' is 14 characters long"),
    ("", "but nothing follows the colon"),
    (VERSION.upper(), f"but {VERSION.upper()!r} has characters other than 0-9 and a-f"),
    (VERSION + "0", f"but '{VERSION}0' is 65 characters long"),
])
def test_a_malformed_version_is_explained(version: str, given: str) -> None:
    with pytest.raises(UnknownModelError) as caught:
        get_model(f"owner/name:{version}")

    assert str(caught.value) == (
        f"The version of owner/name is not valid: a version is 64 hexadecimal characters (0-9, a-f), {given}."
    )


def test_unknown_model_fails_at_call_time_not_silently() -> None:
    with pytest.raises(UnknownModelError):
        ReplicateHome.create_async_generator(model="gpt-4", messages=[Message("user", "hi")])


def test_kinds_of_builtin_models() -> None:
    assert known_kind("sd-3") == "image"
    assert known_kind("meta/meta-llama-3-70b-instruct") == "text"
    assert known_kind("someone/unknown") is None


def test_format_prompt_is_a_role_prefixed_transcript_ending_with_assistant() -> None:
    messages: list[MessageLike] = [
        Message("system", "Be brief."),
        {"role": "user", "content": "Hi"},
        Message("assistant", "Hello!"),
        Message("user", "Name a colour."),
    ]
    assert format_prompt(messages) == (
        "System: Be brief.\nUser: Hi\nAssistant: Hello!\nUser: Name a colour.\nAssistant:"
    )


def test_build_prompt_rules() -> None:
    history = [Message("user", "A cat"), Message("assistant", "ok"), Message("user", "A dog")]
    assert build_prompt("image", history) == "A dog"
    assert build_prompt("text", history) == format_prompt(history)
    assert build_prompt("text", history, prompt="explicit") == "explicit"
    assert build_prompt(None, [Message("user", "single")]) == "single"


@pytest.mark.parametrize("messages", [[], [Message("user", "   ")], [Message("user", "")]])
def test_empty_prompt_is_an_error(messages: list[Message]) -> None:
    with pytest.raises(EmptyPromptError):
        build_prompt("text", messages)
    with pytest.raises(EmptyPromptError):
        build_prompt("image", [Message("user", "x")], prompt="  ")


def test_image_response_holds_all_urls_and_renders_markdown() -> None:
    response = ImageResponse(["https://a/1.png", "https://a/2.png"], alt="A [cat]")
    assert response.images == ("https://a/1.png", "https://a/2.png")
    assert str(response) == (
        "[![A (cat)](https://a/1.png)](https://a/1.png)\n[![A (cat)](https://a/2.png)](https://a/2.png)"
    )
    assert ImageResponse("https://a/x.webp").images == ("https://a/x.webp",)


def test_model_paths_are_built_in_one_place_with_each_part_quoted() -> None:
    assert model_path("black-forest-labs", "flux-schnell") == "models/black-forest-labs/flux-schnell"
    assert model_path("a b", "c/d?e") == "models/a%20b/c%2Fd%3Fe"  # a name from elsewhere cannot change the route
