"""Tests for the history sidebar on a real history database: order, search, paging, actions, thumbnails, themes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QModelIndex, QObject, QPoint, QRect, Qt
from PySide6.QtGui import QAction, QColor, QImage, QImageWriter, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QStackedWidget,
    QToolButton,
)
from pytestqt.qtbot import QtBot

from desktop_app.storage.history import HistoryStore
from desktop_app.storage.history_records import HistoryEntry, HistoryError, format_timestamp
from desktop_app.ui.history.delegate import HistoryDelegate
from desktop_app.ui.history.list_model import ENTRY_ROLE, ID_ROLE, PAGE_SIZE, relative_time
from desktop_app.ui.history.sidebar import HistorySidebar
from desktop_app.ui.shell.theme import apply_theme

FLUX = "black-forest-labs/flux-schnell"
LLAMA = "meta/meta-llama-3-70b-instruct"
ORANGE = QColor("#e06c3c")
T = TypeVar("T", bound=QObject)


class Clock:
    """The store's clock: each reading is one minute after the last, starting two days ago."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC) - timedelta(days=2)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


class RecordingSource:
    """Passes calls to the store and records them, to check the sidebar's calls are few and small."""

    def __init__(self, store: HistoryStore) -> None:
        self.store = store
        self.listed: list[tuple[str, int, int]] = []
        self.counted: list[str] = []
        self.fail = False

    def list_entries(self, query: str, offset: int, limit: int) -> list[HistoryEntry]:
        if self.fail:
            raise HistoryError("The history is closed.")
        self.listed.append((query, offset, limit))
        return self.store.list_entries(query, offset, limit)

    def count_entries(self, query: str) -> int:
        if self.fail:
            raise HistoryError("The history is closed.")
        self.counted.append(query)
        return self.store.count_entries(query)


