"""The model dropdown's rows: group headers and models as items, and how they are painted (name, then description)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette, QStandardItem
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

MODEL_ROLE = Qt.ItemDataRole.UserRole
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
DESCRIPTION_ROLE = Qt.ItemDataRole.UserRole + 2
HEADER, BUILTIN, CUSTOM, ADD = "header", "builtin", "custom", "add"
_Index = QModelIndex | QPersistentModelIndex


def header_item(title: str) -> QStandardItem:
    item = QStandardItem(title)
    item.setData(HEADER, ENTRY_ROLE)
    item.setFlags(Qt.ItemFlag.NoItemFlags)  # neither selectable nor reachable with the keys
    return item


def model_item(label: str, model: str, entry: str, description: str, *, tooltip: str = "") -> QStandardItem:
    item = QStandardItem(label)
    item.setData(model, MODEL_ROLE)
    item.setData(entry, ENTRY_ROLE)
    item.setData(description, DESCRIPTION_ROLE)
    item.setToolTip(f"{tooltip}\n{description}" if tooltip else description)
    return item


class ModelDelegate(QStyledItemDelegate):
    """Paints group headers in bold and each model on two lines: its name, then its description."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        entry = index.data(ENTRY_ROLE)
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        selected = bool(opt.state & QStyle.StateFlag.State_Selected) and entry != HEADER
        if entry != HEADER:
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, opt.widget)
        palette = opt.palette
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        rect = opt.rect.adjusted(8 if entry == HEADER else 16, 3, -8, -3)
        painter.save()
        font = QFont(opt.font)
        font.setBold(entry == HEADER)
        font.setItalic(entry == ADD)
        painter.setFont(font)
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        painter.setPen(muted if entry == HEADER else palette.color(text_role))
        metrics = QFontMetrics(font)
        first = QFontMetrics(font).elidedText(opt.text, Qt.TextElideMode.ElideRight, rect.width())
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        description = index.data(DESCRIPTION_ROLE)
        if not description:
            align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(rect, align, first)
        if description:
            small = QFont(opt.font)
            small.setPointSizeF(max(6.0, opt.font.pointSizeF() * 0.88))
            painter.setFont(small)
            painter.setPen(palette.color(text_role) if selected else muted)
            second = QFontMetrics(small).elidedText(description, Qt.TextElideMode.ElideRight, rect.width())
            painter.drawText(rect.adjusted(0, metrics.height(), 0, 0), align, second)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        size = super().sizeHint(option, index)
        metrics = QFontMetrics(option.font)
        lines = 2 if index.data(DESCRIPTION_ROLE) else 1
        width = metrics.horizontalAdvance(str(index.data(Qt.ItemDataRole.DisplayRole) or "")) + 40
        return QSize(max(size.width(), width), lines * metrics.height() + (10 if lines == 2 else 8))
