"""The model browser and its catalogue runner against the fake Replicate server, on the app's qasync loop."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox, QLabel, QLineEdit, QListView, QPushButton

from desktop_app.replicate import CatalogueCache, ModelSummary, ReplicateClient
from desktop_app.storage.atomic import write_atomically
from desktop_app.ui.models.browser import COVER_ROLE, SUMMARY_ROLE, ModelBrowser
from desktop_app.ui.models.card import format_runs
from desktop_app.ui.models.catalogue_runner import CatalogueRunner
from desktop_app.ui.shell.theme import apply_theme
from tests.fake_replicate import FakeReplicate
from tests.ui.harness import child, until

SD3 = "stability-ai/stable-diffusion-3"
SD3_VERSION = "527d2a6296facb8e47ba1eaf17f142c240c19a30894f437feee9b91cc29d8e4f"


class GatedClient(ReplicateClient):
    """A real client whose searches for ``slow_word`` wait for ``gate`` before going out."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gate = asyncio.Event()
        self.slow_word = "\0"
        self.held = 0

    async def get_json(self, path_or_url: str, *, read_timeout: float = 30.0) -> dict[str, Any]:
        if path_or_url.startswith("search?") and self.slow_word in path_or_url:
            self.held += 1
            await self.gate.wait()
        return await super().get_json(path_or_url, read_timeout=read_timeout)


def covers(view: QListView, *, visible_only: bool) -> list[bool]:
    """For each (visible) row: whether its cover image has arrived."""
    model = view.model()
    rows = [model.index(row, 0) for row in range(model.rowCount())]
    if visible_only:
        rows = [index for index in rows if view.visualRect(index).intersects(view.viewport().rect())]
    return [isinstance(index.data(COVER_ROLE), QImage) for index in rows]


@dataclasses.dataclass
class Rig:
    fake: FakeReplicate
    client: GatedClient
    browser: ModelBrowser
    runner: CatalogueRunner
    cache: CatalogueCache

    @property
    def search(self) -> QLineEdit:
        return child(self.browser, QLineEdit, "model_browser_search")

    @property
    def view(self) -> QListView:
        return child(self.browser, QListView, "model_browser_results")

    @property
    def error(self) -> QLabel:
        return child(self.browser, QLabel, "model_browser_error")

    @property
    def more(self) -> QPushButton:
        return child(self.browser, QPushButton, "model_browser_load_more")

    def names(self) -> list[str]:
        return [summary.full_name for summary in self.browser.results()]

    def type_query(self, text: str, *, enter: bool = False) -> None:
        self.search.setFocus()
        self.search.selectAll()
        QTest.keyClicks(self.search, text)
        if enter:
            QTest.keyClick(self.search, Qt.Key.Key_Return)

    def select(self, full_name: str) -> None:
        row = self.names().index(full_name)
        self.view.setCurrentIndex(self.view.model().index(row, 0))

    async def settle(self) -> None:
        """Awaits the results, then the covers their rows asked for (queued by a zero-time timer)."""
        await until(lambda: not self.browser.is_busy(), message="the browser to finish loading")
        await asyncio.sleep(0.02)
        await until(lambda: all(covers(self.view, visible_only=True)), message="the visible covers")
        await self.runner.wait_idle()


@pytest_asyncio.fixture
async def rig(fake_replicate: FakeReplicate, tmp_path: Path) -> AsyncIterator[Rig]:
    async with aiohttp.ClientSession() as session:
        client = GatedClient(session, token=fake_replicate.token, base_url=fake_replicate.base_url,
                             max_retries=1, backoff_base=0.01)
        cache = CatalogueCache(tmp_path / "catalogue", write=write_atomically)
        browser = ModelBrowser()
        runner = CatalogueRunner(lambda: client, cache)
        runner.attach(browser)
        browser.resize(980, 600)
        browser.show()
        rig = Rig(fake_replicate, client, browser, runner, cache)
        try:
            await until(lambda: len(rig.names()) == len(fake_replicate.models), message="the newest models")
            await rig.settle()
            yield rig
        finally:
            client.gate.set()
            runner.cancel_all()
            await runner.wait_idle()
            browser.hide()
            browser.deleteLater()


# ---- widgets alone ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("count", "text"), [(0, "0 runs"), (1, "1 run"), (950, "950 runs"), (1_000, "1K runs"),
                                             (12_345, "12.3K runs"), (1_234_567, "1.2M runs"),
                                             (62_345_678, "62.3M runs"), (3_000_000_000, "3B runs")])
def test_run_counts_are_short(count: int, text: str) -> None:
    assert format_runs(count) == text


