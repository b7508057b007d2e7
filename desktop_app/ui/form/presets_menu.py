"""The preset menu beside the parameter form: apply, save, rename, delete, set as default, export and import."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMenu, QToolButton, QWidget

from ...session import Presets
from ...storage.presets import PresetError
from .parameter_form import ParameterForm

JSON_FILTER = "JSON (*.json)"


class PresetsMenu(QToolButton):
    """A "Presets" button whose menu holds the named presets of the form's model (a click applies one) and the
    actions on them. Every dialog it opens is non-modal (``open()``); the one it has open is :attr:`dialog`.

    Signals:
        announced(str) — one sentence for the status bar: what was done, or why it could not be
        applied(str) — a preset's values were put in the form (its name)
    """

    announced = Signal(str)
    applied = Signal(str)

    def __init__(self, presets: Presets, form: ParameterForm, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.presets = presets
        self.form = form
        self.dialog: QInputDialog | QFileDialog | None = None
        self._model: str | None = None
        self._current: str | None = None
        self._menu = QMenu(self)
        self._problem = ""
        self._setup_ui()

    # --- state --------------------------------------------------------------------------------------

    def model(self) -> str | None:
        return self._model

    def set_model(self, model: str | None) -> None:
        """The model whose presets the menu shows (the one the form was built for)."""
        if model != self._model:
            self._model = model
            self._current = None
        self.setEnabled(bool(model))

    def current(self) -> str | None:
        """The preset last applied or saved (what Update, Rename, Delete and Default act on)."""
        return self._current

    # --- actions ------------------------------------------------------------------------------------

    def apply(self, name: str) -> bool:
        model = self._model
        if model is None:
            return False
        try:
            applied = self.presets.apply(model, name, self.form.schema())
        except PresetError as error:
            self.announced.emit(self.tr("The preset could not be applied: {0}").format(error))
            return False
        self.form.set_values(applied.values)
        self._current = name
        if applied.unknown:
            self.announced.emit(self.tr("Applied “{0}”; this model no longer has: {1}.").format(
                name, ", ".join(applied.unknown)))
        else:
            self.announced.emit(self.tr("Applied “{0}”.").format(name))
        self.applied.emit(name)
        return True

    def save(self, name: str) -> bool:
        """Keeps the form's values as ``name`` (replacing a preset of that name)."""
        model = self._model
        if model is None:
            return False
        try:
            cleaned = self.presets.save(model, name, self.form.values(), schema=self.form.schema())
        except (PresetError, OSError) as error:
            self._problem = _sentence(error)
            self.announced.emit(self.tr("The preset could not be saved: {0}").format(self._problem))
            return False
        self._current = name.strip()
        if cleaned.dropped:
            self.announced.emit(self.tr("Saved “{0}” without {1} (files and secrets stay out of presets).").format(
                self._current, ", ".join(cleaned.dropped)))
        else:
            self.announced.emit(self.tr("Saved “{0}”.").format(self._current))
        return True

    def rename(self, old: str, new: str) -> bool:
        return self._change(lambda model: self._renamed(model, old, new), self.tr("Renamed “{0}” to “{1}”."),
                            old, new.strip())

    def delete(self, name: str) -> bool:
        done = self._change(lambda model: self.presets.delete(model, name), self.tr("Deleted “{0}”."), name)
        if done and self._current == name:
            self._current = None
        return done

    def set_default(self, name: str | None) -> bool:
        if name is None:
            current = self.presets.default(self._model) if self._model else None
            return self._change(lambda model: self.presets.set_default(model, None),
                                self.tr("“{0}” no longer starts the form."), current or "")
        return self._change(lambda model: self.presets.set_default(model, name),
                            self.tr("“{0}” now starts this model's form."), name)

    def export_to(self, path: Path) -> bool:
        model = self._model
        if model is None:
            return False
        try:
            count = self.presets.export(path, model)
        except (PresetError, OSError) as error:
            self.announced.emit(self.tr("The presets could not be exported: {0}").format(_sentence(error)))
            return False
        self.announced.emit(self.tr("Exported %n preset(s) to {0}.", "", count).format(path))
        return True

    def import_from(self, path: Path) -> bool:
        try:
            imported = self.presets.import_file(path)
        except (PresetError, OSError) as error:
            self.announced.emit(self.tr("The presets could not be imported: {0}").format(_sentence(error)))
            return False
        message = self.tr("Imported %n preset(s).", "", len(imported.added))
        if imported.skipped:
            message += " " + self.tr("Skipped: {0}.").format("; ".join(imported.skipped))
        self.announced.emit(message)
        return True

    # --- dialogs (never modal) ----------------------------------------------------------------------

    def ask_save(self, problem: str = "") -> QInputDialog:
        dialog = self._name_dialog(self.tr("Save preset"), self.tr("Name of the preset:"), self._current or "",
                                   problem)
        dialog.textValueSelected.connect(lambda text: self.save(text) or self.ask_save(self._last_problem()))
        dialog.open()
        return dialog

    def ask_rename(self, old: str, problem: str = "") -> QInputDialog:
        dialog = self._name_dialog(self.tr("Rename preset"), self.tr("New name of “{0}”:").format(old), old, problem)
        dialog.textValueSelected.connect(
            lambda text: self.rename(old, text) or self.ask_rename(old, self._last_problem()))
        dialog.open()
        return dialog

    def ask_export(self) -> QFileDialog:
        dialog = self._file_dialog(self.tr("Export presets"), QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("json")
        dialog.selectFile(f"{(self._model or 'presets').replace('/', '-')}-presets.json")
        dialog.fileSelected.connect(lambda path: self.export_to(Path(path)))
        dialog.open()
        return dialog

    def ask_import(self) -> QFileDialog:
        dialog = self._file_dialog(self.tr("Import presets"), QFileDialog.AcceptMode.AcceptOpen)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(lambda path: self.import_from(Path(path)))
        dialog.open()
        return dialog

    def menu_actions(self) -> list[QAction]:
        """The menu's actions as they are now (built each time the menu opens)."""
        self._build_menu()
        return self._menu.actions()

    # --- private ------------------------------------------------------------------------------------

    def _setup_ui(self) -> None:
        self.setObjectName("presetsButton")
        self.setText(self.tr("Presets"))
        self.setToolTip(self.tr("Save the values of this form under a name, and use them again"))
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self._menu.setObjectName("presetsMenu")
        self._menu.aboutToShow.connect(self._build_menu)
        self.setMenu(self._menu)
        self.setEnabled(False)

    def _build_menu(self) -> None:
        menu = self._menu
        menu.clear()
        model = self._model
        if model is None:
            return
        names = self.presets.names(model)
        default = self.presets.default(model)
        if not names:
            menu.addAction(self.tr("No presets for this model yet")).setEnabled(False)
        for name in names:
            text = self.tr("{0} (default)").format(name) if name == default else name
            action = menu.addAction(text.replace("&", "&&"))
            action.setCheckable(True)
            action.setChecked(name == self._current)
            action.setObjectName(f"preset:{name}")
            action.triggered.connect(lambda _checked=False, chosen=name: self.apply(chosen))
        menu.addSeparator()
        menu.addAction(self.tr("Save values as…")).triggered.connect(lambda: self.ask_save())
        current = self._current if self._current in names else None
        if current is not None:
            shown = current.replace("&", "&&")
            menu.addAction(self.tr("Update “{0}”").format(shown)).triggered.connect(lambda: self.save(current))
            menu.addAction(self.tr("Rename “{0}”…").format(shown)).triggered.connect(lambda: self.ask_rename(current))
            menu.addAction(self.tr("Delete “{0}”").format(shown)).triggered.connect(lambda: self.delete(current))
            if current == default:
                menu.addAction(self.tr("Stop starting the form with “{0}”").format(shown)).triggered.connect(
                    lambda: self.set_default(None))
            else:
                menu.addAction(self.tr("Start the form with “{0}”").format(shown)).triggered.connect(
                    lambda: self.set_default(current))
        menu.addSeparator()
        export = menu.addAction(self.tr("Export this model's presets…"))
        export.setEnabled(bool(names))
        export.triggered.connect(lambda: self.ask_export())
        menu.addAction(self.tr("Import presets…")).triggered.connect(lambda: self.ask_import())

    def _change(self, action: Callable[[str], object], done: str, *names: str) -> bool:
        model = self._model
        if model is None:
            return False
        try:
            action(model)
        except (PresetError, OSError) as error:
            self._problem = _sentence(error)
            self.announced.emit(self._problem)
            return False
        self.announced.emit(done.format(*names))
        return True

    def _renamed(self, model: str, old: str, new: str) -> None:
        name = self.presets.rename(model, old, new)
        if self._current == old:
            self._current = name

    def _last_problem(self) -> str:
        problem, self._problem = self._problem, ""
        return problem

    def _name_dialog(self, title: str, label: str, text: str, problem: str) -> QInputDialog:
        dialog = QInputDialog(self.window())
        dialog.setObjectName("presetNameDialog")
        dialog.setWindowTitle(title)
        dialog.setLabelText(f"{problem}\n\n{label}" if problem else label)
        dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
        dialog.setTextValue(text)
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        return dialog

    def _file_dialog(self, title: str, mode: QFileDialog.AcceptMode) -> QFileDialog:
        dialog = QFileDialog(self.window(), title)
        dialog.setObjectName("presetFileDialog")
        dialog.setAcceptMode(mode)
        dialog.setNameFilter(JSON_FILTER)
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        return dialog


def _sentence(error: BaseException) -> str:
    if isinstance(error, OSError):
        return (error.strerror or str(error)).rstrip(".") + "."
    return str(error)
