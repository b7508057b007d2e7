"""The chosen model on screen: the picker, a local Cog server's form, images attached through the form, and the
layout that fits what the model makes; each choice is kept in the preferences."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog

from ...replicate import InputSchema, PredictionEvent, is_cog_reference, kind_of
from ...session import LocalServers, Preferences
from ..common.errors import describe_error
from ..common.tasks import Tasks
from ..models.catalogue_flow import CatalogueFlow
from .layout import OutputKind
from .main_window import MainWindow

if TYPE_CHECKING:
    import aiohttp

    from ..cog.flow import CogFlow

log = logging.getLogger(__name__)


class CogServers:
    """The local Cog servers as the run service sees them; the Cog flow behind them is loaded on first use
    (it costs memory most people never need)."""

    def __init__(self, session_getter: Callable[[], aiohttp.ClientSession]) -> None:
        self._session_getter = session_getter
        self._flow: CogFlow | None = None

    @property
    def flow(self) -> CogFlow:
        if self._flow is None:
            from ..cog.flow import CogFlow

            self._flow = CogFlow(self._session_getter)
        return self._flow

    @property
    def loaded(self) -> bool:
        return self._flow is not None

    def events(self, url: str, model_input: Mapping[str, Any], *, stream: bool,
               alt: str = "") -> AsyncGenerator[PredictionEvent, None]:
        return self.flow.events(url, model_input, stream=stream, alt=alt)


def output_kind(model: str, default: OutputKind) -> OutputKind:
    """The layout a model needs: ``image`` for image models, ``text`` for text models, else ``default``."""
    kind = kind_of(model)
    return "image" if kind == "image" else "text" if kind == "text" else default


class ModelView(QObject):
    """Translates the model picker, "Attach image…" and "Connect to a local Cog server…" into preference and
    form calls, and lays the window out for what the chosen model makes."""

    def __init__(self, window: MainWindow, preferences: Preferences, tasks: Tasks, *,
                 catalogue: CatalogueFlow | None, local: LocalServers | None) -> None:
        super().__init__(window)
        self.window = window
        self.preferences = preferences
        self.tasks = tasks
        self.catalogue = catalogue
        self.cog = local if isinstance(local, CogServers) else None
        picker = window.model_picker
        picker.model_selected.connect(self._on_picker_model_selected)
        picker.custom_models_changed.connect(lambda models: self.preferences.update(custom_models=list(models)))
        window.chat.attach_requested.connect(self._on_chat_attach_requested)
        window.cog_requested.connect(self._on_window_cog_requested)
        window.viewer.save_dir_changed.connect(lambda folder: self.preferences.update(last_save_dir=folder))
        window.viewer.save_failed.connect(lambda message: window.statusBar().showMessage(message, 8000))

    def restore(self, initial_model: str | None) -> None:
        """The models, the layout and the save folder as the settings keep them."""
        s, w = self.preferences.settings, self.window
        w.model_picker.set_custom_models(list(s.custom_models))
        if not (initial_model and w.model_picker.set_current_model(initial_model)):
            w.model_picker.set_current_model(s.last_model)
        w.restore_layout(s.window_geometry, s.window_state, s.pane_widths,
                         output_kind(w.model_picker.current_model(), "image"))
        if is_cog_reference(w.model_picker.current_model()):
            self._load_cog_schema(w.model_picker.current_model())
        if s.last_save_dir or s.output_dir:
            w.viewer.set_last_save_dir(s.last_save_dir or s.output_dir or "")

    def save_layout(self) -> None:
        geometry, state, widths = self.window.saved_layout()
        self.preferences.update(window_geometry=geometry, window_state=state, pane_widths=widths)

    def use_layout(self, kind: OutputKind) -> None:
        self.window.panes.use(kind)

    def show_model(self, model: str) -> None:
        """Shows ``model`` as chosen (a reopened conversation's) without the note a user's choice gets."""
        self.window.model_picker.set_current_model(model)
        self.use_layout(output_kind(model, self.window.panes.kind))

    def attach(self, path: Path) -> None:
        """Sends ``path`` with the next prompt through the model's image input, saying so in the chat."""
        field = self.catalogue.attach_image(path) if self.catalogue is not None else None
        if field is None:
            message = self.tr("{} takes no image input; choose a vision or image-editing model first.")
            self.window.chat.show_error(None, message.format(self.window.model_picker.current_model()))
            return
        note = self.tr("Attached {} (sent as “{}” with your next message)")
        self.window.chat.add_note(note.format(path.name, field))

    async def close(self) -> None:
        """Stops the Cog dialogs' waits before the window goes away."""
        if self.cog is None or not self.cog.loaded:
            return
        from ..cog.dialog import CogDialog

        for dialog in self.window.findChildren(CogDialog):
            dialog.cancel_wait()
            await dialog.wait()

    def _on_picker_model_selected(self, model: str) -> None:
        self.preferences.update(last_model=model)
        self.use_layout(output_kind(model, self.window.panes.kind))
        if is_cog_reference(model):
            self._load_cog_schema(model)
        if any(t.role in ("user", "assistant") for t in self.window.chat.turns()):
            self.window.chat.add_note(self.tr("Model changed to {}").format(model))

    def _on_chat_attach_requested(self) -> None:
        dialog = QFileDialog(self.window, self.tr("Attach an image"))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilter(self.tr("Images (*.png *.jpg *.jpeg *.webp *.gif *.bmp)"))
        dialog.fileSelected.connect(lambda path: self.attach(Path(path)))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _on_window_cog_requested(self) -> None:
        if self.cog is None:
            return
        from ..cog.dialog import CogDialog

        dialog = CogDialog(self.cog.flow, parent=self.window)
        dialog.backend_ready.connect(self._on_cog_backend_ready)
        dialog.finished.connect(dialog.deleteLater)
        dialog.show()  # non-modal: the chat stays usable while the model starts

    def _on_cog_backend_ready(self, url: str) -> None:
        from ..cog.flow import model_name

        picker = self.window.model_picker
        if picker.set_current_model(model_name(url)):
            picker.model_selected.emit(picker.current_model())

    def _load_cog_schema(self, model: str) -> None:
        if self.cog is None:
            return
        from ..cog.flow import cog_url

        url = cog_url(model)
        cog = self.cog
        known = cog.flow.schema(url)
        if known is not None:
            self._show_cog_schema(known)
            return
        self.tasks.call(lambda: cog.flow.connect_to(url), self._show_cog_schema, self._on_cog_schema_failed,
                        name="cog schema")

    def _on_cog_schema_failed(self, error: Exception) -> None:
        self.window.chat.show_error(None, describe_error(error))

    def _show_cog_schema(self, schema: InputSchema) -> None:
        model = self.window.model_picker.current_model()
        if self.catalogue is not None and is_cog_reference(model):
            self.catalogue.show_schema(schema, model)
