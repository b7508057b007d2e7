"""The free output-folder check: what it accepts, what it refuses and that it leaves nothing behind."""

from __future__ import annotations

from pathlib import Path

from desktop_app.storage.folders import folder_problem


def test_an_existing_or_creatable_folder_is_fine_and_untouched(tmp_path: Path) -> None:
    (tmp_path / "kept").mkdir()

    assert folder_problem(tmp_path / "kept") is None
    assert folder_problem(tmp_path / "not" / "yet") is None
    assert sorted(path.name for path in tmp_path.rglob("*")) == ["kept"]  # no probe file, no folder created
    assert list((tmp_path / "kept").iterdir()) == []


def test_refusals_are_one_sentence(tmp_path: Path) -> None:
    a_file = tmp_path / "picture.png"
    a_file.write_bytes(b"x")

    assert folder_problem(a_file) == f"The output folder {a_file} is a file, not a folder."
    assert folder_problem(a_file / "a" / "b") == (
        f"The output folder {a_file / 'a' / 'b'} cannot be created: {a_file} is a file, not a folder."
    )
    assert folder_problem(Path("/sys/kernel")) == "The output folder /sys/kernel cannot be written: permission denied."
    assert folder_problem(Path("/sys/no/such")) == (
        "The output folder /sys/no/such cannot be created in /sys: permission denied."
    )
    nul = tmp_path / "nul\0byte"
    assert folder_problem(nul) == f"The output folder {str(nul)!r} is not a valid path."
