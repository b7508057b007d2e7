"""Input files as Replicate keeps them: a ``data:`` URI (or a Files API URL) sent in a create's input is stored as a
file of the prediction, and the prediction's ``input`` then shows that file's URL instead of what was sent — which
is why a client cannot find a create it sent by comparing the echoed input with its own. On when
``FakeReplicate.inputs_as_files`` is set."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import unquote_to_bytes

from .catalogue import FakeFile
from .prediction import FakePrediction


def store_input_files(prediction: FakePrediction, files: dict[str, FakeFile], base_url: str, root_url: str) -> None:
    """Replaces each ``data:`` URI and Files API URL in the prediction's input (alone or in a list) by the URL of
    a copy kept among the prediction's files."""
    counter = iter(range(1_000_000))

    def kept(value: Any) -> Any:
        if isinstance(value, list):
            return [kept(item) for item in value]
        if not isinstance(value, str):
            return value
        found = _decoded(value) if value.startswith("data:") else _uploaded(value, files, base_url)
        if found is None:
            return value
        name = f"input-{next(counter)}"
        prediction.files[name] = found
        return f"{root_url}/files/{prediction.id}/{name}"

    prediction.input = {key: kept(value) for key, value in prediction.input.items()}


def _decoded(uri: str) -> tuple[str, bytes] | None:
    header, comma, payload = uri.removeprefix("data:").partition(",")
    if not comma:
        return None
    kind, _, encoding = header.partition(";")
    try:
        data = base64.b64decode(payload, validate=True) if encoding == "base64" else unquote_to_bytes(payload)
    except (binascii.Error, ValueError):
        return None
    return kind or "text/plain", data


def _uploaded(url: str, files: dict[str, FakeFile], base_url: str) -> tuple[str, bytes] | None:
    prefix = f"{base_url}/files/"
    stored = files.get(url.removeprefix(prefix)) if url.startswith(prefix) else None
    return None if stored is None else (stored.content_type, stored.data)
