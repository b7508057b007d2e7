"""Pictures brought into the window — dropped, pasted, or an output in the viewer — and where they go: the chosen
model's image input, a mask painted over them for its mask input, or the model and settings they were made with."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QMimeData, QObject, Qt, QTimer
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage, QImageReader, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QPlainTextEdit

from ...replicate import InputSchema
from ...session import DroppedFile, NoInputError, inspect_file, restore_settings, use_as_input
from ...session.picture_inputs import input_field
from ..common.tasks import Tasks
from ..form.parameter_form import ParameterForm
from ..mask.mask_image import png_bytes
from ..models.catalogue_flow import CatalogueFlow
from .main_window import MainWindow
from .picture_bar import THUMBNAIL, PictureBar
from .picture_targets import PictureTargets
from .picture_texts import PictureTexts
from .starting_values import StartingValues

if TYPE_CHECKING:
    from ..mask.painter import MaskPainter

log = logging.getLogger(__name__)

KeepInput = Callable[[bytes, str], Awaitable[Path]]


class PictureFlows(QObject):
    """Takes pictures into the window and on to a model.

    A file dropped on the window (or the prompt box), or pasted (Edit ▸ Paste picture, or Ctrl+V in the prompt
    box with a picture on the clipboard), is inspected off the loop and shown in the :class:`PictureBar`: its
    settings, if its file carries any, can restore the model and settings; it can go to the image input of the
    chosen model (or any of the user's models that has one); a mask can be painted over it for the chosen
    model's mask input. The viewer's "Use as input" and "Paint a mask…" do the same for an output. Nothing
    falls back silently: what cannot be done is said in one sentence, on the bar or in the status bar.
    """

    def __init__(self, window: MainWindow, *, catalogue: CatalogueFlow, targets: PictureTargets,
                 starting: StartingValues, tasks: Tasks, keep_input: KeepInput) -> None:
        super().__init__(window)
        self.window = window
        self.catalogue = catalogue
        assert isinstance(catalogue.form, ParameterForm)
        self.form: ParameterForm = catalogue.form
        self.targets = targets
        self.starting = starting
        self.tasks = tasks
        self.keep_input = keep_input
        self.texts = PictureTexts(self)
        self.bar = PictureBar()
        self.painter: MaskPainter | None = None
        self._painted: Path | None = None  # the picture the open painter paints over
        self._picture: DroppedFile | None = None
        self._connect()

    # --- bringing a picture in ----------------------------------------------------------------------

    def bring_in(self, path: Path, *, note: str = "") -> None:
        """Looks at ``path`` (off the loop) and shows it in the bar with what can be done with it."""
        self.tasks.call(lambda: asyncio.to_thread(_look_at, path), lambda seen: self._show(*seen, note=note),
                        lambda error: self.bar.show_problem(path.name, self.texts.unreadable(path, error)),
                        name="inspect picture")

    def bring_in_data(self, data: bytes, extension: str = "png") -> None:
        """Keeps a picture that has no file (pasted, dragged from a browser) as a file, then brings it in."""
        self.tasks.call(lambda: self.keep_input(data, extension), self.bring_in,
                        lambda error: self._announce(self.texts.not_kept(error)), name="keep picture")

    def paste(self) -> bool:
        """Brings in the picture on the clipboard (a copied file or a copied image); False when there is none."""
        mime = QGuiApplication.clipboard().mimeData()
        if mime is not None and self._take(mime):
            return True
        self._announce(self.texts.nothing_to_paste())
        return False

    # --- where it goes ------------------------------------------------------------------------------

    def use_as_input(self, source: Path, model: str) -> bool:
        """Puts ``source`` into ``model``'s image input: at once when its form is on screen, else when the form
        of the model (chosen now) is built."""
        if self.starting.is_built_for(model):
            return self._fill_input(source, model, self.catalogue.schema())
        self.starting.expect(model, lambda schema: self._input_values(source, model, schema, show=True))
        self._choose(model)
        self._announce(self.texts.waiting_for_inputs(source, model))
        return True

    def paint_mask(self, source: Path) -> MaskPainter | None:
        """Opens the mask painter over ``source`` for the chosen model's mask input (non-modal); the painted
        mask goes to that input and ``source`` to its image input."""
        model = self.targets.current()
        schema = self.targets.current_schema()
        if schema is None:
            self._announce(self.texts.inputs_unknown(model))
            return None
        if input_field(schema, "image", mask=True) is None or input_field(schema, "image") is None:
            self._announce(self.texts.no_mask_input(model))
            return None
        picture = QImage(str(source))
        if picture.isNull():
            self._announce(self.texts.not_a_picture(source))
            return None
        if self.painter is not None:
            self.painter.close()
        from ..mask.painter import MaskPainter  # the painter's modules load when it is first opened

        painter = MaskPainter(picture, self._earlier_mask(source, schema), title=source.name, parent=self.window)
        self._painted = source
        painter.mask_painted.connect(lambda png: self._keep_mask(source, model, png))
        painter.finished.connect(painter.deleteLater)
        painter.destroyed.connect(lambda: self._forget_painter(painter))
        self.painter = painter
        painter.show()
        return painter

    def paint_mask_for(self, source: Path, model: str) -> None:
        """:meth:`paint_mask` for ``model``, chosen first (the painter opens once its form is built)."""
        if self.starting.is_built_for(model):
            self.paint_mask(source)
            return

        def then(_schema: InputSchema) -> Mapping[str, Any]:
            QTimer.singleShot(0, lambda: self.paint_mask(source) if self.starting.is_built_for(model) else None)
            return {}

        self.starting.expect(model, then)
        self._choose(model)

    def files_in_use(self) -> set[Path]:
        """The local files the form, the picture bar and the mask painter hold now (kept by any clean-up)."""
        files = {item for value in self.form.values().values()
                 for item in (value if isinstance(value, list) else [value]) if isinstance(item, Path)}
        if self._picture is not None:
            files.add(self._picture.path)
        if self.painter is not None and self._painted is not None:
            files.add(self._painted)
        return files

    def restore(self) -> bool:
        """Restores the model (this app's files name it exactly) and the settings of the picture in the bar."""
        picture = self._picture
        settings = picture.settings if picture is not None else None
        if settings is None:
            return False
        model = settings.model or self.targets.current()

        def fill(schema: InputSchema) -> Mapping[str, Any]:
            restored = restore_settings(settings, schema)
            if restored.prompt:
                self.window.chat.set_prompt(restored.prompt)
            self._announce(self.texts.restored(model, restored))
            self.window.show_parameters(True)
            return restored.values

        if self.starting.is_built_for(model):
            self.form.set_values(fill(self.catalogue.schema()))
        else:
            self.starting.expect(model, fill)
            self._choose(model)
            self._announce(self.texts.restoring(model))
        return True

    # --- the viewer's outputs -----------------------------------------------------------------------

    def output_file(self, index: int, then: Callable[[Path], object]) -> None:
        """Calls ``then`` with the file of the viewer's output ``index`` (kept first when it has none)."""
        viewer = self.window.viewer
        path = viewer.path_at(index)
        if path is not None:
            then(path)
            return
        image = viewer.image_at(index)
        if image is None:
            return
        data = png_bytes(image)

        def kept(path: Path) -> None:
            then(path)

        self.tasks.call(lambda: self.keep_input(data, "png"), kept,
                        lambda error: self._announce(self.texts.not_kept(error)), name="keep output")

    # --- private ------------------------------------------------------------------------------------

    def _connect(self) -> None:
        w = self.window
        w.add_bar(self.bar)
        w.setAcceptDrops(True)
        w.installEventFilter(self)
        prompt = w.chat.findChild(QPlainTextEdit, "chat_prompt")
        if prompt is not None:  # keys reach the box itself, drops its viewport
            prompt.installEventFilter(self)
            prompt.viewport().installEventFilter(self)
        w.paste_picture_action.triggered.connect(self.paste)
        w.viewer.use_as_input_requested.connect(
            lambda index: self.output_file(index, self._use_output))
        w.viewer.mask_requested.connect(lambda index: self.output_file(index, self.paint_mask))
        self.bar.restore_requested.connect(self.restore)
        self.bar.use_requested.connect(self._on_bar_use_requested)
        self.bar.mask_requested.connect(self._on_bar_mask_requested)
        self.bar.dismissed.connect(self._forget_picture)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove) and isinstance(event, QDragEnterEvent | QDropEvent):
            if event.source() is None and _carries_picture(event.mimeData()):
                event.acceptProposedAction()
                return True
        elif kind == QEvent.Type.Drop and isinstance(event, QDropEvent):
            if event.source() is None and _carries_picture(event.mimeData()):
                event.acceptProposedAction()
                self._take(event.mimeData())
                return True
        elif kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and isinstance(watched, QPlainTextEdit) \
                and event.matches(QKeySequence.StandardKey.Paste):
            mime = QGuiApplication.clipboard().mimeData()
            if mime is not None and not mime.hasText() and self._take(mime):
                return True  # a picture on the clipboard; text is pasted as usual
        return super().eventFilter(watched, event)

    def _take(self, mime: QMimeData) -> bool:
        """Brings in what ``mime`` carries: its first local file, else its image. False when it has neither."""
        files = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
        if files:
            self.bring_in(files[0])
            return True
        if mime.hasImage():
            image = QImage(mime.imageData())
            if not image.isNull():
                self.bring_in_data(png_bytes(image))
                return True
        if mime.hasUrls():
            self._announce(self.texts.only_local_files())
            return True
        return False

    def _show(self, dropped: DroppedFile, thumbnail: QImage | None, *, note: str = "") -> None:
        self._picture = dropped
        name = dropped.path.name
        if not dropped.usable or dropped.kind != "image" or thumbnail is None:
            self._picture = None
            self.bar.show_problem(name, dropped.note if not dropped.usable and dropped.note
                                  else self.texts.not_a_picture(dropped.path))
            return
        model = self.targets.current()
        settings = dropped.settings
        target = (settings.model if settings is not None and settings.model else model)
        restored = restore_settings(settings, self.targets.cached_schema(target)) if settings is not None else None
        lines = [note] if note else []
        lines += self.texts.settings_lines(dropped, restored)
        self.bar.show_picture(name, thumbnail, "\n".join(lines))
        self.bar.set_restore(settings is not None, self.texts.restore_tip(target))
        self.bar.set_targets(model if self.targets.takes(model) else None, self.targets.takers())
        self.bar.set_mask(self.targets.takes(model, mask=True))

    def _use_output(self, path: Path) -> None:
        model = self.targets.current()
        if self.targets.current_schema() is not None and self.targets.takes(model):
            self.use_as_input(path, model)
        else:
            self.bring_in(path, note=self.texts.takes_no_picture(model))

    def _fill_input(self, source: Path, model: str, schema: InputSchema) -> bool:
        values = self._input_values(source, model, schema)
        if not values:
            return False
        key, value = next(iter(values.items()))
        editor = self.form.editor(key)
        if editor is None or not editor.set_value(value):
            self._announce(self.texts.field_refused(source, key))
            return False
        self.window.show_parameters(True)
        return True

    def _input_values(self, source: Path, model: str, schema: InputSchema, *, show: bool = False) -> dict[str, Any]:
        """``{input: file}`` for ``model``'s image input, saying where it went (or why it cannot go); ``show``
        opens the form to show it."""
        try:
            choice = use_as_input(source, schema, model=model)
        except NoInputError as error:
            self._announce(self.texts.no_input(model, error))
            return {}
        self._announce(self.texts.goes_to(source, choice.title or choice.key, model))
        if show:
            self.window.show_parameters(True)
        return {choice.key: choice.value}

    def _earlier_mask(self, source: Path, schema: InputSchema) -> QImage | None:
        """The mask painted before for this picture (still in the form: kept across retries), to go on from."""
        form = self.form
        image_spec, mask_spec = input_field(schema, "image"), input_field(schema, "image", mask=True)
        if image_spec is None or mask_spec is None:
            return None
        image_editor, mask_editor = form.editor(image_spec.name), form.editor(mask_spec.name)
        if image_editor is None or mask_editor is None or _first(image_editor.value()) != source:
            return None
        earlier = _first(mask_editor.value())
        mask = QImage(str(earlier)) if isinstance(earlier, Path) else QImage()
        return None if mask.isNull() else mask

    def _keep_mask(self, source: Path, model: str, png: bytes) -> None:
        self.tasks.call(lambda: self.keep_input(png, "png"), lambda path: self._fill_mask(source, model, path),
                        lambda error: self._announce(self.texts.not_kept(error)), name="keep mask")

    def _fill_mask(self, source: Path, model: str, mask: Path) -> None:
        if not self.starting.is_built_for(model):
            self._announce(self.texts.model_changed(model))
            return
        schema = self.catalogue.schema()
        try:
            image = use_as_input(source, schema, model=model)
            painted = use_as_input(mask, schema, model=model, mask=True)
        except NoInputError as error:
            self._announce(self.texts.no_input(model, error))
            return
        form = self.form
        for choice in (image, painted):
            editor = form.editor(choice.key)
            if editor is None or not editor.set_value(choice.value):
                self._announce(self.texts.field_refused(source, choice.key))
                return
        self.window.show_parameters(True)
        self._announce(self.texts.mask_kept(painted.title or painted.key, model))

    def _choose(self, model: str) -> None:
        picker = self.window.model_picker
        if picker.set_current_model(model):
            picker.model_selected.emit(picker.current_model())

    def _on_bar_use_requested(self, model: str) -> None:
        if self._picture is not None:
            self.use_as_input(self._picture.path, model)

    def _on_bar_mask_requested(self) -> None:
        if self._picture is not None:
            self.paint_mask(self._picture.path)

    def _forget_picture(self) -> None:
        self._picture = None

    def _forget_painter(self, painter: MaskPainter) -> None:
        if self.painter is painter:
            self.painter = None

    def _announce(self, message: str) -> None:
        self.window.statusBar().showMessage(message, 10000)


def _look_at(path: Path) -> tuple[DroppedFile, QImage | None]:
    """What a dropped file is, and its thumbnail when it is a picture (off the loop: QImage is reentrant)."""
    dropped = inspect_file(path)
    if not dropped.usable or dropped.kind != "image":
        return dropped, None
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and max(size.width(), size.height()) > 4 * THUMBNAIL:
        reader.setScaledSize(size.scaled(4 * THUMBNAIL, 4 * THUMBNAIL, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    return dropped, None if image.isNull() else image


def _carries_picture(mime: QMimeData) -> bool:
    return any(url.isLocalFile() for url in mime.urls()) or mime.hasImage()


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


async def keep_in_folder(folder: Path, data: bytes, extension: str) -> Path:
    """Keeps ``data`` as ``<sha256>.<extension>`` in ``folder`` (inputs when there is no history to keep them)."""

    def write() -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{hashlib.sha256(data).hexdigest()}.{extension}"
        if not path.exists():
            temporary = path.with_suffix(path.suffix + ".part")
            temporary.write_bytes(data)
            temporary.replace(path)
        else:
            os.utime(path)  # kept again: the clean-up's grace period starts anew
        return path

    return await asyncio.to_thread(write)

