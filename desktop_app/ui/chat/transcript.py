"""The chat transcript as rich text: a frame per turn, markdown replies with styled code, links, thumbnails."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from PySide6.QtCore import QLocale, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QImage,
    QPalette,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
    QTextFrame,
    QTextFrameFormat,
    QTextImageFormat,
    QTextOption,
)
from PySide6.QtWidgets import QTextBrowser, QWidget

from .markdown import insert_markdown, is_code_block, set_gap

__all__ = ["ACTION_SCHEME", "STREAM_BLOCK_LIMIT", "ChatTurn", "TranscriptView", "TurnRecord", "is_code_block"]

Role = Literal["user", "assistant", "system-note"]
TurnState = Literal["streaming", "done", "stopped", "failed"]

ACTION_SCHEME = "action"
STREAM_BLOCK_LIMIT = 2000  # characters of a streaming paragraph before it continues in a new block


@dataclass(frozen=True)
class ChatTurn:
    """One turn of the conversation as plain data."""

    turn_id: int
    role: Role
    text: str
    model: str
    state: TurnState
    error: str | None = None
    predict_time: float | None = None
    image_count: int = 0


@dataclass(eq=False)
class TurnRecord:
    """A turn as the chat pane keeps it: its text (flushed ``parts`` and buffered ``pending``)
    and the frames that hold it in the transcript."""

    turn_id: int
    role: Role
    model: str
    state: TurnState
    parts: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    error: str | None = None
    auth: bool = False
    predict_time: float | None = None
    cost: str | None = None  # what the run cost, as the window words it (an estimate says so)
    images: dict[int, QImage] = field(default_factory=dict)
    frame: QTextFrame | None = None
    body: QTextFrame | None = None
    placeholder: bool = False

    @property
    def text(self) -> str:
        return "".join(self.parts) + "".join(self.pending)

    def snapshot(self) -> ChatTurn:
        return ChatTurn(
            self.turn_id, self.role, self.text, self.model, self.state,
            self.error, self.predict_time, len(self.images),
        )


class TranscriptView(QTextBrowser):
    """A read-only transcript: one frame per turn (header, body frame, footer block).

    It never loads files or URLs on its own (only the thumbnails registered with it) and never
    follows links: its owner reacts to ``anchorClicked``. Links it writes use ``action:`` URLs.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image_generation = 0
        self._setup_ui()

    def loadResource(self, type: int, name: QUrl | str) -> Any:
        return None

    def apply_palette(self) -> None:
        """Derives the transcript's colours from the palette (light and dark alike)."""
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.Text)
        accent = palette.color(QPalette.ColorRole.Highlight)
        dark = palette.color(QPalette.ColorRole.Base).lightness() < 128
        self._accent = accent.lighter(140) if dark else accent.darker(110)
        self._muted = palette.color(QPalette.ColorRole.PlaceholderText)
        self._link = palette.color(QPalette.ColorRole.Link)
        self.error_color = QColor("#ff7b72") if dark else QColor("#c62828")
        self._user_background = QColor(accent.red(), accent.green(), accent.blue(), 40)
        self._assistant_background = QColor(text.red(), text.green(), text.blue(), 12)
        self._code_background = QColor(text.red(), text.green(), text.blue(), 24)

    def clear_transcript(self) -> None:
        self._image_generation += 1
        self.document().clear()

    def insert_turn(self, turn: TurnRecord, *, regenerate: bool = False) -> None:
        """Appends a turn's frames at the end of the document and renders it."""
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        set_gap(cursor, 8)  # the root-level block between two turns is the gap between them
        frame_format = QTextFrameFormat()
        frame_format.setPadding(0 if turn.role == "system-note" else 10)
        if turn.role == "user":
            frame_format.setBackground(self._user_background)
            frame_format.setLeftMargin(48)
        elif turn.role == "assistant":
            frame_format.setBackground(self._assistant_background)
            frame_format.setRightMargin(24)
        turn.frame = cursor.insertFrame(frame_format)
        if turn.role == "system-note":
            self._write_note(cursor, turn)
            return
        label = char_format(self._accent, bold=True)
        cursor.insertText(self.tr("You") if turn.role == "user" else self.tr("Assistant"), label)
        if turn.role == "assistant" and turn.model:
            cursor.insertText(f"  ·  {turn.model}", char_format(self._muted))
        turn.body = cursor.insertFrame(QTextFrameFormat())
        self.render_body(turn)
        self.render_footer(turn, regenerate=regenerate)

    def remove_turn(self, turn: TurnRecord) -> None:
        if turn.frame is not None:
            cursor = select_range(self.document(), turn.frame.firstPosition() - 1, turn.frame.lastPosition() + 1)
            cursor.removeSelectedText()
            turn.frame = turn.body = None

    def append_to_body(self, turn: TurnRecord, text: str) -> None:
        """One insertion at the end of a streaming turn's body: O(len(text)), whatever came before."""
        if turn.body is None:
            return
        if turn.placeholder or turn.images:
            self.render_body(turn)
            return
        cursor = QTextCursor(self.document())
        cursor.setPosition(turn.body.lastPosition())
        # Qt lays a paragraph out again whole on every insertion, so one endless paragraph makes
        # streaming quadratic (trap 4). Past a few thousand characters the stream goes on in a new
        # block, at a space; the markdown render at the end restores the real paragraphs.
        room = STREAM_BLOCK_LIMIT - cursor.block().length()
        split = text.find(" ", max(0, room)) if len(text) > room else -1
        if split >= 0:
            cursor.insertText(text[: split + 1], QTextCharFormat())
            cursor.insertBlock()
            text = text[split + 1 :]
        cursor.insertText(text, QTextCharFormat())

    def render_body(self, turn: TurnRecord) -> None:
        """Re-renders only this turn's body: plain text while streaming, markdown once it ended."""
        if turn.body is None:
            return
        cursor = select_range(self.document(), turn.body.firstPosition(), turn.body.lastPosition())
        # One edit block: the document is laid out once for the whole re-render instead of after each of its
        # edits (a long reply's markdown render otherwise lays the reply out 3-4 times in one go).
        cursor.beginEditBlock()
        try:
            self._write_body(cursor, turn)
        finally:
            cursor.endEditBlock()

    def _write_body(self, cursor: QTextCursor, turn: TurnRecord) -> None:
        assert turn.body is not None
        cursor.removeSelectedText()
        cursor.setBlockFormat(QTextBlockFormat())
        text = turn.text
        turn.placeholder = turn.state == "streaming" and not text and not turn.images
        if turn.placeholder:
            cursor.insertText("…", char_format(self._muted))
        elif text and turn.state == "streaming":
            insert_streaming_text(cursor, text)
        elif text and turn.role == "user":
            cursor.insertText(text, QTextCharFormat())
        elif text:
            insert_markdown(cursor, text, code_background=self._code_background)
        if turn.images:
            if text:
                cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
            self._write_images(cursor, turn)
        if cursor.position() == turn.body.firstPosition():
            set_gap(cursor, 0)

    def render_footer(self, turn: TurnRecord, *, regenerate: bool) -> None:
        """The line under a reply: its end state, error and links (Copy, Regenerate, Retry …)."""
        if turn.frame is None or turn.role == "system-note":
            return
        end = turn.frame.lastPosition()
        block = self.document().findBlock(end)
        cursor = select_range(self.document(), block.position(), end)
        cursor.removeSelectedText()
        links: list[tuple[str, str]] = []
        if turn.role == "assistant" and turn.state != "streaming":
            if turn.state == "stopped":
                cursor.insertText(self.tr("Stopped"), char_format(self._muted, italic=True))
            elif turn.state == "failed":
                cursor.insertText(turn.error or self.tr("The request failed."), char_format(self.error_color))
                links += self._error_links(turn)
            if turn.text:
                links.append((self.tr("Copy"), f"copy/{turn.turn_id}"))
            if regenerate and turn.state != "failed":
                links.append((self.tr("Regenerate"), f"regenerate/{turn.turn_id}"))
            self._write_links(cursor, links)
            if turn.predict_time is not None:
                seconds = self.tr("%1 s").replace("%1", QLocale().toString(turn.predict_time, "f", 1))
                spacer = "   " if cursor.positionInBlock() else ""
                cost = f" · {turn.cost}" if turn.cost else ""
                cursor.insertText(spacer + seconds + cost, char_format(self._muted, small=True))
        if cursor.position() == block.position():
            set_gap(cursor, 0)
        else:
            footer_format = QTextBlockFormat()
            footer_format.setTopMargin(6)
            cursor.setBlockFormat(footer_format)

    def _setup_ui(self) -> None:
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.document().setDocumentMargin(12)
        self.apply_palette()

    def _write_note(self, cursor: QTextCursor, turn: TurnRecord) -> None:
        block_format = QTextBlockFormat()
        block_format.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        cursor.setBlockFormat(block_format)
        if turn.error is None:
            cursor.insertText(turn.text, char_format(self._muted, italic=True))
        else:
            cursor.insertText(turn.error, char_format(self.error_color))
            self._write_links(cursor, self._error_links(turn))

    def _write_images(self, cursor: QTextCursor, turn: TurnRecord) -> None:
        for index in sorted(turn.images):
            picture = turn.images[index]
            name = f"chat-image://{self._image_generation}/{turn.turn_id}/{index}"
            self.document().addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), picture)
            image_format = QTextImageFormat()
            image_format.setName(name)
            image_format.setWidth(picture.width() / picture.devicePixelRatio())
            image_format.setHeight(picture.height() / picture.devicePixelRatio())
            image_format.setAnchor(True)
            image_format.setAnchorHref(f"{ACTION_SCHEME}:image/{turn.turn_id}/{index}")
            image_format.setToolTip(self.tr("Image %1").replace("%1", str(index + 1)))
            cursor.insertImage(image_format)
            cursor.insertText(" ", QTextCharFormat())

    def _error_links(self, turn: TurnRecord) -> list[tuple[str, str]]:
        links = [(self.tr("Retry"), f"retry/{turn.turn_id}")]
        if turn.auth:
            links.append((self.tr("Open settings"), f"settings/{turn.turn_id}"))
        return links

    def _write_links(self, cursor: QTextCursor, links: list[tuple[str, str]]) -> None:
        for text, target in links:
            cursor.insertText("   " if cursor.positionInBlock() else "", QTextCharFormat())
            link = char_format(self._link, small=True)
            link.setAnchor(True)
            link.setAnchorHref(f"{ACTION_SCHEME}:{target}")
            link.setFontUnderline(True)
            cursor.insertText(text, link)


