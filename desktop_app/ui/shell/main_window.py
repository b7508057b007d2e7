"""The main window: model picker, chat pane, image viewer, progress and the menus around them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QScrollArea,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

# ``Qt`` (its ~100 enums cost ~35 ms to build) is imported inside the methods that run after the first paint.

if TYPE_CHECKING:
    from ..chat.pane import ChatPane
    from ..dialogs.token_panel import TokenPanel
    from ..history.sidebar import HistorySidebar
    from ..models.picker import ModelPicker
    from ..viewer.image_viewer import ImageViewer
    from .progress import ProgressPanel
from ..common.widgets import named

if TYPE_CHECKING:
    from .layout import OutputKind, PaneLayout


class MainWindow(QMainWindow):
    """Lays out the widgets and owns the window-wide actions; holds no application logic.

    Signals:
        close_requested() — the user closed the window (the app shuts down cleanly after it)
        settings_requested()
        new_chat_requested()
        about_requested()
        log_folder_requested()
        browse_requested() — "Find models…"
        cog_requested() — "Connect to a local Cog server…"
    """

    close_requested = Signal()
    settings_requested = Signal()
    new_chat_requested = Signal()
    about_requested = Signal()
    log_folder_requested = Signal()
    browse_requested = Signal()
    cog_requested = Signal()

    chat: ChatPane
    viewer: ImageViewer
    sidebar: HistorySidebar
    model_picker: ModelPicker
    progress: ProgressPanel
    token_panel: TokenPanel
    panes: PaneLayout

    def __init__(self, parent: QWidget | None = None, *, defer_panes: bool = False) -> None:
        super().__init__(parent)
        self._panes_built = False
        self.setWindowTitle(self.tr("Replicate Desktop"))
        self.setObjectName("mainWindow")
        self.resize(1280, 800)
        self.setMinimumSize(760, 520)
        if not defer_panes:
            self.build_panes()

    @property
    def panes_built(self) -> bool:
        return self._panes_built

    def build_panes(self) -> None:
        """Creates the model picker, chat, image viewer, progress and token panels. The app calls it right
        after the first paint, so the window appears before their modules are even loaded; tests get them
        at construction."""
        if self._panes_built:
            return
        from ..chat.pane import ChatPane
        from ..dialogs.token_panel import TokenPanel
        from ..models.picker import ModelPicker
        from ..viewer.image_viewer import ImageViewer
        from .layout import PaneLayout
        from .progress import ProgressPanel

        self._panes_built = True
        self.setWindowTitle(self.tr("Replicate Desktop"))  # again: translations may have arrived since
        self._setup_ui()
        self.model_picker = ModelPicker()
        self.model_picker.setMinimumWidth(360)
        self._header.insertWidget(1, self.model_picker, 0)
        self._model_label.setBuddy(self.model_picker)
        browse = named(QToolButton(), "browseModelsButton")
        browse.setText(self.tr("Find models…"))
        browse.setToolTip(self.tr("Search Replicate's catalogue and browse collections"))
        browse.clicked.connect(self.browse_requested)
        self._header.insertWidget(2, browse, 0)
        self.parameters_button = named(QToolButton(), "parametersButton")
        self.parameters_button.setText(self.tr("Parameters"))
        self.parameters_button.setToolTip(self.tr("Show the model's inputs besides the prompt"))
        self.parameters_button.setCheckable(True)
        self.parameters_button.toggled.connect(self.show_parameters)
        self.parameters_button.hide()
        self._header.insertWidget(3, self.parameters_button, 0)
        self.progress = ProgressPanel()
        self._progress_row.addWidget(self.progress)
        self.token_panel = TokenPanel()
        self.token_panel.hide()
        self._token_row.addWidget(self.token_panel)
        self.chat = ChatPane()
        self.viewer = ImageViewer()
        for index, pane in enumerate((self.chat, self.viewer)):
            placeholder = self.splitter.replaceWidget(index, pane)
            if placeholder is not None:
                placeholder.deleteLater()
        self.panes = PaneLayout(self.splitter, self.chat, self.viewer)
        self.panes.apply()
        self._setup_pane_actions()

    def restore_layout(self, geometry: str | None, state: str | None,
                       pane_widths: Mapping[str, Mapping[str, int]], kind: OutputKind) -> None:
        """Restores size, position and the pane widths per output kind saved by :meth:`saved_layout`."""
        if geometry:
            self.restoreGeometry(QByteArray.fromBase64(geometry.encode("ascii")))
        if state:
            self.restoreState(QByteArray.fromBase64(state.encode("ascii")))
        self.panes.restore(pane_widths, kind)

    def saved_layout(self) -> tuple[str, str, dict[str, dict[str, int]]]:
        geometry = bytes(self.saveGeometry().toBase64().data()).decode("ascii")
        state = bytes(self.saveState().toBase64().data()).decode("ascii")
        return geometry, state, self.panes.widths()

    def set_sidebar(self, sidebar: HistorySidebar) -> None:
        """Puts the history list at the left of the chat and the viewer."""
        self.sidebar = sidebar
        self.panes.add_sidebar(sidebar)

    def add_menu(self, title: str, name: str, *, after_edit: bool = False) -> QMenu:
        """A feature's menu on the menu bar: before Help (Help stays last), or right after Edit (View's place)."""
        bar = self.menuBar()
        actions = bar.actions()
        anchor = self._help_action
        if after_edit and self._edit_action in actions:
            anchor = actions[actions.index(self._edit_action) + 1]
        menu = QMenu(title, self)
        menu.menuAction().setObjectName(name)
        bar.insertMenu(anchor, menu)
        return menu

    @property
    def file_menu(self) -> QMenu:
        return self._file_menu

    def view_menu(self) -> QMenu:
        """The View menu (right after Edit), made by the first feature that puts something in it."""
        for action in self.menuBar().actions():
            menu = action.menu()
            if action.objectName() == "menu_view" and isinstance(menu, QMenu):
                return menu
        return self.add_menu(self.tr("&View"), "menu_view", after_edit=True)

    def set_parameters_panel(self, panel: QScrollArea) -> None:
        """Adds the model's parameter form at the right, hidden until asked for."""
        self.parameters_panel = panel
        self.panes.add_parameters(panel)
        self.parameters_button.show()

    def show_parameters(self, visible: bool) -> None:
        if getattr(self, "parameters_panel", None) is None:
            return
        self.panes.show_parameters(visible)
        if self.parameters_button.isChecked() != visible:
            self.parameters_button.setChecked(visible)

    def add_bar(self, bar: QWidget) -> None:
        """Puts a bar (a dropped picture's) above the panes, under the header."""
        self._bar_row.addWidget(bar)

    def set_account(self, text: str) -> None:
        self.account_label.setText(text)

    def _setup_ui(self) -> None:

        self._model_label = model_label = named(QLabel(self.tr("Model")), "modelLabel")
        self.account_label = named(QLabel(), "accountLabel")
        self.account_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        settings_button = named(QToolButton(), "settingsButton")
        settings_button.setText(self.tr("Settings"))
        settings_button.setAccessibleName(self.tr("Settings"))
        settings_button.clicked.connect(self.settings_requested)

        self._header = header = QHBoxLayout()
        header.setContentsMargins(12, 8, 12, 4)
        header.addWidget(model_label)
        header.addStretch(1)
        header.addWidget(self.account_label)
        header.addWidget(settings_button)

        self.splitter = named(QSplitter(Qt.Orientation.Horizontal), "mainSplitter")
        for name in ("chatPlaceholder", "viewerPlaceholder"):
            self.splitter.addWidget(named(QWidget(), name))
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([620, 620])

        central = named(QWidget(), "centralWidget")
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(header)
        self._token_row = token_row = QHBoxLayout()
        token_row.setContentsMargins(12, 0, 12, 0)
        layout.addLayout(token_row)
        self._bar_row = bar_row = QVBoxLayout()
        bar_row.setContentsMargins(12, 0, 12, 0)
        layout.addLayout(bar_row)
        splitter_row = QHBoxLayout()
        splitter_row.setContentsMargins(8, 0, 8, 0)
        splitter_row.addWidget(self.splitter)
        layout.addLayout(splitter_row, 1)
        self._progress_row = progress_row = QHBoxLayout()
        progress_row.setContentsMargins(12, 0, 12, 8)
        layout.addLayout(progress_row)
        self.setCentralWidget(central)
        self._setup_actions()

    def _setup_actions(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        self.new_chat_action = self._action(self.tr("&New chat"), QKeySequence.StandardKey.New, "document-new")
        self.new_chat_action.triggered.connect(self.new_chat_requested)
        self.quit_action = self._action(self.tr("&Quit"), QKeySequence.StandardKey.Quit, "application-exit")
        self.quit_action.triggered.connect(self.close)
        file_menu.addAction(self.new_chat_action)
        self.cog_action = self._action(self.tr("Connect to a local &Cog server…"), None, None)
        self.cog_action.triggered.connect(self.cog_requested)
        file_menu.addAction(self.cog_action)
        self._file_menu_separator = file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        self._file_menu = file_menu

        edit_menu = self.menuBar().addMenu(self.tr("&Edit"))
        self._edit_action = edit_menu.menuAction()
        self.copy_image_action = self._action(self.tr("&Copy image"), None, "edit-copy")
        self.paste_picture_action = self._action(self.tr("&Paste picture"), QKeySequence.StandardKey.Paste,
                                                 "edit-paste")
        self.settings_action = self._action(self.tr("&Settings…"), QKeySequence.StandardKey.Preferences, None)
        if self.settings_action.shortcut().isEmpty():
            self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_action.triggered.connect(self.settings_requested)
        edit_menu.addAction(self.copy_image_action)
        edit_menu.addAction(self.paste_picture_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.settings_action)

        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        self._help_action = help_menu.menuAction()
        self.log_folder_action = self._action(self.tr("Open &log folder"), None, None)
        self.log_folder_action.triggered.connect(self.log_folder_requested)
        self.about_action = self._action(self.tr("&About Replicate Desktop"), None, "help-about")
        self.about_action.triggered.connect(self.about_requested)
        help_menu.addAction(self.log_folder_action)
        help_menu.addSeparator()
        help_menu.addAction(self.about_action)

    def _setup_pane_actions(self) -> None:
        self.save_action, self.save_all_action = self.viewer.window_actions()
        self._file_menu.insertActions(self._file_menu_separator, [self.save_action, self.save_all_action])
        self.copy_image_action.triggered.connect(self.viewer.copy_current)
        self.stop_action = self._action(self.tr("Stop"), QKeySequence(Qt.Key.Key_Escape), None)
        self.stop_action.triggered.connect(self.chat.stop_requested)
        self.focus_prompt_action = self._action(self.tr("Focus prompt"), QKeySequence("Ctrl+L"), None)
        self.focus_prompt_action.triggered.connect(self.chat.focus_prompt)
        self.addAction(self.stop_action)
        self.addAction(self.focus_prompt_action)

    def _action(self, text: str, keys: QKeySequence | QKeySequence.StandardKey | None, icon: str | None) -> QAction:
        action = QAction(text, self)
        if icon:
            action.setIcon(QIcon.fromTheme(icon))
        if keys is not None:
            action.setShortcut(keys if isinstance(keys, QKeySequence) else QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        return action

    def closeEvent(self, event: QCloseEvent) -> None:
        self.close_requested.emit()
        super().closeEvent(event)
