"""Light and dark palettes on the Fusion style, or the system's own scheme."""

from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("system", "light", "dark")


def system_prefers_dark() -> bool:
    """Whether the platform's own palette is dark. (Asking ``styleHints().colorScheme()`` instead would
    build every enum of Qt's namespace, ~20 ms, before the first paint; the system palette tells the same.)"""
    return QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128


def apply_theme(app: QApplication, theme: str) -> str:
    """Applies ``system``, ``light`` or ``dark``; returns the scheme actually shown."""
    dark = system_prefers_dark() if theme == "system" else theme == "dark"
    app.setStyle("Fusion")
    app.setPalette(_dark_palette() if dark else _light_palette())
    return "dark" if dark else "light"


def _palette(colors: dict[QPalette.ColorRole, str], disabled_text: str) -> QPalette:
    palette = QPalette()
    for role, value in colors.items():
        palette.setColor(role, QColor(value))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(disabled_text))
    return palette


def _light_palette() -> QPalette:
    role = QPalette.ColorRole
    return _palette(
        {
            role.Window: "#f3f4f6", role.WindowText: "#1f2328", role.Base: "#ffffff", role.AlternateBase: "#f6f8fa",
            role.Text: "#1f2328", role.Button: "#f6f8fa", role.ButtonText: "#1f2328", role.Highlight: "#2f6feb",
            role.HighlightedText: "#ffffff", role.Link: "#0b63ce", role.ToolTipBase: "#ffffff",
            role.ToolTipText: "#1f2328", role.PlaceholderText: "#8c959f", role.Mid: "#d0d7de",
            role.Midlight: "#e6e9ee", role.Dark: "#afb8c1", role.Shadow: "#8c959f", role.BrightText: "#cf222e",
        },
        "#8c959f",
    )


def _dark_palette() -> QPalette:
    role = QPalette.ColorRole
    return _palette(
        {
            role.Window: "#1e2228", role.WindowText: "#e6edf3", role.Base: "#14171c", role.AlternateBase: "#22272e",
            role.Text: "#e6edf3", role.Button: "#2a3038", role.ButtonText: "#e6edf3", role.Highlight: "#388bfd",
            role.HighlightedText: "#ffffff", role.Link: "#58a6ff", role.ToolTipBase: "#2a3038",
            role.ToolTipText: "#e6edf3", role.PlaceholderText: "#7d8590", role.Mid: "#3d444d",
            role.Midlight: "#30363d", role.Dark: "#0d1117", role.Shadow: "#010409", role.BrightText: "#ff7b72",
        },
        "#6e7681",
    )
