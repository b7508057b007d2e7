"""The window checks what it can for free before a prediction is paid for: numbers JSON can carry, and a
folder that can keep the outputs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QPlainTextEdit

from desktop_app.ui.form.parameter_form import ParameterForm
from tests.fake_replicate import FakeReplicate
from tests.ui.harness import make_harness, until


@pytest.mark.parametrize(("typed", "said"), [
    ('{"guidance": NaN}', "NaN is not a finite number"),
    ('{"scales": [1, -Infinity]}', "-Infinity is not a finite number"),
    ('{"guidance": 1e999}', "1e999 is not a finite number"),
])
async def test_numbers_json_cannot_carry_are_refused_before_sending(
    fake_replicate: FakeReplicate, tmp_path: Path, typed: str, said: str
) -> None:
    h = await make_harness(fake_replicate, tmp_path, catalogue=True)
    try:
        flow = h.controller.catalogue
        assert flow is not None
        await until(lambda: "fake-user" in h.window.account_label.text(), message="the account check")
        h.choose("flux-schnell")
        flow.load_schema("flux-schnell")
        await flow.wait_idle()  # the cached card, then the fresh one: the form is final only after both
        form = flow.form
        assert isinstance(form, ParameterForm) and form.editor("num_outputs") is not None
        json_editor = form.findChild(QPlainTextEdit, "parameter_form_json")
        assert json_editor is not None
        json_editor.setPlainText(typed)

        h.send("a lighthouse")
        await h.wait_idle()

        assert fake_replicate.requests_to("POST", "/v1/models/") == []
        assert fake_replicate.requests_to("POST", "/v1/predictions") == []
        error = h.window.chat.turns()[-1].error or ""
        assert "parameters need fixing" in error
        assert said in error
        assert h.prompt_box.toPlainText() == "a lighthouse"
    finally:
        await h.close()


async def test_an_unusable_library_folder_stops_an_image_run_before_it_is_paid_for(
    fake_replicate: FakeReplicate, tmp_path: Path
) -> None:
    h = await make_harness(fake_replicate, tmp_path, history=True)
    try:
        await until(lambda: "fake-user" in h.window.account_label.text(), message="the account check")
        library = h.paths.library_dir
        shutil.rmtree(library, ignore_errors=True)
        library.write_bytes(b"a file where the library folder should be")
        h.choose("flux-schnell")

        h.send("a paper boat")
        await h.wait_idle()

        assert fake_replicate.requests_to("POST", "/v1/models/") == []
        assert fake_replicate.predictions == {}
        error = h.window.chat.turns()[-1].error or ""
        assert error == (f"Nothing was sent: the outputs could not be kept. "
                         f"The output folder {library} is a file, not a folder.")
        assert h.prompt_box.toPlainText() == "a paper boat"  # given back, not lost

        h.choose("llama-3-70b")  # text is kept in the database, not the folder: chat goes on
        h.send("hello")
        await h.wait_idle()
        assert len(fake_replicate.requests_to("POST", "/v1/models/")) == 1
        assert h.window.chat.turns()[-1].state == "done"
    finally:
        await h.close()