def test_empty_results_show_an_empty_state(qtbot: Any) -> None:
    browser = ModelBrowser()
    qtbot.addWidget(browser)
    requested: list[tuple[str, object]] = []
    browser.search_requested.connect(lambda query, cursor: requested.append((query, cursor)))
    browser.show()
    assert requested == [("", None)]  # first shown: the newest models
    browser.show_results([], None, append=False)
    empty = child(browser, QLabel, "model_browser_empty")
    assert empty.isVisible()
    assert empty.text() == "No models to show."
    browser.show_error("Replicate answered 500: boom")
    error = child(browser, QLabel, "model_browser_error")
    assert error.text() == "Search failed: Replicate answered 500: boom"  # nothing older to keep showing
    browser.show_results([ModelSummary("acme", "echo", "Echoes", 3)], None, append=False)
    assert not error.isVisible()
    assert not empty.isVisible()


def test_a_failed_cover_is_asked_again_with_the_next_results(qtbot: Any) -> None:
    browser = ModelBrowser()
    qtbot.addWidget(browser)
    browser.resize(600, 300)
    browser.show()
    asked: list[str] = []
    browser.cover_needed.connect(asked.append)
    echo = ModelSummary("acme", "echo", "Echoes", 3, cover_image_url="https://example.com/echo.png")
    browser.show_results([echo], None, append=False)
    qtbot.waitUntil(lambda: asked == ["https://example.com/echo.png"])
    browser.set_cover("https://example.com/echo.png", QImage())  # the download failed
    browser.show_results([echo], None, append=False)
    qtbot.waitUntil(lambda: len(asked) == 2)
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    image.fill(QColor("#2f6feb"))
    browser.set_cover("https://example.com/echo.png", image)
    browser.show_results([echo], None, append=False)
    qtbot.wait(20)
    assert len(asked) == 2
    view = child(browser, QListView, "model_browser_results")
    assert isinstance(view.model().index(0, 0).data(COVER_ROLE), QImage)


# ---- against the fake server -----------------------------------------------------------------------


async def test_first_show_lists_collections_featured_first_and_the_newest_models(rig: Rig) -> None:
    combo = child(rig.browser, QComboBox, "model_browser_collections")
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "All models", "Generate images", "Language models", "Official models"]
    assert set(rig.names()) == set(rig.fake.models)
    assert child(rig.browser, QLabel, "model_browser_heading").text() == "Recently updated models"
    assert len(rig.fake.requests_to("GET", "/v1/collections")) == 1
    assert len(rig.fake.requests_to("GET", "/v1/models")) == 1
    assert not rig.more.isVisible()


async def test_typing_searches_once_after_a_pause(rig: Rig) -> None:
    rig.type_query("flux")
    await asyncio.sleep(0.15)
    assert rig.fake.requests_to("GET", "/v1/search") == []  # still typing
    await until(lambda: rig.names() == ["black-forest-labs/flux-schnell"], message="the flux results")
    searches = rig.fake.requests_to("GET", "/v1/search")
    assert [request.query["query"] for request in searches] == ["flux"]
    assert child(rig.browser, QLabel, "model_browser_heading").text() == "Results for “flux”"


