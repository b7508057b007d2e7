"""The model dropdown: built-in text and image models, the user's own models, and "Add model…"."""

from __future__ import annotations

import logging

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QPoint,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent, QPalette, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...replicate import (
    ALIASES,
    BUILTIN_MODELS,
    ModelInfo,
    UnknownModelError,
    builtin_info,
    get_model,
    is_cog_reference,
    known_kind,
)
from .picker_items import (
    ADD,
    BUILTIN,
    CUSTOM,
    DESCRIPTION_ROLE,
    ENTRY_ROLE,
    HEADER,
    MODEL_ROLE,
    ModelDelegate,
    header_item,
    model_item,
)

__all__ = ["ADD", "BUILTIN", "CUSTOM", "DESCRIPTION_ROLE", "ENTRY_ROLE", "HEADER", "MODEL_DESCRIPTIONS", "MODEL_ROLE",
           "ModelPicker"]

_log = logging.getLogger(__name__)

#: The built-in models' descriptions (``ModelInfo.description`` of the Qt-free core), marked here so that lupdate
#: collects them; the picker shows them through ``QCoreApplication.translate("ModelInfo", description)``.
MODEL_DESCRIPTIONS: tuple[object, ...] = (
    QT_TRANSLATE_NOOP("ModelInfo", "Meta's 70-billion-parameter Llama 3, tuned for chat"),
    QT_TRANSLATE_NOOP("ModelInfo", "Mistral's sparse mixture-of-experts instruction model"),
    QT_TRANSLATE_NOOP("ModelInfo", "Google's small, fast 2B instruction-tuned model"),
    QT_TRANSLATE_NOOP("ModelInfo", "Vision-language chat model (LLaVA 13B)"),
    QT_TRANSLATE_NOOP("ModelInfo", "Fast text-to-image model from Black Forest Labs"),
    QT_TRANSLATE_NOOP("ModelInfo", "Stability AI's Stable Diffusion 3"),
    QT_TRANSLATE_NOOP("ModelInfo", "SDXL-Lightning: high-quality images in 4 steps"),
    QT_TRANSLATE_NOOP("ModelInfo", "Playground v2.5: aesthetic 1024px images"),
)


