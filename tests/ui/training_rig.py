"""A window with the trainings wired to a TrainingService over the fake server, and a folder of photos made here."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
from PySide6.QtGui import QColor, QImage

from desktop_app.replicate import PollBudget, ReplicateClient, TrainingFollow
from desktop_app.session import TrainingService
from desktop_app.storage import TrainingsStore
from desktop_app.ui.shell.main_window import MainWindow
from desktop_app.ui.shell.training_entry import TrainingEntry
from desktop_app.ui.shell.training_wiring import TrainingWiring
from desktop_app.ui.training.wizard import TrainingWizard
from tests.fake_replicate import FakeReplicate
from tests.fake_replicate.trainings import FLUX_TRAINER

FAST = TrainingFollow(interval=0.02)


def photos(folder: Path, count: int = 3, size: tuple[int, int] = (64, 48)) -> Path:
    """``count`` small JPEG photos (and one caption) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        image = QImage(size[0], size[1], QImage.Format.Format_RGB32)
        image.fill(QColor(40 * index % 255, 120, 200 - 30 * index % 200))
        assert image.save(str(folder / f"me-{index}.jpg"), "JPEG", 90)  # type: ignore[call-overload]
    (folder / "me-0.txt").write_text("TOK at the seaside")
    return folder


class FakeTray:
    """Stands for the system tray: records the messages it was asked to show."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []

    def showMessage(self, title: str, message: str) -> None:
        self.messages.append((title, message))


class TrainingRig:
    """The window, its trainings (entry first, as the app makes them) and the fake; ``start_app()`` again is the
    app started again on the same trainings file."""

    def __init__(self, fake: FakeReplicate, http: aiohttp.ClientSession, tmp_path: Path) -> None:
        self.fake, self.http, self.tmp_path = fake, http, tmp_path
        self.trainer = fake.trainings.add_trainer()
        self.client = ReplicateClient(http, token=fake.token, base_url=fake.base_url)
        self.tray = FakeTray()
        self.entries: list[TrainingEntry] = []
        self.windows: list[MainWindow] = []
        self.entry = self.start_app()

    @property
    def trainer_ref(self) -> str:
        return f"{FLUX_TRAINER}:{self.trainer.version}"

    @property
    def window(self) -> MainWindow:
        return self.windows[-1]

    @property
    def wiring(self) -> TrainingWiring:
        return self.entry.wiring

    def start_app(self) -> TrainingEntry:
        def make_service(store: TrainingsStore) -> TrainingService:
            return TrainingService(lambda: self.client, store, work_dir=self.tmp_path / "cache",
                                   follow=replace(FAST, budget=PollBudget()))

        window = MainWindow()
        window.resize(1000, 700)
        entry = TrainingEntry(window, self.tmp_path / "data" / "trainings.db", make_service,
                              tray=lambda: self.tray)  # type: ignore[arg-type, return-value]
        self.windows.append(window)
        self.entries.append(entry)
        return entry

    async def quit_app(self) -> None:
        await self.entry.aclose()

    def paid_requests(self) -> list[tuple[str, str]]:
        """Requests that store, create or start something (everything but the free GETs)."""
        return [(r.method, r.path) for r in self.fake.requests if r.method != "GET"]

    def open_wizard(self) -> TrainingWizard:
        self.entry.action.trigger()
        wizard = self.wiring.wizard
        assert wizard is not None and wizard.isVisible()
        return wizard

    async def close(self) -> None:
        for entry in self.entries:
            if entry.built and entry.wiring.wizard is not None:
                entry.wiring.wizard.close()
            await entry.aclose()
        for window in self.windows:
            window.close()
            window.deleteLater()


def set_form(wizard: TrainingWizard, **values: Any) -> None:
    for name, value in values.items():
        editor = wizard.form.editor(name)  # type: ignore[attr-defined]
        assert editor is not None, name
        assert editor.set_value(value), name
