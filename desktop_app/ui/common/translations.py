"""Installs the app's translation (English or Russian) and Qt's own, for the language the user chose.

Call :func:`install_translations` once the ``QApplication`` exists and before any window is built: widgets
translate their texts when they are created, so a changed language applies at the next start.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from ...i18n import LANGUAGE_CHOICES, NATIVE_NAMES, SHIPPED_LANGUAGES, read_catalogue, resolve_language

__all__ = [
    "available_languages",
    "install_translations",
    "installed_language",
    "remove_translations",
    "system_language",
]

_TRANSLATOR_NAME = "replicate_desktop_translator"
_QT_TRANSLATOR_NAME = "replicate_desktop_qt_translator"
_LANGUAGE_PROPERTY = "replicate_desktop_language"


def available_languages() -> list[tuple[str, str]]:
    """``(code, name)`` for the Settings language combo: ``system`` (in the current language), then each
    shipped language named in itself. The choice is stored as the ``language`` setting; it applies at the
    next start."""
    system = QCoreApplication.translate("Languages", "System default")
    return [("system", system), *((code, NATIVE_NAMES[code]) for code in SHIPPED_LANGUAGES)]


def system_language() -> str:
    """The shipped language the system's UI languages ask for (``en`` when none of them is shipped)."""
    return resolve_language("system", QLocale.system().uiLanguages())


def install_translations(app: QCoreApplication, language: str) -> str:
    """Installs the catalogue for ``language`` (``system``, ``en`` or ``ru``; anything else counts as
    ``system``) and Qt's own translation of its standard dialogs and buttons, replacing any installed
    before. Numbers, dates and sizes follow the chosen language too (the system's formats for
    ``system``). Returns the language actually shown (``en`` or ``ru``)."""
    choice = language if language in LANGUAGE_CHOICES else "system"
    shown = resolve_language(choice, QLocale.system().uiLanguages())
    remove_translations(app)
    qt_translator = _qt_translator(app, shown)
    if qt_translator is not None:
        app.installTranslator(qt_translator)
    translator = _app_translator(app, shown)
    if translator is not None:
        app.installTranslator(translator)  # installed last, so it is asked first
    explicit = choice != "system" and system_language() != shown
    QLocale.setDefault(QLocale(shown) if explicit else QLocale.system())
    app.setProperty(_LANGUAGE_PROPERTY, shown)
    return shown


def remove_translations(app: QCoreApplication) -> None:
    """Uninstalls what :func:`install_translations` installed: texts show in English, formats follow the system."""
    for name in (_TRANSLATOR_NAME, _QT_TRANSLATOR_NAME):
        translator = app.findChild(QTranslator, name)
        if translator is not None:
            app.removeTranslator(translator)
            translator.setParent(None)
            translator.deleteLater()
    QLocale.setDefault(QLocale.system())
    app.setProperty(_LANGUAGE_PROPERTY, None)


def installed_language(app: QCoreApplication) -> str:
    """The language :func:`install_translations` last installed (``en`` before any)."""
    value = app.property(_LANGUAGE_PROPERTY)
    return value if isinstance(value, str) and value in SHIPPED_LANGUAGES else "en"


class _CatalogueTranslator(QTranslator):
    """A translator loaded from bytes; it keeps them, since Qt reads the catalogue in place."""

    def __init__(self, data: bytes, parent: QCoreApplication) -> None:
        super().__init__(parent)
        self._data = data

    def load_data(self) -> bool:
        return self.load(self._data)


def _app_translator(app: QCoreApplication, language: str) -> QTranslator | None:
    data = read_catalogue(language)
    if data is None:
        return None
    translator = _CatalogueTranslator(data, app)
    translator.setObjectName(_TRANSLATOR_NAME)
    if not translator.load_data():
        translator.setParent(None)
        return None
    return translator


def _qt_translator(app: QCoreApplication, language: str) -> QTranslator | None:
    """Qt's ``qtbase_<language>.qm`` (standard buttons, file dialogs, context menus), if PySide6 ships it."""
    folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    translator = QTranslator(app)
    translator.setObjectName(_QT_TRANSLATOR_NAME)
    if not translator.load(f"qtbase_{language}", str(folder)):
        translator.setParent(None)
        return None
    return translator
