"""Generation settings read back from pictures made here, in the tests, the way each tool writes them."""

from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from desktop_app.storage import HistoryStore
from desktop_app.storage.foreign_metadata import (
    GenerationSettings,
    a1111_settings,
    parameter_pairs,
    read_generation_settings,
)

Image = pytest.importorskip("PIL.Image")
PngInfo = pytest.importorskip("PIL.PngImagePlugin").PngInfo

A1111 = ("masterpiece, a red fox in the snow,\nsoft light\nNegative prompt: blurry, lowres\n"
         'Steps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 3141592653, Size: 832x1216, '
         'Model hash: 6ce0161689, Model: dreamshaper_8, Lora hashes: "fox: a1b2, snow: c3d4", Version: v1.10.1')


def picture(fmt: str = "PNG", *, text: dict[str, str] | None = None, exif: bytes | None = None) -> bytes:
    image = Image.new("RGB", (12, 8), (200, 90, 30))
    buffer = io.BytesIO()
    options: dict[str, Any] = {}
    if text is not None:
        info = PngInfo()
        for key, value in text.items():
            info.add_text(key, value)  # as the tools do (PIL picks tEXt or iTXt)
        options["pnginfo"] = info
    if exif is not None:
        options["exif"] = exif
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def exif_with(user_comment: str | None = None, *, encoding: str = "utf-16-be", **tags: str) -> bytes:
    exif = Image.Exif()
    if user_comment is not None:
        exif.get_ifd(0x8769)[0x9286] = b"UNICODE\x00" + user_comment.encode(encoding)
    for tag, value in tags.items():
        exif[{"model": 0x0110, "make": 0x010F}[tag]] = value
    return exif.tobytes()


def settings_of(data: bytes) -> GenerationSettings:
    reading = read_generation_settings(data)
    assert reading.settings is not None, reading.reason
    return reading.settings


# --- AUTOMATIC1111 / Forge ------------------------------------------------------------------------------


def check_a1111(settings: GenerationSettings) -> None:
    assert settings.source == "automatic1111"
    assert settings.prompt == "masterpiece, a red fox in the snow,\nsoft light"
    assert settings.negative_prompt == "blurry, lowres"
    assert (settings.seed, settings.steps, settings.guidance, settings.width, settings.height) == (
        3141592653, 28, 6.5, 832, 1216)
    assert settings.model_hint == "dreamshaper_8"
    assert settings.other["Sampler"] == "DPM++ 2M"
    assert settings.other["Lora hashes"] == "fox: a1b2, snow: c3d4"
    assert settings.other["Version"] == "v1.10.1"
    assert settings.model is None and settings.inputs == {}


def test_a1111_png_parameters_chunk() -> None:
    check_a1111(settings_of(picture(text={"parameters": A1111})))
    check_a1111(settings_of(picture(text={"parameters": A1111})[:-40]))  # a cut file keeps what came before


def test_a1111_non_latin_prompt_goes_in_an_itxt_chunk() -> None:
    text = A1111.replace("a red fox", "рыжая лиса")
    settings = settings_of(picture(text={"parameters": text}))
    assert settings.prompt is not None and "рыжая лиса" in settings.prompt


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP"])
@pytest.mark.parametrize("encoding", ["utf-16-be", "utf-16-le"])
def test_a1111_jpeg_and_webp_user_comment(fmt: str, encoding: str) -> None:
    check_a1111(settings_of(picture(fmt, exif=exif_with(A1111, encoding=encoding))))


def test_a1111_without_a_negative_prompt_or_with_a_prompt_only() -> None:
    settings = a1111_settings("a lighthouse\nSteps: 4, Seed: 7, Size: 1024x1024")
    assert settings is not None
    assert (settings.prompt, settings.negative_prompt, settings.steps, settings.seed) == ("a lighthouse", None, 4, 7)
    assert a1111_settings("just a caption someone wrote") is None
    assert a1111_settings("") is None
    only_negative = a1111_settings("a cat\nNegative prompt: dog")
    assert only_negative is not None and only_negative.negative_prompt == "dog" and only_negative.seed is None


