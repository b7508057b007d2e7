"""How the window's width is shared: the chat gets it for text models, the viewer for image models, and the
parameters open wide enough for every editor; what the user drags is remembered per kind of model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QScrollArea, QSplitter, QWidget
from shiboken6 import isValid

OutputKind = Literal["text", "image"]
SIDEBAR_WIDTH = 260
IMAGE_CHAT_SHARE = 0.42  # of the room left to chat and viewer, for an image model
MIN_CHAT_WIDTH = 280
MIN_VIEWER_WIDTH = 240
MIN_SIDEBAR_WIDTH = 180
MAX_PARAMETERS_SHARE = 0.5  # of the window: the parameters never open wider


class PaneLayout(QObject):
    """Owns the sizes of the main splitter's panes: ``sidebar`` (optional), ``chat``, ``viewer``, ``parameters``
    (optional, shown on request).

    :meth:`use` switches between the layouts of text and image models; the widths the user drags the panes to
    are remembered for the kind in use (:meth:`widths` / :meth:`restore` carry them through the settings).
    The parameters panel never gets narrower than its form needs, so no editor hides behind a scroll bar.
    """

    def __init__(self, splitter: QSplitter, chat: QWidget, viewer: QWidget) -> None:
        super().__init__(splitter)
        self.splitter = splitter
        self._panes: dict[str, QWidget] = {"chat": chat, "viewer": viewer}
        self._kind: OutputKind = "image"
        self._widths: dict[str, dict[str, int]] = {}
        self._applying = False
        splitter.splitterMoved.connect(self._on_splitter_moved)
        self._allow_collapsing()

    @property
    def kind(self) -> OutputKind:
        return self._kind

    def add_sidebar(self, sidebar: QWidget) -> None:
        self._panes = {"sidebar": sidebar, **self._panes}
        self.splitter.insertWidget(0, sidebar)
        self.splitter.setStretchFactor(0, 0)
        self._allow_collapsing()
        self.apply()

    def add_parameters(self, panel: QScrollArea) -> None:
        """Adds the parameters panel at the right, hidden; it follows its form's width from now on."""
        self._panes["parameters"] = panel
        self.splitter.addWidget(panel)
        self.splitter.setStretchFactor(self.splitter.count() - 1, 0)
        panel.hide()
        form = panel.widget()
        if form is not None:
            form.installEventFilter(self)
        self._fit_parameters()
        self._allow_collapsing()

    def show_parameters(self, visible: bool) -> None:
        panel = self._panes.get("parameters")
        if panel is None or panel.isHidden() != visible:
            return
        self._remember()
        panel.setVisible(visible)
        self._fit_parameters()
        self.apply()
        QTimer.singleShot(0, self, self._apply_later)  # again once the splitter has handled the show or hide

    def use(self, kind: OutputKind) -> None:
        """Lays the panes out for a model that makes ``kind`` (remembering the current kind's widths first)."""
        if kind == self._kind:
            return
        self._remember()
        self._kind = kind
        self.apply()

    def widths(self) -> dict[str, dict[str, int]]:
        """The remembered widths per kind, the current layout's included (what the settings keep)."""
        self._remember()
        return {kind: dict(widths) for kind, widths in self._widths.items()}

    def restore(self, widths: Mapping[str, Mapping[str, int]], kind: OutputKind | None = None) -> None:
        self._widths = {key: {pane: int(width) for pane, width in value.items()} for key, value in widths.items()
                        if key in ("text", "image")}
        if kind is not None:
            self._kind = kind
        self.apply()

    def apply(self) -> None:
        """Gives each pane its width for the kind in use (the one remembered, else the default), fitted to the
        room there is: what is missing is taken from the viewer first for text and from the chat's neighbours
        first for images, never below a pane's minimum; what is left over goes to the pane the kind needs most."""
        names = self._names()
        remembered = self._widths.get(self._kind, {})
        defaults = self._defaults(names)
        wanted: dict[str, int] = {}
        for name in names:
            pane = self._panes[name]
            if name == "parameters" and pane.isHidden():
                wanted[name] = 0
            elif name == "parameters":
                wanted[name] = max(remembered.get(name, defaults[name]), pane.minimumWidth())
            else:
                wanted[name] = remembered.get(name, defaults[name])
        room = self._room(names)
        if room is not None:
            self._fit(wanted, room)
        self._applying = True
        try:
            self.splitter.setSizes([wanted[name] for name in names])
        finally:
            self._applying = False

    def pane_width(self, name: str) -> int:
        """The width pane ``name`` has now (0 when hidden or collapsed)."""
        names = self._names()
        return self.splitter.sizes()[names.index(name)] if name in names else 0

    # ------------------------------------------------------------------ internals

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:  # the form was rebuilt for another model
            QTimer.singleShot(0, self, self._refit)
        return False

    def _alive(self) -> bool:
        """Whether the splitter and panes still exist: a deferred call may come after the window is gone."""
        return isValid(self.splitter) and all(isValid(pane) for pane in self._panes.values())

    def _apply_later(self) -> None:
        if self._alive():
            self.apply()

    def _refit(self) -> None:
        if not self._alive():
            return
        panel = self._panes.get("parameters")
        if panel is not None and self._fit_parameters() and not panel.isHidden():
            self.apply()

    def _fit_parameters(self) -> bool:
        """Sets the panel's minimum width to what its form needs beside a vertical scroll bar; True if it grew
        past the panel's current width."""
        panel = self._panes.get("parameters")
        if not isinstance(panel, QScrollArea) or panel.widget() is None:
            return False
        form = panel.widget()
        assert form is not None
        bar = panel.verticalScrollBar().sizeHint().width()
        needed = max(form.minimumSizeHint().width(), form.sizeHint().width()) + bar + 2 * panel.frameWidth()
        limit = int((self.splitter.window().width() or 1280) * MAX_PARAMETERS_SHARE)
        needed = min(needed, max(limit, form.minimumSizeHint().width() + bar + 2 * panel.frameWidth()))
        panel.setMinimumWidth(needed)
        return self.pane_width("parameters") < needed

    def _room(self, names: list[str]) -> int | None:
        """The width the panes share (``None`` before the splitter has been laid out)."""
        width = self.splitter.width()
        if width < 200:
            return None
        shown = [name for name in names if not self._panes[name].isHidden()]
        return width - self.splitter.handleWidth() * max(len(shown) - 1, 0)

    def _fit(self, wanted: dict[str, int], room: int) -> None:
        main = "chat" if self._kind == "text" else "viewer"
        missing = sum(wanted.values()) - room
        if missing < 0:
            wanted[main] = wanted.get(main, 0) - missing
            return
        floors = {name: max(floor, self._minimum(name)) if name in self._panes else floor
                  for name, floor in (("viewer", MIN_VIEWER_WIDTH), ("chat", MIN_CHAT_WIDTH),
                                      ("sidebar", MIN_SIDEBAR_WIDTH))}
        if self._kind == "text":
            floors["viewer"] = 0  # it may be dragged shut
        order = ["viewer", "chat", "sidebar"] if self._kind == "text" else ["viewer", "sidebar", "chat"]
        for name in order:
            if missing <= 0 or name not in wanted:
                continue
            give = max(min(wanted[name] - floors[name], missing), 0)
            wanted[name] -= give
            missing -= give

    def _minimum(self, name: str) -> int:
        pane = self._panes[name]
        return max(pane.minimumWidth(), pane.minimumSizeHint().width())

    def _names(self) -> list[str]:
        by_widget = {id(widget): name for name, widget in self._panes.items()}
        return [by_widget.get(id(self.splitter.widget(index)), f"#{index}") for index in range(self.splitter.count())
                if id(self.splitter.widget(index)) in by_widget]

    def _defaults(self, names: list[str]) -> dict[str, int]:
        total = self._room(names) or sum(self.splitter.sizes()) or 1200
        parameters = self._panes.get("parameters")
        fixed = {"sidebar": SIDEBAR_WIDTH if "sidebar" in names else 0,
                 "parameters": parameters.minimumWidth() if parameters is not None and not parameters.isHidden() else 0}
        room = max(total - sum(fixed.values()), MIN_CHAT_WIDTH)
        if self._kind == "text":
            chat, viewer = room, 0
        else:
            chat = max(MIN_CHAT_WIDTH, int(room * IMAGE_CHAT_SHARE))
            viewer = max(room - chat, 0)
        return {**fixed, "chat": chat, "viewer": viewer}

    def _remember(self) -> None:
        names = self._names()
        sizes = self.splitter.sizes()
        if sum(sizes) <= 0:
            return  # not laid out yet: nothing the user chose
        widths = {name: size for name, size in zip(names, sizes, strict=True)
                  if not (name == "parameters" and size == 0)}
        self._widths[self._kind] = {**self._widths.get(self._kind, {}), **widths}

    def _on_splitter_moved(self, _position: int, _index: int) -> None:
        if not self._applying:
            self._remember()

    def _allow_collapsing(self) -> None:
        """Only the viewer may be dragged shut (a text model needs none); every other pane keeps its minimum."""
        for index in range(self.splitter.count()):
            self.splitter.setCollapsible(index, self.splitter.widget(index) is self._panes["viewer"])
