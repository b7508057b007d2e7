"""How the model browser paints one search result: its cover, name, run count and description."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QImage, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from .card import format_runs, rounded_cover

SUMMARY_ROLE = Qt.ItemDataRole.UserRole + 1
COVER_ROLE = Qt.ItemDataRole.UserRole + 2
ROW_COVER = 44
_Index = QModelIndex | QPersistentModelIndex


class ResultDelegate(QStyledItemDelegate):
    """Paints a result: the cover, ``owner/name`` in bold with the run count, the description elided below."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget)
        summary = index.data(SUMMARY_ROLE)
        if summary is None:
            return
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        palette = opt.palette
        text_colour = palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        muted = text_colour if selected else palette.color(QPalette.ColorRole.PlaceholderText)
        rect = opt.rect.adjusted(8, 6, -10, -6)
        cover = index.data(COVER_ROLE)
        ratio = widget.devicePixelRatioF() if widget is not None else 1.0
        pixmap = rounded_cover(cover if isinstance(cover, QImage) else None, ROW_COVER, summary.name, palette, ratio)
        top = rect.top() + (rect.height() - ROW_COVER) // 2
        painter.save()
        painter.drawPixmap(rect.left(), top, pixmap)
        text_rect = QRect(rect.left() + ROW_COVER + 10, rect.top(), rect.width() - ROW_COVER - 10, rect.height())
        small = QFont(opt.font)
        small.setPointSizeF(max(6.0, opt.font.pointSizeF() * 0.9))
        runs = format_runs(summary.run_count)
        runs_width = QFontMetrics(small).horizontalAdvance(runs)
        bold = QFont(opt.font)
        bold.setBold(True)
        line = QFontMetrics(bold).height()
        first = QRect(text_rect.left(), text_rect.top() + 2, text_rect.width() - runs_width - 12, line)
        painter.setFont(bold)
        painter.setPen(text_colour)
        name = QFontMetrics(bold).elidedText(summary.full_name, Qt.TextElideMode.ElideMiddle, first.width())
        painter.drawText(first, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
        painter.setFont(small)
        painter.setPen(muted)
        painter.drawText(QRect(text_rect.right() - runs_width, first.top(), runs_width, line),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, runs)
        painter.setFont(opt.font)
        metrics = QFontMetrics(opt.font)
        second = QRect(text_rect.left(), first.bottom() + 3, text_rect.width(), metrics.height())
        description = metrics.elidedText(" ".join(summary.description.split()), Qt.TextElideMode.ElideRight,
                                         second.width())
        painter.drawText(second, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, description)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        metrics = QFontMetrics(option.font)
        return QSize(240, max(ROW_COVER + 12, metrics.height() * 2 + 20))