def test_parameter_pairs_read_quotes_and_stop_at_junk() -> None:
    assert parameter_pairs('Steps: 20, Sampler: Euler a, Hashes: "a: 1, b: \\"2\\"", Seed: 5') == [
        ("Steps", "20"), ("Sampler", "Euler a"), ("Hashes", 'a: 1, b: "2"'), ("Seed", "5")]
    assert parameter_pairs("no pairs here") == []
    assert parameter_pairs(", , ,") == []
    assert parameter_pairs('Key: "never closed') == [("Key", "never closed")]
    hostile = "a" * 200_000 + ": " + "b," * 100_000  # one pass: no backtracking on a long line
    assert len(parameter_pairs(hostile)) <= 200


# --- InvokeAI -----------------------------------------------------------------------------------------


def test_invokeai_metadata_chunk() -> None:
    metadata = {"app_version": "4.2.9", "generation_mode": "txt2img", "positive_prompt": "a castle on a hill",
                "negative_prompt": "fog", "width": 1024, "height": 768, "seed": 123456, "cfg_scale": 7.5,
                "steps": 30, "scheduler": "dpmpp_2m_k", "model": {"key": "k", "hash": "h", "name": "juggernautXL",
                                                                   "base": "sdxl", "type": "main"},
                "loras": [{"model": {"name": "detail"}, "weight": 0.5}]}
    settings = settings_of(picture(text={"invokeai_metadata": json.dumps(metadata),
                                         "invokeai_graph": json.dumps({"nodes": {}})}))
    assert settings.source == "invokeai"
    assert (settings.prompt, settings.negative_prompt, settings.seed, settings.steps, settings.guidance) == (
        "a castle on a hill", "fog", 123456, 30, 7.5)
    assert (settings.width, settings.height, settings.model_hint) == (1024, 768, "juggernautXL")
    assert settings.other["scheduler"] == "dpmpp_2m_k"
    assert json.loads(settings.other["loras"]) == metadata["loras"]


def test_invokeai_3_model_name_and_older_formats() -> None:
    three = {"positive_prompt": "p", "seed": 1, "model": {"model_name": "sd-1.5", "base_model": "sd-1"}}
    assert settings_of(picture(text={"invokeai_metadata": json.dumps(three)})).model_hint == "sd-1.5"
    legacy = {"model": "stable diffusion", "model_weights": "stable-diffusion-1.5", "app_version": "2.3.5",
              "image": {"prompt": [{"prompt": "a harbour at dawn [people, boats]", "weight": 1.0}], "steps": 50,
                        "cfg_scale": 7.5, "height": 512, "width": 640, "seed": 42, "sampler": "k_lms",
                        "type": "txt2img"}}
    settings = settings_of(picture(text={"sd-metadata": json.dumps(legacy)}))
    assert (settings.prompt, settings.negative_prompt, settings.model_hint) == (
        "a harbour at dawn", "people, boats", "stable-diffusion-1.5")
    assert (settings.seed, settings.steps, settings.width, settings.height) == (42, 50, 640, 512)
    dream = settings_of(picture(text={"Dream": '"a quiet pond [ducks]" -s 25 -S 777 -W 512 -H 512 -C 7.5 -A k_euler'}))
    assert (dream.prompt, dream.negative_prompt, dream.seed, dream.steps, dream.guidance) == (
        "a quiet pond", "ducks", 777, 25, 7.5)


# --- ComfyUI ------------------------------------------------------------------------------------------

COMFY_PROMPT = {
    "3": {"class_type": "KSampler", "inputs": {"seed": 156680208700286, "steps": 20, "cfg": 8.0,
                                               "sampler_name": "euler", "scheduler": "normal", "denoise": 1.0,
                                               "model": ["10", 0], "positive": ["11", 0], "negative": ["7", 0],
                                               "latent_image": ["5", 0]}},
    "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "v1-5-pruned-emaonly.safetensors"}},
    "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 768, "batch_size": 1}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": ["12", 0], "clip": ["10", 1]}},
    "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "text, watermark", "clip": ["10", 1]}},
    "10": {"class_type": "LoraLoader", "inputs": {"lora_name": "x.safetensors", "model": ["4", 0],
                                                  "clip": ["4", 1]}},
    "11": {"class_type": "ControlNetApplyAdvanced", "inputs": {"positive": ["6", 0], "negative": ["7", 0],
                                                               "control_net": ["13", 0], "image": ["14", 0]}},
    "12": {"class_type": "PrimitiveString", "inputs": {"value": "beautiful scenery, glass bottle"}},
    "13": {"class_type": "ControlNetLoader", "inputs": {"control_net_name": "canny.safetensors"}},
    "14": {"class_type": "LoadImage", "inputs": {"image": "edges.png"}},
    "9": {"class_type": "SaveImage", "inputs": {"images": ["8", 0], "filename_prefix": "ComfyUI"}},
}


