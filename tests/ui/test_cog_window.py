"""A local Cog server used from the window: connect, its form, a streamed reply, images as data: URIs."""

from __future__ import annotations

from pathlib import Path

from desktop_app.ui.cog.dialog import CogDialog
from tests.fake_replicate import FakeReplicate
from tests.fake_replicate.cog import FakeCog
from tests.ui.harness import make_harness, until


async def test_connect_to_a_local_cog_server_and_chat_with_it(
    fake_replicate: FakeReplicate, fake_cog: FakeCog, tmp_path: Path
) -> None:
    fake_cog.chunks = ["Hello", " from", " Cog."]
    h = await make_harness(fake_replicate, tmp_path, token=None, catalogue=True)  # no token needed for Cog
    try:
        h.window.cog_action.trigger()
        dialog = h.window.findChild(CogDialog)
        assert dialog is not None
        assert dialog.isVisible()
        assert not dialog.isModal()
        dialog.url_edit.setText(fake_cog.base_url)
        dialog.connect_to_server()
        await until(lambda: dialog.use_button.isEnabled(), message="the server to be ready")
        dialog.use_button.click()
        model = h.window.model_picker.current_model()
        assert model.startswith("cog:http://127.0.0.1:")
        assert h.controller.catalogue is not None
        form = h.controller.catalogue.form
        await until(lambda: any(spec.name != "prompt" for spec in form.schema().fields), message="Cog's form")

        h.send("Say hello")
        await h.wait_idle()
        turn = h.last_turn()
        assert (turn.text, turn.state) == ("Hello from Cog.", "done")
        assert fake_replicate.requests_to("POST", "/v1/") == []  # nothing went to Replicate
    finally:
        await h.close()


async def test_image_outputs_from_cog_arrive_as_data_uris(
    fake_replicate: FakeReplicate, tmp_path: Path
) -> None:
    async with FakeCog(kind="image") as cog:
        h = await make_harness(fake_replicate, tmp_path, token=None)
        try:
            name = f"cog:{cog.base_url.rstrip('/')}"
            assert h.window.model_picker.set_current_model(name)
            h.send("a small square")
            await h.wait_idle()
            await until(lambda: h.window.viewer.current_image() is not None, message="the decoded data: image")
            assert h.last_turn().state == "done"
        finally:
            await h.close()


async def test_a_cog_server_that_is_gone_says_so_in_the_chat(fake_replicate: FakeReplicate, tmp_path: Path) -> None:
    h = await make_harness(fake_replicate, tmp_path, token=None)
    try:
        assert h.window.model_picker.set_current_model("cog:http://127.0.0.1:9")
        h.send("anyone there?")
        await h.wait_idle()
        turn = h.last_turn()
        assert turn.state == "failed"
        assert "127.0.0.1:9" in (turn.error or "")
    finally:
        await h.close()
