"""A Cog model's OpenAPI schema turned into form fields, an output kind, and input checks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeGuard
from urllib.parse import urlsplit

FieldKind = Literal["string", "text", "integer", "number", "boolean", "enum", "file", "array", "seed", "unknown"]
ItemKind = Literal["string", "file", "integer", "number"]
OutputKind = Literal["files", "text", "json", "unknown"]
FileClass = Literal["image", "audio", "video", "other"]

PROMPT_NAMES = frozenset({"prompt", "text", "message", "input_text", "question", "query", "instruction"})
_UNORDERED = 1_000_000  # fields without x-order come after ordered ones, in schema order
_LONG_TEXT = 200  # a maxLength at least this long, or a default longer than _LONG_DEFAULT, means multiline
_LONG_DEFAULT = 80
_JSON_TYPES = frozenset({"string", "integer", "number", "boolean", "array", "object"})


@dataclass(frozen=True)
class FieldSpec:
    """One input of a model, as a form should render it.

    ``kind`` picks the widget: ``text`` is a multi-line string (prompts, long strings), ``seed`` an
    integer that may be left blank for a random one, ``file`` a URL or ``data:`` URI (see
    :mod:`.uploads`), ``array`` a list of ``item_kind`` values, ``unknown`` something the form cannot
    render (edit it as JSON). ``order`` is the ``x-order`` (else the schema position after every
    ordered field). ``has_default`` tells a default of ``None`` from no default.
    """

    name: str
    kind: FieldKind
    title: str
    description: str = ""
    default: Any = None
    has_default: bool = False
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False
    min_length: int | None = None
    max_length: int | None = None
    choices: list[Any] = field(default_factory=list)
    order: int = 0
    required: bool = False
    is_prompt: bool = False
    multiline: bool = False
    secret: bool = False
    format: str | None = None
    item_kind: ItemKind | None = None
    nullable: bool = False


@dataclass(frozen=True)
class InputSchema:
    """The input fields of a model, sorted by ``order``.

    ``unsupported`` names the fields of kind ``unknown``; ``problems`` are notices for the user when
    the schema is missing or malformed — with no fields the UI offers a raw JSON editor instead.
    """

    fields: list[FieldSpec] = field(default_factory=list)
    required: set[str] = field(default_factory=set)
    unsupported: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def get(self, name: str) -> FieldSpec | None:
        """The field called ``name``, if the schema has one."""
        return next((spec for spec in self.fields if spec.name == name), None)

    @property
    def prompt_field(self) -> FieldSpec | None:
        """The field the app's prompt box fills: ``prompt`` itself, else the first prompt-like string."""
        exact = self.get("prompt")
        if exact is not None and exact.kind in ("string", "text"):
            return exact
        prompts = [spec for spec in self.fields if spec.is_prompt and spec.kind in ("string", "text")]
        required = [spec for spec in prompts if spec.required]
        candidates = required or prompts
        return candidates[0] if candidates else None

    @property
    def is_empty(self) -> bool:
        return not self.fields


@dataclass(frozen=True)
class OutputSpec:
    """What a model returns: ``files`` (URLs or ``data:`` URIs; classify each with :func:`classify_file`),
    ``text`` (a string, or string chunks to join — ``iterator`` when they arrive while it runs), ``json``."""

    kind: OutputKind
    many: bool = False
    iterator: bool = False
    concatenate: bool = False


def parse_input_schema(openapi: Mapping[str, Any] | None) -> InputSchema:
    """Fields of ``components.schemas.Input``; never raises — a bad schema gives a notice in ``problems``."""
    schemas = _component_schemas(openapi)
    if schemas is None:
        return InputSchema(problems=["This model publishes no input schema; edit its input as JSON."])
    input_schema = schemas.get("Input")
    if not isinstance(input_schema, Mapping):
        return InputSchema(problems=["The model's schema has no Input section; edit its input as JSON."])
    properties = input_schema.get("properties", {})
    if not isinstance(properties, Mapping):
        return InputSchema(problems=["The model's Input schema has no readable properties; edit its input as JSON."])
    raw_required = input_schema.get("required", [])
    required = {str(name) for name in raw_required} if isinstance(raw_required, list) else set()
    problems: list[str] = []
    specs: list[FieldSpec] = []
    for index, (name, prop) in enumerate(properties.items()):
        spec = _field(str(name), prop, index, str(name) in required, schemas, problems)
        specs.append(spec)
    specs.sort(key=lambda spec: spec.order)
    unsupported = [spec.name for spec in specs if spec.kind == "unknown"]
    missing = sorted(required - {spec.name for spec in specs})
    if missing:
        problems.append(f"The schema requires inputs it does not describe: {', '.join(missing)}.")
    return InputSchema(specs, required & {spec.name for spec in specs}, unsupported, problems)


