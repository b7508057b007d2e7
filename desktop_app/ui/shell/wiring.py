"""Where features meet: the model catalogue flow gets the window's picker and a parameter form of its own."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QScrollArea

from ...replicate import ReplicateClient
from ..common.widgets import named
from ..form.parameter_form import ParameterForm
from ..models.catalogue_flow import CatalogueFlow
from .main_window import MainWindow


def attach_catalogue(
    window: MainWindow,
    client_getter: Callable[[], ReplicateClient],
    cache_dir: Path,
    remembered: Callable[[str], Mapping[str, Any]] | None = None,
) -> CatalogueFlow:
    """Builds the parameter form into the window's side panel and the flow that fills it for the chosen model;
    "Find models…" opens the flow's browser."""
    form = ParameterForm()
    scroll = named(QScrollArea(), "parametersPanel")
    scroll.setWidgetResizable(True)
    scroll.setWidget(form)
    window.set_parameters_panel(scroll)
    flow = CatalogueFlow(window.model_picker, form, client_getter, cache_dir, remembered, parent=window)
    flow.parameters_requested.connect(lambda: window.show_parameters(True))
    flow.announced.connect(lambda message: window.statusBar().showMessage(message, 6000))
    window.browse_requested.connect(flow.open_browser)
    return flow
