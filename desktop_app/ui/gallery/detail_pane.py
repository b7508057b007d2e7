"""The gallery's detail pane: the chosen output large, its full parameters, and the ways back into work."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPaintEvent, QPalette, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...storage.gallery import GalleryDetail, GalleryItem
from ..common.widgets import named
from .delegate import kind_label
from .grid_model import format_when
from .grid_view import ItemMenu
from .media import inline_player

LARGE_EDGE = 1600  # the longest edge the pane decodes a picture at


class Picture(QWidget):
    """Paints a picture as large as fits, or a sentence in its place."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("galleryPicture")
        self.setMinimumSize(200, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._pixmap: QPixmap | None = None
        self._text = ""

    def set_image(self, image: QImage | None, text: str = "") -> None:
        self._pixmap = QPixmap.fromImage(image) if image is not None and not image.isNull() else None
        self._text = text
        self.update()

    def has_image(self) -> bool:
        return self._pixmap is not None

    def sizeHint(self) -> QSize:
        return QSize(420, 360)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        area = QRectF(self.rect()).adjusted(4, 4, -4, -4)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.palette().color(QPalette.ColorRole.AlternateBase))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.drawRoundedRect(area, 8, 8)
        if self._pixmap is not None:
            size = self._pixmap.size().toSizeF()
            size.scale(area.size().boundedTo(size), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRectF(area.center().x() - size.width() / 2, area.center().y() - size.height() / 2,
                            size.width(), size.height())
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawPixmap(target, self._pixmap, QRectF(self._pixmap.rect()))
        elif self._text:
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._text)
        painter.end()


