"""The window against the fake Replicate server: chat, images, progress, stop, errors, first run."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QTextEdit

from desktop_app.storage.settings import Settings
from tests.fake_replicate import FakeReplicate, Script
from tests.ui.harness import Harness, child, make_harness, until

LLAMA = "meta/meta-llama-3-70b-instruct"
FLUX = "black-forest-labs/flux-schnell"
CHUNKS = ["Hello", " there", ",", " how", " can", " I", " help", " you", " today", "?"]


@pytest_asyncio.fixture
async def harness(fake_replicate: FakeReplicate, tmp_path: Path) -> AsyncIterator[Harness]:
    h = await make_harness(fake_replicate, tmp_path)
    await until(lambda: "fake-user" in h.window.account_label.text(), message="the account check")
    yield h
    await h.close()


async def test_text_reply_streams_in_progressively(harness: Harness) -> None:
    gate = asyncio.Event()
    harness.fake.set_script(LLAMA, Script(kind="text", chunks=CHUNKS, gate=gate, gate_after=3))
    harness.choose("llama-3-70b")
    harness.send("Say hello")

    await until(lambda: harness.last_turn().text == "Hello there,", message="the first three chunks")
    assert harness.last_turn().state == "streaming"
    assert harness.window.chat.is_busy()
    await until(lambda: "Hello there," in child(harness.window.chat, QTextEdit, "chat_view").toPlainText())

    gate.set()
    await harness.wait_idle()
    turn = harness.last_turn()
    assert (turn.role, turn.text, turn.state) == ("assistant", "".join(CHUNKS), "done")
    assert harness.window.progress.status_text().lower().startswith("succeeded")
    (create,) = harness.fake.requests_to("POST", f"/v1/models/{LLAMA}/predictions")
    assert create.json is not None
    assert create.json["input"]["prompt"] == "User: Say hello\nAssistant:"


async def test_second_turn_sends_the_whole_transcript(harness: Harness) -> None:
    harness.fake.set_script(LLAMA, Script(kind="text", chunks=["Blue."]))
    harness.choose("llama-3-70b")
    harness.send("Name a colour")
    await harness.wait_idle()
    harness.send("Another one")
    await harness.wait_idle()
    creates = harness.fake.requests_to("POST", f"/v1/models/{LLAMA}/predictions")
    assert creates[-1].json is not None
    assert creates[-1].json["input"]["prompt"] == (
        "User: Name a colour\nAssistant: Blue.\nUser: Another one\nAssistant:"
    )


async def test_image_appears_in_viewer_and_saves_the_same_pixels(harness: Harness, tmp_path: Path) -> None:
    harness.fake.set_script(FLUX, Script(kind="image", images=[("webp", 96, 64)], stream=True))
    harness.choose("flux-schnell")
    harness.send("a red fox in snow")
    await until(lambda: harness.window.viewer.current_image() is not None, message="the image in the viewer")
    await harness.wait_idle()
    shown = harness.window.viewer.current_image()
    assert shown is not None
    assert (shown.width(), shown.height()) == (96, 64)
    assert harness.last_turn().image_count == 1  # the thumbnail in the chat

    saved = harness.window.viewer.save_image_to(0, tmp_path / "fox.png")
    assert saved is not None
    on_disk = QImage(str(saved))
    assert on_disk.format() != QImage.Format.Format_Invalid
    assert on_disk.convertToFormat(QImage.Format.Format_ARGB32) == shown.convertToFormat(QImage.Format.Format_ARGB32)
    assert saved.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


async def test_progress_follows_poll_attempts_then_the_log_percentage(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    async with FakeReplicate(wait_window=0.05) as fake:
        # the run stays queued until the window has shown a poll attempt: no race with a busy machine
        gate = asyncio.Event()
        fake.set_script("acme/painter", Script(kind="image", queue_time=0.2, queue_gate=gate, steps=5,
                                               step_time=0.15))
        h = await make_harness(fake, tmp_path, settings=Settings(wait_seconds=1, max_attempts=40))
        seen: list[tuple[tuple[int, int], int, str]] = []

        progress = h.window.progress
        show = progress.update_progress

        def shown_then_recorded(status: str, mode: str, *rest: object) -> None:
            show(status, mode, *rest)  # type: ignore[arg-type]
            if mode == "poll":
                seen.append((progress.bar_range(), progress.bar_value(), progress.progress_text()))

        monkeypatch.setattr(progress, "update_progress", shown_then_recorded)
        try:
            h.choose("acme/painter")
            h.send("a mountain lake")
            await until(lambda: any(entry[0] == (0, 40) for entry in seen), message="a poll attempt shown")
            gate.set()
            await h.wait_idle()
        finally:
            gate.set()
            await h.close()
    attempt_ticks = [entry for entry in seen if entry[0] == (0, 40)]
    percent_ticks = [entry for entry in seen if entry[0] == (0, 100)]
    assert attempt_ticks, seen
    # polls come as often as the budget allows; the bar counts the poll-delay periods begun since the first
    values = [value for _, value, _ in attempt_ticks]
    assert values == sorted(values)
    assert values[0] == 1, seen
    assert "attempt 1 of 40" in attempt_ticks[0][2]
    assert percent_ticks, seen
    assert seen.index(percent_ticks[0]) > seen.index(attempt_ticks[0])
    values = [value for _, value, _ in percent_ticks]
    assert values == sorted(values)
    assert "log" in percent_ticks[0][2].lower()


async def test_stop_cancels_on_the_server_and_keeps_the_partial_reply(harness: Harness) -> None:
    gate = asyncio.Event()
    harness.fake.set_script(LLAMA, Script(kind="text", chunks=CHUNKS, gate=gate, gate_after=2))
    harness.choose("llama-3-70b")
    harness.send("Tell me a story")
    await until(lambda: harness.last_turn().text == "Hello there", message="the partial reply")
    harness.send_button.click()  # Send became Stop
    await harness.wait_idle()
    turn = harness.last_turn()
    assert (turn.text, turn.state) == ("Hello there", "stopped")
    (prediction_id,) = harness.fake.predictions
    assert harness.fake.requests_to("POST", f"/v1/predictions/{prediction_id}/cancel")
    assert harness.fake.predictions[prediction_id].status == "canceled"
    gate.set()


@pytest.mark.parametrize(
    ("arrange", "expected"),
    [
        (lambda f: f.fail_next("POST", r"/v1/models/.+/predictions", 402), "billing"),
        (lambda f: f.fail_next("POST", r"/v1/models/.+/predictions", 500, body={"detail": "boom"}), "server error"),
        (lambda f: f.fail_next("POST", r"/v1/models/.+/predictions", 502, body="<html><h1>Bad Gateway</h1></html>",
                               content_type="text/html"), "not JSON"),
        (lambda f: f.set_script(LLAMA, Script(kind="text", end="failed", error="CUDA out of memory")),
         "CUDA out of memory"),
        (lambda f: f.set_script(LLAMA, Script(kind="text", end="canceled")), "canceled"),
        (lambda f: f.set_script(LLAMA, Script(kind="text", end="aborted")), "aborted"),
    ],
    ids=["402", "500", "html-502", "failed", "canceled", "aborted"],
)
async def test_errors_show_in_the_turn_and_the_window_stays_usable(
    harness: Harness, arrange: object, expected: str
) -> None:
    arrange(harness.fake)  # type: ignore[operator]
    harness.choose("llama-3-70b")
    harness.send("hi")
    await harness.wait_idle()
    turn = harness.last_turn()
    assert turn.state == "failed"
    assert turn.error is not None
    assert expected.lower() in turn.error.lower()
    assert "Traceback" not in turn.error

    harness.fake.set_script(LLAMA, Script(kind="text", chunks=["fine"]))
    harness.send("again")
    await harness.wait_idle()
    assert (harness.last_turn().text, harness.last_turn().state) == ("fine", "done")


async def test_retry_runs_the_failed_request_again(harness: Harness) -> None:
    harness.fake.fail_next("POST", r"/v1/models/.+/predictions", 500, body={"detail": "boom"})
    harness.fake.set_script(LLAMA, Script(kind="text", chunks=["recovered"]))
    harness.choose("llama-3-70b")
    harness.send("hi")
    await harness.wait_idle()
    assert harness.last_turn().state == "failed"
    harness.window.chat.retry_requested.emit()
    await harness.wait_idle()
    assert (harness.last_turn().text, harness.last_turn().state) == ("recovered", "done")


async def test_broken_image_shows_a_message_in_the_viewer(harness: Harness) -> None:
    harness.fake.set_script(FLUX, Script(kind="image", broken_images=True))
    failures: list[str] = []
    harness.window.viewer.image_failed.connect(lambda _i, message: failures.append(message))
    harness.choose("flux-schnell")
    harness.send("a cat")
    await until(lambda: bool(failures), message="the decode failure")
    assert "could not be decoded" in failures[0]
    assert harness.window.viewer.current_image() is None


async def test_wrong_token_points_to_the_token_setting(fake_replicate: FakeReplicate, tmp_path: Path) -> None:
    h = await make_harness(fake_replicate, tmp_path, token="r8_wrongwrongwrongwrongwrong1234")
    try:
        await until(lambda: h.window.token_panel.isVisible(), message="the token panel")
        assert "refused" in h.window.account_label.text().lower()
        h.choose("llama-3-70b")
        h.send("hi")
        await h.wait_idle()
        turn = h.last_turn()
        assert turn.state == "failed"
        assert "token" in (turn.error or "").lower()
        assert "r8_wrong" not in (turn.error or "")
    finally:
        await h.close()


async def test_first_run_without_token_shows_the_panel_and_accepts_a_token(
    fake_replicate: FakeReplicate, tmp_path: Path
) -> None:
    h = await make_harness(fake_replicate, tmp_path, token=None)
    try:
        panel = h.window.token_panel
        assert panel.isVisible()
        assert "replicate.com/account/api-tokens" in child(panel, QLabel, "tokenPanelHelp").text()
        h.choose("llama-3-70b")
        h.send("hi")
        assert fake_replicate.requests_to("POST", "/v1/") == []  # nothing is sent without a token
        assert "REPLICATE_API_TOKEN" in (h.last_turn().error or h.last_turn().text)

        panel.token_edit.setText(fake_replicate.token)
        panel.save_button.click()
        await until(lambda: "fake-user" in h.window.account_label.text(), message="the account name")
        await until(lambda: (h.paths.config_dir / "token").exists(), message="the stored token")
        assert not panel.isVisible()
        assert (h.paths.config_dir / "token").read_text().strip() == fake_replicate.token
        assert (h.paths.config_dir / "token").stat().st_mode & 0o077 == 0
        assert fake_replicate.token not in h.paths.settings_file.read_text()
    finally:
        await h.close()
