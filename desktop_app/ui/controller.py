"""The window's application logic: turns user actions into core calls and core events into widget updates."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import logging
from collections.abc import AsyncGenerator, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog

from ..replicate import (
    FollowPolicy,
    Message,
    MissingTokenError,
    ReplicateClient,
    download_output,
    generate,
    get_model,
)
from ..replicate.events import PredictionEvent
from ..replicate.models import ModelKind, canonical_model, is_cog_reference, kind_of
from ..replicate.prompts import build_prompt
from ..storage.folders import folder_problem
from ..storage.image_metadata import copy_metadata
from ..storage.secrets import TokenStore
from ..storage.settings import Settings, SettingsStore
from .account import AccountMixin
from .catalogue_flow import CatalogueFlow
from .history_recorder import HistoryRecorder
from .main_window import MainWindow
from .recovery import Recovery
from .runners import CallRunner, ImageLoader, PredictionRunner, describe_error

if TYPE_CHECKING:
    from .cog_flow import CogFlow

log = logging.getLogger(__name__)

ClientFactory = Callable[[str | None, str, str | None], ReplicateClient]


@dataclasses.dataclass
class _Run:
    """The generation in flight: which turn it fills and what it was asked."""

    key: int
    model: str
    kind: ModelKind | None
    prompt: str
    messages: list[Message]
    turn_id: int
    urls: list[str] = dataclasses.field(default_factory=list)
    library_files: dict[str, Path] = dataclasses.field(default_factory=dict)  # output URL → file kept


class AppController(AccountMixin, QObject):
    """Connects the window to the core, the settings and the token store."""

    def __init__(
        self,
        window: MainWindow,
        *,
        settings: Settings,
        settings_store: SettingsStore,
        token_store: TokenStore,
        make_client: ClientFactory,
        env: Mapping[str, str],
        initial_model: str | None = None,
        history: HistoryRecorder | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.settings = settings
        self.settings_store = settings_store
        self.token_store = token_store
        self.make_client = make_client
        self.env = env
        self.token: str | None = None
        self.token_source = self.tr("not set")
        self.client = make_client(None, self.base_url, settings.proxy)
        self.runner = PredictionRunner(self)
        self.images = ImageLoader(self._download, self)
        self.calls = CallRunner(self)
        self.history = history or HistoryRecorder(None, self)
        self._run: _Run | None = None
        self._run_keys = itertools.count(1)
        self._last_request: tuple[str, ModelKind | None, list[Message], str] | None = None
        self.catalogue: CatalogueFlow | None = None  # set by the app once the form exists
        self._cog: CogFlow | None = None
        self._connect()
        self._restore(initial_model)

    # ------------------------------------------------------------------ lifecycle

    @property
    def cog(self) -> CogFlow:
        """Local Cog servers, loaded on first use (they cost memory most people never need)."""
        if self._cog is None:
            from .cog_flow import CogFlow

            self._cog = CogFlow(lambda: self.client.session)
        return self._cog

    @property
    def base_url(self) -> str:
        return self.env.get("REPLICATE_API_BASE_URL") or self.settings.base_url

    async def start(self) -> None:
        """Loads the token (keyring calls may block, so off the GUI thread) and checks it."""
        token, source = await asyncio.to_thread(self.token_store.resolve, self.env)
        self._use_token(token, source)
        if is_cog_reference(self.window.model_picker.current_model()):
            self._load_cog_schema(self.window.model_picker.current_model())
        if token:
            self._check_account(token, store=False)
            if self.history.enabled:
                recovery = Recovery(lambda: self.client, self.history, self._run_keys)
                self.calls.run("resume", recovery.resume_unfinished)
        else:
            self.window.token_panel.show_missing()
            self.window.set_account(self.tr("Not connected"))

    async def shutdown(self) -> None:
        """Stops running work (canceling predictions on the server) and saves the layout."""
        self.save_layout()
        self.runner.stop()
        self.images.cancel()
        self.calls.cancel_all()
        await self.runner.wait()
        await self.images.wait()
        await self.calls.wait_all()
        if self._cog is not None:
            from .cog_dialog import CogDialog

            for dialog in self.window.findChildren(CogDialog):
                dialog.cancel_wait()
                await dialog.wait()
        if self.catalogue is not None:
            await self.catalogue.close()
        await self.history.close()

    def save_layout(self) -> None:
        geometry, state, sizes = self.window.saved_layout()
        self._save_settings(dataclasses.replace(self.settings, window_geometry=geometry, window_state=state,
                                                splitter_sizes=sizes))

    # ------------------------------------------------------------------ wiring

    def _connect(self) -> None:
        w = self.window
        w.chat.prompt_submitted.connect(self._on_chat_prompt_submitted)
        w.chat.stop_requested.connect(self.runner.stop)
        w.chat.retry_requested.connect(self._on_chat_retry_requested)
        w.chat.regenerate_requested.connect(self._on_chat_regenerate_requested)
        w.chat.settings_requested.connect(self._on_window_settings_requested)
        w.chat.link_clicked.connect(lambda url: QDesktopServices.openUrl(QUrl(url)))
        w.chat.image_clicked.connect(lambda _turn, index: w.viewer.select(index))
        w.chat.attach_requested.connect(self._on_chat_attach_requested)
        w.cog_requested.connect(self._on_window_cog_requested)
        w.viewer.file_shown.connect(self._on_viewer_file_shown)
        w.viewer.retry_requested.connect(self._on_chat_retry_requested)
        w.viewer.save_dir_changed.connect(self._on_viewer_save_dir_changed)
        w.viewer.image_shown.connect(self._on_viewer_image_shown)
        w.viewer.image_failed.connect(self._on_viewer_image_failed)
        w.viewer.save_failed.connect(lambda message: w.statusBar().showMessage(message, 8000))
        w.viewer.image_saved.connect(self._on_viewer_image_saved)
        w.model_picker.model_selected.connect(self._on_picker_model_selected)
        w.model_picker.custom_models_changed.connect(self._on_picker_custom_models_changed)
        w.token_panel.token_submitted.connect(self._on_token_panel_token_submitted)
        w.settings_requested.connect(self._on_window_settings_requested)
        w.new_chat_requested.connect(self._on_window_new_chat_requested)

        r = self.runner
        r.text_received.connect(self._on_runner_text_received)
        r.text_replaced.connect(self._on_runner_text_replaced)
        r.progressed.connect(w.progress.update_progress)
        r.logs_appended.connect(w.progress.append_logs)
        r.images_received.connect(self._on_runner_images_received)
        r.completed.connect(self._on_runner_completed)
        r.failed.connect(self._on_runner_failed)
        r.stopped.connect(self._on_runner_stopped)
        r.finished.connect(self._on_runner_finished)
        r.started.connect(self._on_runner_started)
        r.input_rejected.connect(self._on_runner_input_rejected)
        self.history.failed.connect(lambda message: w.statusBar().showMessage(message, 10000))

        self.images.download_started.connect(lambda i, url: w.viewer.begin_download(i, url, None))
        self.images.download_progressed.connect(w.viewer.download_progress)
        self.images.downloaded.connect(
            lambda i, data, ctype, where: w.viewer.set_image_bytes(i, data, content_type=ctype, source_url=where)
        )
        self.images.download_failed.connect(self._on_images_download_failed)
        self.calls.succeeded.connect(self._on_calls_succeeded)
        self.calls.failed.connect(self._on_calls_failed)

    def _restore(self, initial_model: str | None) -> None:
        s = self.settings
        self.window.model_picker.set_custom_models(list(s.custom_models))
        chosen = False
        if initial_model:
            chosen = self.window.model_picker.set_current_model(initial_model)
        if not chosen:
            self.window.model_picker.set_current_model(s.last_model)
        self.window.restore_layout(s.window_geometry, s.window_state, list(s.splitter_sizes))
        if s.last_save_dir:
            self.window.viewer.set_last_save_dir(s.last_save_dir)
        elif s.output_dir:
            self.window.viewer.set_last_save_dir(s.output_dir)

    # ------------------------------------------------------------------ running predictions

    def _on_chat_prompt_submitted(self, text: str) -> None:
        if self.runner.running:
            return
        model = self.window.model_picker.current_model()
        kind = kind_of(model)
        if self._parameters() is None or not self._outputs_can_be_kept(kind):
            self.window.chat.set_prompt(text)  # the form or the chat shows what to fix; the prompt is not lost
            return
        self.window.chat.add_user_turn(text, model)
        self.history.record_user_turn(text, model)
        history = [Message(t.role, t.text) for t in self.window.chat.turns()
                   if t.role in ("user", "assistant") and t.text.strip() and t.state != "failed"]
        self._begin(model, kind, history, text)

    def _on_chat_retry_requested(self) -> None:
        if self._last_request and not self.runner.running:
            model, kind, history, prompt = self._last_request
            self._begin(model, kind, history, prompt)

    def _on_chat_regenerate_requested(self) -> None:
        if self.runner.running:
            return
        turns = self.window.chat.turns()
        if turns and turns[-1].role == "assistant":
            self.window.chat.remove_turn(turns[-1].turn_id)
        self._on_chat_retry_requested()

    def _on_chat_attach_requested(self) -> None:
        dialog = QFileDialog(self.window, self.tr("Attach an image"))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilter(self.tr("Images (*.png *.jpg *.jpeg *.webp *.gif *.bmp)"))
        dialog.fileSelected.connect(lambda path: self.attach(Path(path)))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def attach(self, path: Path) -> None:
        """Sends ``path`` with the next prompt through the model's image input, saying so in the chat."""
        field = self.catalogue.attach_image(path) if self.catalogue is not None else None
        if field is None:
            self.window.chat.show_error(None, self.tr("{} takes no image input; choose a vision or image-editing "
                                                      "model first.").format(self.window.model_picker.current_model()))
            return
        self.window.chat.add_note(self.tr("Attached {} (sent as “{}” with your next message)").format(path.name, field))

    def _parameters(self) -> dict[str, Any] | None:
        """The parameter form's values, or None (after showing what to fix) when they are invalid."""
        if self.catalogue is None:
            return {}
        values, errors = self.catalogue.values_for_run()
        if values is None:
            self.window.show_parameters(True)
            problems = "; ".join(f"{name}: {message}" for name, message in errors.items())
            self.window.chat.show_error(None, self.tr("Some parameters need fixing first — {}").format(problems))
            return None
        return values

    def _outputs_can_be_kept(self, kind: ModelKind | None) -> bool:
        """Checks the library folder before anything is spent on outputs it could not keep; says so if not."""
        store = self.history.store
        problem = folder_problem(store.library_dir) if store is not None and kind != "text" else None
        if problem is not None:
            self.window.chat.show_error(None, self.tr("Nothing was sent: the outputs could not be kept. {}").format(
                problem))
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

    def _begin(self, model: str, kind: ModelKind | None, history: list[Message], prompt: str) -> None:
        self._last_request = (model, kind, history, prompt)
        chat = self.window.chat
        cog = is_cog_reference(model)
        if self.token is None and not cog:  # a local Cog server needs no token
            chat.show_error(None, describe_error(MissingTokenError()), auth=True)
            self.window.token_panel.show_missing()
            return
        parameters = self._parameters()
        if parameters is None or not self._outputs_can_be_kept(kind):
            return
        self._remember_inputs(form_key(model), parameters)
        prompt_key = self.catalogue.prompt_field_name() if self.catalogue is not None else None
        if prompt_key and prompt_key != "prompt":  # the prompt box feeds the schema's own prompt field
            parameters = {**parameters, prompt_key: build_prompt(kind, history)}
        turn_id = chat.begin_assistant_turn(model)
        self._run = _Run(next(self._run_keys), model, kind, prompt, history, turn_id)
        recorded = {name: str(value) if isinstance(value, Path) else value for name, value in parameters.items()}
        self.history.begin_generation(self._run.key, canonical_model(model),
                                      {"prompt": build_prompt(kind, history), **recorded})
        chat.set_busy(True)
        self.window.progress.start(model)
        if kind == "image":
            self.window.viewer.begin_generation(prompt)
        policy = FollowPolicy(max_attempts=self.settings.max_attempts, delay=self.settings.poll_delay,
                              wait_seconds=self.settings.wait_seconds)
        client, catalogue = self.client, self.catalogue
        local = self.cog if cog else None
        text = build_prompt(kind, history)

        async def source() -> AsyncGenerator[PredictionEvent, None]:
            extra = await catalogue.resolve_files(parameters, inline_only=cog) if catalogue else parameters
            if local is not None:
                from .cog_flow import cog_url

                events = local.events(cog_url(model), {"prompt": text, **extra}, stream=kind != "image", alt=prompt)
            else:
                events = generate(client, model, history, extra_input=extra, policy=policy)
            async with contextlib.aclosing(events):
                async for event in events:
                    yield event

        self.runner.start(source)

    def _on_runner_text_received(self, chunk: str) -> None:
        if self._run:
            self.window.chat.append_text(self._run.turn_id, chunk)

    def _on_runner_text_replaced(self, text: str) -> None:
        if self._run:  # the history takes the turn's text from the chat when the run ends
            self.window.chat.replace_text(self._run.turn_id, text)

    def _on_runner_images_received(self, urls: list[str], alt: str) -> None:
        if self._run is None:
            return
        if self._run.kind != "image":
            self.window.viewer.begin_generation(alt)
        self.window.viewer.begin_generation(alt, len(urls))
        self._run.urls = list(urls)
        self.images.load(urls)

    def _on_runner_started(self, prediction_id: str, _model: str, _web_url: str, version: str) -> None:
        if self._run:
            self.history.prediction_started(self._run.key, prediction_id, version or None)

    def _on_runner_input_rejected(self, fields: dict[str, str]) -> None:
        if self.catalogue is not None and fields:
            self.catalogue.highlight(fields)

    def _on_runner_completed(self, status: str, predict_time: float | None) -> None:
        self.window.progress.finish(status, predict_time)
        if self._run:
            self.window.chat.finish_turn(self._run.turn_id, predict_time=predict_time)
            self._record_end("done", status, None, predict_time)

    def _record_end(self, turn_state: str, status: str, error: str | None, predict_time: float | None = None) -> None:
        if self._run is None:
            return
        text = next((t.text for t in self.window.chat.turns() if t.turn_id == self._run.turn_id), "")
        self.history.finish(self._run.key, text=text, turn_state=turn_state, status=status, error=error,
                            predict_time=predict_time)

    def _on_runner_failed(self, message: str, kind: str) -> None:
        self.window.progress.fail(message)
        self._record_end("failed", "failed", message)
        turn_id = self._run.turn_id if self._run else None
        self.window.chat.show_error(turn_id, message, auth=kind == "auth")
        if self._run and self._run.kind == "image":
            self.window.viewer.show_error(None, message)
        if kind == "auth":
            self.window.token_panel.show_problem(message)

    def _on_runner_stopped(self) -> None:
        self.window.progress.fail(self.tr("Stopped; the prediction was canceled on Replicate."))
        if self._run:
            self.window.chat.mark_stopped(self._run.turn_id)
            self._record_end("stopped", "canceled", None)

    def _on_runner_finished(self) -> None:
        self.window.chat.set_busy(False)

    def _on_viewer_image_shown(self, index: int) -> None:
        image = self.window.viewer.image_at(index)
        if self._run and image is not None:
            self.window.chat.add_image_turn(self._run.turn_id, image, index)

    def _on_viewer_image_saved(self, path: str) -> None:
        self.window.statusBar().showMessage(self.tr("Saved {}").format(path), 5000)
        run, index = self._run, self.window.viewer.current_index()
        source = run.library_files.get(run.urls[index]) if run and index < len(run.urls) else None
        if source is not None:  # a converted copy keeps the prompt, model and seed too
            self.calls.run("keep-metadata", lambda: asyncio.to_thread(copy_metadata, source, Path(path)))

    def _on_viewer_file_shown(self, index: int) -> None:
        output = self.window.viewer.file_at(index)
        if self._run is not None and output is not None:
            self.window.chat.add_note(self.tr("Output file: {} ({}) — in the viewer, with Save and Open").format(
                output.name, output.description()))

    def _on_viewer_image_failed(self, index: int, message: str) -> None:
        self.window.statusBar().showMessage(message, 8000)

    def _on_images_download_failed(self, index: int, message: str) -> None:
        self.window.viewer.show_error(index, message)

    async def _download(
        self, url: str, progress: Callable[[int, int | None], None]
    ) -> tuple[bytes, str | None, str]:
        """Downloads one output at once (Replicate deletes it within the hour) into the history library;
        the viewer then shows the local file, with its metadata, never the expiring URL."""
        run = self._run
        downloaded = await download_output(self.client, url, on_progress=progress)
        if run is None or not self.history.enabled:
            return downloaded.data, downloaded.content_type, url
        record = await self.history.store_output(run.key, downloaded.data, downloaded.content_type, url, {})
        if record is None:
            return downloaded.data, downloaded.content_type, url
        data = await asyncio.to_thread(record.path.read_bytes)
        run.library_files[url] = record.path
        return data, record.content_type or downloaded.content_type, str(record.path)

    # ------------------------------------------------------------------ models

    def _on_picker_model_selected(self, model: str) -> None:
        self._save_settings(dataclasses.replace(self.settings, last_model=model))
        if is_cog_reference(model):
            self._load_cog_schema(model)
        if any(t.role in ("user", "assistant") for t in self.window.chat.turns()):
            self.window.chat.add_note(self.tr("Model changed to {}").format(model))

    def _on_window_cog_requested(self) -> None:
        from .cog_dialog import CogDialog

        dialog = CogDialog(self.cog, parent=self.window)
        dialog.backend_ready.connect(self._on_cog_backend_ready)
        dialog.finished.connect(dialog.deleteLater)
        dialog.show()  # non-modal: the chat stays usable while the model starts

    def _on_cog_backend_ready(self, url: str) -> None:
        from .cog_flow import model_name

        name = model_name(url)
        picker = self.window.model_picker
        if picker.set_current_model(name):
            picker.model_selected.emit(picker.current_model())

    def _load_cog_schema(self, model: str) -> None:
        from .cog_flow import cog_url

        url = cog_url(model)
        known = self.cog.schema(url)
        if known is not None and self.catalogue is not None:
            self.catalogue.show_schema(known, model)
            return

        async def connect() -> Any:
            return await self.cog.connect(url)

        self.calls.run("cog-schema", connect)

    def _on_picker_custom_models_changed(self, models: list[str]) -> None:
        self._save_settings(dataclasses.replace(self.settings, custom_models=list(models)))

    def _on_window_new_chat_requested(self) -> None:
        self.runner.stop()
        self.history.new_conversation()
        self.window.chat.clear()
        self.window.progress.reset()
        self._last_request = None
        self.window.chat.focus_prompt()

    def _on_viewer_save_dir_changed(self, directory: str) -> None:
        self._save_settings(dataclasses.replace(self.settings, last_save_dir=directory))

    def _on_calls_succeeded(self, name: str, result: Any) -> None:
        if name == "cog-schema" and self.catalogue is not None:
            model = self.window.model_picker.current_model()
            if is_cog_reference(model):
                self.catalogue.show_schema(result, model)
            return
        if name == "resume" and result:
            self.window.statusBar().showMessage(
                self.tr("Recovered %n result(s) that finished while the app was closed.", "", int(result)), 15000)
        if name != "account":
            return
        token, account, store = result
        if store:
            self.calls.run("store-token", lambda: asyncio.to_thread(self.token_store.set, token))
            self._use_token(token, self.tr("saved in {}").format(self.token_store.backend_description))
        if self.catalogue is not None:
            self.catalogue.load_schema(self.window.model_picker.current_model())
        username = account.get("username") or account.get("name") or "?"
        self.window.set_account(self.tr("Signed in as {}").format(username))
        self.window.token_panel.hide()

    def _on_calls_failed(self, name: str, message: str, kind: str) -> None:
        if name == "cog-schema":
            self.window.chat.show_error(None, message)
            return
        if name == "store-token":
            self.window.statusBar().showMessage(self.tr("The token could not be stored: {}").format(message), 10000)
            return
        if name != "account":
            return
        if kind == "auth":
            self.window.set_account(self.tr("Token refused"))
            self.window.token_panel.show_problem(message)
        else:
            self.window.set_account(self.tr("Could not check the token"))
            self.window.statusBar().showMessage(message, 10000)

def form_key(model: str) -> str:
    """Whose form values these are: the model without a pinned version, or the Cog server."""
    return model.strip() if is_cog_reference(model) else get_model(model).split(":")[0]


