"""Chat messages and how they become a model's prompt."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import EmptyPromptError
from .models import ModelKind


@dataclass(frozen=True)
class Message:
    """One chat message; ``role`` is ``user``, ``assistant`` or ``system``."""

    role: str
    content: str


MessageLike = Message | Mapping[str, Any]


def as_message(message: MessageLike) -> Message:
    """Accepts :class:`Message` or the ``{"role": ..., "content": ...}`` dicts the seed used."""
    if isinstance(message, Message):
        return message
    return Message(role=str(message.get("role", "user")), content=str(message.get("content", "")))


def format_prompt(messages: Iterable[MessageLike]) -> str:
    """A readable role-prefixed transcript that ends with an open assistant turn."""
    lines = [f"{m.role.capitalize()}: {m.content}" for m in map(as_message, messages)]
    return "\n".join([*lines, "Assistant:"])


def build_prompt(kind: ModelKind | None, messages: Iterable[MessageLike], prompt: str | None = None) -> str:
    """The prompt to send: an explicit ``prompt`` wins; image models take the last message;
    text models the whole transcript. Raises :class:`EmptyPromptError` before anything is sent."""
    if prompt is not None:
        if not prompt.strip():
            raise EmptyPromptError()
        return prompt
    history = [as_message(m) for m in messages]
    if not history or not history[-1].content.strip():
        raise EmptyPromptError()
    if kind == "image" or (kind is None and len(history) == 1):
        return history[-1].content
    return format_prompt(history)