def png_bytes(color: QColor = ORANGE, width: int = 640, height: int = 320, right: QColor | None = None) -> bytes:
    """A PNG of one colour, or of two (``right`` fills the right half)."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(color)
    if right is not None:
        painter = QPainter(image)
        painter.fillRect(width // 2, 0, width - width // 2, height, right)
        painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert QImageWriter(buffer, QByteArray(b"png")).write(image)
    return bytes(buffer.data().data())


@pytest.fixture
def store(tmp_path: Path, qapp: QApplication) -> Iterator[HistoryStore]:
    """Three conversations, oldest first: a cat picture (with an image), llama poems, a report summary."""
    with HistoryStore.open(tmp_path / "history.db", clock=Clock()) as opened:
        cat = opened.create_conversation("A cat in a hat", FLUX)
        turn = opened.add_turn(cat, "user", "a ginger cat wearing a top hat, studio light", FLUX, "done")
        generation = opened.start_generation(cat, turn, FLUX, None, {"prompt": "a ginger cat", "seed": 7})
        opened.update_generation(generation, prediction_id="p1", status="succeeded")
        opened.add_output(generation, png_bytes(), "image/png")
        poems = opened.create_conversation("Llama poems about the sea", LLAMA)
        opened.add_turn(poems, "user", "Write a short poem about the sea", LLAMA, "done")
        opened.add_turn(poems, "assistant", "The sea rolls in, the sea rolls out, grey waves", LLAMA, "done")
        report = opened.create_conversation("Quarterly report summary", LLAMA)
        opened.add_turn(report, "user", "Summarise the quarterly numbers", LLAMA, "done")
        yield opened


def make_sidebar(qtbot: QtBot, source: object) -> HistorySidebar:
    sidebar = HistorySidebar(source)  # type: ignore[arg-type]
    qtbot.addWidget(sidebar)
    sidebar.resize(300, 460)
    sidebar.show()
    qtbot.waitExposed(sidebar)
    sidebar.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is sidebar)
    return sidebar


@pytest.fixture
def sidebar(qtbot: QtBot, store: HistoryStore) -> HistorySidebar:
    return make_sidebar(qtbot, store)


def child(sidebar: HistorySidebar, kind: type[T], name: str) -> T:
    found = sidebar.findChild(kind, name)
    assert isinstance(found, kind), name
    return found


def view_of(sidebar: HistorySidebar) -> QListView:
    return child(sidebar, QListView, "history_list")


def titles(sidebar: HistorySidebar) -> list[str]:
    model = view_of(sidebar).model()
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def row_of(sidebar: HistorySidebar, title: str) -> QModelIndex:
    model = view_of(sidebar).model()
    return model.index(titles(sidebar).index(title), 0)


def id_of(sidebar: HistorySidebar, title: str) -> int:
    return int(row_of(sidebar, title).data(ID_ROLE))


def centre_of(sidebar: HistorySidebar, title: str) -> QPoint:
    return view_of(sidebar).visualRect(row_of(sidebar, title)).center()


def select(qtbot: QtBot, sidebar: HistorySidebar, title: str) -> None:
    assert sidebar.select_conversation(id_of(sidebar, title))
    view_of(sidebar).setFocus()
    qtbot.waitUntil(view_of(sidebar).hasFocus)


# --- listing and searching ---------------------------------------------------------------------------


def test_lists_newest_first_with_a_header_and_a_sensible_width(sidebar: HistorySidebar) -> None:
    assert titles(sidebar) == ["Quarterly report summary", "Llama poems about the sea", "A cat in a hat"]
    assert child(sidebar, QLabel, "history_header").text() == "History"
    assert child(sidebar, QLabel, "history_count").text() == "3 conversations"
    assert sidebar.minimumWidth() == 220
    assert sidebar.sizeHint().width() == 280
    entry = row_of(sidebar, "Llama poems about the sea").data(ENTRY_ROLE)
    assert isinstance(entry, HistoryEntry)
    assert entry.snippet.startswith("The sea rolls in")


def test_an_empty_history_says_so(qtbot: QtBot, tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "empty.db") as empty:
        sidebar = make_sidebar(qtbot, empty)
        stack = child(sidebar, QStackedWidget, "history_stack")
        placeholder = child(sidebar, QLabel, "history_placeholder")
        assert stack.currentWidget() is placeholder
        assert placeholder.text().startswith("No conversations yet")
        assert sidebar.current_conversation_id() is None


def test_search_is_debounced_and_the_newest_query_wins(qtbot: QtBot, store: HistoryStore) -> None:
    source = RecordingSource(store)
    sidebar = make_sidebar(qtbot, source)
    search = child(sidebar, QLineEdit, "history_search")
    qtbot.keyClicks(search, "hat")
    assert len(titles(sidebar)) == 3  # not yet: the query waits for a pause in typing
    search.clear()
    qtbot.keyClicks(search, "sea")
    qtbot.waitUntil(lambda: titles(sidebar) == ["Llama poems about the sea"])
    assert "hat" not in {query for query, _, _ in source.listed}  # superseded before it ran
    assert child(sidebar, QLabel, "history_count").text() == "1 match"
    qtbot.keyClicks(search, " zzz")  # "sea zzz" matches nothing
    placeholder = child(sidebar, QLabel, "history_placeholder")
    qtbot.waitUntil(lambda: child(sidebar, QStackedWidget, "history_stack").currentWidget() is placeholder)
    assert placeholder.text() == "Nothing matches “sea zzz”"
    search.clear()
    qtbot.waitUntil(lambda: len(titles(sidebar)) == 3)


def test_search_keeps_the_selection_when_the_conversation_still_matches(
    qtbot: QtBot, sidebar: HistorySidebar
) -> None:
    poems = id_of(sidebar, "Llama poems about the sea")
    sidebar.select_conversation(poems)
    search = child(sidebar, QLineEdit, "history_search")
    qtbot.keyClicks(search, "cat")
    qtbot.waitUntil(lambda: titles(sidebar) == ["A cat in a hat"])
    assert sidebar.current_conversation_id() is None
    search.clear()
    qtbot.waitUntil(lambda: len(titles(sidebar)) == 3)
    assert sidebar.current_conversation_id() == poems  # remembered while it was filtered out


def test_a_failing_source_is_reported_in_the_sidebar(qtbot: QtBot, store: HistoryStore) -> None:
    source = RecordingSource(store)
    sidebar = make_sidebar(qtbot, source)
    source.fail = True
    with qtbot.waitSignal(sidebar.load_failed) as failed:
        sidebar.refresh()
    assert failed.args == ["The history is closed."]
    assert "Could not read the history" in child(sidebar, QLabel, "history_placeholder").text()


def test_ten_thousand_entries_load_a_page_at_a_time(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "big.db"
    HistoryStore.open(path).close()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO conversations (id, title, model, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            [(n, f"Conversation {n}", FLUX, format_timestamp(start), format_timestamp(start + timedelta(minutes=n)))
             for n in range(1, 10_001)])
        db.executemany(
            "INSERT INTO turns (conversation_id, position, role, text, model, state, created_at, updated_at)"
            " VALUES (?, 0, 'user', ?, ?, 'done', ?, ?)",
            [(n, f"prompt number {n}", FLUX, format_timestamp(start), format_timestamp(start))
             for n in range(1, 10_001)])
    with HistoryStore.open(path) as big:
        source = RecordingSource(big)
        sidebar = make_sidebar(qtbot, source)
        view = view_of(sidebar)
        model = view.model()
        assert model.rowCount() == PAGE_SIZE
        assert titles(sidebar)[:2] == ["Conversation 10000", "Conversation 9999"]
        assert child(sidebar, QLabel, "history_count").text().replace(",", "") == "10000 conversations"
        assert model.canFetchMore(QModelIndex())
        view.scrollToBottom()
        bar = view.verticalScrollBar()
        bar.setValue(bar.maximum())
        qtbot.waitUntil(lambda: model.rowCount() == 2 * PAGE_SIZE)
        assert all(limit <= PAGE_SIZE for _, _, limit in source.listed)
        assert model.rowCount() < 10_000
        assert sidebar.select_conversation(9_750)  # row 250: the next page is loaded on demand
        assert model.rowCount() == 3 * PAGE_SIZE
        assert sidebar.current_conversation_id() == 9_750
        sidebar.refresh()  # keeps the loaded rows, the selection and each call small
        assert model.rowCount() == 3 * PAGE_SIZE
        assert sidebar.current_conversation_id() == 9_750
        assert all(limit <= PAGE_SIZE for _, _, limit in source.listed)


# --- selection and refresh -----------------------------------------------------------------------


def test_refresh_keeps_the_selection(sidebar: HistorySidebar, store: HistoryStore) -> None:
    poems = id_of(sidebar, "Llama poems about the sea")
    assert sidebar.select_conversation(poems)
    store.create_conversation("A brand new chat", LLAMA)
    store.rename_conversation(poems, "Sea poems")
    sidebar.refresh()
    assert titles(sidebar)[0] == "A brand new chat"
    assert "Sea poems" in titles(sidebar)
    assert sidebar.current_conversation_id() == poems
    assert not sidebar.select_conversation(12345)
    assert sidebar.current_conversation_id() is None


def test_new_chat_button(qtbot: QtBot, sidebar: HistorySidebar) -> None:
    with qtbot.waitSignal(sidebar.new_chat_requested, timeout=1000):
        qtbot.mouseClick(child(sidebar, QToolButton, "history_new_chat"), Qt.MouseButton.LeftButton)


# --- opening -------------------------------------------------------------------------------------


def test_a_click_opens_and_a_double_click_opens_once(qtbot: QtBot, sidebar: HistorySidebar) -> None:
    opened: list[int] = []
    sidebar.conversation_opened.connect(opened.append)
    viewport = view_of(sidebar).viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=centre_of(sidebar, "A cat in a hat"))
    assert opened == [id_of(sidebar, "A cat in a hat")]
    assert sidebar.current_conversation_id() == id_of(sidebar, "A cat in a hat")
    opened.clear()
    activated: list[int] = []
    view_of(sidebar).activated.connect(lambda index: activated.append(index.row()))
    report = centre_of(sidebar, "Quarterly report summary")
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=report)  # a real double-click: click, then
    qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=report)  # press + double-click event
    assert activated == [0]
    assert opened == [id_of(sidebar, "Quarterly report summary")]


def test_enter_opens_the_selected_conversation(qtbot: QtBot, sidebar: HistorySidebar) -> None:
    select(qtbot, sidebar, "Llama poems about the sea")
    with qtbot.waitSignal(sidebar.conversation_opened, timeout=1000) as opened:
        qtbot.keyClick(view_of(sidebar), Qt.Key.Key_Return)
    assert opened.args == [id_of(sidebar, "Llama poems about the sea")]


# --- renaming ------------------------------------------------------------------------------------


def test_f2_renames_in_place(qtbot: QtBot, sidebar: HistorySidebar) -> None:
    select(qtbot, sidebar, "Llama poems about the sea")
    poems = id_of(sidebar, "Llama poems about the sea")
    qtbot.keyClick(view_of(sidebar), Qt.Key.Key_F2)
    editor = child(sidebar, QLineEdit, "history_rename_editor")
    assert editor.text() == "Llama poems about the sea"
    editor.selectAll()
    qtbot.keyClicks(editor, "  Poems of the sea  ")
    with qtbot.waitSignal(sidebar.rename_requested, timeout=1000) as renamed:
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert renamed.args == [poems, "Poems of the sea"]
    assert "Poems of the sea" in titles(sidebar)  # shown at once; the owner stores it and refreshes


def test_an_empty_title_is_rejected(qtbot: QtBot, sidebar: HistorySidebar) -> None:
    select(qtbot, sidebar, "A cat in a hat")
    child(sidebar, QAction, "history_action_rename").trigger()
    editor = child(sidebar, QLineEdit, "history_rename_editor")
    editor.selectAll()
    qtbot.keyClicks(editor, "   ")
    with qtbot.assertNotEmitted(sidebar.rename_requested, wait=100):
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert "A cat in a hat" in titles(sidebar)


def test_a_refresh_during_renaming_waits_for_the_editor(
    qtbot: QtBot, sidebar: HistorySidebar, store: HistoryStore
) -> None:
    select(qtbot, sidebar, "A cat in a hat")
    child(sidebar, QAction, "history_action_rename").trigger()
    editor = child(sidebar, QLineEdit, "history_rename_editor")
    store.create_conversation("Arrived while renaming", LLAMA)
    sidebar.refresh()
    assert editor.isVisible()  # the user's typing is not thrown away
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: titles(sidebar)[0] == "Arrived while renaming")
    assert sidebar.current_conversation_id() == id_of(sidebar, "A cat in a hat")


# --- deleting ------------------------------------------------------------------------------------


def test_delete_asks_first_and_cancel_keeps_the_conversation(qtbot: QtBot, sidebar: HistorySidebar) -> None:
    select(qtbot, sidebar, "A cat in a hat")
    bar = child(sidebar, QFrame, "history_delete_bar")
    with qtbot.assertNotEmitted(sidebar.delete_requested):
        qtbot.keyClick(view_of(sidebar), Qt.Key.Key_Delete)
        assert bar.isVisible()
        message = child(sidebar, QLabel, "history_delete_message").text()
        assert "A cat in a hat" in message
        assert "images will be deleted" in message
        qtbot.mouseClick(child(sidebar, QPushButton, "history_delete_cancel"), Qt.MouseButton.LeftButton)
    assert not bar.isVisible()


def test_delete_emits_only_after_confirming(qtbot: QtBot, sidebar: HistorySidebar) -> None:
    select(qtbot, sidebar, "A cat in a hat")
    cat = id_of(sidebar, "A cat in a hat")
    bar = child(sidebar, QFrame, "history_delete_bar")
    child(sidebar, QAction, "history_action_delete").trigger()
    assert bar.isVisible()
    with qtbot.waitSignal(sidebar.delete_requested, timeout=1000) as deleted:
        qtbot.mouseClick(child(sidebar, QPushButton, "history_delete_confirm"), Qt.MouseButton.LeftButton)
    assert deleted.args == [cat]
    assert not bar.isVisible()


def test_escape_cancels_a_delete(qtbot: QtBot, sidebar: HistorySidebar) -> None:
    select(qtbot, sidebar, "A cat in a hat")
    bar = child(sidebar, QFrame, "history_delete_bar")
    with qtbot.assertNotEmitted(sidebar.delete_requested, wait=100):
        qtbot.keyClick(view_of(sidebar), Qt.Key.Key_Delete)
        assert child(sidebar, QPushButton, "history_delete_cancel").hasFocus()
        qtbot.keyClick(child(sidebar, QPushButton, "history_delete_cancel"), Qt.Key.Key_Escape)
    assert not bar.isVisible()


# --- the context menu ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "signal", "expected"),
    [
        ("history_action_open", "conversation_opened", "id"),
        ("history_action_reuse", "reuse_requested", "id"),
        ("history_action_copy_parameters", "copy_parameters_requested", "id"),
        ("history_action_export_markdown", "export_requested", "markdown"),
        ("history_action_export_json", "export_requested", "json"),
        ("history_action_import", "import_requested", None),
    ],
)
def test_context_menu_actions_report_the_row_they_were_opened_on(
    qtbot: QtBot, sidebar: HistorySidebar, action: str, signal: str, expected: str | None
) -> None:
    view = view_of(sidebar)
    poems = id_of(sidebar, "Llama poems about the sea")
    menu = child(sidebar, QMenu, "history_context_menu")
    view.customContextMenuRequested.emit(centre_of(sidebar, "Llama poems about the sea"))
    qtbot.waitUntil(menu.isVisible)
    assert sidebar.current_conversation_id() == poems  # the row under the pointer
    texts = [item.text() for item in menu.actions() if not item.isSeparator()]
    assert texts == ["Open", "Rename", "Use these settings again", "Copy parameters", "Export as Markdown…",
                     "Export as JSON…", "Import…", "Delete…"]
    with qtbot.waitSignal(getattr(sidebar, signal), timeout=1000) as emitted:
        child(sidebar, QAction, action).trigger()
    menu.hide()
    wanted = {"id": [poems], "markdown": [poems, "markdown"], "json": [poems, "json"], None: []}[expected]
    assert emitted.args == wanted


def test_context_menu_on_empty_space_offers_only_import(qtbot: QtBot, sidebar: HistorySidebar) -> None:
    view = view_of(sidebar)
    menu = child(sidebar, QMenu, "history_context_menu")
    view.customContextMenuRequested.emit(QPoint(10, view.viewport().height() - 5))
    qtbot.waitUntil(menu.isVisible)
    enabled = [item.objectName() for item in menu.actions() if item.isEnabled() and not item.isSeparator()]
    menu.hide()
    assert enabled == ["history_action_import"]
    assert sidebar.current_conversation_id() is None


def test_context_menu_delete_asks_first(qtbot: QtBot, sidebar: HistorySidebar) -> None:
    menu = child(sidebar, QMenu, "history_context_menu")
    view_of(sidebar).customContextMenuRequested.emit(centre_of(sidebar, "Quarterly report summary"))
    qtbot.waitUntil(menu.isVisible)
    with qtbot.assertNotEmitted(sidebar.delete_requested, wait=50):
        child(sidebar, QAction, "history_action_delete").trigger()
    menu.hide()
    assert child(sidebar, QFrame, "history_delete_bar").isVisible()


# --- thumbnails and looks --------------------------------------------------------------------------


def test_the_thumbnail_is_decoded_small_cached_and_painted(qtbot: QtBot, sidebar: HistorySidebar) -> None:
    view = view_of(sidebar)
    delegate = view.itemDelegate()
    assert isinstance(delegate, HistoryDelegate)
    entry = row_of(sidebar, "A cat in a hat").data(ENTRY_ROLE)
    assert isinstance(entry, HistoryEntry)
    assert entry.thumbnail is not None
    view.viewport().update()
    qtbot.waitUntil(lambda: delegate.cached_thumbnail(entry))
    rect = view.visualRect(row_of(sidebar, "A cat in a hat"))
    qtbot.waitUntil(lambda: _has_orange(view, rect))
    poems = view.visualRect(row_of(sidebar, "Llama poems about the sea"))
    assert not _has_orange(view, poems)  # no image, no thumbnail


def _has_orange(view: QListView, row: QRect) -> bool:
    """Whether the thumbnail's orange shows somewhere along the middle line of ``row``."""
    image = view.viewport().grab().toImage()
    y = row.center().y()
    return any(_close(QColor(image.pixel(x, y)), ORANGE) for x in range(row.left(), row.right()))


