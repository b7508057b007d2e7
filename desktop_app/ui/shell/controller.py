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

from ...replicate import (
    FollowPolicy,
    Message,
    MissingTokenError,
    ModelKind,
    ModelSchemas,
    PollBudget,
    PredictionEvent,
    ReplicateClient,
    build_prompt,
    canonical_model,
    download_output,
    generate,
    is_cog_reference,
    kind_of,
)
from ...storage.image_metadata import copy_metadata
from ...storage.secrets import TokenStore
from ...storage.settings import Settings, SettingsStore
from ..common.runners import CallRunner, ImageLoader, PredictionRunner, describe_error
from ..history.recorder import HistoryRecorder
from ..history.recovery import Recovery
from ..models.catalogue_flow import CatalogueFlow
from .account import AccountMixin
from .main_window import MainWindow
from .model_inputs import ModelInputsMixin, form_key

if TYPE_CHECKING:
    from ..cog.flow import CogFlow

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


class AppController(AccountMixin, ModelInputsMixin, QObject):
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
        budget: PollBudget | None = None,
        schemas: ModelSchemas | None = None,
    ) -> None:
        super().__init__(window)
        self.budget = budget or PollBudget()  # the app's: every run and resume polls through it
        self.schemas = schemas or ModelSchemas()
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
                recovery = Recovery(lambda: self.client, self.history, self._run_keys, self.budget)
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
            from ..cog.dialog import CogDialog

            for dialog in self.window.findChildren(CogDialog):
                dialog.cancel_wait()
                await dialog.wait()
        if self.catalogue is not None:
            await self.catalogue.close()
        await self.history.close()

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
        client, catalogue, budget, schemas = self.client, self.catalogue, self.budget, self.schemas
        deadline = self.settings.deadline
        local = self.cog if cog else None
        text = build_prompt(kind, history)

        async def source() -> AsyncGenerator[PredictionEvent, None]:
            extra = await catalogue.resolve_files(parameters, inline_only=cog) if catalogue else parameters
            if local is not None:
                from ..cog.flow import cog_url

                events = local.events(cog_url(model), {"prompt": text, **extra}, stream=kind != "image", alt=prompt)
            else:
                events = generate(client, model, history, extra_input=extra, policy=policy, budget=budget,
                                  schemas=schemas, deadline=deadline)
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
        self.window.viewer.begin_generation(alt, len(urls))  # also when the model was not known to make images
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

    def _on_window_new_chat_requested(self) -> None:
        self.runner.stop()
        self.history.new_conversation()
        self.window.chat.clear()
        self.window.progress.reset()
        self._last_request = None
        self.window.chat.focus_prompt()

    def _on_calls_succeeded(self, name: str, result: Any) -> None:
        if name == "cog-schema":
            self._on_cog_schema_read(result)
        elif name == "resume" and result:
            self.window.statusBar().showMessage(
                self.tr("Recovered %n result(s) that finished while the app was closed.", "", int(result)), 15000)
        elif name == "account":
            self._on_account_checked(*result)

    def _on_calls_failed(self, name: str, message: str, kind: str) -> None:
        if name == "cog-schema":
            self.window.chat.show_error(None, message)
        elif name == "store-token":
            self._on_token_not_stored(message)
        elif name == "account":
            self._on_account_failed(message, kind)
