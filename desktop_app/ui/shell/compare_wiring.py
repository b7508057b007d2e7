"""Where comparisons meet the window: Queue → "Compare models…" (queue_entry.py) opens the comparison window with
the composer's model and prompt, and "Continue with this one" puts the chosen reply in the chat to go on from."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QPlainTextEdit

from ...session import Comparison, RunFinished, Services
from ..common.cost_text import cost_text
from ..compare.window import CompareWindow
from .controller import AppController
from .main_window import MainWindow


class CompareWiring(QObject):
    """Owns the comparison window of one main window, and hands a chosen reply to the chat."""

    def __init__(self, window: MainWindow, services: Services, controller: AppController) -> None:
        super().__init__(window)
        self.window = window
        self.services = services
        self.controller = controller
        self.compare: CompareWindow | None = None

    def open_window(self) -> CompareWindow:
        """Shows the comparison window (a second call raises it), its first model and prompt the composer's."""
        if self.compare is not None and self.compare.isVisible():
            self.compare.raise_()
            return self.compare
        box = self.window.findChild(QPlainTextEdit, "chat_prompt")
        compare = CompareWindow(self.services.runs, self.services.recorder,
                                models=[self.window.model_picker.current_model()],
                                prompt=box.toPlainText() if box is not None else "")
        compare.setWindowFlag(Qt.WindowType.Window)
        compare.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        compare.continue_with.connect(self.continue_with)
        compare.destroyed.connect(lambda: setattr(self, "compare", None))
        compare.resize(1100, 600)
        self.compare = compare
        compare.show()
        return compare

    def continue_with(self, comparison: Comparison, index: int) -> None:
        """The chat goes on from the prompt and lane ``index``'s reply, with that lane's model."""
        try:
            conversation = comparison.continue_with(index)
            self.services.chat.adopt(conversation)
        except Exception as error:  # still running, or a chat reply is running: said where the user looks
            self.window.statusBar().showMessage(str(error), 10000)
            return
        lane = comparison.lanes[index]
        chat = self.window.chat
        chat.clear()
        chat.add_user_turn(comparison.prompt, lane.model)
        turn = chat.begin_assistant_turn(lane.model)
        chat.append_text(turn, lane.text)
        end = lane.run.end
        chat.finish_turn(turn, predict_time=end.predict_time if isinstance(end, RunFinished) else None,
                         cost=cost_text(lane.metrics.cost))
        self.controller.models.show_model(lane.model)
        self.window.raise_()
        self.window.activateWindow()
