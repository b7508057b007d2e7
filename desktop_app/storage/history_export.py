"""Exporting history (Markdown, a versioned JSON format, one generation with its parameters) and importing JSON."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .history import HistoryStore
from .history_records import (
    STATUSES,
    Conversation,
    Generation,
    HistoryError,
    OutputRecord,
    Turn,
    format_timestamp,
    insert_copy,
    parse_timestamp,
)
from .image_metadata import sidecar_path
from .outputs import default_output_name, slugify, unique_path, write_bytes_atomically

FORMAT = "replicate-desktop-conversation"
FORMAT_VERSION = 1
_ROLE_NAMES = {"user": "You", "assistant": "Assistant"}


class HistoryImportError(HistoryError, ValueError):
    """The file is not a conversation export this app can read; ``str()`` says why."""


def export_markdown(store: HistoryStore, conversation_id: int, dest_dir: Path) -> Path:
    """Writes ``<title>.md`` in ``dest_dir`` with the turns, and the outputs copied into ``<title>_files/``
    beside it, linked relatively; returns the Markdown file's path. Never overwrites an existing file."""
    conversation = store.load_conversation(conversation_id)
    markdown = unique_path(dest_dir, f"{slugify(conversation.title or _first_prompt(conversation))}.md")
    files_dir = dest_dir / f"{markdown.stem}_files"
    turn_ids = {turn.id for turn in conversation.turns}
    by_turn: dict[int | None, list[Generation]] = {}
    for generation in conversation.generations:
        by_turn.setdefault(generation.turn_id if generation.turn_id in turn_ids else None, []).append(generation)
    models = ", ".join(conversation.models)
    lines = [f"# {conversation.title or 'Conversation'}", "",
             f"_Replicate Desktop · {_local(conversation.created_at)} · {models}_", ""]
    for turn in conversation.turns:
        lines += [f"### {_ROLE_NAMES.get(turn.role, turn.role.title())} · {turn.model}", ""]
        if turn.text:
            lines += [turn.text.rstrip(), ""]
        for generation in by_turn.get(turn.id, []):
            lines += _generation_markdown(generation, files_dir)
    if by_turn.get(None):
        lines += ["### Generations", ""]
        for generation in by_turn[None]:
            lines += _generation_markdown(generation, files_dir)
    write_bytes_atomically(markdown, "\n".join(lines).rstrip().encode("utf-8") + b"\n")
    return markdown


def export_json(store: HistoryStore, conversation_id: int, path: Path) -> Path:
    """Writes the conversation to ``path`` in this app's versioned JSON format, with its output files
    (and sidecars) copied into ``<stem>_files/`` beside it and referenced relatively; returns ``path``."""
    conversation = store.load_conversation(conversation_id)
    files_dir = path.parent / f"{path.stem}_files"
    generations = []
    for generation in conversation.generations:
        outputs = []
        for output in generation.outputs:
            name = output.path.name
            write_bytes_atomically(files_dir / name, output.path.read_bytes())
            if sidecar_path(output.path).is_file():
                write_bytes_atomically(sidecar_path(files_dir / name), sidecar_path(output.path).read_bytes())
            outputs.append({
                "file": f"{files_dir.name}/{name}", "content_type": output.content_type, "size": output.size,
                "sha256": output.sha256, "source_url": output.source_url, "created_at": _iso(output.created_at),
            })
        generations.append({**_generation_fields(generation), "id": generation.id, "turn_id": generation.turn_id,
                            "outputs": outputs})
    document = {
        "format": FORMAT, "version": FORMAT_VERSION, "exported_at": format_timestamp(datetime.now(UTC)),
        "conversation": {
            "title": conversation.title, "model": conversation.model,
            "created_at": _iso(conversation.created_at), "updated_at": _iso(conversation.updated_at),
            "turns": [{
                "id": turn.id, "position": turn.position, "role": turn.role, "text": turn.text, "model": turn.model,
                "state": turn.state, "created_at": _iso(turn.created_at), "updated_at": _iso(turn.updated_at),
            } for turn in conversation.turns],
            "generations": generations,
        },
    }
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    write_bytes_atomically(path, text.encode("utf-8"))
    return path


