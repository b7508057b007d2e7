"""Where features meet: the model catalogue flow gets the window's picker and a parameter form of its own; the
history list gets the session's library; pictures (dropped, pasted, sent on, masked) and presets get the form."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QScrollArea, QWidget

from ...session import Gallery, Presets, Services
from ..common.tasks import Tasks
from ..common.widgets import named
from ..form.parameter_form import ParameterForm
from ..form.presets_menu import PresetsMenu
from ..history.sidebar import HistorySidebar
from ..models.catalogue_flow import CatalogueFlow
from .history_view import HistoryView
from .main_window import MainWindow
from .picture_targets import PictureTargets
from .picture_wiring import PictureFlows, keep_in_folder
from .send_to import SendToFlow
from .starting_values import StartingValues

if TYPE_CHECKING:
    from ...replicate import ReplicateClient


def attach_catalogue(
    window: MainWindow,
    client_getter: Callable[[], ReplicateClient],
    cache_dir: Path,
    remembered: Callable[[str], Mapping[str, Any]] | None = None,
    has_token: Callable[[], bool] | None = None,
) -> CatalogueFlow:
    """Builds the parameter form into the window's side panel and the flow that fills it for the chosen model;
    "Find models…" opens the flow's browser."""
    form = ParameterForm()
    scroll = named(QScrollArea(), "parametersPanel")
    scroll.setWidgetResizable(True)
    scroll.setWidget(form)
    window.set_parameters_panel(scroll)
    flow = CatalogueFlow(window.model_picker, form, client_getter, cache_dir, remembered, has_token=has_token,
                         parent=window)
    flow.parameters_requested.connect(lambda: window.show_parameters(True))
    flow.announced.connect(lambda message: window.statusBar().showMessage(message, 6000))
    window.browse_requested.connect(flow.open_browser)
    return flow


def attach_history(window: MainWindow, services: Services, tasks: Tasks, *,
                   open_conversation: Callable[[int], None], catalogue: CatalogueFlow | None = None) -> HistoryView:
    """Puts the history list at the left of the window; its actions go to the session's library, a conversation
    it opens to ``open_conversation``, and each history write it should show refreshes it."""
    store = services.recorder.store
    assert store is not None
    sidebar = HistorySidebar(store)
    window.set_sidebar(sidebar)
    view = HistoryView(window, sidebar, services.library, services.preferences, tasks,
                       current=lambda: services.chat.conversation.history_id, catalogue=catalogue)
    view.open_requested.connect(open_conversation)
    services.recorder.on_changed = view.refresh
    return view


class PictureWiring(QObject):
    """What :func:`attach_pictures` gave a window: its picture flows, its "Send to…" and the app's one
    :class:`Gallery` they work through (which the gallery window then shares: :meth:`of` finds them)."""

    def __init__(self, window: MainWindow, flows: PictureFlows, send_to: SendToFlow, gallery: Gallery,
                 inputs_dir: Path) -> None:
        super().__init__(window)
        self.setObjectName("pictureWiring")
        self.flows = flows
        self.send_to = send_to
        self.gallery = gallery
        self.inputs_dir = inputs_dir

    @staticmethod
    def of(window: QWidget) -> PictureWiring | None:
        """The picture wiring of ``window`` (``None`` when it has no parameter form, so no pictures)."""
        return window.findChild(PictureWiring, "pictureWiring")


def attach_pictures(window: MainWindow, services: Services, catalogue: CatalogueFlow, starting: StartingValues,
                    presets: Presets, tasks: Tasks, *, gallery: Gallery, busy: Callable[[], bool],
                    release_viewer: Callable[[], None], inputs_dir: Path) -> PictureWiring:
    """Pictures dropped or pasted on the window, the viewer's "Use as input", "Paint a mask…" and "Send to…",
    the chain of an output, and the preset menu beside the form, all through ``gallery``. ``busy`` says whether
    a reply has the viewer; ``release_viewer`` keeps what these show out of the chat. Without a history, painted
    masks and pasted pictures are kept in ``inputs_dir`` and nothing can be sent on."""

    async def keep(data: bytes, extension: str) -> Path:
        if gallery.enabled:
            return await gallery.keep_input(data, extension)
        return await keep_in_folder(inputs_dir, data, extension)

    targets = PictureTargets(window, catalogue, starting, lambda: services.account.client)
    pictures = PictureFlows(window, catalogue=catalogue, targets=targets, starting=starting, tasks=tasks,
                            keep_input=keep)
    send_to = SendToFlow(window, gallery=gallery, runs=services.runs, targets=targets, presets=presets, tasks=tasks,
                         texts=pictures.texts, busy=busy, release_viewer=release_viewer)
    assert isinstance(catalogue.form, ParameterForm)
    menu = PresetsMenu(presets, catalogue.form)
    catalogue.form.add_header(menu)
    starting.on_built.append(menu.set_model)
    menu.announced.connect(lambda message: window.statusBar().showMessage(message, 8000))
    return PictureWiring(window, pictures, send_to, gallery, inputs_dir)