def parse_output(openapi: Mapping[str, Any] | None) -> OutputSpec:
    """The shape of ``components.schemas.Output``."""
    schemas = _component_schemas(openapi)
    output = schemas.get("Output") if schemas is not None else None
    if not isinstance(output, Mapping):
        return OutputSpec("unknown")
    output, _ = _resolve(output, schemas or {})
    kind = _json_type(output)
    if kind == "string":
        return OutputSpec("files") if output.get("format") == "uri" else OutputSpec("text")
    if kind == "array":
        items, _ = _resolve(output.get("items") or {}, schemas or {})
        iterator = output.get("x-cog-array-type") == "iterator"
        concatenate = output.get("x-cog-array-display") == "concatenate"
        item_type = _json_type(items)
        if item_type == "string" and items.get("format") == "uri":
            return OutputSpec("files", many=True, iterator=iterator)
        if item_type == "string":
            return OutputSpec("text", many=True, iterator=iterator, concatenate=concatenate)
        if item_type is None and not items:
            return OutputSpec("unknown", many=True, iterator=iterator)
        return OutputSpec("json", many=True, iterator=iterator)
    if kind in ("object", "integer", "number", "boolean"):
        return OutputSpec("json")
    return OutputSpec("unknown")


def parse_output_kind(openapi: Mapping[str, Any] | None) -> OutputKind:
    """``files`` for file URLs (one or many), ``text``, ``json`` or ``unknown``; see :func:`parse_output`."""
    return parse_output(openapi).kind


_EXTENSIONS: dict[str, FileClass] = {
    **dict.fromkeys(("png", "jpg", "jpeg", "webp", "gif", "bmp", "tif", "tiff", "svg", "avif", "heic"), "image"),
    **dict.fromkeys(("mp3", "wav", "ogg", "oga", "flac", "m4a", "aac", "opus", "weba"), "audio"),
    **dict.fromkeys(("mp4", "webm", "mov", "mkv", "avi", "m4v", "ogv"), "video"),
}
_FAMILIES: dict[str, FileClass] = {"image": "image", "audio": "audio", "video": "video"}


def classify_file(content_type: str | None = None, url: str | None = None) -> FileClass:
    """``image``, ``audio``, ``video`` or ``other`` from a content type, else from the URL (a ``data:``
    URI's type or the path's extension). ``application/octet-stream`` counts as unknown."""
    for mime in (content_type, _data_uri_type(url)):
        family = _mime_family(mime)
        if family is not None:
            return family
    suffix = urlsplit(url or "").path.rsplit("/", 1)[-1].rpartition(".")[2].lower()
    return _EXTENSIONS.get(suffix, "other")


def default_values(schema: InputSchema) -> dict[str, Any]:
    """Each field's default, for filling a new form."""
    return {spec.name: spec.default for spec in schema.fields if spec.has_default}


# ---- parsing ---------------------------------------------------------------------------------


