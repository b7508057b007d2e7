"""The app's translations: which languages ship, how a choice resolves, and the compiled catalogues (Qt-free).

The ``.ts`` sources beside this file are regenerated from ``desktop_app/ui/**/*.py`` and compiled to ``.qm`` by
``packaging/update_translations.py`` (``make translations``); both are committed, and a test checks that the
committed ``.qm`` files equal a fresh build of the ``.ts`` files. Installing them needs Qt: see
``desktop_app.ui.common.translations``.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from importlib.resources.abc import Traversable

CATALOGUE = "replicate_desktop"
"""Base name of the catalogues: ``replicate_desktop_<language>.ts`` / ``.qm``."""

SOURCE_LANGUAGE = "en"
"""The language the source strings are written in (its catalogue holds only the plural forms)."""

SHIPPED_LANGUAGES: tuple[str, ...] = ("en", "ru")
"""Languages with a catalogue in the package, the source language first."""

LANGUAGE_CHOICES: tuple[str, ...] = ("system", *SHIPPED_LANGUAGES)
"""What the ``language`` setting may hold: ``system`` follows the system's UI languages."""

NATIVE_NAMES: dict[str, str] = {"en": "English", "ru": "Русский"}
"""Each shipped language named in itself (never translated: a reader finds their own language by it)."""


def catalogue_file_name(language: str, suffix: str = "qm") -> str:
    """``replicate_desktop_ru.qm`` for ``ru``."""
    return f"{CATALOGUE}_{language}.{suffix}"


def catalogue(language: str) -> Traversable:
    """The compiled catalogue of a shipped language inside the package (it may be missing in a broken install)."""
    return resources.files(__name__) / catalogue_file_name(language)


def read_catalogue(language: str) -> bytes | None:
    """The bytes of a language's compiled catalogue, or ``None`` when it is not shipped or not installed."""
    if language not in SHIPPED_LANGUAGES:
        return None
    source = catalogue(language)
    try:
        return source.read_bytes() if source.is_file() else None
    except OSError:
        return None


def resolve_language(choice: str, system_languages: Iterable[str]) -> str:
    """The shipped language to show for a setting: ``en``/``ru`` as chosen; ``system`` (or anything unknown)
    picks the first shipped language among the system's UI languages (``ru-RU`` → ``ru``), else English."""
    if choice in SHIPPED_LANGUAGES:
        return choice
    for tag in system_languages:
        code = tag.replace("_", "-").split("-", 1)[0].lower()
        if code in SHIPPED_LANGUAGES:
            return code
    return SOURCE_LANGUAGE
