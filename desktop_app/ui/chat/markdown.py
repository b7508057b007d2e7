"""Markdown in the transcript: GitHub's dialect without raw HTML, code blocks styled as such."""

from __future__ import annotations

from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QTextBlock,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextDocumentFragment,
    QTextFormat,
    QTextFrameFormat,
)

_Feature = QTextDocument.MarkdownFeature
#: GitHub's dialect (tables, task lists, strikethrough, autolinks) without raw HTML: a reply that
#: contains ``<img src=…>`` shows as text instead of reaching into the document.
MARKDOWN_FEATURES = _Feature.MarkdownDialectGitHub | _Feature.MarkdownNoHTML

#: Set on every code-block line this module styles, so callers and tests can find code blocks.
CODE_BLOCK_PROPERTY = QTextFormat.Property.UserProperty + 1
PARAGRAPH_SPACING = 6


def code_font() -> QFont:
    """The platform's fixed-pitch font, for code blocks and inline code."""
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


def insert_markdown(cursor: QTextCursor, text: str, *, code_background: QColor) -> None:
    """Inserts ``text`` rendered as markdown at ``cursor``, with code blocks styled.

    The text is rendered in a scratch document first, so the work is proportional to ``text``
    and not to the document it lands in.
    """
    scratch = QTextDocument()
    scratch.setMarkdown(text, MARKDOWN_FEATURES)
    _style_code(scratch, code_background)
    first_block_format = scratch.begin().blockFormat()
    start = cursor.position()
    cursor.insertFragment(QTextDocumentFragment(scratch))
    # Inserting a fragment merges its first block into the block at the cursor and drops that
    # block's format (a reply starting with a code fence would lose its styling): restore it.
    restore = QTextCursor(cursor.document())
    restore.setPosition(start)
    restore.setBlockFormat(first_block_format)


def is_code_block(block_format: QTextBlockFormat) -> bool:
    """Whether a block belongs to a code block styled by :func:`insert_markdown`."""
    return bool(block_format.boolProperty(CODE_BLOCK_PROPERTY))


def _style_code(document: QTextDocument, background: QColor) -> None:
    families = [code_font().family(), "monospace"]
    runs: list[list[int]] = []  # [start, end] of each run of consecutive code lines
    block = document.begin()
    while block.isValid():
        block_format = block.blockFormat()
        if block_format.hasProperty(QTextFormat.Property.BlockCodeFence) or block_format.nonBreakableLines():
            block_format.setProperty(CODE_BLOCK_PROPERTY, True)
            # Wrap long lines instead of widening the whole conversation.
            block_format.setNonBreakableLines(False)
            block_format.setTopMargin(0)
            block_format.setBottomMargin(0)
            QTextCursor(block).setBlockFormat(block_format)
            _restyle_fragments(block, families, None, code_only=False)
            end = block.position() + block.length() - 1
            if runs and runs[-1][1] == block.position() - 1:
                runs[-1][1] = end
            else:
                runs.append([block.position(), end])
        else:
            if block.textList() is None and block_format.bottomMargin() == 0:
                block_format.setBottomMargin(PARAGRAPH_SPACING)
                QTextCursor(block).setBlockFormat(block_format)
            _restyle_fragments(block, families, background, code_only=True)
        block = block.next()
    frame_format = QTextFrameFormat()
    frame_format.setBackground(background)
    frame_format.setPadding(6)
    frame_format.setTopMargin(2)
    frame_format.setBottomMargin(PARAGRAPH_SPACING)
    for start, end in reversed(runs):  # from the end, so earlier positions stay valid
        _wrap_in_frame(document, start, end, frame_format)


def _wrap_in_frame(document: QTextDocument, start: int, end: int, frame_format: QTextFrameFormat) -> None:
    """Moves the code lines between ``start`` and ``end`` into a padded, tinted frame."""
    code_format = document.findBlock(start).blockFormat()
    cursor = QTextCursor(document)
    cursor.setPosition(start)
    cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    frame = cursor.insertFrame(frame_format)
    # The frame takes the lines but leaves their format on an empty block before it; give the
    # format back to the lines and flatten the empty blocks Qt keeps around every frame.
    block = document.findBlock(frame.firstPosition())
    while block.isValid() and block.position() <= frame.lastPosition():
        QTextCursor(block).setBlockFormat(code_format)
        block = block.next()
    for position in (frame.firstPosition() - 1, frame.lastPosition() + 1):
        neighbour = document.findBlock(position)
        if neighbour.isValid() and neighbour.length() == 1 and neighbour.textList() is None:
            set_gap(QTextCursor(neighbour), 0)


def _restyle_fragments(
    block: QTextBlock, families: list[str], background: QColor | None, *, code_only: bool
) -> None:
    """Gives code the fixed font at the body's size (the importer pins a smaller point size)."""
    spans: list[tuple[int, int, QTextCharFormat]] = []
    iterator = block.begin()
    while not iterator.atEnd():
        fragment = iterator.fragment()
        char_format = fragment.charFormat()
        if fragment.isValid() and (char_format.fontFixedPitch() or not code_only):
            char_format.clearProperty(QTextFormat.Property.FontPointSize)
            char_format.setFontFamilies(families)
            char_format.setFontFixedPitch(True)
            if background is not None:
                char_format.setBackground(background)
            spans.append((fragment.position(), fragment.position() + fragment.length(), char_format))
        iterator += 1
    cursor = QTextCursor(block.document())
    for start, end, char_format in spans:
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        cursor.setCharFormat(char_format)


def set_gap(cursor: QTextCursor, pixels: int) -> None:
    """Turns the (empty) block at ``cursor`` into a fixed vertical gap."""
    gap = QTextBlockFormat()
    gap.setLineHeight(pixels, QTextBlockFormat.LineHeightTypes.FixedHeight.value)
    cursor.setBlockFormat(gap)