def test_comfyui_prompt_graph_is_followed_from_the_sampler() -> None:
    settings = settings_of(picture(text={"prompt": json.dumps(COMFY_PROMPT), "workflow": "{}"}))
    assert settings.source == "comfyui"
    assert settings.prompt == "beautiful scenery, glass bottle"
    assert settings.negative_prompt == "text, watermark"
    assert (settings.seed, settings.steps, settings.guidance) == (156680208700286, 20, 8.0)
    assert (settings.width, settings.height) == (512, 768)
    assert settings.model_hint == "v1-5-pruned-emaonly.safetensors"
    assert settings.other == {"sampler_name": "euler", "scheduler": "normal", "denoise": "1.0"}


def test_comfyui_flux_graph_with_a_custom_sampler() -> None:
    graph = {
        "13": {"class_type": "SamplerCustomAdvanced", "inputs": {"noise": ["25", 0], "guider": ["22", 0],
                                                                  "sampler": ["16", 0], "sigmas": ["17", 0],
                                                                  "latent_image": ["27", 0]}},
        "25": {"class_type": "RandomNoise", "inputs": {"noise_seed": 915}},
        "22": {"class_type": "BasicGuider", "inputs": {"model": ["12", 0], "conditioning": ["26", 0]}},
        "26": {"class_type": "FluxGuidance", "inputs": {"guidance": 3.5, "conditioning": ["6", 0]}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a tiny astronaut", "clip": ["11", 0]}},
        "12": {"class_type": "UNETLoader", "inputs": {"unet_name": "flux1-dev.safetensors"}},
        "17": {"class_type": "BasicScheduler", "inputs": {"steps": 24, "model": ["12", 0]}},
        "27": {"class_type": "EmptySD3LatentImage", "inputs": {"width": 1024, "height": 576}},
    }
    settings = settings_of(picture(text={"prompt": json.dumps(graph)}))
    assert (settings.prompt, settings.seed, settings.steps, settings.guidance) == ("a tiny astronaut", 915, 24, 3.5)
    assert (settings.width, settings.height, settings.model_hint) == (1024, 576, "flux1-dev.safetensors")


def test_comfyui_workflow_alone_and_webp_exif() -> None:
    workflow = {"nodes": [
        {"id": 3, "type": "KSampler", "widgets_values": [42, "randomize", 15, 6.0, "euler", "karras", 1.0],
         "inputs": [{"name": "positive", "link": 4}, {"name": "negative", "link": 6}]},
        {"id": 6, "type": "CLIPTextEncode", "widgets_values": ["a snowy owl"]},
        {"id": 7, "type": "CLIPTextEncode", "widgets_values": ["blurry"]}],
        "links": [[4, 6, 0, 3, 1, "CONDITIONING"], [6, 7, 0, 3, 2, "CONDITIONING"]]}
    settings = settings_of(picture(text={"workflow": json.dumps(workflow)}))
    assert (settings.prompt, settings.negative_prompt, settings.seed, settings.steps, settings.guidance) == (
        "a snowy owl", "blurry", 42, 15, 6.0)
    webp = picture("WEBP", exif=exif_with(model="prompt:" + json.dumps(COMFY_PROMPT), make="workflow:{}"))
    assert settings_of(webp).prompt == "beautiful scenery, glass bottle"


# --- this app -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_this_apps_own_outputs_give_back_the_exact_model_and_input(tmp_path: Path, fmt: str) -> None:
    with HistoryStore.open(tmp_path / "history.db") as store:
        conversation = store.create_conversation("c", "black-forest-labs/flux-dev")
        values = {"prompt": "a fox", "seed": 9, "num_inference_steps": 28, "guidance": 3.5, "aspect_ratio": "3:2"}
        generation = store.start_generation(conversation, None, "black-forest-labs/flux-dev", "abc123", values)
        record = store.add_output(generation, picture(fmt), None)
    reading = read_generation_settings(record.path)
    assert reading.settings is not None
    settings = reading.settings
    assert (settings.source, settings.model, settings.prompt, settings.seed) == (
        "replicate-desktop", "black-forest-labs/flux-dev:abc123", "a fox", 9)
    assert (settings.steps, settings.guidance) == (28, 3.5)
    assert settings.inputs == values


def test_a_sidecar_of_this_app_counts_for_a_file_that_cannot_carry_metadata(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\x00\x00\x00\x18ftypmp42")
    (tmp_path / "clip.mp4.json").write_text(json.dumps({"Software": "Replicate Desktop", "model": "minimax/video-01",
                                                        "prompt": "waves", "parameters": '{"prompt": "waves"}'}))
    reading = read_generation_settings(clip)
    assert reading.settings is not None and reading.settings.model == "minimax/video-01"


# --- nothing to read, damage and hostile files ---------------------------------------------------------


def png_with_chunks(*chunks: tuple[bytes, bytes], crc_ok: bool = True) -> bytes:
    body = b""
    for kind, payload in chunks:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        body += struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc if crc_ok else crc ^ 1)
    return picture()[:33] + body + b"\x00\x00\x00\x00IEND\xaeB`\x82"


@pytest.mark.parametrize(("data", "reason"), [
    (picture(), "carries no generation settings"),
    (b"GIF89a" + b"\x00" * 40, "is not a PNG, JPEG or WebP picture"),
    (b"", "is not a PNG, JPEG or WebP picture"),
    (picture(text={"parameters": "a caption, nothing more"}), "carries no generation settings"),
    (picture(text={"invokeai_metadata": "{broken json", "prompt": "[1, 2", "workflow": "null"}),
     "carries no generation settings"),
    (png_with_chunks((b"tEXt", b"parameters\x00a\nSteps: 1, Seed: 2, Size: 3x4"), crc_ok=False),
     "damaged tEXt chunk was skipped"),
    (png_with_chunks((b"zTXt", b"parameters\x00\x00" + zlib.compress(b"\x00" * (20 * 1024 * 1024), 9))),
     "too large once decompressed"),
    (picture()[:-12], "ends before its last chunk"),
    (picture()[:-30], "a PNG chunk runs past the end of the file"),
    (b"\xff\xd8\xff\xe1\x00\x40Exif\x00\x00MM\x00*\x00\x00\x00\x08" + b"\x00" * 20, "JPEG segment runs past"),
    (b"\xff\xd8\xff\xe1\x00\x18Exif\x00\x00II*\x00\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00\xff\xd9",
     "EXIF directory lies outside"),
])
def test_files_without_usable_settings_give_a_reason(data: bytes, reason: str) -> None:
    reading = read_generation_settings(data)
    assert reading.settings is None
    assert reading.reason is not None and reason in reading.reason, reading.reason
    assert reading.reason.endswith(".")


def test_more_text_than_any_picture_needs_is_refused() -> None:
    chunk = (b"tEXt", b"junk\x00" + b"x" * (7 * 1024 * 1024))
    data = png_with_chunks(*(chunk,) * 5)
    reading = read_generation_settings(data)
    assert reading.settings is None
    assert reading.reason == "The picture was not read: it holds more than 32 MB of text."


def test_an_unreadable_path_gives_a_sentence(tmp_path: Path) -> None:
    reading = read_generation_settings(tmp_path / "missing.png")
    assert reading.settings is None
    assert reading.reason == "missing.png could not be read (no such file or directory)."


def test_deep_json_and_odd_graph_shapes_are_no_settings() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    assert read_generation_settings(picture(text={"invokeai_metadata": deep})).settings is None
    odd = {"1": {"class_type": "KSampler", "inputs": {"positive": ["1", 0], "seed": ["1", 0]}},
           "2": [1, 2], "3": {"class_type": 5}, "4": {"class_type": "KSampler", "inputs": {"positive": [[], 0]}}}
    assert read_generation_settings(picture(text={"prompt": json.dumps(odd)})).settings is None
    cycle = {"1": {"class_type": "KSampler", "inputs": {"positive": ["2", 0], "seed": 5}},
             "2": {"class_type": "ConditioningCombine", "inputs": {"a": ["3", 0]}},
             "3": {"class_type": "ConditioningCombine", "inputs": {"b": ["2", 0]}}}
    settings = read_generation_settings(picture(text={"prompt": json.dumps(cycle)})).settings
    assert settings is not None and (settings.prompt, settings.seed) == (None, 5)