def _close(color: QColor, other: QColor) -> bool:
    pairs = ((color.red(), other.red()), (color.green(), other.green()), (color.blue(), other.blue()))
    return all(abs(a - b) <= 6 for a, b in pairs)


def test_relative_times() -> None:
    now = datetime(2026, 11, 28, 15, 0, tzinfo=UTC).astimezone()
    assert relative_time(now - timedelta(seconds=20), now) == "Just now"
    assert relative_time(now - timedelta(minutes=5), now) == "5 min ago"
    yesterday = (now - timedelta(days=1)).replace(hour=12)
    assert relative_time(yesterday, now) == "Yesterday"
    assert relative_time(now - timedelta(hours=2, minutes=59), now) == "2 h ago"
    assert relative_time(datetime(2026, 11, 7, 12, tzinfo=UTC), now) in ("7 Nov", "Nov 7")
    assert relative_time(datetime(2025, 3, 2, 12, tzinfo=UTC), now) in ("2 Mar 2025", "Mar 2 2025")


@pytest.fixture
def lived_in_store(tmp_path: Path, qapp: QApplication) -> Iterator[HistoryStore]:
    """A history over a few weeks, so the screenshot shows every kind of time and a two-coloured thumbnail."""
    clock = Clock()
    now = datetime.now(UTC)
    rows = [
        ("Logo ideas for a bakery", FLUX, "a minimalist logo for a bakery called Crumbs", timedelta(days=21)),
        ("Trip plan: Lisbon in spring", LLAMA, "Plan four days in Lisbon with trams, tiles and pastries",
         timedelta(days=4)),
        ("Portrait in watercolour", FLUX, "a watercolour portrait of an old fisherman", timedelta(days=1, hours=2)),
        ("Explain Rust lifetimes", LLAMA, "Explain lifetimes like I know C++", timedelta(hours=3)),
        ("A cat in a hat", FLUX, "a ginger cat wearing a top hat, studio light", timedelta(minutes=5)),
    ]
    with HistoryStore.open(tmp_path / "history.db", clock=clock) as opened:
        for title, model, prompt, age in rows:
            clock.now = now - age
            conversation = opened.create_conversation(title, model)
            turn = opened.add_turn(conversation, "user", prompt, model, "done")
            if model == FLUX:
                generation = opened.start_generation(conversation, turn, model, None, {"prompt": prompt})
                opened.add_output(generation, png_bytes(right=QColor("#3c7ee0")), "image/png")
            else:
                opened.add_turn(conversation, "assistant", "Sure! Here is a plan that keeps things simple.", model,
                                "done")
        yield opened


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_screenshot_in_light_and_dark(
    qtbot: QtBot, qapp: QApplication, lived_in_store: HistoryStore, theme: str, screenshots: Path
) -> None:
    style, palette = qapp.style().name(), qapp.palette()
    try:
        apply_theme(qapp, theme)
        sidebar = make_sidebar(qtbot, lived_in_store)
        sidebar.resize(280, 520)
        view = view_of(sidebar)
        sidebar.select_conversation(id_of(sidebar, "Explain Rust lifetimes"))
        view.setFocus()
        delegate = view.itemDelegate()
        assert isinstance(delegate, HistoryDelegate)
        entries = [view.model().index(row, 0).data(ENTRY_ROLE) for row in range(view.model().rowCount())]
        view.viewport().update()
        qtbot.waitUntil(lambda: all(delegate.cached_thumbnail(entry) for entry in entries if entry.thumbnail))
        view.viewport().update()
        qtbot.wait(50)
        image = sidebar.grab().toImage()
        image.save(str(screenshots / f"sidebar_{theme}.png"))
        background = QColor(image.pixel(sidebar.width() // 2, view.mapTo(sidebar, view.rect().bottomLeft()).y() - 5))
        base = qapp.palette().color(QPalette.ColorRole.Base)
        assert background.lightness() < 100 if theme == "dark" else background.lightness() > 200
        assert abs(background.lightness() - base.lightness()) < 40
        child(sidebar, QAction, "history_action_delete").trigger()
        sidebar.grab().save(str(screenshots / f"sidebar_{theme}_delete.png"))
        child(sidebar, QPushButton, "history_delete_cancel").click()
        child(sidebar, QAction, "history_action_rename").trigger()
        qtbot.wait(20)
        sidebar.grab().save(str(screenshots / f"sidebar_{theme}_rename.png"))
    finally:
        qapp.setStyle(style)
        qapp.setPalette(palette)
