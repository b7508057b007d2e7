"""The conversation: user and assistant turns in one scrolling transcript, and the composer below it."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QEvent, QPoint, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QGuiApplication, QImage, QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QMenu,
    QVBoxLayout,
    QWidget,
)

from .composer import Composer
from .transcript import ACTION_SCHEME, ChatTurn, Role, TranscriptView, TurnRecord, TurnState

__all__ = ["ChatPane", "ChatTurn", "Role", "TurnState"]

_log = logging.getLogger(__name__)

FLUSH_INTERVAL_MS = 33
THUMBNAIL_SIZE = 256


class ChatPane(QWidget):
    """The chat transcript and the prompt box.

    The pane never talks to the network: the window feeds it with ``add_user_turn``,
    ``begin_assistant_turn``, ``append_text``, ``finish_turn`` … and listens to its signals.
    Streamed text is buffered and written once per timer tick, at the end of its turn.

    Signals:
        prompt_submitted(str): the user sent a non-empty prompt (the box is already cleared).
        stop_requested(): Stop was clicked, or Esc pressed, while busy.
        retry_requested(): the "Retry" link of a failed turn was clicked.
        regenerate_requested(): "Regenerate" was chosen for the last reply.
        settings_requested(): "Open settings" was clicked under an authentication error.
        link_clicked(str): a link inside a reply was clicked (the pane never opens it itself).
        image_clicked(int, int): a thumbnail was clicked (turn id, image index).
        attach_requested(): "Attach image…" was clicked (for models that take an image input).
    """

    prompt_submitted = Signal(str)
    stop_requested = Signal()
    retry_requested = Signal()
    regenerate_requested = Signal()
    settings_requested = Signal()
    link_clicked = Signal(str)
    image_clicked = Signal(int, int)
    attach_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._turns: dict[int, TurnRecord] = {}
        self._next_id = 1
        self._busy = False
        self._stick_to_bottom = True
        self._menu: QMenu | None = None
        self._setup_ui()

    # ----------------------------------------------------------------- public API

    def turns(self) -> list[ChatTurn]:
        """Every turn in order, as plain data (the text includes what is still buffered)."""
        return [turn.snapshot() for turn in self._turns.values()]

    def add_user_turn(self, text: str, model: str) -> int:
        """Shows what the user sent; returns the new turn's id."""
        return self._add_turn(TurnRecord(self._take_id(), "user", model, "done", parts=[text]))

    def begin_assistant_turn(self, model: str) -> int:
        """Opens an empty reply that ``append_text`` streams into; returns its id."""
        previous = self._last_assistant()
        turn_id = self._add_turn(TurnRecord(self._take_id(), "assistant", model, "streaming"))
        if previous is not None:
            self._render_footer(previous)  # "Regenerate" belongs to the newest reply only
        return turn_id

    def append_text(self, turn_id: int, text: str) -> None:
        """Buffers a piece of a streaming reply; a timer writes the buffer out once per tick."""
        turn = self._turns.get(turn_id)
        if turn is None or turn.state != "streaming":
            _log.debug("text for turn %s ignored: not streaming", turn_id)
            return
        if text:
            turn.pending.append(text)
            if not self._flush_timer.isActive():
                self._flush_timer.start()

    def replace_text(self, turn_id: int, text: str) -> None:
        """Replaces the whole text of a reply (what streamed in turned out to differ from the model's output).

        One re-render of that reply only, buffered text included; a streaming reply goes on streaming."""
        turn = self._turns.get(turn_id)
        if turn is None or turn.role != "assistant":
            _log.debug("replacement for unknown turn %s ignored", turn_id)
            return
        turn.pending.clear()
        turn.parts = [text] if text else []
        self._view.render_body(turn)
        if turn.state != "streaming":
            self._render_footer(turn)  # "Copy" depends on there being text

    def finish_turn(self, turn_id: int, *, predict_time: float | None = None, cost: str | None = None) -> None:
        """Ends a reply: renders its markdown once, in its own region of the document; its compute time (and
        ``cost``, worded by the caller) under it."""
        self._end_turn(turn_id, "done", predict_time=predict_time, cost=cost)

    def mark_stopped(self, turn_id: int) -> None:
        """Ends a reply the user stopped: keeps the partial text and marks it "Stopped"."""
        self._end_turn(turn_id, "stopped")

    def show_error(self, turn_id: int | None, message: str, *, auth: bool = False) -> int:
        """Shows ``message`` with a Retry link in the reply (or in a note when there is none).

        With ``auth`` an "Open settings" link is added. Returns the id of the turn showing it.
        """
        turn = self._turns.get(turn_id) if turn_id is not None else None
        if turn is not None and turn.role == "assistant":
            self._end_turn(turn.turn_id, "failed", error=message, auth=auth)
            return turn.turn_id
        note = TurnRecord(self._take_id(), "system-note", "", "failed", error=message, auth=auth)
        return self._add_turn(note)

    def add_image_turn(self, turn_id: int, image: QImage | QPixmap, index: int) -> None:
        """Shows output image ``index`` as a thumbnail (at most 256 px) inside reply ``turn_id``."""
        turn = self._turns.get(turn_id)
        if turn is None or turn.role != "assistant":
            _log.debug("image for unknown turn %s ignored", turn_id)
            return
        picture = image.toImage() if isinstance(image, QPixmap) else image
        ratio = self.devicePixelRatioF()
        limit = round(THUMBNAIL_SIZE * ratio)  # sharp on high-density screens too
        if picture.width() > limit or picture.height() > limit:
            picture = picture.scaled(
                limit, limit, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        picture.setDevicePixelRatio(ratio)
        turn.images[index] = picture
        _move_pending(turn)
        self._view.render_body(turn)

    def add_note(self, text: str) -> int:
        """Adds a small centred note such as "Model changed to sdxl"; returns its id."""
        return self._add_turn(TurnRecord(self._take_id(), "system-note", "", "done", parts=[text]))

    def remove_turn(self, turn_id: int) -> None:
        """Removes one turn from the view and from :meth:`turns` (e.g. a reply being regenerated)."""
        turn = self._turns.pop(turn_id, None)
        if turn is not None:
            self._view.remove_turn(turn)
            last = self._last_assistant()
            if last is not None:
                self._render_footer(last)

    def clear(self) -> None:
        """Empties the conversation for a new chat (turn ids keep counting up)."""
        self._turns.clear()
        self._flush_timer.stop()
        self._view.clear_transcript()
        self._stick_to_bottom = True

    def set_busy(self, busy: bool) -> None:
        """While busy the Send button becomes Stop, and Esc requests a stop."""
        self._busy = busy
        self._composer.set_busy(busy)
        last = self._last_assistant()
        if last is not None:
            self._render_footer(last)

    def is_busy(self) -> bool:
        return self._busy

    def copy_turn(self, turn_id: int) -> None:
        """Puts the plain text of a turn (its markdown source for replies) on the clipboard."""
        turn = self._turns.get(turn_id)
        if turn is not None:
            QGuiApplication.clipboard().setText(turn.text or turn.error or "")

    def set_prompt(self, text: str) -> None:
        """Puts ``text`` in the prompt box (e.g. to reuse a past prompt), cursor at the end."""
        self._composer.set_text(text)

    def focus_prompt(self) -> None:
        self._composer.focus()

    def sizeHint(self) -> QSize:
        return QSize(640, 520)

    # ------------------------------------------------------------------ set-up

    def _setup_ui(self) -> None:
        self._view = TranscriptView(self)
        self._view.setObjectName("chat_view")
        self._view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self._view.anchorClicked.connect(self._on_view_anchor_clicked)
        self._view.customContextMenuRequested.connect(self._on_view_custom_context_menu_requested)
        bar = self._view.verticalScrollBar()
        bar.rangeChanged.connect(self._on_scroll_bar_range_changed)
        bar.valueChanged.connect(self._on_scroll_bar_value_changed)

        self._composer = Composer(self)
        self._composer.submitted.connect(self.prompt_submitted)
        self._composer.stop_requested.connect(self.stop_requested)
        self._composer.attach_requested.connect(self.attach_requested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self._view, 1)
        layout.addWidget(self._composer)

        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(FLUSH_INTERVAL_MS)
        self._flush_timer.timeout.connect(self._on_flush_timer_timeout)
        self._composer.set_hint_color(self._view.error_color.name())

    # ------------------------------------------------------------------- events

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self._busy:
            self.stop_requested.emit()
            return
        super().keyPressEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "_view"):
            self._view.apply_palette()
            self._composer.set_hint_color(self._view.error_color.name())
            self._rebuild_transcript()

    # -------------------------------------------------------------------- slots

    def _on_flush_timer_timeout(self) -> None:
        for turn in self._turns.values():
            if turn.pending:
                chunk = "".join(turn.pending)
                _move_pending(turn)
                self._view.append_to_body(turn, chunk)

    def _on_scroll_bar_range_changed(self, _minimum: int, maximum: int) -> None:
        if self._stick_to_bottom:
            self._view.verticalScrollBar().setValue(maximum)

    def _on_scroll_bar_value_changed(self, value: int) -> None:
        self._stick_to_bottom = value >= self._view.verticalScrollBar().maximum() - 4

    def _on_view_anchor_clicked(self, url: QUrl) -> None:
        if url.scheme() != ACTION_SCHEME:
            self.link_clicked.emit(url.toString())
            return
        action, *arguments = url.path().split("/")
        numbers = [int(part) for part in arguments if part.isdigit()]
        if action == "copy" and numbers:
            self.copy_turn(numbers[0])
        elif action == "retry":
            self.retry_requested.emit()
        elif action == "settings":
            self.settings_requested.emit()
        elif action == "regenerate" and self._can_regenerate():
            self.regenerate_requested.emit()
        elif action == "image" and len(numbers) == 2:
            self.image_clicked.emit(numbers[0], numbers[1])

    def _on_view_custom_context_menu_requested(self, pos: QPoint) -> None:
        if self._menu is not None:
            self._menu.deleteLater()
        menu = self._menu = QMenu(self)
        menu.setObjectName("chat_context_menu")
        copy = menu.addAction(self.tr("Copy"), self._view.copy)
        copy.setEnabled(self._view.textCursor().hasSelection())
        turn = self._turn_at(self._view.cursorForPosition(pos).position())
        if turn is not None:
            turn_id = turn.turn_id
            menu.addAction(self.tr("Copy this message"), lambda: self.copy_turn(turn_id))
        regenerate = menu.addAction(self.tr("Regenerate last reply"), self.regenerate_requested.emit)
        regenerate.setEnabled(self._can_regenerate())
        menu.addSeparator()
        menu.addAction(self.tr("Select all"), self._view.selectAll)
        menu.popup(self._view.viewport().mapToGlobal(pos))  # popup, never exec: no nested loop

    # ------------------------------------------------------------------ helpers

    def _take_id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    def _last_assistant(self) -> TurnRecord | None:
        return next((t for t in reversed(self._turns.values()) if t.role == "assistant"), None)

    def _can_regenerate(self) -> bool:
        last = self._last_assistant()
        return not self._busy and last is not None and last.state != "streaming"

    def _turn_at(self, position: int) -> TurnRecord | None:
        for turn in self._turns.values():
            if turn.frame is not None and turn.frame.firstPosition() <= position <= turn.frame.lastPosition():
                return turn
        return None

    def _add_turn(self, turn: TurnRecord) -> int:
        self._turns[turn.turn_id] = turn
        self._view.insert_turn(turn, regenerate=self._regenerate_shown(turn))
        return turn.turn_id

    def _end_turn(self, turn_id: int, state: TurnState, **details: Any) -> None:
        turn = self._turns.get(turn_id)
        if turn is None or turn.role != "assistant":
            _log.debug("cannot end turn %s: unknown", turn_id)
            return
        _move_pending(turn)
        turn.state = state
        for name, value in details.items():
            setattr(turn, name, value)
        self._view.render_body(turn)
        self._render_footer(turn)

    def _render_footer(self, turn: TurnRecord) -> None:
        self._view.render_footer(turn, regenerate=self._regenerate_shown(turn))

    def _regenerate_shown(self, turn: TurnRecord) -> bool:
        return turn is self._last_assistant() and self._can_regenerate()

    def _rebuild_transcript(self) -> None:
        """Renders every turn again, e.g. in the colours of a new palette."""
        self._view.clear_transcript()
        for turn in self._turns.values():
            _move_pending(turn)
            self._view.insert_turn(turn, regenerate=self._regenerate_shown(turn))


def _move_pending(turn: TurnRecord) -> None:
    if turn.pending:
        turn.parts.append("".join(turn.pending))
        turn.pending.clear()
