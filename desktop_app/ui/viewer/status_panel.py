"""The panel shown instead of an image: the empty state, download progress, or an error with Retry."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QLocale, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QSizePolicy, QVBoxLayout, QWidget

__all__ = ["ImageStatusPanel"]

_GLYPH_WIDTH = 72
_GLYPH_HEIGHT = 56
_PROGRESS_STEPS = 1000


class ImageStatusPanel(QWidget):
    """A centred column: a picture glyph, a title, a detail line, a progress bar and a Retry button.

    Signals:
        retry_requested(): the Retry button was clicked.
    """

    retry_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._glyph = QLabel(self)
        self._title = QLabel(self)
        self._detail = QLabel(self)
        self._progress = QProgressBar(self)
        self._retry = QPushButton(self)
        self._setup_ui()
        self.show_empty()

    def show_empty(self) -> None:
        """The friendly state before anything was generated."""
        self._show(
            self.tr("Generated images appear here"),
            self.tr("Run an image model and its outputs will show up in this space."),
            glyph=True,
        )

    def show_progress(self, title: str, detail: str, received: int, total: int | None) -> None:
        """A determinate bar (0–1000) when ``total`` is known, a busy bar otherwise; cheap to call often."""
        if self._progress.isHidden():
            self._show(title, detail, glyph=False)
            self._progress.show()
        else:
            self._title.setText(title)
            self._detail.setText(detail)
            self._detail.setVisible(bool(detail))
        if total and total > 0:
            if self._progress.maximum() != _PROGRESS_STEPS:
                self._progress.setRange(0, _PROGRESS_STEPS)
                self._progress.setValue(0)  # leaves the −1 "reset" state before counting (environment trap 7)
            self._progress.setValue(min(_PROGRESS_STEPS, int(received * _PROGRESS_STEPS / total)))
        elif self._progress.maximum() != 0:
            self._progress.setRange(0, 0)

    def show_download(self, index: int, count: int, received: int, total: int | None) -> None:
        """Download progress of image ``index`` (0-based) out of ``count``, with sizes like "1.2 MB of 3.4 MB"."""
        title = self.tr("Downloading image {0} of {1}…").format(index + 1, count) if count > 1 else (
            self.tr("Downloading image…"))
        locale = QLocale()
        size_format = QLocale.DataSizeFormat.DataSizeSIFormat
        detail = locale.formattedDataSize(received, 1, size_format)
        if total:
            detail = self.tr("{0} of {1}").format(detail, locale.formattedDataSize(total, 1, size_format))
        self.show_progress(title, detail, received, total)

    def show_preparing(self, index: int, count: int) -> None:
        """A busy bar while image ``index`` waits for its bytes or is being decoded."""
        title = self.tr("Preparing image {0} of {1}…").format(index + 1, count) if count > 1 else (
            self.tr("Preparing image…"))
        self.show_progress(title, "", 0, None)

    def show_message(self, title: str, detail: str, *, retry: bool) -> None:
        """An error or notice; ``retry`` adds the Retry button."""
        self._show(title, detail, glyph=False)
        self._retry.setVisible(retry)

    def title(self) -> str:
        """The headline currently shown."""
        return self._title.text()

    def detail(self) -> str:
        """The detail line currently shown."""
        return self._detail.text()

    def changeEvent(self, event: QEvent) -> None:
        """Redraws the glyph in the new palette (light ↔ dark)."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._draw_glyph()

    def _setup_ui(self) -> None:
        self.setObjectName("imageStatusPanel")
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.Window)
        self._glyph.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._title.setObjectName("imageStatusTitle")
        self._title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._title.setWordWrap(True)
        font = self._title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self._title.setFont(font)
        self._detail.setObjectName("imageStatusDetail")
        self._detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._detail.setWordWrap(True)
        self._detail.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._progress.setObjectName("imageDownloadProgress")
        self._progress.setTextVisible(False)
        self._progress.setFixedWidth(280)
        self._retry.setObjectName("imageRetryButton")
        self._retry.setText(self.tr("Retry"))
        self._retry.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._retry.clicked.connect(self._on_retry_clicked)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.setSpacing(10)
        layout.addStretch(1)
        layout.addWidget(self._glyph)
        layout.addWidget(self._title)
        layout.addWidget(self._detail)
        layout.addWidget(self._progress, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self._retry, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)

    def _show(self, title: str, detail: str, *, glyph: bool) -> None:
        self._title.setText(title)
        self._detail.setText(detail)
        self._detail.setVisible(bool(detail))
        self._glyph.setVisible(glyph)
        self._draw_glyph()
        self._progress.hide()
        self._retry.hide()

    def _draw_glyph(self) -> None:
        if not self._glyph.isHidden():
            color = self.palette().color(QPalette.ColorRole.PlaceholderText)
            self._glyph.setPixmap(_picture_glyph(color, self.devicePixelRatioF()))

    def _on_retry_clicked(self) -> None:
        self.retry_requested.emit()


def _picture_glyph(color: QColor, ratio: float) -> QPixmap:
    """A line drawing of a framed landscape (sun and hills) in ``color``."""
    pixmap = QPixmap(int(_GLYPH_WIDTH * ratio), int(_GLYPH_HEIGHT * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(color, 3)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    frame = QRectF(2, 2, _GLYPH_WIDTH - 4, _GLYPH_HEIGHT - 4)
    painter.drawRoundedRect(frame, 8, 8)
    painter.drawEllipse(QPointF(frame.left() + 20, frame.top() + 17), 6, 6)
    hills = QPainterPath(QPointF(frame.left() + 6, frame.bottom() - 8))
    hills.lineTo(frame.left() + 26, frame.bottom() - 28)
    hills.lineTo(frame.left() + 40, frame.bottom() - 16)
    hills.lineTo(frame.left() + 50, frame.bottom() - 24)
    hills.lineTo(frame.right() - 6, frame.bottom() - 8)
    painter.drawPath(hills)
    painter.end()
    return pixmap
