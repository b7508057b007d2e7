"""What the history sidebar's actions do: reopen, rename, delete, export, import, reuse and copy parameters."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSize, Qt
from PySide6.QtGui import QGuiApplication, QImage, QImageReader
from PySide6.QtWidgets import QFileDialog

from ...storage.history import HistoryStore
from ...storage.history_export import export_json, export_markdown, import_json
from ...storage.history_records import Conversation, Generation
from ..common.runners import CallRunner
from ..history.sidebar import HistorySidebar

if TYPE_CHECKING:
    from .controller import AppController

log = logging.getLogger(__name__)

THUMBNAIL = 256
MAX_VIEWER_IMAGES = 16


@dataclass(frozen=True)
class _LoadedImage:
    generation_id: int
    index: int
    data: bytes
    content_type: str | None
    path: Path
    thumbnail: QImage


@dataclass(frozen=True)
class _Loaded:
    conversation: Conversation
    images: list[_LoadedImage]


class HistoryActions(QObject):
    """Carries out the sidebar's requests through the controller's history recorder (never on the GUI
    thread) and puts reopened conversations back into the chat and the viewer."""

    def __init__(self, controller: AppController, sidebar: HistorySidebar) -> None:
        super().__init__(sidebar)
        self.controller = controller
        self.sidebar = sidebar
        self.calls = CallRunner(self)
        self.calls.succeeded.connect(self._on_calls_succeeded)
        self.calls.failed.connect(self._on_calls_failed)
        sidebar.conversation_opened.connect(self._on_sidebar_conversation_opened)
        sidebar.rename_requested.connect(self._on_sidebar_rename_requested)
        sidebar.delete_requested.connect(self._on_sidebar_delete_requested)
        sidebar.export_requested.connect(self._on_sidebar_export_requested)
        sidebar.import_requested.connect(self._on_sidebar_import_requested)
        sidebar.reuse_requested.connect(self._on_sidebar_reuse_requested)
        sidebar.copy_parameters_requested.connect(self._on_sidebar_copy_parameters_requested)
        sidebar.new_chat_requested.connect(controller.window.new_chat_requested)
        controller.history.changed.connect(lambda _id: sidebar.refresh())

    # ------------------------------------------------------------------ requests

    def _on_sidebar_conversation_opened(self, conversation_id: int) -> None:
        if self.controller.runner.running:
            self._status(self.tr("Stop the running reply before opening another conversation."))
            return
        if conversation_id == self.controller.history.conversation_id:
            return
        self._run("open", lambda store: _load(store, conversation_id))

    def _on_sidebar_rename_requested(self, conversation_id: int, title: str) -> None:
        self._run("rename", lambda store: store.rename_conversation(conversation_id, title))

    def _on_sidebar_delete_requested(self, conversation_id: int) -> None:
        if conversation_id == self.controller.history.conversation_id:
            self.controller.window.new_chat_requested.emit()
        self._run("delete", lambda store: store.delete_conversation(conversation_id))

    def _on_sidebar_reuse_requested(self, conversation_id: int) -> None:
        self._run("reuse", lambda store: _last_generation(store, conversation_id))

    def _on_sidebar_copy_parameters_requested(self, conversation_id: int) -> None:
        self._run("copy", lambda store: _last_generation(store, conversation_id))

    def _on_sidebar_export_requested(self, conversation_id: int, kind: str) -> None:
        window = self.controller.window
        if kind == "markdown":
            dialog = QFileDialog(window, self.tr("Export as Markdown into folder"))
            dialog.setFileMode(QFileDialog.FileMode.Directory)
            dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
            dialog.fileSelected.connect(lambda folder: self._run(
                "export", lambda store: export_markdown(store, conversation_id, Path(folder))))
        else:
            dialog = QFileDialog(window, self.tr("Export as JSON"))
            dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
            dialog.setNameFilter(self.tr("JSON (*.json)"))
            dialog.setDefaultSuffix("json")
            dialog.fileSelected.connect(lambda path: self._run(
                "export", lambda store: export_json(store, conversation_id, Path(path))))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _on_sidebar_import_requested(self) -> None:
        dialog = QFileDialog(self.controller.window, self.tr("Import a conversation"))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setNameFilter(self.tr("Replicate Desktop export (*.json)"))
        dialog.fileSelected.connect(lambda path: self._run("import", lambda store: import_json(store, Path(path))))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    # ------------------------------------------------------------------ results

    def _run(self, name: str, action: Callable[[HistoryStore], Any]) -> None:
        recorder = self.controller.history

        async def call() -> Any:
            return await recorder.call(action)

        self.calls.run(name, call)

    def _on_calls_succeeded(self, name: str, result: Any) -> None:
        if name == "open":
            self._show(result)
        elif name in ("rename", "delete"):
            self.sidebar.refresh()
        elif name == "import":
            self.sidebar.refresh()
            self._run("open", lambda store: _load(store, int(result)))
        elif name == "export":
            self._status(self.tr("Exported to {}").format(result))
        elif name == "reuse" and result is not None:
            self._reuse(result)
        elif name == "copy" and result is not None:
            QGuiApplication.clipboard().setText(json.dumps(_parameters(result), indent=2, ensure_ascii=False))
            self._status(self.tr("Parameters copied to the clipboard."))
        elif name in ("reuse", "copy"):
            self._status(self.tr("This conversation has no generation to reuse yet."))

    def _on_calls_failed(self, _name: str, message: str, _kind: str) -> None:
        self._status(message)

    def _status(self, message: str) -> None:
        self.controller.window.statusBar().showMessage(message, 10000)

    def _reuse(self, generation: Generation) -> None:
        window = self.controller.window
        reference = f"{generation.model}:{generation.version}" if generation.version else generation.model
        if not window.model_picker.set_current_model(reference):
            window.model_picker.set_current_model(generation.model)
        window.chat.set_prompt(str(generation.input.get("prompt", "")))
        window.chat.focus_prompt()
        inputs = {name: value for name, value in generation.input.items() if name != "prompt"}
        if inputs:  # the other inputs go back into the model's form (a seed given here stays locked)
            self.controller.reuse_inputs(generation.model.split(":")[0], inputs)

    def _show(self, loaded: _Loaded) -> None:
        """Puts a stored conversation back on screen; new messages continue it."""
        controller, window = self.controller, self.controller.window
        conversation = loaded.conversation
        window.chat.clear()
        window.progress.reset()
        controller.history.open_conversation(conversation.id)
        by_turn = {g.turn_id: g for g in conversation.generations if g.turn_id is not None}
        thumbnails: dict[int, list[QImage]] = {}
        for image in loaded.images:
            thumbnails.setdefault(image.generation_id, []).append(image.thumbnail)
        for turn in conversation.turns:
            if turn.role == "user":
                window.chat.add_user_turn(turn.text, turn.model)
                continue
            turn_id = window.chat.begin_assistant_turn(turn.model)
            if turn.text:
                window.chat.append_text(turn_id, turn.text)
            generation = by_turn.get(turn.id)
            for index, thumbnail in enumerate(thumbnails.get(generation.id, []) if generation else []):
                window.chat.add_image_turn(turn_id, thumbnail, index)
            if turn.state == "stopped":
                window.chat.mark_stopped(turn_id)
            elif turn.state in ("failed", "streaming") or (generation and generation.status == "interrupted"):
                reason = generation.error if generation and generation.error else None
                window.chat.show_error(turn_id, reason or self.tr("This reply was interrupted before it finished."))
            else:
                window.chat.finish_turn(turn_id, predict_time=generation.predict_time if generation else None)
        window.model_picker.set_current_model(conversation.model)
        last = [image for image in loaded.images if image.generation_id == loaded.images[-1].generation_id] \
            if loaded.images else []
        if last:
            generation = next(g for g in conversation.generations if g.id == last[0].generation_id)
            window.viewer.begin_generation(str(generation.input.get("prompt", "")), len(last))
            for position, image in enumerate(last):
                window.viewer.set_image_bytes(position, image.data, content_type=image.content_type,
                                              source_url=str(image.path))
        self.sidebar.select_conversation(conversation.id)


def _load(store: HistoryStore, conversation_id: int) -> _Loaded:
    """Reads a conversation, thumbnails of its kept images, and the bytes of the last generation's images
    (only those go to the viewer), all in the history's worker thread."""
    conversation = store.load_conversation(conversation_id)
    kept = [(generation.id, index, output) for generation in conversation.generations
            for index, output in enumerate(generation.outputs)
            if (output.content_type or "").startswith("image/") and output.path.is_file()]
    kept = kept[-MAX_VIEWER_IMAGES * 4:]
    last_generation = kept[-1][0] if kept else None
    images: list[_LoadedImage] = []
    for generation_id, index, output in kept:
        data = b""
        if generation_id == last_generation:
            try:
                data = output.path.read_bytes()
            except OSError as error:
                log.warning("Kept output %s is unreadable: %s", output.path, error)
                continue
        images.append(_LoadedImage(generation_id, index, data, output.content_type, output.path,
                                   _thumbnail(output.path)))
    return _Loaded(conversation, images)


def _thumbnail(path: Path) -> QImage:
    reader = QImageReader(str(path))
    size = reader.size()
    if size.isValid() and max(size.width(), size.height()) > THUMBNAIL:
        reader.setScaledSize(size.scaled(QSize(THUMBNAIL, THUMBNAIL), Qt.AspectRatioMode.KeepAspectRatio))
    return reader.read()


def _last_generation(store: HistoryStore, conversation_id: int) -> Generation | None:
    conversation = store.load_conversation(conversation_id)
    return conversation.generations[-1] if conversation.generations else None


def _parameters(generation: Generation) -> dict[str, Any]:
    return {"model": generation.model, "version": generation.version, "input": dict(generation.input)}
