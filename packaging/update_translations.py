"""Regenerates the translation sources (``.ts``) from the UI code and compiles them (``.qm``).

    python packaging/update_translations.py            # update .ts from the sources, then compile .qm
    python packaging/update_translations.py --check    # exit 1 if the .ts or .qm files are out of date

``pyside6-lupdate`` collects every ``tr()`` / ``QCoreApplication.translate()`` / ``QT_TRANSLATE_NOOP()`` text of
``desktop_app/ui/**/*.py`` (and ``desktop_app/app.py``) into ``desktop_app/i18n/replicate_desktop_ru.ts`` (every
message) and ``replicate_desktop_en.ts`` (only the plural forms: English texts are their own translation),
keeping the translations already written. Source locations are left out, so the files change only when texts
change. ``pyside6-lrelease`` then compiles both into the ``.qm`` files the app loads; both kinds are committed.
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
I18N_DIR = ROOT / "desktop_app" / "i18n"
CATALOGUE = "replicate_desktop"
#: language → the target language lupdate writes into the file (it decides the number of plural forms)
LANGUAGES = {"en": "en", "ru": "ru_RU"}
PLURAL_ONLY = {"en"}


def sources(root: Path = ROOT) -> list[Path]:
    """The Python files whose texts are collected."""
    return [*sorted((root / "desktop_app" / "ui").rglob("*.py")), root / "desktop_app" / "app.py"]


def ts_path(language: str, folder: Path = I18N_DIR) -> Path:
    return folder / f"{CATALOGUE}_{language}.ts"


def qm_path(language: str, folder: Path = I18N_DIR) -> Path:
    return folder / f"{CATALOGUE}_{language}.qm"


def tool(name: str) -> str:
    """``pyside6-lupdate`` / ``pyside6-lrelease`` of the running interpreter's environment."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} not found: install PySide6-Essentials into this environment (make install)")
    return found


def run(command: Sequence[str], cwd: Path | None = None) -> None:
    result = subprocess.run(list(command), cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{Path(command[0]).name} failed ({result.returncode}):\n{result.stdout}{result.stderr}")


def update_ts(folder: Path = I18N_DIR, root: Path = ROOT) -> None:
    """Collects the texts into the ``.ts`` files in ``folder`` (new ones untranslated, vanished ones dropped)."""
    files = [str(path.relative_to(root)) for path in sources(root)]
    for language, target in LANGUAGES.items():
        command = [tool("pyside6-lupdate"), *files, "-locations", "none", "-no-obsolete",
                   "-target-language", target, "-ts", str(ts_path(language, folder))]
        if language in PLURAL_ONLY:
            command.insert(-2, "-pluralonly")
        run(command, cwd=root)
        check_contexts(ts_path(language, folder))


def compile_qm(ts_folder: Path = I18N_DIR, qm_folder: Path = I18N_DIR) -> None:
    """Compiles every ``.ts`` of ``ts_folder`` into ``qm_folder``."""
    for language in LANGUAGES:
        run([tool("pyside6-lrelease"), "-silent", str(ts_path(language, ts_folder)),
             "-qm", str(qm_path(language, qm_folder))])


def check_contexts(ts_file: Path) -> None:
    """lupdate misreads ``self.tr`` after a ``QCoreApplication.translate`` call in the same function and files
    the text under a context like ``QCoreApplication.self``, which no translation lookup ever asks for."""
    bad = sorted({name for name in contexts(ts_file) if not name or "." in name})
    if bad:
        raise SystemExit(f"{ts_file.name}: texts filed under impossible contexts {bad}: split the function, or "
                         "use QCoreApplication.translate with an explicit context there")


def contexts(ts_file: Path) -> list[str]:
    return [element.findtext("name") or "" for element in ET.parse(ts_file).getroot().iter("context")]


def unfinished(ts_file: Path) -> list[str]:
    """``context: source`` of each message whose translation is missing, empty or marked unfinished."""
    missing = []
    for context in ET.parse(ts_file).getroot().iter("context"):
        for message in context.iter("message"):
            translation = message.find("translation")
            forms = [] if translation is None else (
                [form.text or "" for form in translation.iter("numerusform")] or [translation.text or ""])
            if translation is None or translation.get("type") == "unfinished" or not all(forms):
                missing.append(f"{context.findtext('name')}: {message.findtext('source')}")
    return missing


def check(root: Path = ROOT) -> list[str]:
    """What is out of date: ``.ts`` files that a fresh lupdate would change, ``.qm`` files that differ from a
    fresh build of the committed ``.ts``."""
    problems = []
    with tempfile.TemporaryDirectory() as scratch:
        fresh = Path(scratch)
        for language in LANGUAGES:
            shutil.copy(ts_path(language), ts_path(language, fresh))
        update_ts(fresh, root)
        for language in LANGUAGES:
            if ts_path(language, fresh).read_bytes() != ts_path(language).read_bytes():
                problems.append(f"{ts_path(language).name} is out of date: run make translations")
        built = fresh / "qm"
        built.mkdir()
        compile_qm(I18N_DIR, built)
        for language in LANGUAGES:
            committed = qm_path(language)
            if not committed.exists() or not filecmp.cmp(qm_path(language, built), committed, shallow=False):
                problems.append(f"{committed.name} differs from its .ts: run make translations")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report whether the files are up to date")
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    update_ts()
    compile_qm()
    for language in LANGUAGES:
        missing = unfinished(ts_path(language))
        status = f"{len(missing)} untranslated" if missing else "complete"
        print(f"{ts_path(language).name}: {status}")
        for item in missing[:20]:
            print(f"    {item}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
