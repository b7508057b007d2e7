"""One model's details before adding it: description, links, latest version, run count, pin-or-follow choice."""

from __future__ import annotations

import html
import time
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPalette, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:  # the core's catalogue module pulls in aiohttp; widgets only need the types
    from ...replicate import ModelCard, ModelSummary

COVER_EDGE = 88
_STALE_AFTER = 3600.0  # a cached card older than this says how old it is


def format_runs(count: int) -> str:
    """``1.2M runs``, ``12.3K runs``, ``950 runs``, ``1 run``."""
    for size, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K")):
        if count >= size:
            number = f"{count / size:.1f}".removesuffix(".0")
            return QCoreApplication.translate("ModelCardView", "%1 runs").replace("%1", number + suffix)
    if count == 1:
        return QCoreApplication.translate("ModelCardView", "1 run")
    return QCoreApplication.translate("ModelCardView", "%1 runs").replace("%1", str(count))


def rounded_cover(image: QImage | None, edge: int, text: str, palette: QPalette, ratio: float = 1.0) -> QPixmap:
    """A square cover with rounded corners: the image cropped to fill it, else a tinted initial of ``text``."""
    pixmap = QPixmap(QSize(round(edge * ratio), round(edge * ratio)))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    path = QPainterPath()
    path.addRoundedRect(0, 0, edge, edge, edge * 0.14, edge * 0.14)
    painter.setClipPath(path)
    if image is not None and not image.isNull():
        scaled = image.scaled(QSize(round(edge * ratio), round(edge * ratio)),
                              Qt.AspectRatioMode.KeepAspectRatioByExpanding, Qt.TransformationMode.SmoothTransformation)
        scaled.setDevicePixelRatio(ratio)
        x = (scaled.width() / ratio - edge) / 2
        y = (scaled.height() / ratio - edge) / 2
        painter.drawImage(round(-x), round(-y), scaled)
    else:
        hue = sum(text.encode()) * 37 % 360
        dark = palette.color(QPalette.ColorRole.Window).lightness() < 128
        painter.fillRect(0, 0, edge, edge, QColor.fromHsl(hue, 90, 70 if dark else 200))
        font = QFont(painter.font())
        font.setBold(True)
        font.setPixelSize(max(10, edge * 4 // 9))
        painter.setFont(font)
        painter.setPen(QColor.fromHsl(hue, 120, 215 if dark else 70))
        painter.drawText(0, 0, edge, edge, Qt.AlignmentFlag.AlignCenter, (text[:1] or "?").upper())
    painter.end()
    return pixmap


class ModelCardView(QWidget):
    """Shows one model (a summary at once, the full card when it arrives) and offers to add it.

    Signals:
        model_chosen(str ref): "Add to my models" — ``owner/name``, or ``owner/name:version`` when pinned.
    """

    model_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._summary: ModelSummary | None = None
        self._card: ModelCard | None = None
        self._cover: QImage | None = None
        self._setup_ui()
        self.clear()

    # ------------------------------------------------------------------ public API

    def summary(self) -> ModelSummary | None:
        return self._summary

    def current_ref(self) -> str | None:
        """What "Add to my models" would choose now."""
        if self._summary is None:
            return None
        version = self._version_id()
        if self._pin.isChecked() and version:
            return f"{self._summary.full_name}:{version}"
        return self._summary.full_name

    def clear(self) -> None:
        self._summary = None
        self._card = None
        self._cover = None
        self._content.hide()
        self._placeholder.show()

    def show_summary(self, summary: ModelSummary) -> None:
        """Shows what a result row knows while the full card loads."""
        same = self._summary is not None and self._summary.full_name == summary.full_name
        self._summary = summary
        if not same:
            self._card = None
            self._cover = None
            self._pin.setChecked(False)
        self._refresh()
        if not same or self._card is None:
            self._set_status(self.tr("Loading details…"))

    def show_card(self, card: ModelCard) -> None:
        """Shows the full card (links, version date, inputs); a cached copy says how old it is."""
        if self._summary is None or self._summary.full_name != card.full_name:
            self._pin.setChecked(False)
            self._cover = None
        self._summary = card.summary
        self._card = card
        self._refresh()
        age = time.time() - card.fetched_at if card.fetched_at is not None else 0.0
        if age > _STALE_AFTER and card.fetched_at is not None:
            when = datetime.fromtimestamp(card.fetched_at).strftime("%Y-%m-%d %H:%M")
            self._set_status(self.tr("Saved details from %1").replace("%1", when))
        else:
            self._set_status("")

    def show_error(self, message: str) -> None:
        self._set_status(message, error=True)

    def set_cover(self, url: str, image: QImage) -> None:
        if self._summary is not None and self._summary.cover_image_url == url and not image.isNull():
            self._cover = image
            self._paint_cover()

    # ------------------------------------------------------------------ set-up

    def _setup_ui(self) -> None:
        self._placeholder = QLabel(self.tr("Choose a model to see its details."), self)
        self._placeholder.setObjectName("model_card_placeholder")
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._placeholder.setWordWrap(True)
        self._placeholder.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        self._content = QWidget(self)
        self._content.setObjectName("model_card_content")
        self._cover_label = QLabel(self._content)
        self._cover_label.setObjectName("model_card_cover")
        self._cover_label.setFixedSize(COVER_EDGE, COVER_EDGE)
        self._title = QLabel(self._content)
        self._title.setObjectName("model_card_title")
        self._title.setWordWrap(True)
        self._title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        title_font = QFont(self._title.font())
        title_font.setBold(True)
        title_font.setPointSizeF(title_font.pointSizeF() * 1.25)
        self._title.setFont(title_font)
        self._runs = QLabel(self._content)
        self._runs.setObjectName("model_card_runs")
        self._runs.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._links = QLabel(self._content)
        self._links.setObjectName("model_card_links")
        self._links.setOpenExternalLinks(True)
        self._links.setTextFormat(Qt.TextFormat.RichText)
        self._links.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        heading = QVBoxLayout()
        heading.setSpacing(2)
        heading.addWidget(self._title)
        heading.addWidget(self._runs)
        heading.addWidget(self._links)
        heading.addStretch(1)
        top = QHBoxLayout()
        top.setSpacing(12)
        top.addWidget(self._cover_label, 0, Qt.AlignmentFlag.AlignTop)
        top.addLayout(heading, 1)

        self._description = QLabel(self._content)
        self._description.setObjectName("model_card_description")
        self._description.setWordWrap(True)
        self._description.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._description.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self._version = QLabel(self._content)
        self._version.setObjectName("model_card_version")
        self._version.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._inputs = QLabel(self._content)
        self._inputs.setObjectName("model_card_inputs")
        self._inputs.setWordWrap(True)
        self._inputs.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._status = QLabel(self._content)
        self._status.setObjectName("model_card_status")
        self._status.setWordWrap(True)
        self._pin = QCheckBox(self.tr("Pin this version"), self._content)
        self._pin.setObjectName("model_card_pin")
        self._pin.setToolTip(self.tr("Use exactly this version, even after the owner publishes a newer one. "
                                     "Unchecked, the model follows its latest version."))
        self._add = QPushButton(self.tr("Add to my models"), self._content)
        self._add.setObjectName("model_card_add")
        self._add.setDefault(True)
        self._add.clicked.connect(self._on_add_clicked)
        actions = QHBoxLayout()
        actions.addWidget(self._pin)
        actions.addStretch(1)
        actions.addWidget(self._add)

        column = QVBoxLayout(self._content)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)
        column.addLayout(top)
        column.addWidget(self._description)
        column.addWidget(self._version)
        column.addWidget(self._inputs)
        column.addWidget(self._status)
        column.addLayout(actions)
        column.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addWidget(self._placeholder)
        layout.addWidget(self._content)

    # ------------------------------------------------------------------ slots

    def _on_add_clicked(self) -> None:
        ref = self.current_ref()
        if ref is not None:
            self.model_chosen.emit(ref)

    # ------------------------------------------------------------------ helpers

    def _refresh(self) -> None:
        summary = self._summary
        if summary is None:
            self.clear()
            return
        self._placeholder.hide()
        self._content.show()
        official = self.tr(" · official") if summary.is_official else ""
        self._title.setText(summary.full_name)
        self._runs.setText(format_runs(summary.run_count) + official)
        self._description.setText(summary.description or self.tr("No description."))
        self._links.setText(self._links_html())
        self._links.setVisible(bool(self._links.text()))
        version = self._version_id()
        if version:
            created = self._version_created()
            date = f" · {created}" if created else ""
            self._version.setText(self.tr("Latest version %1").replace("%1", version[:12]) + date)
            self._version.setToolTip(version)
        else:
            self._version.setText(self.tr("No published version"))
            self._version.setToolTip("")
        self._pin.setEnabled(bool(version))
        if not version:
            self._pin.setChecked(False)
        self._inputs.setText(self._inputs_text())
        self._inputs.setVisible(bool(self._inputs.text()))
        self._paint_cover()

    def _links_html(self) -> str:
        links = [(self.tr("Replicate page"), self._summary.url if self._summary else None)]
        if self._card is not None:
            links += [(self.tr("GitHub"), self._card.github_url), (self.tr("Paper"), self._card.paper_url),
                      (self.tr("License"), self._card.license_url)]
        shown = [f'<a href="{html.escape(url, quote=True)}">{html.escape(label)}</a>'
                 for label, url in links if url and url.startswith(("https://", "http://"))]
        return " · ".join(shown)

    def _inputs_text(self) -> str:
        if self._card is None:
            return ""
        names = [spec.name for spec in self._card.input_schema.fields]
        if not names:
            return ""
        shown = ", ".join(names[:8]) + (", …" if len(names) > 8 else "")
        return self.tr("Inputs: %1").replace("%1", shown)

    def _version_id(self) -> str | None:
        if self._card is not None and self._card.latest_version is not None and self._card.latest_version.id:
            return self._card.latest_version.id
        return self._summary.latest_version_id if self._summary is not None else None

    def _version_created(self) -> str:
        created = None
        if self._card is not None and self._card.latest_version is not None:
            created = self._card.latest_version.created_at
        created = created or (self._summary.latest_version_created_at if self._summary else None)
        if not created:
            return ""
        try:
            return datetime.fromisoformat(created.replace("Z", "+00:00")).date().isoformat()
        except ValueError:
            return created[:10]

    def _set_status(self, text: str, *, error: bool = False) -> None:
        dark = self.palette().color(QPalette.ColorRole.Window).lightness() < 128
        colour = ("#ff7b72" if dark else "#cf222e") if error else self.palette().color(
            QPalette.ColorRole.PlaceholderText).name()
        self._status.setStyleSheet(f"color: {colour};")
        self._status.setText(text)
        self._status.setVisible(bool(text))

    def _paint_cover(self) -> None:
        name = self._summary.name if self._summary is not None else "?"
        self._cover_label.setPixmap(rounded_cover(self._cover, COVER_EDGE, name, self.palette(),
                                                  self.devicePixelRatioF()))