class DetailPane(QWidget):
    """Shows one output: large (or played inline where the multimedia module is installed), with its prompt and
    every parameter of the run that made it.

    Signals:
        use_settings_requested(int output_id)
        open_conversation_requested(int output_id)
        open_externally_requested(int output_id) — the system's player or viewer
        close_requested()
    """

    use_settings_requested = Signal(int)
    open_conversation_requested = Signal(int)
    open_externally_requested = Signal(int)
    close_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("galleryDetail")
        self._item: GalleryItem | None = None
        self._player: QWidget | None = None
        self.item_menu: ItemMenu | None = None  # fills the "Use" button's menu: what the app offers for a picture
        self._setup_ui()

    def item(self) -> GalleryItem | None:
        return self._item

    def show_item(self, item: GalleryItem) -> None:
        """Shows what the grid already knows; the picture and the parameters follow."""
        self._item = item
        self.title.setText(item.model)
        self.when.setText(f"{format_when(item.created_at)} · {kind_label(item)} · {_size(item.size)}")
        self.prompt.setText(item.prompt or self.tr("(no prompt)"))
        self.parameters.clear()
        self._set_player(None)
        if item.kind == "image":
            self.picture.set_image(None, self.tr("Loading…"))
        else:
            player = inline_player(item.path, item.kind, self)
            self._set_player(player)
            self.picture.set_image(None, "" if player is not None else self.tr(
                "{0}\nPlays in your system's player.").format(kind_label(item)))
        self.open_button.setText(self.tr("Open with system player") if item.kind in ("video", "audio")
                                 else self.tr("Open with default app"))
        for button in (self.use_button, self.conversation_button, self.open_button):
            button.setEnabled(True)
        self.take_button.setVisible(self.item_menu is not None and item.kind == "image")

    def set_image(self, output_id: int, image: QImage | None, reason: str = "") -> None:
        """The decoded picture (or why there is none), if the pane still shows that output."""
        if self._item is not None and self._item.id == output_id:
            self.picture.set_image(image, reason)

    def set_detail(self, detail: GalleryDetail) -> None:
        """Lists the run's model, version and every input, if the pane still shows that output."""
        if self._item is None or self._item.id != detail.item.id:
            return
        generation = detail.generation
        self.parameters.clear()
        rows: list[tuple[str, Any]] = [(self.tr("Model"), generation.model)]
        if generation.version:
            rows.append((self.tr("Version"), generation.version))
        rows += [(name, value) for name, value in generation.input.items()]
        if generation.predict_time is not None:
            rows.append((self.tr("Run time"), self.tr("{0:.1f} s").format(generation.predict_time)))
        if generation.prediction_id:
            rows.append((self.tr("Prediction"), generation.prediction_id))
        for name, value in rows:
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            row = QTreeWidgetItem([str(name), text])
            row.setToolTip(1, text[:2000])
            self.parameters.addTopLevelItem(row)

    def clear(self) -> None:
        self._item = None
        self.take_button.hide()
        self._set_player(None)
        self.parameters.clear()
        self.picture.set_image(None)

    # --- building ---------------------------------------------------------------------------------------

    def _setup_ui(self) -> None:
        self.title = named(QLabel(), "galleryDetailTitle")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = named(QToolButton(), "galleryDetailClose")
        close.setText("✕")
        close.setToolTip(self.tr("Close the details"))
        close.setAccessibleName(self.tr("Close the details"))
        close.clicked.connect(self.close_requested)
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(close)
        self.when = named(QLabel(), "galleryDetailWhen")
        self.picture = Picture(self)
        self.prompt = named(QLabel(), "galleryDetailPrompt")
        self.prompt.setWordWrap(True)
        self.prompt.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.parameters = named(QTreeWidget(), "galleryParameters")
        self.parameters.setColumnCount(2)
        self.parameters.setHeaderLabels([self.tr("Parameter"), self.tr("Value")])
        self.parameters.setRootIsDecorated(False)
        self.parameters.setAlternatingRowColors(True)
        self.parameters.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.parameters.setMinimumHeight(120)
        self.use_button = named(QPushButton(self.tr("Use these settings again")), "galleryUseSettings")
        self.use_button.clicked.connect(lambda: self._emit(self.use_settings_requested))
        self.conversation_button = named(QPushButton(self.tr("Open conversation")), "galleryOpenConversation")
        self.conversation_button.clicked.connect(lambda: self._emit(self.open_conversation_requested))
        self.open_button = named(QPushButton(self.tr("Open with default app")), "galleryOpenExternally")
        self.open_button.clicked.connect(lambda: self._emit(self.open_externally_requested))
        self.take_button = named(QPushButton(self.tr("Use")), "galleryTakeFurther")
        self.take_button.setToolTip(self.tr("Use this picture as an input, paint a mask over it, or send it to "
                                            "another model"))
        self.take_menu = named(QMenu(self.take_button), "galleryTakeFurtherMenu")
        self.take_menu.aboutToShow.connect(self._fill_take_menu)
        self.take_button.setMenu(self.take_menu)
        self.take_button.hide()
        buttons = QHBoxLayout()
        for button in (self.take_button, self.use_button, self.conversation_button, self.open_button):
            button.setEnabled(False)
            buttons.addWidget(button)
        self.take_button.setEnabled(True)
        buttons.addStretch(1)
        self._layout = layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.addLayout(header)
        layout.addWidget(self.when)
        layout.addWidget(self.picture, 3)
        layout.addWidget(self.prompt)
        layout.addLayout(buttons)
        layout.addWidget(self.parameters, 2)

    def _fill_take_menu(self) -> None:
        self.take_menu.clear()
        for submenu in self.take_menu.findChildren(QMenu):
            submenu.deleteLater()
        if self.item_menu is not None and self._item is not None:
            self.item_menu(self.take_menu, self._item)

    def _set_player(self, player: QWidget | None) -> None:
        if self._player is not None:
            self._layout.removeWidget(self._player)
            release = getattr(self._player, "release", None)
            if release is not None:
                release()
            self._player.deleteLater()
        self._player = player
        if player is not None:
            self._layout.insertWidget(3, player, 3)
        self.picture.setVisible(player is None)

    def _emit(self, signal: Any) -> None:
        if self._item is not None:
            signal.emit(self._item.id)


def _size(count: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024  # type: ignore[assignment]
    return str(count)