def char_format(color: QColor, *, bold: bool = False, italic: bool = False, small: bool = False) -> QTextCharFormat:
    result = QTextCharFormat()
    result.setForeground(color)
    result.setFontItalic(italic)
    if bold:
        result.setFontWeight(700)
    if small:
        result.setProperty(QTextFormat.Property.FontSizeAdjustment, -1)
    return result


def select_range(document: QTextDocument, start: int, end: int) -> QTextCursor:
    cursor = QTextCursor(document)
    cursor.setPosition(start)
    cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    return cursor


def insert_streaming_text(cursor: QTextCursor, text: str) -> None:
    """Inserts a streaming reply's text, continuing any paragraph longer than ``STREAM_BLOCK_LIMIT`` in a new
    block at a space (as :meth:`TranscriptView.append_to_body` does), so later appends stay cheap."""
    start = 0
    while len(text) - start > STREAM_BLOCK_LIMIT:
        newline = text.rfind("\n", start, start + STREAM_BLOCK_LIMIT + 1)
        split = newline if newline >= 0 else text.find(" ", start + STREAM_BLOCK_LIMIT)
        if split < 0:
            break
        cursor.insertText(text[start : split + 1], QTextCharFormat())
        if newline < 0:
            cursor.insertBlock()
        start = split + 1
    cursor.insertText(text[start:], QTextCharFormat())