async def test_the_newest_query_wins(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    rig.client.slow_word = "llama"
    shown: list[list[str]] = []
    original = rig.browser.show_results

    def spy(items: list[ModelSummary], cursor: str | None, *, append: bool) -> None:
        shown.append([item.full_name for item in items])
        original(items, cursor, append=append)

    monkeypatch.setattr(rig.browser, "show_results", spy)
    rig.type_query("llama")
    await until(lambda: rig.client.held == 1, message="the slow search to start")
    assert rig.browser.is_busy()
    rig.type_query("flux", enter=True)
    await until(lambda: rig.names() == ["black-forest-labs/flux-schnell"], message="the newer results")
    rig.client.gate.set()
    await asyncio.sleep(0.2)
    await rig.settle()
    assert shown == [["black-forest-labs/flux-schnell"]]
    assert rig.names() == ["black-forest-labs/flux-schnell"]
    assert [request.query["query"] for request in rig.fake.requests_to("GET", "/v1/search")] == ["flux"]


def has_count(rig: Rig, count: int) -> bool:
    return len(rig.names()) == count


async def test_load_more_pages_through_all_models(rig: Rig) -> None:
    rig.fake.page_size = 3
    rig.type_query("", enter=True)
    await until(lambda: len(rig.names()) == 3, message="the first page")
    await rig.settle()
    for expected in (6, 9, 10):
        assert rig.more.isVisible()
        QTest.mouseClick(rig.more, Qt.MouseButton.LeftButton)
        await until(functools.partial(has_count, rig, expected), message=f"{expected} models")
        await rig.settle()
    assert not rig.more.isVisible()
    assert len(set(rig.names())) == 10
    pages = rig.fake.requests_to("GET", "/v1/models")
    assert [("cursor" in request.query) for request in pages[-4:]] == [False, True, True, True]


async def test_search_pages_through_the_query_fallback(rig: Rig) -> None:
    rig.fake.page_size = 3
    rig.fake.fail_next("GET", "/v1/search", 404, times=5)
    rig.type_query("image", enter=True)
    await until(lambda: len(rig.names()) == 3, message="the first page of the fallback")
    await rig.settle()
    assert rig.more.isVisible()
    QTest.mouseClick(rig.more, Qt.MouseButton.LeftButton)
    await until(lambda: len(rig.names()) == 4, message="the second page")
    await rig.settle()
    assert not rig.more.isVisible()
    assert set(rig.names()) == {"black-forest-labs/flux-schnell", "stability-ai/stable-diffusion-3",
                                "bytedance/sdxl-lightning-4step", "acme/slow-image"}
    assert len(rig.fake.requests_to("QUERY", "/v1/models")) == 2
    assert not rig.error.isVisible()


async def test_opening_a_collection_lists_its_models(rig: Rig) -> None:
    combo = child(rig.browser, QComboBox, "model_browser_collections")
    index = combo.findData("language-models")
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    await until(lambda: len(rig.fake.requests_to("GET", "/v1/collections/language-models")) == 1)
    await rig.settle()
    assert rig.names() == rig.fake.catalogue.collections["language-models"].models
    heading = child(rig.browser, QLabel, "model_browser_heading").text()
    assert "Language models" in heading
    assert "understand and generate text" in heading
    rig.type_query("flux")  # typing leaves the collection
    assert combo.currentIndex() == 0


async def test_choosing_a_row_shows_its_card_and_adds_it_by_name_or_pinned(rig: Rig) -> None:
    loaded: list[Any] = []
    chosen: list[str] = []
    rig.runner.card_loaded.connect(loaded.append)
    rig.browser.model_chosen.connect(chosen.append)
    rig.select(SD3)
    card = rig.browser.card_view()
    assert child(card, QLabel, "model_card_title").text() == SD3  # the summary shows at once
    await until(lambda: bool(loaded), message="the model card")
    await rig.settle()
    assert len(rig.fake.requests_to("GET", f"/v1/models/{SD3}")) == 1
    assert child(card, QLabel, "model_card_version").text().startswith(f"Latest version {SD3_VERSION[:12]}")
    assert child(card, QLabel, "model_card_inputs").text().startswith("Inputs: prompt")
    assert "https://replicate.com/" + SD3 in child(card, QLabel, "model_card_links").text()
    assert child(card, QLabel, "model_card_runs").text().endswith("runs")
    assert loaded[-1].input_schema.get("prompt") is not None  # the lead builds the form from it

    add = child(card, QPushButton, "model_card_add")
    QTest.mouseClick(add, Qt.MouseButton.LeftButton)
    child(card, QCheckBox, "model_card_pin").setChecked(True)
    QTest.mouseClick(add, Qt.MouseButton.LeftButton)
    assert chosen == [SD3, f"{SD3}:{SD3_VERSION}"]
    assert rig.cache.get("stability-ai", "stable-diffusion-3") is not None


async def test_a_failing_search_keeps_the_last_results(rig: Rig) -> None:
    rig.type_query("flux", enter=True)
    await until(lambda: rig.names() == ["black-forest-labs/flux-schnell"])
    await rig.settle()
    rig.fake.fail_next("GET", "/v1/search", 429, headers={"Retry-After": "0"}, times=10)
    rig.type_query("llama", enter=True)
    await until(lambda: rig.error.isVisible(), message="the inline error")
    await rig.settle()
    assert rig.error.text().startswith("Search failed: Replicate is throttling requests")
    assert rig.error.text().endswith("— showing the last results")
    assert rig.names() == ["black-forest-labs/flux-schnell"]
    assert not rig.browser.is_busy()


async def browse_covers(rig: Rig, cache: CatalogueCache, *, first_time: bool, before: int) -> None:
    """A fresh small browser: covers arrive for the visible rows only, then for the rows scrolled to."""

    def cover_requests() -> int:
        return len(rig.fake.requests_to("GET", "/covers/")) - before

    browser = ModelBrowser()
    runner = CatalogueRunner(lambda: rig.client, cache)
    runner.attach(browser)
    browser.resize(600, 300)  # room for a few rows only
    browser.show()
    view = child(browser, QListView, "model_browser_results")
    try:
        await until(lambda: len(browser.results()) == 10 and all(covers(view, visible_only=True)),
                    message="the visible covers")
        await runner.wait_idle()
        visible = len(covers(view, visible_only=True))
        assert 0 < visible < 10
        assert not all(covers(view, visible_only=False))
        if first_time:
            assert cover_requests() == visible
            cover = view.model().index(0, 0).data(COVER_ROLE)
            assert (cover.width(), cover.height()) == (64, 64)
        view.scrollToBottom()
        await until(lambda: all(covers(view, visible_only=False)), message="the covers scrolled to")
        await runner.wait_idle()
        assert cover_requests() == 10
    finally:
        runner.cancel_all()
        await runner.wait_idle()
        browser.hide()
        browser.deleteLater()


async def test_covers_load_lazily_and_come_from_the_cache_next_time(rig: Rig, tmp_path: Path) -> None:
    cache = CatalogueCache(tmp_path / "other-cache", write=write_atomically)
    before = len(rig.fake.requests_to("GET", "/covers/"))
    await browse_covers(rig, cache, first_time=True, before=before)
    await browse_covers(rig, cache, first_time=False, before=before)  # all from the disk cache


async def test_a_cached_card_shows_when_the_network_fails(rig: Rig) -> None:
    rig.select("acme/echo")
    await until(lambda: rig.cache.get("acme", "echo") is not None, message="the card in the cache")
    await rig.settle()
    rig.select(SD3)
    await rig.settle()
    rig.fake.fail_next("GET", "/v1/models/acme/echo", 500, times=10)
    rig.select("acme/echo")
    card = rig.browser.card_view()
    status = child(card, QLabel, "model_card_status")
    await until(lambda: "saved details" in status.text(), message="the cached card with a notice")
    assert child(card, QLabel, "model_card_title").text() == "acme/echo"
    assert child(card, QLabel, "model_card_inputs").text().startswith("Inputs:")
    assert "server error" in status.text()


async def test_missing_token_is_an_inline_error(fake_replicate: FakeReplicate) -> None:
    async with aiohttp.ClientSession() as session:
        client = ReplicateClient(session, token=None, base_url=fake_replicate.base_url)
        browser = ModelBrowser()
        runner = CatalogueRunner(lambda: client)
        failures: list[tuple[str, str, str]] = []
        runner.failed.connect(lambda what, message, kind: failures.append((what, message, kind)))
        runner.attach(browser)
        browser.show()
        try:
            error = child(browser, QLabel, "model_browser_error")
            await until(lambda: len(failures) == 2, message="both requests to fail")
            assert {what for what, _, _ in failures} == {"search", "collections"}
            assert {kind for _, _, kind in failures} == {"auth"}
            assert error.isVisible()
            assert not browser.is_busy()
        finally:
            runner.cancel_all()
            await runner.wait_idle()
            browser.hide()
            browser.deleteLater()


# ---- screenshots -----------------------------------------------------------------------------------


@pytest.mark.parametrize("theme", ["light", "dark"])
async def test_screenshot_in_light_and_dark(rig: Rig, theme: str, screenshots: Path) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    style, palette = app.style().name(), app.palette()
    try:
        apply_theme(app, theme)
        rig.browser.setPalette(app.palette())
        rig.select(SD3)
        await until(lambda: "Inputs" in child(rig.browser, QLabel, "model_card_inputs").text(), message="the card")
        await until(lambda: all(isinstance(rig.view.model().index(row, 0).data(COVER_ROLE), QImage)
                                for row in range(rig.view.model().rowCount())), message="the covers")
        await asyncio.sleep(0.05)
        shot = rig.browser.grab().toImage()
        shot.save(str(screenshots / f"catalogue_browser_{theme}.png"))
        window = app.palette().color(QPalette.ColorRole.Window)
        sample = shot.pixelColor(shot.width() - 12, shot.height() - 12)  # below the card
        assert abs(sample.lightness() - window.lightness()) < 20, (sample.name(), window.name())
        base = app.palette().color(QPalette.ColorRole.Base)
        row = rig.view.visualRect(rig.view.model().index(0, 0))
        cover_pixel = shot.pixelColor(rig.view.viewport().mapTo(rig.browser, row.topLeft()).x() + 8 + 22,
                                      rig.view.viewport().mapTo(rig.browser, row.center()).y())
        assert cover_pixel != QColor(base)  # the cover is painted
        assert rig.view.model().index(0, 0).data(SUMMARY_ROLE) is not None
    finally:
        app.setStyle(style)
        app.setPalette(palette)
