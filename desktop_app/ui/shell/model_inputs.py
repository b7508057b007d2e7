"""The controller's model side: the chosen model (hosted, or a local Cog server), its form's values
remembered per model, images attached through the form, and the free checks before a run."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QFileDialog

from ...replicate import InputSchema, ModelKind, get_model, is_cog_reference
from ...storage.folders import folder_problem
from ...storage.settings import Settings
from ..common.runners import CallRunner
from ..history.recorder import HistoryRecorder
from ..models.catalogue_flow import CatalogueFlow
from .main_window import MainWindow

if TYPE_CHECKING:
    from ...replicate import ReplicateClient
    from ..cog.flow import CogFlow

# Texts are translated in the AppController context (the mixin is no QObject of its own), written out in
# full each time so that pyside6-lupdate finds them.


class ModelInputsMixin:
    """The part of the controller that follows the model picker, loads a Cog server's form, and keeps each
    model's form values."""

    window: MainWindow
    settings: Settings
    client: ReplicateClient
    calls: CallRunner
    history: HistoryRecorder
    catalogue: CatalogueFlow | None
    _cog: CogFlow | None

    if TYPE_CHECKING:  # provided by AccountMixin; declared for the type checker only

        def _save_settings(self, settings: Settings) -> None: ...

    @property
    def cog(self) -> CogFlow:
        """Local Cog servers, loaded on first use (they cost memory most people never need)."""
        if self._cog is None:
            from ..cog.flow import CogFlow

            self._cog = CogFlow(lambda: self.client.session)
        return self._cog

    def _on_chat_attach_requested(self) -> None:
        dialog = QFileDialog(self.window, QCoreApplication.translate("AppController", "Attach an image"))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        images = QCoreApplication.translate("AppController", "Images (*.png *.jpg *.jpeg *.webp *.gif *.bmp)")
        dialog.setNameFilter(images)
        dialog.fileSelected.connect(lambda path: self.attach(Path(path)))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def attach(self, path: Path) -> None:
        """Sends ``path`` with the next prompt through the model's image input, saying so in the chat."""
        field = self.catalogue.attach_image(path) if self.catalogue is not None else None
        if field is None:
            message = QCoreApplication.translate(
                "AppController", "{} takes no image input; choose a vision or image-editing model first.")
            self.window.chat.show_error(None, message.format(self.window.model_picker.current_model()))
            return
        note = QCoreApplication.translate("AppController", "Attached {} (sent as “{}” with your next message)")
        self.window.chat.add_note(note.format(path.name, field))

    def _parameters(self) -> dict[str, Any] | None:
        """The parameter form's values, or None (after showing what to fix) when they are invalid."""
        if self.catalogue is None:
            return {}
        values, errors = self.catalogue.values_for_run()
        if values is None:
            self.window.show_parameters(True)
            problems = "; ".join(f"{name}: {message}" for name, message in errors.items())
            message = QCoreApplication.translate("AppController", "Some parameters need fixing first — {}")
            self.window.chat.show_error(None, message.format(problems))
            return None
        return values

    def _outputs_can_be_kept(self, kind: ModelKind | None) -> bool:
        """Checks the library folder before anything is spent on outputs it could not keep; says so if not."""
        store = self.history.store
        problem = folder_problem(store.library_dir) if store is not None and kind != "text" else None
        if problem is not None:
            self.window.chat.show_error(None, QCoreApplication.translate(
                "AppController", "Nothing was sent: the outputs could not be kept. {}").format(problem))
        return problem is None

    def _remember_inputs(self, model: str, parameters: dict[str, Any]) -> None:
        if self.catalogue is None or not parameters:
            return
        kept = self.catalogue.remembrance(parameters)
        if kept != self.settings.model_inputs.get(model):
            self._save_settings(dataclasses.replace(self.settings,
                                                    model_inputs={**self.settings.model_inputs, model: kept}))

    def reuse_inputs(self, model: str, inputs: dict[str, Any]) -> None:
        """Puts a past generation's inputs into the model's form, now and when the form is next built."""
        self._save_settings(dataclasses.replace(self.settings, model_inputs={**self.settings.model_inputs,
                                                                            model: dict(inputs)}))
        if self.catalogue is not None:
            self.catalogue.load_schema(model)

    def remembered_inputs(self, model: str) -> dict[str, Any]:
        return dict(self.settings.model_inputs.get(model, {}))

    def _on_picker_model_selected(self, model: str) -> None:
        self._save_settings(dataclasses.replace(self.settings, last_model=model))
        if is_cog_reference(model):
            self._load_cog_schema(model)
        if any(t.role in ("user", "assistant") for t in self.window.chat.turns()):
            self.window.chat.add_note(QCoreApplication.translate("AppController", "Model changed to {}").format(model))

    def _on_window_cog_requested(self) -> None:
        from ..cog.dialog import CogDialog

        dialog = CogDialog(self.cog, parent=self.window)
        dialog.backend_ready.connect(self._on_cog_backend_ready)
        dialog.finished.connect(dialog.deleteLater)
        dialog.show()  # non-modal: the chat stays usable while the model starts

    def _on_cog_backend_ready(self, url: str) -> None:
        from ..cog.flow import model_name

        name = model_name(url)
        picker = self.window.model_picker
        if picker.set_current_model(name):
            picker.model_selected.emit(picker.current_model())

    def _load_cog_schema(self, model: str) -> None:
        from ..cog.flow import cog_url

        url = cog_url(model)
        known = self.cog.schema(url)
        if known is not None and self.catalogue is not None:
            self.catalogue.show_schema(known, model)
            return

        async def read_schema() -> Any:
            return await self.cog.connect_to(url)

        self.calls.run("cog-schema", read_schema)

    def _on_picker_custom_models_changed(self, models: list[str]) -> None:
        self._save_settings(dataclasses.replace(self.settings, custom_models=list(models)))

    def _on_cog_schema_read(self, schema: InputSchema) -> None:
        model = self.window.model_picker.current_model()
        if self.catalogue is not None and is_cog_reference(model):
            self.catalogue.show_schema(schema, model)


def form_key(model: str) -> str:
    """Whose form values these are: the model without a pinned version, or the Cog server."""
    return model.strip() if is_cog_reference(model) else get_model(model).split(":")[0]