class ModelPicker(QWidget):
    """Chooses the model: built-ins grouped as Text and Image, custom models, and "Add model…".

    "Add model…" opens an inline editor (never a modal dialog) that accepts ``owner/name`` or
    ``owner/name:version`` and shows why a name is refused. Models are named by alias for the
    built-ins and by full reference for custom ones.

    Signals:
        model_selected(str): the user picked another model.
        custom_models_changed(list): the user's custom models changed (the whole new list).
    """

    model_selected = Signal(str)
    custom_models_changed = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._custom: list[str] = []
        self._current = BUILTIN_MODELS[0].alias
        self._menu: QMenu | None = None
        self._setup_ui()

    # ----------------------------------------------------------------- public API

    def current_model(self) -> str:
        """The alias of a built-in model, or the full reference of a custom one."""
        return self._current

    def current_kind(self) -> str | None:
        """``"text"`` or ``"image"`` for built-ins; ``None`` when only the output can tell."""
        return known_kind(self._current) if self._entry_of(self._current) == BUILTIN else None

    def set_current_model(self, model: str) -> bool:
        """Selects a model by alias or full name; a valid unknown reference becomes a custom model.

        Returns ``False`` (and changes nothing) for a malformed name. Does not emit
        ``model_selected``; emits ``custom_models_changed`` if a custom model had to be added.
        """
        try:
            canonical = _canonical(model)
        except UnknownModelError:
            return False
        if self._entry_of(canonical) is None:
            self._custom.append(canonical)
            self._rebuild_items()
            self.custom_models_changed.emit(list(self._custom))
        self._select(canonical)
        return True

    def set_custom_models(self, models: list[str]) -> None:
        """Replaces the custom models (e.g. from settings); skips malformed names and built-ins."""
        custom: list[str] = []
        for model in models:
            try:
                canonical = _canonical(model)
            except UnknownModelError:
                _log.warning("ignoring malformed custom model %r", model)
                continue
            if _entry_kind(canonical) == CUSTOM and canonical not in custom:
                custom.append(canonical)
        self._custom = custom
        if _entry_kind(self._current) == CUSTOM and self._current not in custom:
            self._current = BUILTIN_MODELS[0].alias  # quietly, like every programmatic change
        self._rebuild_items()

    def custom_models(self) -> list[str]:
        return list(self._custom)

    # ------------------------------------------------------------------ set-up

    def _setup_ui(self) -> None:
        self._model = QStandardItemModel(self)
        self._combo = QComboBox(self)
        self._combo.setObjectName("model_picker_combo")
        self._combo.setModel(self._model)
        self._combo.setItemDelegate(ModelDelegate(self._combo))
        self._combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self._combo.setToolTip(self.tr("The model that answers the next prompt"))
        self._combo.activated.connect(self._on_combo_activated)
        self._combo.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self._combo.customContextMenuRequested.connect(self._on_combo_custom_context_menu_requested)
        popup = self._combo.view()
        popup.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        popup.customContextMenuRequested.connect(self._on_popup_custom_context_menu_requested)

        self._remove_button = QToolButton(self)
        self._remove_button.setObjectName("model_picker_remove_button")
        self._remove_button.setText("✕")
        self._remove_button.setAutoRaise(True)
        self._remove_button.setToolTip(self.tr("Remove this custom model from the list"))
        self._remove_button.setAccessibleName(self.tr("Remove custom model"))
        self._remove_button.clicked.connect(self._on_remove_button_clicked)

        self._editor = QWidget(self)
        self._editor.setObjectName("model_picker_editor")
        self._edit = QLineEdit(self._editor)
        self._edit.setObjectName("model_picker_add_edit")
        self._edit.setPlaceholderText(self.tr("owner/name or owner/name:version"))
        self._edit.setClearButtonEnabled(True)
        self._edit.returnPressed.connect(self._on_edit_return_pressed)
        self._edit.textEdited.connect(self._on_edit_text_edited)
        add_button = QPushButton(self.tr("Add"), self._editor)
        add_button.setObjectName("model_picker_add_button")
        add_button.clicked.connect(self._on_edit_return_pressed)
        cancel_button = QPushButton(self.tr("Cancel"), self._editor)
        cancel_button.setObjectName("model_picker_cancel_button")
        cancel_button.clicked.connect(self._close_editor)
        editor_row = QHBoxLayout(self._editor)
        editor_row.setContentsMargins(0, 0, 0, 0)
        editor_row.addWidget(self._edit, 1)
        editor_row.addWidget(add_button)
        editor_row.addWidget(cancel_button)
        self._editor.hide()

        self._error = QLabel(self)
        self._error.setObjectName("model_picker_error")
        self._error.setWordWrap(True)
        self._error.hide()

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self._combo, 1)
        row.addWidget(self._remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(row)
        layout.addWidget(self._editor)
        layout.addWidget(self._error)
        self._rebuild_items()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self._editor.isVisible():
            self._close_editor()
            return
        super().keyPressEvent(event)

    # -------------------------------------------------------------------- slots

    def _on_combo_activated(self, row: int) -> None:
        entry = self._model.index(row, 0).data(ENTRY_ROLE)
        if entry == ADD:
            self._select(self._current)  # "Add model…" is an action, never the selection
            self._editor.show()
            self._edit.setFocus(Qt.FocusReason.OtherFocusReason)
        elif entry in (BUILTIN, CUSTOM):
            self._choose(self._model.index(row, 0).data(MODEL_ROLE))

    def _on_edit_text_edited(self, _text: str) -> None:
        self._error.hide()

    def _on_edit_return_pressed(self) -> None:
        text = self._edit.text().strip()
        try:
            canonical = _canonical(text)
        except UnknownModelError:
            dark = self.palette().color(QPalette.ColorRole.Window).lightness() < 128
            self._error.setStyleSheet(f"color: {'#ff7b72' if dark else '#c62828'};")  # the palette of now
            self._error.setText(self.tr("Unknown model {0}: use one of the aliases ({1}) or a Replicate model as "
                                        "owner/name or owner/name:version.").format(repr(text), ", ".join(ALIASES)))
            self._error.show()
            return
        if self._entry_of(canonical) is None:
            self._custom.append(canonical)
            self._rebuild_items()
            self.custom_models_changed.emit(list(self._custom))
        self._close_editor()
        self._choose(canonical)

    def _on_remove_button_clicked(self) -> None:
        self._remove_custom(self._current)

    def _on_combo_custom_context_menu_requested(self, pos: QPoint) -> None:
        self._popup_remove_menu(self._current, self._combo.mapToGlobal(pos))

    def _on_popup_custom_context_menu_requested(self, pos: QPoint) -> None:
        popup = self._combo.view()
        model = popup.indexAt(pos).data(MODEL_ROLE)
        if isinstance(model, str):
            self._popup_remove_menu(model, popup.viewport().mapToGlobal(pos))

    # ------------------------------------------------------------------ helpers

    def _choose(self, model: str) -> None:
        """Selects on the user's behalf, announcing real changes."""
        changed = model != self._current
        self._select(model)
        if changed:
            self.model_selected.emit(model)

    def _select(self, model: str) -> None:
        row = self._row_of(model)
        if row < 0:
            return
        self._current = model
        self._combo.blockSignals(True)
        self._combo.setCurrentIndex(row)
        self._combo.blockSignals(False)
        self._remove_button.setVisible(self._entry_of(model) == CUSTOM)

    def _close_editor(self) -> None:
        self._edit.clear()
        self._error.hide()
        self._editor.hide()
        self._combo.setFocus(Qt.FocusReason.OtherFocusReason)

    def _remove_custom(self, model: str) -> None:
        if model not in self._custom:
            return
        self._custom.remove(model)
        was_current = model == self._current
        if was_current:
            self._current = BUILTIN_MODELS[0].alias
        self._rebuild_items()
        self.custom_models_changed.emit(list(self._custom))
        if was_current:
            self.model_selected.emit(self._current)

    def _popup_remove_menu(self, model: str, global_pos: QPoint) -> None:
        if model not in self._custom:
            return
        if self._menu is not None:
            self._menu.deleteLater()
        self._menu = QMenu(self)
        self._menu.setObjectName("model_picker_menu")
        self._menu.addAction(self.tr("Remove %1").replace("%1", model), lambda: self._remove_custom(model))
        self._menu.popup(global_pos)  # popup, never exec: no nested event loop

    def _entry_of(self, model: str) -> str | None:
        row = self._row_of(model)
        return self._model.index(row, 0).data(ENTRY_ROLE) if row >= 0 else None

    def _row_of(self, model: str) -> int:
        for row in range(self._model.rowCount()):
            index = self._model.index(row, 0)
            if index.data(ENTRY_ROLE) in (BUILTIN, CUSTOM) and index.data(MODEL_ROLE) == model:
                return row
        return -1

    def _rebuild_items(self) -> None:
        self._model.clear()
        for kind, title in (("text", self.tr("Text")), ("image", self.tr("Image"))):
            self._model.appendRow(header_item(title))
            for info in BUILTIN_MODELS:
                if info.kind == kind:
                    self._model.appendRow(
                        model_item(f"{info.alias} — {info.full_name}", info.alias, BUILTIN, _description(info))
                    )
        if self._custom:
            self._model.appendRow(header_item(self.tr("Custom")))
            for model in self._custom:
                name, _, version = model.partition(":")
                label = f"{name} @ {version[:12]}…" if version else name
                description = self.tr("Your model, pinned to a version") if version else self.tr("Your model")
                self._model.appendRow(model_item(label, model, CUSTOM, description, tooltip=model))
        add = QStandardItem(self.tr("Add model…"))
        add.setData(ADD, ENTRY_ROLE)
        add.setToolTip(self.tr("Use any Replicate model by its owner/name[:version]"))
        self._model.appendRow(add)
        self._select(self._current)


def _canonical(model: str) -> str:
    """Alias for a built-in (any spelling, pinned version included); the reference otherwise (a local Cog
    server's ``cog:http://host:port`` included)."""
    if is_cog_reference(model):
        return model.strip()
    reference = get_model(model)
    info = builtin_info(reference)
    version = reference.partition(":")[2]
    if info is not None and version in ("", info.version):
        return info.alias
    return reference


def _entry_kind(canonical: str) -> str:
    return BUILTIN if any(info.alias == canonical for info in BUILTIN_MODELS) else CUSTOM


def _description(info: ModelInfo) -> str:
    """A built-in model's description in the user's language (see ``MODEL_DESCRIPTIONS``)."""
    return QCoreApplication.translate("ModelInfo", info.description)
