"""ComfyUI's graphs, read for "restore the settings": the sampler node of the ``prompt`` graph (API format) and
what feeds it — the text encoders of its positive and negative inputs, its seed, steps and CFG, the empty latent's
size and the checkpoint — followed link by link, within bounds; the ``workflow`` (UI format) when there is no
``prompt``. A graph is a program, not a record, so this is a best effort that never raises."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

MAX_VISITS = 200  # nodes looked at while following one input upstream
TEXT_KEYS = ("text", "text_g", "text_l", "t5xxl", "clip_l", "prompt", "string", "value")
SEED_KEYS = ("seed", "noise_seed", "value", "int")
MODEL_KEYS = ("ckpt_name", "unet_name", "model_name", "gguf_name", "model")
_OTHER = ("sampler_name", "scheduler", "denoise")
_OPPOSITE = {"positive": "negative", "negative": "positive"}


def comfy_values(graph: Any, workflow: Any) -> dict[str, Any] | None:
    """The settings found (keys of ``GenerationSettings``, values not yet checked), or ``None``."""
    if isinstance(graph, dict):
        found = _from_graph(graph)
        if found is not None:
            return found
    if isinstance(workflow, dict):
        return _from_workflow(workflow)
    return None


# --- the API graph: {"3": {"class_type": "KSampler", "inputs": {"seed": 1, "positive": ["6", 0], …}}, …} ---


def _from_graph(graph: Mapping[str, Any]) -> dict[str, Any] | None:
    nodes = {str(key): node for key, node in graph.items()
             if isinstance(node, dict) and isinstance(node.get("class_type"), str) and isinstance(node.get("inputs"),
                                                                                                   dict)}
    samplers = sorted((key for key, node in nodes.items() if _is_sampler(node["class_type"])), key=_numeric)
    if not samplers:
        return None
    inputs: dict[str, Any] = nodes[samplers[0]]["inputs"]
    conditioning = inputs.get("positive", inputs.get("guider"))
    found: dict[str, Any] = {
        "prompt": _trace(nodes, conditioning, TEXT_KEYS, str, "positive"),
        "negative_prompt": _trace(nodes, inputs.get("negative"), TEXT_KEYS, str, "negative"),
        "seed": _first(nodes, inputs, [("seed", SEED_KEYS), ("noise_seed", SEED_KEYS), ("noise", ("noise_seed",))],
                       int),
        "steps": _first(nodes, inputs, [("steps", ("steps",)), ("sigmas", ("steps",))], int),
        "guidance": _first(nodes, inputs, [("cfg", ("cfg",)), ("guider", ("cfg",))], (int, float))
        or _trace(nodes, conditioning, ("guidance",), (int, float), "positive"),
        "width": _trace(nodes, inputs.get("latent_image"), ("width",), int, None),
        "height": _trace(nodes, inputs.get("latent_image"), ("height",), int, None),
        "model_hint": _trace(nodes, inputs.get("model", inputs.get("guider")), MODEL_KEYS, str, None),
        "other": {key: str(inputs[key]) for key in _OTHER if _is_scalar(inputs.get(key))},
    }
    return found if found["prompt"] is not None or found["seed"] is not None else None


def _is_sampler(class_type: str) -> bool:
    return "KSampler" in class_type or class_type.startswith("SamplerCustom")


def _numeric(key: str) -> tuple[int, str]:
    return (int(key), "") if key.isdigit() and len(key) < 19 else (1 << 62, key)


def _is_link(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2 and isinstance(value[0], str | int) \
        and isinstance(value[1], int) and not isinstance(value[1], bool)


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _matches(value: Any, kind: type | tuple[type, ...]) -> bool:
    return isinstance(value, kind) and not isinstance(value, bool) and (not isinstance(value, str) or bool(value))


def _first(nodes: Mapping[str, Any], inputs: Mapping[str, Any], routes: Sequence[tuple[str, tuple[str, ...]]],
           kind: type | tuple[type, ...]) -> Any:
    for name, keys in routes:
        if name in inputs:
            value = _trace(nodes, inputs[name], keys, kind, None)
            if value is not None:
                return value
    return None


def _trace(nodes: Mapping[str, Any], start: Any, keys: Sequence[str], kind: type | tuple[type, ...],
           role: str | None) -> Any:
    """The first value of one of ``keys`` (of type ``kind``) at ``start`` or upstream of it, breadth first.

    ``role`` keeps a positive search out of ``negative`` inputs (and the reverse) where a node has both.
    """
    if not _is_link(start):
        return start if _matches(start, kind) else None
    queue = deque([(str(start[0]), start[1])])
    seen: set[str] = set()
    while queue and len(seen) < MAX_VISITS:
        key, slot = queue.popleft()
        node = nodes.get(key)
        if node is None or key in seen:
            continue
        seen.add(key)
        inputs: dict[str, Any] = node["inputs"]
        upstream: list[Any] = []
        for name in keys:
            value = inputs.get(name)
            if _matches(value, kind):
                return value
            if _is_link(value):
                upstream.append(value)
        side = role
        if role is not None and "positive" in inputs and "negative" in inputs:
            side = "positive" if slot == 0 else "negative"  # ControlNet-style nodes pass both, in this order
        for name, value in inputs.items():
            if _is_link(value) and name not in keys and (side is None or name != _OPPOSITE.get(side)):
                upstream.append(value)
        queue.extend((str(link[0]), link[1]) for link in upstream)
    return None


# --- the UI workflow: {"nodes": [{"id": 3, "type": "KSampler", "widgets_values": […], "inputs": […]}], "links": …} --

_WIDGETS = {"KSampler": (0, 2, 3, 4, 5), "KSamplerAdvanced": (1, 3, 4, 5, 6)}  # seed, steps, cfg, sampler, scheduler


def _from_workflow(workflow: Mapping[str, Any]) -> dict[str, Any] | None:
    nodes = [node for node in _list(workflow.get("nodes")) if isinstance(node, dict)]
    by_id = {node.get("id"): node for node in nodes if _is_scalar(node.get("id"))}
    links = {link[0]: link[1] for link in _list(workflow.get("links"))
             if isinstance(link, list) and len(link) >= 2 and _is_scalar(link[0]) and _is_scalar(link[1])}
    samplers = [node for node in nodes if isinstance(node.get("type"), str) and node["type"] in _WIDGETS
                and isinstance(node.get("widgets_values"), list)]
    if not samplers:
        return None
    sampler = samplers[0]
    widgets: list[Any] = sampler["widgets_values"]
    seed, steps, cfg, sampler_name, scheduler = (widgets[index] if index < len(widgets) else None
                                                 for index in _WIDGETS[sampler["type"]])

    def text_of(name: str) -> Any:
        for entry in _list(sampler.get("inputs")):
            if isinstance(entry, dict) and entry.get("name") == name and _is_scalar(entry.get("link")):
                origin = by_id.get(links.get(entry["link"]))
                values = origin.get("widgets_values") if isinstance(origin, dict) else None
                if isinstance(values, list) and values and isinstance(values[0], str):
                    return values[0]
        return None

    other = {"sampler_name": sampler_name, "scheduler": scheduler}
    return {"prompt": text_of("positive"), "negative_prompt": text_of("negative"), "seed": seed, "steps": steps,
            "guidance": cfg, "other": {key: str(value) for key, value in other.items() if _is_scalar(value)}}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
