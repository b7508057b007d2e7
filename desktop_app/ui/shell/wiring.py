"""Where features meet: the model catalogue flow gets the window's picker and a parameter form of its own; the
history list gets the session's library."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QScrollArea

from ...session import Services
from ..common.tasks import Tasks
from ..common.widgets import named
from ..form.parameter_form import ParameterForm
from ..history.sidebar import HistorySidebar
from ..models.catalogue_flow import CatalogueFlow
from .history_view import HistoryView
from .main_window import MainWindow

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
