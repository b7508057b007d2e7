"""Loads the chosen model's input schema into the parameter form, fills in remembered values, and opens the
model browser; the shell hands it the picker and the form (the form is another feature's widget)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QVBoxLayout, QWidget

from ...replicate import InputSchema, UnknownModelError, parse_model
from ...storage.atomic import write_atomically
from .picker import ModelPicker

if TYPE_CHECKING:  # the catalogue's network side loads with the first look-up, not with the window
    from ...replicate import CatalogueCache, ModelCard, ReplicateClient
    from .catalogue_runner import CatalogueRunner

log = logging.getLogger(__name__)


class ValueEditor(Protocol):
    """One field of the form, as far as the flow needs it."""

    def set_value(self, value: Any) -> bool: ...


class SchemaForm(Protocol):
    """What the flow needs of the parameter form (``form.ParameterForm`` in the window)."""

    def schema(self) -> InputSchema: ...

    def set_schema(self, schema: InputSchema) -> None: ...

    def editor(self, name: str) -> ValueEditor | None: ...

    def set_values(self, values: Mapping[str, Any]) -> None: ...

    def values_for_run(self) -> tuple[dict[str, Any] | None, dict[str, str]]: ...

    def highlight_errors(self, errors: Mapping[str, str]) -> object: ...


class CatalogueFlow(QObject):
    """Owns what the parameter form shows for the chosen model (its schema, cached on disk for offline
    starts, and the values remembered for it) and the model browser dialog.

    Signals:
        parameters_requested() — the form needs to be seen (a file was attached, or fields need fixing)
        announced(str) — a one-line status message for the window
    """

    parameters_requested = Signal()
    announced = Signal(str)

    def __init__(
        self,
        picker: ModelPicker,
        form: SchemaForm,
        client_getter: Callable[[], ReplicateClient],
        cache_dir: Path,
        remembered: Callable[[str], Mapping[str, Any]] | None = None,
        *,
        has_token: Callable[[], bool] | None = None,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.has_token = has_token or (lambda: client_getter().has_token)
        self.remembered = remembered or (lambda _model: {})
        self.picker = picker
        self.form = form
        self.client_getter = client_getter
        self.cache_dir = cache_dir
        self._cache: CatalogueCache | None = None
        self._host = parent
        self._runner: CatalogueRunner | None = None
        self._pending: str | None = None
        self._applied: tuple[str, InputSchema] | None = None  # what the form was last built from
        self._dialog: QDialog | None = None
        picker.model_selected.connect(self.load_schema)

    @property
    def cache(self) -> CatalogueCache:
        """The model cards kept on disk (for offline starts), opened on first use."""
        if self._cache is None:
            from ...replicate import CatalogueCache

            self._cache = CatalogueCache(self.cache_dir, write=write_atomically)
        return self._cache

    @property
    def _schemas(self) -> CatalogueRunner:
        """The look-ups of the chosen model's card, made on first use."""
        if self._runner is None:
            from .catalogue_runner import CatalogueRunner

            self._runner = CatalogueRunner(self.client_getter, self.cache, self)
            self._runner.card_loaded.connect(self._on_schemas_card_loaded)
            self._runner.failed.connect(self._on_schemas_failed)
        return self._runner

    def load_schema(self, model: str) -> None:
        """Fetches (or takes from the cache) the input schema of ``model`` for the form."""
        if not self.has_token():
            return  # the first-run panel asks for a token; the form follows once there is one
        try:
            ref = parse_model(model)
        except UnknownModelError:
            return
        self._pending = ref.full_name
        self._applied = None  # asked for again: the next card rebuilds the form, with the remembered values
        self._schemas.load_card(ref.owner, ref.name)

    def attach_image(self, path: Path) -> str | None:
        """Puts ``path`` into the model's image input (the first file field, preferring names that say
        image); returns the field's name, or None when the chosen model takes no file."""
        schema = self.form.schema()
        files = [spec for spec in schema.fields if spec.kind == "file"]
        if not files:
            return None
        preferred = sorted(files, key=lambda spec: (0 if "image" in spec.name or "img" in spec.name else 1, spec.order))
        target = preferred[0]
        editor = self.form.editor(target.name)
        if editor is None or not editor.set_value(path):
            return None
        self.parameters_requested.emit()
        return target.name

    async def close(self) -> None:
        """Stops schema, search and cover requests before the window goes away."""
        if self._runner is None and self._dialog is None:
            return
        from .catalogue_runner import CatalogueRunner

        runners = [*([self._runner] if self._runner else []),
                   *(self._dialog.findChildren(CatalogueRunner) if self._dialog else [])]
        for runner in runners:
            runner.cancel_all()
        for runner in runners:
            await runner.wait_idle()

    async def wait_idle(self) -> None:
        """Awaits the schema request in flight, if any (tests)."""
        if self._runner is not None:
            await self._runner.wait_idle()

    def schema(self) -> InputSchema:
        """The schema the form was built from (what the run's parameters are checked against)."""
        return self.form.schema()

    def values_for_run(self) -> tuple[dict[str, Any] | None, dict[str, str]]:
        """The form's values to send with the prompt, or ``None`` and the problems (shown on the fields)."""
        return self.form.values_for_run()

    def highlight(self, errors: Mapping[str, str]) -> None:
        self.parameters_requested.emit()
        self.form.highlight_errors(errors)

    def show_schema(self, schema: InputSchema, remembered_as: str) -> None:
        """Builds the form from a schema read elsewhere (a local Cog server's ``/openapi.json``)."""
        self._pending = None
        self._applied = None
        self.form.set_schema(schema)
        values = self.remembered(remembered_as)
        if values:
            self.form.set_values(values)

    def open_browser(self) -> None:
        if self._dialog is not None:
            self._dialog.raise_()
            self._dialog.activateWindow()
            return
        from .browser import ModelBrowser  # loaded when first opened
        from .catalogue_runner import CatalogueRunner

        dialog = QDialog(self._host)
        dialog.setWindowTitle(self.tr("Find models"))
        dialog.resize(900, 640)
        browser = ModelBrowser(dialog)
        runner = CatalogueRunner(self.client_getter, self.cache, dialog)
        runner.attach(browser)
        browser.model_chosen.connect(self._on_browser_model_chosen)
        layout = QVBoxLayout(dialog)
        layout.addWidget(browser)
        dialog.finished.connect(self._on_dialog_finished)
        self._dialog = dialog
        dialog.show()  # non-modal: the chat stays usable

    def _on_dialog_finished(self, _result: int) -> None:
        if self._dialog is not None:
            self._dialog.deleteLater()
            self._dialog = None

    def _on_browser_model_chosen(self, reference: str) -> None:
        if self.picker.set_current_model(reference):
            self.picker.model_selected.emit(self.picker.current_model())
        self.announced.emit(self.tr("Added {} to your models.").format(reference))

    def _on_schemas_card_loaded(self, card: ModelCard) -> None:
        if card.summary.full_name != self._pending:
            return
        if self._applied == (card.summary.full_name, card.input_schema):
            return  # the fresh card after the cached one, unchanged: keep what the user typed and any highlights
        self._applied = (card.summary.full_name, card.input_schema)
        self.form.set_schema(card.input_schema)
        values = self.remembered(card.summary.full_name)
        if values:
            self.form.set_values(values)

    def _on_schemas_failed(self, what: str, message: str, _kind: str) -> None:
        log.info("Could not load the %s for the parameter form: %s", what, message)
