"""The local Cog server dialog and flow, against FakeCog, an HTML impostor and a port where nothing listens."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest
import pytest_asyncio
import shiboken6
from aiohttp import web
from PySide6.QtWidgets import QWidget

from desktop_app.replicate import (
    Completed,
    ImageResponse,
    PredictionEvent,
    TextDelta,
    describe_capabilities,
    is_cog_reference,
)
from desktop_app.ui.cog.dialog import CogDialog
from desktop_app.ui.cog.flow import DEFAULT_COG_URL, CogFlow, cog_url, is_valid_url, model_name
from tests.fake_replicate.cog import DEFAULT_CHUNKS, FakeCog
from tests.ui.harness import until


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def flow(http: aiohttp.ClientSession) -> Iterator[CogFlow]:
    made = CogFlow(lambda: http, ready_timeout=10.0, poll_interval=0.05, request_timeout=3.0)
    yield made
    shiboken6.delete(made)


@pytest.fixture
def window() -> Iterator[QWidget]:
    """A shown parent, as the main window is in the app: closing the dialog then does not quit the loop."""
    made = QWidget()
    made.show()
    yield made
    made.hide()
    shiboken6.delete(made)


@pytest_asyncio.fixture
async def dialog(flow: CogFlow, window: QWidget) -> AsyncIterator[CogDialog]:
    made = CogDialog(flow, parent=window)
    made.show()
    yield made
    made.close()
    await made.wait()


@contextlib.asynccontextmanager
async def started(cog: FakeCog) -> AsyncIterator[FakeCog]:
    await cog.start()
    try:
        yield cog
    finally:
        await cog.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def collect(events: AsyncIterator[PredictionEvent]) -> list[PredictionEvent]:
    found = []
    async with contextlib.aclosing(events) as running:  # type: ignore[type-var]
        async for event in running:
            found.append(event)
    return found


# ---- the dialog --------------------------------------------------------------------------------


async def test_waits_for_the_model_then_offers_it(dialog: CogDialog, flow: CogFlow) -> None:
    async with started(FakeCog(setup_time=1.8)) as cog:
        chosen: list[str] = []
        dialog.backend_ready.connect(chosen.append)
        assert dialog.url_edit.text() == DEFAULT_COG_URL
        assert not dialog.use_button.isEnabled()
        dialog.url_edit.setText(cog.base_url + "/")
        dialog.connect_button.click()

        await until(lambda: dialog.state == "waiting", limit=3, message="the STARTING answer")
        assert dialog.status_label.text().startswith("Waiting for the model to start… 0 s")
        assert dialog.logs_box.isVisible() and dialog.logs_box.isReadOnly()
        assert "Loading weights" in dialog.logs_box.toPlainText()
        await until(lambda: dialog.status_label.text() == "Waiting for the model to start… 1 s", limit=3,
                    message="the seconds to count")
        assert not dialog.use_button.isEnabled()

        await until(lambda: dialog.state == "ready", limit=5, message="READY")
        assert dialog.status_label.text() == "Ready"
        assert not dialog.logs_box.isVisible()
        assert dialog.use_button.isEnabled() and dialog.use_button.isDefault()
        assert dialog.schema is not None and dialog.schema.prompt_field is not None
        assert flow.schema(cog.base_url) is dialog.schema

        dialog.use_button.click()
        assert chosen == [cog.base_url]
        assert not dialog.isVisible()


async def test_setup_failed_shows_the_sentence_and_the_logs(dialog: CogDialog) -> None:
    async with started(FakeCog(setup_fails=True)) as cog:
        dialog.url_edit.setText(cog.base_url)
        dialog.connect_button.click()
        await until(lambda: dialog.state == "failed", limit=3, message="the failure")
        assert dialog.status_label.text() == "The model failed to set up (SETUP_FAILED); its setup logs are below."
        assert dialog.logs_box.isVisible() and dialog.logs_box.isReadOnly()
        assert "FileNotFoundError" in dialog.logs_box.toPlainText()
        assert not dialog.use_button.isEnabled()
        assert not dialog.waiting


async def test_failing_after_starting_keeps_the_logs(dialog: CogDialog) -> None:
    async with started(FakeCog()) as cog:
        cog.begin_setup(0.3, fails=True)
        dialog.url_edit.setText(cog.base_url)
        dialog.connect_button.click()
        await until(lambda: dialog.state == "failed", limit=3, message="the failure")
        assert "SETUP_FAILED" in dialog.status_label.text()
        assert "Traceback" in dialog.logs_box.toPlainText()


async def test_a_web_page_is_not_a_cog_server(dialog: CogDialog) -> None:
    async def page(request: web.Request) -> web.Response:
        return web.Response(text="<html><body>Welcome to nginx!</body></html>", content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", page)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        dialog.url_edit.setText(url)
        dialog.connect_button.click()
        await until(lambda: dialog.state == "failed", limit=3, message="the impostor to be recognised")
        assert dialog.status_label.text() == f"Something answers at {url}, but it is not a Cog server."
        assert "HTML" in dialog.status_label.toolTip()
        assert not dialog.logs_box.isVisible() and not dialog.use_button.isEnabled()
    finally:
        await runner.cleanup()


async def test_nothing_answering_says_so_at_once(dialog: CogDialog) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    dialog.url_edit.setText(url)
    dialog.connect_button.click()
    await until(lambda: dialog.state == "failed", limit=3, message="the refused connection")
    assert dialog.status_label.text() == (
        f"Nothing answers at {url}. Is the Cog server running (cog serve, or docker run -p)?")
    assert "connection refused" in dialog.status_label.toolTip()
    assert not dialog.waiting


async def test_a_model_that_stays_starting_times_out(http: aiohttp.ClientSession, window: QWidget) -> None:
    flow = CogFlow(lambda: http, ready_timeout=0.4, poll_interval=0.05)
    dialog = CogDialog(flow, parent=window)
    dialog.show()
    try:
        async with started(FakeCog(setup_time=30)) as cog:
            dialog.url_edit.setText(cog.base_url)
            dialog.connect_button.click()
            await until(lambda: dialog.state == "failed", limit=3, message="the timeout")
            assert dialog.status_label.text() == (
                "The model was not ready within 0.4 s (still STARTING); press Connect to wait again.")
            assert "Loading weights" in dialog.logs_box.toPlainText()
    finally:
        dialog.close()
        await dialog.wait()
        shiboken6.delete(dialog)
        shiboken6.delete(flow)


@pytest.mark.parametrize("text", ["localhost:5000", "ftp://localhost:5000", "http://", "http://host:port",
                                  "http://local host:5000", ""])
async def test_a_bad_url_is_refused_inline(dialog: CogDialog, text: str) -> None:
    dialog.url_edit.setText(text)
    dialog.connect_button.click()
    assert dialog.url_error.isVisible()
    assert dialog.url_error.text() == "Enter the server's address as http://host:port, for example " \
                                      "http://localhost:5000."
    assert dialog.state == "idle" and not dialog.waiting
    dialog.url_edit.textEdited.emit("http://localhost:5000")
    assert not dialog.url_error.isVisible()


async def test_cancel_stops_the_wait(dialog: CogDialog) -> None:
    async with started(FakeCog(setup_time=30)) as cog:
        dialog.url_edit.setText(cog.base_url)
        dialog.connect_button.click()
        await until(lambda: dialog.state == "waiting", limit=3, message="the STARTING answer")
        dialog.cancel_button.click()
        assert not dialog.isVisible()
        await asyncio.wait_for(dialog.wait(), 2)
        assert not dialog.waiting
        polls = len(cog.requests_to("GET", "/health-check"))
        await asyncio.sleep(0.3)
        assert len(cog.requests_to("GET", "/health-check")) == polls


async def test_closing_the_window_stops_the_wait_and_connect_again_restarts_it(dialog: CogDialog) -> None:
    async with started(FakeCog(setup_time=30)) as cog:
        dialog.url_edit.setText(cog.base_url)
        dialog.connect_button.click()
        await until(lambda: dialog.state == "waiting", limit=3, message="the STARTING answer")
        dialog.close()
        await asyncio.wait_for(dialog.wait(), 2)
        assert not dialog.waiting

        dialog.show()
        cog.begin_setup(0.2)
        dialog.connect_button.click()
        await until(lambda: dialog.state == "ready", limit=3, message="READY after reconnecting")


async def test_stop_waiting_keeps_the_dialog_open(dialog: CogDialog) -> None:
    async with started(FakeCog(setup_time=30)) as cog:
        dialog.url_edit.setText(cog.base_url)
        dialog.connect_button.click()
        await until(lambda: dialog.state == "waiting", limit=3, message="the STARTING answer")
        dialog.cancel_wait()
        await asyncio.wait_for(dialog.wait(), 2)
        assert dialog.isVisible() and dialog.state == "idle"
        assert dialog.status_label.text() == f"Stopped waiting for {cog.base_url}."


async def test_editing_the_url_after_ready_withdraws_the_offer(dialog: CogDialog, fake_cog: FakeCog) -> None:
    dialog.url_edit.setText(fake_cog.base_url)
    dialog.connect_button.click()
    await until(lambda: dialog.state == "ready", limit=3, message="READY")
    dialog.url_edit.textEdited.emit("http://127.0.0.1:1")
    assert not dialog.use_button.isEnabled() and dialog.connect_button.isDefault()
    dialog.url_edit.textEdited.emit(fake_cog.base_url + "/")
    assert dialog.use_button.isEnabled()


def test_lists_what_cog_cannot_do(flow: CogFlow) -> None:
    dialog = CogDialog(flow)
    try:
        text = dialog.limits_label.text()
        assert "What a local Cog server cannot do" in text
        for sentence in describe_capabilities():
            assert sentence.replace("'", "&#x27;") in text
        assert not dialog.isModal()
    finally:
        shiboken6.delete(dialog)


# ---- the flow ----------------------------------------------------------------------------------


async def test_events_stream_text_in_order(flow: CogFlow, fake_cog: FakeCog) -> None:
    heard: list[tuple[str, object]] = []
    flow.connected.connect(lambda url, schema: heard.append((url, schema)))
    schema = await flow.connect_to(fake_cog.base_url)
    assert heard == [(fake_cog.base_url, schema)]
    events = await collect(flow.events(fake_cog.base_url, {"prompt": "Hi"}, stream=True))
    deltas = [event.text for event in events if isinstance(event, TextDelta)]
    assert deltas == list(DEFAULT_CHUNKS)
    assert isinstance(events[-1], Completed) and events[-1].status == "succeeded"
    [request] = fake_cog.requests_to("POST", "/predictions")
    assert request.headers["Accept"] == "text/event-stream"


async def test_a_model_that_cannot_stream_still_answers(flow: CogFlow) -> None:
    async with started(FakeCog(streams=False)) as cog:
        events = await collect(flow.events(cog.base_url, {"prompt": "Hi"}, stream=True))
        assert "".join(event.text for event in events if isinstance(event, TextDelta)) == "".join(DEFAULT_CHUNKS)


async def test_events_return_images_as_data_uris(flow: CogFlow) -> None:
    async with started(FakeCog(kind="image")) as cog:
        await flow.connect_to(cog.base_url)
        events = await collect(flow.events(cog.base_url, {"prompt": "a fox", "num_outputs": 2}, stream=False,
                                           alt="a fox"))
        [images] = [event for event in events if isinstance(event, ImageResponse)]
        assert len(images.images) == 2 and images.alt == "a fox"
        assert all(url.startswith("data:image/png;base64,") for url in images.images)


async def test_a_new_session_gets_a_new_backend(fake_cog: FakeCog) -> None:
    sessions = [aiohttp.ClientSession()]
    flow = CogFlow(lambda: sessions[-1])
    try:
        first = flow.backend(fake_cog.base_url + "/")
        assert flow.backend(fake_cog.base_url) is first and first.base_url == fake_cog.base_url
        sessions.append(aiohttp.ClientSession())
        assert flow.backend(fake_cog.base_url).session is sessions[-1]
    finally:
        for session in sessions:
            await session.close()
        shiboken6.delete(flow)


def test_model_names() -> None:
    assert model_name("http://localhost:5000/") == "cog:http://localhost:5000"
    assert is_cog_reference("cog:http://localhost:5000") and is_cog_reference("cog:https://gpu.lan:8393")
    assert cog_url("cog:http://127.0.0.1:5001/") == "http://127.0.0.1:5001"
    assert cog_url(model_name("http://[::1]:5000")) == "http://[::1]:5000"
    for other in ("meta/meta-llama-3-70b-instruct", "cog:", "cog:localhost:5000", "cog:ftp://x", "http://x:1"):
        assert not is_cog_reference(other)
        with pytest.raises(ValueError, match="does not name a local Cog server"):
            cog_url(other)
    assert not is_valid_url("http://host:99999")
    # A URL the dialog accepts always names a model the picker, history and controller recognise.
    for url in ("http://localhost:5000", "https://gpu.lan:8393/", "http://[::1]:5000", "http://10.0.0.7"):
        assert is_valid_url(url) and is_cog_reference(model_name(url)), url
    assert not is_valid_url("http://localhost:5000/predictions")  # a path cannot be part of cog:http://host:port
