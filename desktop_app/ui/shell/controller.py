"""The window's controller: it only translates — widget signals into session calls, session events into widget calls."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QDesktopServices

from ...replicate import InputSchema
from ...session import (
    ChatSession,
    Cost,
    InputProblems,
    LogsAppended,
    OutputFailed,
    OutputProgressed,
    OutputReady,
    OutputsAnnounced,
    ProgressChanged,
    Reopened,
    Run,
    RunBegun,
    RunCanceled,
    RunFailed,
    RunFinished,
    RunProblem,
    Services,
    SessionEvent,
    TextAppended,
    TextReplaced,
    problem_of,
)
from ..common.cost_text import cost_text
from ..common.errors import describe_error, describe_problem
from ..common.tasks import Tasks
from ..models.catalogue_flow import CatalogueFlow
from ..viewer.decoding import thumbnail_of
from .account_view import AccountView
from .main_window import MainWindow
from .model_view import ModelView

log = logging.getLogger(__name__)


@dataclass
class _Shown:
    """One run as the window shows it: the chat reply it fills and the kept files of its outputs."""

    run: Run
    turn_id: int
    kind: str | None = None
    files: dict[int, Path] = field(default_factory=dict)


class AppController(QObject):
    """Connects the window to the application layer (``Services``).

    Send, Retry, Regenerate, Stop, New chat and reopening a conversation become :class:`ChatSession` calls;
    each run's events are read in a task of their own and become chat, viewer and progress calls. The token
    and settings (:class:`AccountView`), the model and its form (:class:`ModelView`) and the history list
    (``HistoryView``) have their own translators beside this one.
    """

    def __init__(self, window: MainWindow, services: Services, *, catalogue: CatalogueFlow | None = None,
                 initial_model: str | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.services = services
        self.chat: ChatSession = services.chat
        self.catalogue = catalogue
        self.tasks = Tasks()
        self._shown: _Shown | None = None
        self.price_run: Callable[[Run, RunFinished], Cost | None] | None = None  # a finished run's cost, if priced
        self.past_costs: Callable[[list[str]], dict[str, Cost]] | None = None  # kept runs' costs, by prediction
        self._viewer_turn: int | None = None  # the reply whose outputs the viewer shows
        self._viewer_files: dict[int, Path] = {}
        self.account = AccountView(window, services.account, services.preferences, self.tasks,
                                   on_signed_in=self._on_account_signed_in)
        self.models = ModelView(window, services.preferences, self.tasks, catalogue=catalogue,
                                local=services.local)
        services.preferences.on_save_failed = self.account.save_failed
        services.recorder.on_failed = self._on_recorder_failed
        self._connect()
        self.models.restore(initial_model)

    @property
    def busy(self) -> bool:
        """Whether a reply is running or its events are still being shown."""
        return self.chat.busy or self._shown is not None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Loads and checks the token, then resumes the predictions left running when the app last closed."""
        if await self.account.start() and self.services.recorder.enabled:
            self.tasks.call(self.services.recovery.resume_unfinished, self._on_recovered,
                            lambda error: log.warning("Recovery failed: %s", error), name="recovery")

    async def shutdown(self) -> None:
        """Stops running work (canceling predictions on the server), saves the layout, lets the history land."""
        self.models.save_layout()
        self.services.runs.cancel_all()
        self.tasks.cancel_all()
        await self.services.runs.wait_all()
        await self.tasks.wait_all()
        await self.models.close()
        if self.catalogue is not None:
            await self.catalogue.close()
        await self.services.recorder.close()

    # ------------------------------------------------------------------ widget signals → session calls

    def _connect(self) -> None:
        w = self.window
        w.chat.prompt_submitted.connect(self._on_chat_prompt_submitted)
        w.chat.stop_requested.connect(self.chat.stop)
        w.chat.retry_requested.connect(self._on_chat_retry_requested)
        w.chat.regenerate_requested.connect(self._on_chat_regenerate_requested)
        w.chat.settings_requested.connect(self.account.open_settings)
        w.chat.link_clicked.connect(lambda url: QDesktopServices.openUrl(QUrl(url)))
        w.chat.image_clicked.connect(lambda _turn, index: w.viewer.select(index))
        w.viewer.retry_requested.connect(self._on_chat_retry_requested)
        w.viewer.image_shown.connect(self._on_viewer_image_shown)
        w.viewer.file_shown.connect(self._on_viewer_file_shown)
        w.viewer.image_saved.connect(self._on_viewer_image_saved)
        w.new_chat_requested.connect(self._on_window_new_chat_requested)

    def _on_chat_prompt_submitted(self, text: str) -> None:
        if self.busy:
            return
        form = self._form()
        if form is None:
            self.window.chat.set_prompt(text)  # the form shows what to fix; the prompt is not lost
            return
        model = self.window.model_picker.current_model()
        run = self.chat.send(text, model, parameters=form[0], schema=form[1],
                             deadline=self.services.preferences.settings.deadline)
        if self._refused(run):
            self.window.chat.set_prompt(text)
            return
        self.window.chat.add_user_turn(text, model)
        self._follow(run)

    def _on_chat_retry_requested(self) -> None:
        form = self._form() if not self.busy else None
        if form is not None:
            self._follow_unless_refused(self.chat.retry(parameters=form[0], schema=form[1]))

    def _on_chat_regenerate_requested(self) -> None:
        form = self._form() if not self.busy else None
        last = self._last_reply()
        if form is None or last is None:
            return
        run = self.chat.regenerate(parameters=form[0], schema=form[1])
        if run is not None:
            self.window.chat.remove_turn(last)
        self._follow_unless_refused(run)

    def _on_window_new_chat_requested(self) -> None:
        self.chat.new()
        self._shown, self._viewer_turn = None, None
        self.window.chat.clear()
        self.window.chat.set_busy(False)
        self.window.progress.reset()
        self.window.chat.focus_prompt()

    def release_viewer(self) -> None:
        """The viewer now shows outputs of no reply (a run sent on, a step of a chain): they stay out of the chat."""
        self._viewer_turn, self._viewer_files = None, {}

    def open_conversation(self, conversation_id: int) -> None:
        """Puts a kept conversation back on screen; new messages continue it."""
        if self.busy:
            self._status(self.tr("Stop the running reply before opening another conversation."))
            return
        if conversation_id == self.chat.conversation.history_id:
            return
        self.tasks.call(lambda: self.chat.open(conversation_id, thumbnail=thumbnail_of), self._show_reopened,
                        lambda error: self._status(describe_problem(problem_of(error))), name="open")

    def _form(self) -> tuple[dict[str, Any], InputSchema | None] | None:
        """The form's values and schema to send, or ``None`` when the form shows something to fix first."""
        if self.catalogue is None:
            return {}, None
        values, problems = self.catalogue.values_for_run()
        if values is None:
            self.window.show_parameters(True)
            self.window.chat.show_error(None, describe_error(InputProblems(problems)))
            return None
        return values, self.catalogue.schema()

    # ------------------------------------------------------------------ session events → widget calls

    def _follow(self, run: Run) -> None:
        model = run.model
        shown = _Shown(run, self.window.chat.begin_assistant_turn(model))
        self._shown = shown
        self.window.chat.set_busy(True)
        self.window.progress.start(model)
        self.tasks.spawn(self._read(shown), name=f"reading run {run.id}")

    def _follow_unless_refused(self, run: Run | None) -> None:
        if run is not None and not self._refused(run):
            self._follow(run)

    async def _read(self, shown: _Shown) -> None:
        try:
            async for event in shown.run:
                if shown is self._shown:
                    self._show(shown, event)
        finally:
            if shown is self._shown:
                self._shown = None
                self.window.chat.set_busy(False)

    def _show(self, shown: _Shown, event: SessionEvent) -> None:
        w, turn = self.window, shown.turn_id
        if isinstance(event, TextAppended):
            w.chat.append_text(turn, event.text)
            if shown.kind is None:
                shown.kind = "text"
                self.models.use_layout("text")
        elif isinstance(event, TextReplaced):  # the exact reply: the chat shows it, the history records it
            log.info("The streamed reply differed from the model's output; showing the output instead")
            w.chat.replace_text(turn, event.text)
        elif isinstance(event, ProgressChanged):
            w.progress.update_progress(event.status, event.mode, event.attempt, event.max_attempts, event.elapsed,
                                       event.percent, event.log_line)
        elif isinstance(event, LogsAppended):
            w.progress.append_logs(event.text)
        elif isinstance(event, RunBegun):
            shown.kind = event.kind
            if event.kind is not None:
                self.models.use_layout("image" if event.kind == "image" else "text")
            if event.kind == "image":
                self._viewer_turn, self._viewer_files = turn, shown.files
                w.viewer.begin_generation(self._prompt_of(shown))
        elif isinstance(event, OutputsAnnounced):
            shown.kind = "image"
            self.models.use_layout("image")
            self._viewer_turn, self._viewer_files = turn, shown.files
            w.viewer.begin_generation(event.alt, len(event.urls))
            for index, url in enumerate(event.urls):
                w.viewer.begin_download(index, url, None)
        elif isinstance(event, OutputProgressed):
            w.viewer.download_progress(event.index, event.received, event.total)
        elif isinstance(event, OutputReady):
            if event.path is not None:
                shown.files[event.index] = event.path
            w.viewer.set_image_bytes(event.index, event.data, content_type=event.content_type,
                                     source_url=str(event.path or event.source_url))
        elif isinstance(event, OutputFailed):
            w.viewer.show_error(event.index, describe_problem(event.problem))
        else:
            self._show_end(shown, event)

    def _show_end(self, shown: _Shown, event: SessionEvent) -> None:
        w, turn = self.window, shown.turn_id
        if isinstance(event, RunFinished):
            cost = cost_text(self.price_run(shown.run, event)) if self.price_run is not None else None
            w.progress.finish(event.status, event.predict_time, cost)
            w.chat.finish_turn(turn, predict_time=event.predict_time, cost=cost)
        elif isinstance(event, RunCanceled):
            w.progress.fail(self.tr("Stopped; the prediction was canceled on Replicate."))
            w.chat.mark_stopped(turn)
        elif isinstance(event, RunFailed):
            message = describe_problem(event.problem)
            w.progress.fail(message)
            w.chat.show_error(turn, message, auth=event.problem.kind == "auth")
            if shown.kind == "image":
                w.viewer.show_error(None, message)
            self._point_to_fix(event.problem, message)

    def _refused(self, run: Run) -> bool:
        """Shows why a run was refused before anything was sent (the conversation is unchanged)."""
        end = run.end
        if not isinstance(end, RunFailed) or not end.problem.checked_locally:
            return False
        message = describe_problem(end.problem)
        self.window.chat.show_error(None, message, auth=end.problem.kind == "auth")
        self._point_to_fix(end.problem, message)
        return True

    def _point_to_fix(self, problem: RunProblem, message: str) -> None:
        if problem.kind == "auth":
            self.account.show_problem(message, missing=problem.checked_locally)
        if problem.fields and self.catalogue is not None:
            self.catalogue.highlight(problem.fields)

    def _show_reopened(self, reopened: Reopened) -> None:
        w = self.window
        self._shown = None
        w.chat.clear()
        w.progress.reset()
        thumbnails = {image.path: image.thumbnail for image in reopened.images}
        self._viewer_turn, self._viewer_files = None, {}  # the reopened turns have their thumbnails already
        predictions = [turn.prediction_id for turn in reopened.conversation if turn.prediction_id]
        costs = self.past_costs(predictions) if self.past_costs is not None and predictions else {}
        for turn in reopened.conversation:
            if turn.role == "user":
                w.chat.add_user_turn(turn.text, turn.model)
                continue
            turn_id = w.chat.begin_assistant_turn(turn.model)
            if turn.text:
                w.chat.append_text(turn_id, turn.text)
            for index, path in enumerate(turn.outputs):
                if path in thumbnails:
                    w.chat.add_image_turn(turn_id, thumbnails[path], index)
            if turn.state == "stopped":
                w.chat.mark_stopped(turn_id)
            elif turn.state == "failed":
                w.chat.show_error(turn_id, turn.error or self.tr("This reply was interrupted before it finished."))
            else:
                cost = costs.get(turn.prediction_id) if turn.prediction_id else None
                w.chat.finish_turn(turn_id, predict_time=turn.predict_time, cost=cost_text(cost))
        self.models.show_model(reopened.stored.model)
        images = reopened.last_images
        if images:
            self.models.use_layout("image")
            w.viewer.begin_generation(reopened.last_prompt, len(images))
            for position, image in enumerate(images):
                self._viewer_files[position] = image.path
                w.viewer.set_image_bytes(position, image.data, content_type=image.content_type,
                                         source_url=str(image.path))
        if hasattr(w, "sidebar"):
            w.sidebar.select_conversation(reopened.stored.id)

    # ------------------------------------------------------------------ the viewer's own signals

    def _on_viewer_image_shown(self, index: int) -> None:
        image = self.window.viewer.image_at(index)
        if self._viewer_turn is not None and image is not None:  # decoded off the loop: maybe after the run ended
            self.window.chat.add_image_turn(self._viewer_turn, image, index)

    def _on_viewer_file_shown(self, index: int) -> None:
        output = self.window.viewer.file_at(index)
        if self._viewer_turn is not None and output is not None:
            self.window.chat.add_note(self.tr("Output file: {} ({}) — in the viewer, with Save and Open").format(
                output.name, output.description()))

    def _on_viewer_image_saved(self, path: str) -> None:
        self._status(self.tr("Saved {}").format(path), 5000)
        source = self._viewer_files.get(self.window.viewer.current_index())
        if source is not None:  # a converted copy keeps the prompt, model and seed too
            self.tasks.call(lambda: self.services.library.keep_metadata(source, Path(path)), lambda _kept: None,
                            lambda error: log.warning("Metadata not copied: %s", error), name="keep metadata")

    # ------------------------------------------------------------------ the rest

    def _on_account_signed_in(self) -> None:
        if self.catalogue is not None:
            self.catalogue.load_schema(self.window.model_picker.current_model())

    def _on_recovered(self, count: int) -> None:
        if count:
            self._status(self.tr("Recovered %n result(s) that finished while the app was closed.", "", count), 15000)

    def _on_recorder_failed(self, error: Exception) -> None:
        text = str(error) or type(error).__name__
        self._status(self.tr("The history could not be saved: {0}").format(text), 10000)

    def _last_reply(self) -> int | None:
        turns = self.window.chat.turns()
        return turns[-1].turn_id if turns and turns[-1].role == "assistant" else None

    def _prompt_of(self, shown: _Shown) -> str:
        request = shown.run.request
        messages = request.messages if request is not None else ()
        return messages[-1].content if messages else ""

    def _status(self, message: str, timeout: int = 10000) -> None:
        self.window.statusBar().showMessage(message, timeout)