def import_json(store: HistoryStore, path: Path) -> int:
    """Adds the conversation exported to ``path`` (by :func:`export_json`) as a new conversation, with
    its files copied into the library; returns its id. Raises :class:`HistoryImportError` for a file
    that is not such an export, has a missing or altered output file, or comes from a newer app."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise HistoryImportError(f"Could not read {path.name}: {error}.") from error
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise HistoryImportError(f"{path.name} is not a Replicate Desktop conversation export.")
    version = document.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise HistoryImportError(f"{path.name} was written by a newer version of Replicate Desktop ({version!r}).")
    base = path.parent.resolve()
    try:
        conversation = _conversation_from(document["conversation"], base)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise HistoryImportError(f"{path.name} is damaged or incomplete ({type(error).__name__}: {error}).") from error

    def read_output(output: OutputRecord) -> tuple[bytes, bytes | None]:
        try:
            data = output.path.read_bytes()
        except OSError as error:
            raise HistoryImportError(f"The output file {output.relative_path} could not be read: {error}.") from error
        if hashlib.sha256(data).hexdigest() != output.sha256:
            raise HistoryImportError(f"The output file {output.relative_path} does not match its recorded checksum.")
        side = sidecar_path(output.path)
        return data, side.read_bytes() if side.is_file() else None

    return _import_copy(store, conversation, read_output)


def export_generation(store: HistoryStore, generation_id: int, dest: Path) -> list[Path]:
    """Copies the generation's outputs into the folder ``dest`` under names from the prompt and date,
    with a JSON file of its parameters beside them; returns the paths written (the JSON last)."""
    generation = store.get_generation(generation_id)
    prompt = _prompt(generation.input) or generation.model
    when = generation.created_at.astimezone()
    written: list[Path] = []
    many = len(generation.outputs) > 1
    for index, output in enumerate(generation.outputs, start=1):
        extension = output.path.suffix.lstrip(".") or "bin"
        target = unique_path(dest, default_output_name(prompt, when, index if many else None, extension))
        write_bytes_atomically(target, output.path.read_bytes())
        written.append(target)
    stem = written[0].stem if written else Path(default_output_name(prompt, when, None, "json")).stem
    parameters = {**_generation_fields(generation),
                  "outputs": [{"file": target.name, "content_type": output.content_type, "sha256": output.sha256,
                               "source_url": output.source_url} for target, output in zip(written, generation.outputs,
                                                                                          strict=True)]}
    parameters_path = unique_path(dest, f"{stem}.json")
    text = json.dumps(parameters, indent=2, ensure_ascii=False) + "\n"
    write_bytes_atomically(parameters_path, text.encode("utf-8"))
    return [*written, parameters_path]


# --- helpers ---------------------------------------------------------------------------------------


def _generation_fields(generation: Generation) -> dict[str, Any]:
    return {
        "model": generation.model, "version": generation.version, "input": dict(generation.input),
        "prediction_id": generation.prediction_id, "status": generation.status, "error": generation.error,
        "created_at": _iso(generation.created_at), "started_at": _iso(generation.started_at),
        "completed_at": _iso(generation.completed_at), "predict_time": generation.predict_time,
    }


def _generation_markdown(generation: Generation, files_dir: Path) -> list[str]:
    lines: list[str] = []
    prompt = _prompt(generation.input) or generation.model
    alt = " ".join(prompt.replace("[", "(").replace("]", ")").split())[:200]
    when = generation.created_at.astimezone()
    many = len(generation.outputs) > 1
    for index, output in enumerate(generation.outputs, start=1):
        if not output.path.is_file():
            lines += [f"_(output file missing: {output.relative_path})_", ""]
            continue
        extension = output.path.suffix.lstrip(".") or "bin"
        target = unique_path(files_dir, default_output_name(prompt, when, index if many else None, extension))
        write_bytes_atomically(target, output.path.read_bytes())
        link = quote(f"{files_dir.name}/{target.name}")
        lines += [f"![{alt}]({link})" if output.content_type.startswith("image/") else f"[{target.name}]({link})", ""]
    if generation.status not in ("succeeded", "starting", "processing"):
        detail = f": {generation.error}" if generation.error else ""
        lines += [f"_{generation.model} {generation.status}{detail}_", ""]
    return lines


def _conversation_from(raw: Mapping[str, Any], base: Path) -> Conversation:
    turns = tuple(Turn(
        id=int(item["id"]), conversation_id=0, position=int(item["position"]), role=str(item["role"]),
        text=str(item["text"]), model=str(item["model"]), state=str(item["state"]),
        created_at=_time(item["created_at"]), updated_at=_time(item["updated_at"]),
    ) for item in raw["turns"])
    generations = []
    numbers = itertools.count(1)  # output ids only need to be unique within the import
    for item in raw["generations"]:
        if item["status"] not in STATUSES:
            raise ValueError(f"unknown status {item['status']!r}")
        outputs = tuple(_output_from(next(numbers), output, base) for output in item["outputs"])
        generations.append(Generation(
            id=int(item["id"]), conversation_id=0, turn_id=None if item["turn_id"] is None else int(item["turn_id"]),
            model=str(item["model"]), version=item["version"], input=dict(item["input"]),
            prediction_id=item["prediction_id"], status=str(item["status"]), error=item["error"],
            created_at=_time(item["created_at"]), started_at=_optional_time(item["started_at"]),
            completed_at=_optional_time(item["completed_at"]),
            predict_time=None if item["predict_time"] is None else float(item["predict_time"]), outputs=outputs,
        ))
    return Conversation(id=0, title=str(raw["title"]), model=str(raw["model"]), created_at=_time(raw["created_at"]),
                        updated_at=_time(raw["updated_at"]), turns=turns, generations=tuple(generations))


def _output_from(number: int, raw: Mapping[str, Any], base: Path) -> OutputRecord:
    relative = str(raw["file"])
    path = (base / relative).resolve()
    if not path.is_relative_to(base):
        raise ValueError(f"the output file {relative!r} is outside the export's folder")
    return OutputRecord(
        id=number, generation_id=0, path=path, relative_path=relative, content_type=str(raw["content_type"]),
        size=int(raw["size"]), sha256=str(raw["sha256"]), source_url=raw["source_url"],
        created_at=_time(raw["created_at"]),
    )


def _prompt(values: Mapping[str, Any]) -> str:
    prompt = values.get("prompt")
    return prompt if isinstance(prompt, str) else ""


def _first_prompt(conversation: Conversation) -> str:
    return next((turn.text for turn in conversation.turns if turn.role == "user" and turn.text), "conversation")


def _iso(when: datetime | None) -> str | None:
    return None if when is None else format_timestamp(when)


def _time(text: Any) -> datetime:
    return parse_timestamp(format_timestamp(datetime.fromisoformat(str(text))))


def _optional_time(text: Any) -> datetime | None:
    return None if text is None else _time(text)


def _local(when: datetime) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M")


def _import_copy(
    store: HistoryStore, conversation: Conversation, read_output: Callable[[OutputRecord], tuple[bytes, bytes | None]]
) -> int:
    """Adds a copy of ``conversation`` to ``store`` (its ids are ignored, its timestamps kept) in one transaction.

    ``read_output`` returns each output's bytes (which must match its sha256) and its sidecar or ``None``.
    The files go into the library first; if anything fails, the new files are removed again.
    """
    with store._lock:
        stored: dict[int, str] = {}
        created: list[str] = []
        try:
            for output in (output for generation in conversation.generations for output in generation.outputs):
                payload, sidecar = read_output(output)
                if hashlib.sha256(payload).hexdigest() != output.sha256:
                    raise HistoryError(f"The output file {output.path.name} does not match its recorded checksum.")
                extension = output.relative_path.rsplit(".", 1)[-1]
                stored[output.id], was_created = store._library.store(
                    payload, extension if extension.isalnum() else "bin", sidecar)
                if was_created:
                    created.append(stored[output.id])
            with store._write("import a conversation") as db:
                return insert_copy(db, conversation, stored)
        except BaseException:
            store._remove_unused(created)
            raise