def _component_schemas(openapi: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    if not isinstance(openapi, Mapping):
        return None
    components = openapi.get("components")
    schemas = components.get("schemas") if isinstance(components, Mapping) else None
    return schemas if isinstance(schemas, Mapping) else None


def _resolve(prop: Any, schemas: Mapping[str, Any]) -> tuple[Mapping[str, Any], bool]:
    """Merges ``$ref`` / ``allOf`` / single-branch ``anyOf`` targets into the property; also says
    whether ``null`` was allowed. Keys on the property itself win over the referenced schema's."""
    if not isinstance(prop, Mapping):
        return {}, False
    merged: dict[str, Any] = {}
    nullable = bool(prop.get("nullable"))
    for _ in range(8):  # bounded: refs may chain, and a broken schema may loop
        parts: list[Any] = []
        ref = prop.get("$ref")
        if isinstance(ref, str):
            parts.append(_lookup(ref, schemas))
        for key in ("allOf", "anyOf", "oneOf"):
            branches = prop.get(key)
            if isinstance(branches, list):
                non_null = [b for b in branches if not (isinstance(b, Mapping) and b.get("type") == "null")]
                nullable = nullable or len(non_null) < len(branches)
                if key == "allOf" or len(non_null) == 1:
                    parts.extend(non_null)
        own = {k: v for k, v in prop.items() if k not in ("$ref", "allOf", "anyOf", "oneOf")}
        merged = {**own, **merged}
        if not parts:
            break
        combined: dict[str, Any] = {}
        for part in parts:
            if isinstance(part, Mapping):
                combined.update(part)
        prop = combined
    types = merged.get("type")
    if isinstance(types, list):
        nullable = nullable or "null" in types
        others = [t for t in types if t != "null"]
        merged["type"] = others[0] if len(others) == 1 else None
    return merged, nullable


def _lookup(ref: str, schemas: Mapping[str, Any]) -> Any:
    prefix = "#/components/schemas/"
    return schemas.get(ref[len(prefix):]) if ref.startswith(prefix) else None


def _json_type(prop: Mapping[str, Any]) -> str | None:
    kind = prop.get("type")
    if isinstance(kind, str) and kind in _JSON_TYPES:
        return kind
    if "enum" in prop:
        values = prop["enum"]
        if isinstance(values, list) and values and all(isinstance(v, str) for v in values):
            return "string"
    return None


def _field(
    name: str, raw: Any, index: int, required: bool, schemas: Mapping[str, Any], problems: list[str]
) -> FieldSpec:
    prop, nullable = _resolve(raw, schemas)
    if not isinstance(raw, Mapping):
        problems.append(f"The input {name!r} is not described properly; edit it as JSON.")
    elif _has_broken_ref(raw, schemas):
        problems.append(f"The input {name!r} refers to a type the schema does not define.")
    json_type = _json_type(prop)
    enum = prop.get("enum")
    choices = list(enum) if isinstance(enum, list) and enum else []
    fmt = prop.get("format") if isinstance(prop.get("format"), str) else None
    item_kind = _item_kind(prop, schemas) if json_type == "array" else None
    description = str(prop.get("description") or "")
    kind = _kind(name, json_type, fmt, choices, item_kind)
    is_prompt = kind in ("string", "text") and (
        name.lower() in PROMPT_NAMES or name.lower().endswith("prompt") or "prompt" in description.lower()
    )
    minimum, exclusive_min = _bound(prop, "minimum", "exclusiveMinimum")
    maximum, exclusive_max = _bound(prop, "maximum", "exclusiveMaximum")
    max_length = _int_or_none(prop.get("maxLength"))
    default = prop.get("default")
    long_default = isinstance(default, str) and (len(default) > _LONG_DEFAULT or "\n" in default)
    multiline = kind in ("string", "text") and (is_prompt or (max_length or 0) >= _LONG_TEXT or long_default)
    if kind == "string" and multiline:
        kind = "text"
    order = prop.get("x-order")
    return FieldSpec(
        name=name, kind=kind, title=str(prop.get("title") or name.replace("_", " ").strip().capitalize() or name),
        description=description, default=default, has_default="default" in prop,
        minimum=minimum, maximum=maximum, exclusive_minimum=exclusive_min, exclusive_maximum=exclusive_max,
        min_length=_int_or_none(prop.get("minLength")), max_length=max_length, choices=choices,
        order=order if isinstance(order, int) and not isinstance(order, bool) else _UNORDERED + index,
        required=required, is_prompt=is_prompt, multiline=multiline,
        secret=bool(prop.get("x-cog-secret")) or fmt == "password", format=fmt, item_kind=item_kind,
        nullable=nullable,
    )


def _kind(name: str, json_type: str | None, fmt: str | None, choices: list[Any],
          item_kind: ItemKind | None) -> FieldKind:
    if choices and json_type in ("string", "integer", "number", None):
        return "enum"
    if json_type == "string":
        return "file" if fmt == "uri" else "string"
    if json_type == "integer":
        return "seed" if name.lower() == "seed" else "integer"
    if json_type == "number":
        return "number"
    if json_type == "boolean":
        return "boolean"
    if json_type == "array" and item_kind is not None:
        return "array"
    return "unknown"


def _item_kind(prop: Mapping[str, Any], schemas: Mapping[str, Any]) -> ItemKind | None:
    items, _ = _resolve(prop.get("items"), schemas)
    item_type = _json_type(items)
    if item_type == "string":
        return "file" if items.get("format") == "uri" else "string"
    if item_type in ("integer", "number"):
        return "integer" if item_type == "integer" else "number"
    return None


def _has_broken_ref(raw: Mapping[str, Any], schemas: Mapping[str, Any]) -> bool:
    refs = [raw.get("$ref")]
    for key in ("allOf", "anyOf", "oneOf"):
        branches = raw.get(key)
        if isinstance(branches, list):
            refs += [b.get("$ref") for b in branches if isinstance(b, Mapping)]
    return any(isinstance(ref, str) and not isinstance(_lookup(ref, schemas), Mapping) for ref in refs)


def _bound(prop: Mapping[str, Any], key: str, exclusive_key: str) -> tuple[float | None, bool]:
    """A bound in OpenAPI 3.0 form (boolean ``exclusiveMinimum``) or JSON-Schema form (a number)."""
    exclusive = prop.get(exclusive_key)
    if _is_number(exclusive):
        return float(exclusive), True
    value = prop.get(key)
    if _is_number(value):
        return (int(value) if isinstance(value, int) else float(value)), exclusive is True
    return None, False


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _data_uri_type(url: str | None) -> str | None:
    if not url or not url.startswith("data:"):
        return None
    return url[5:].split(",", 1)[0].split(";", 1)[0] or None


def _mime_family(mime: str | None) -> FileClass | None:
    family = (mime or "").split(";", 1)[0].strip().lower().split("/", 1)[0]
    return _FAMILIES.get(family)


# ---- checking and converting values ----------------------------------------------------------
