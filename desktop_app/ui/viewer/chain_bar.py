"""The "Made from" line under an output: the steps of its chain, back to the first, each a link to open it."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from ..common.widgets import named

MAX_SHOWN = 6  # steps shown in the line; the rest are counted


@dataclass(frozen=True)
class ChainStep:
    """One earlier step of a chain: its output's id, and the model and prompt that made it."""

    output_id: int
    model: str
    prompt: str = ""


class ChainBar(QWidget):
    """Shows "Made from: model · prompt ← model · prompt …" for an output made from others; hidden otherwise.

    Signals:
        step_requested(int) — the user clicked a step: the id of its output
    """

    step_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._label = named(QLabel(self), "chainLabel")
        self._steps: tuple[ChainStep, ...] = ()
        self._setup_ui()

    def steps(self) -> tuple[ChainStep, ...]:
        return self._steps

    def set_steps(self, steps: Sequence[ChainStep]) -> None:
        """The earlier steps, nearest first (empty hides the line)."""
        self._steps = tuple(steps)
        if not self._steps:
            self._label.clear()
            self.hide()
            return
        links = [f'<a href="output:{step.output_id}">{html.escape(_label(step))}</a>'
                 for step in self._steps[:MAX_SHOWN]]
        more = len(self._steps) - MAX_SHOWN
        if more > 0:
            links.append(html.escape(self.tr("%n more", "", more)))
        self._label.setText(html.escape(self.tr("Made from:")) + " " + " ← ".join(links))
        self._label.setToolTip(self.tr("Each step was made from the one after it; click one to show it."))
        self.show()

    def _setup_ui(self) -> None:
        self.setObjectName("chainBar")
        self._label.setTextFormat(Qt.TextFormat.RichText)
        self._label.setWordWrap(True)
        self._label.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse
                                            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
        self._label.linkActivated.connect(self._on_label_link_activated)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 4)
        layout.addWidget(self._label, 1)
        self.hide()

    def _on_label_link_activated(self, link: str) -> None:
        kind, _, number = link.partition(":")
        if kind == "output" and number.isdigit():
            self.step_requested.emit(int(number))


def _label(step: ChainStep) -> str:
    name = step.model.split(":", 1)[0]
    prompt = " ".join(step.prompt.split())
    if len(prompt) > 40:
        prompt = prompt[:39].rstrip() + "…"
    return f"{name} · {prompt}" if prompt else name
