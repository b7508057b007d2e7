"""Batch specs become jobs: copies with varied or locked seeds, prompt lists and CSV rows, matrices over inputs or
the model, a folder of files — and the product of all of them, in queue order."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_app.session.jobs import (
    MAX_JOBS,
    Axis,
    BatchSpec,
    BatchSpecError,
    expand,
    files_in,
    parse_axis,
    prompts_from_text,
    read_rows,
    rows_from_csv,
)


def test_copies_get_distinct_seeds_when_varied() -> None:
    jobs = expand(BatchSpec("flux-schnell", {"prompt": "a fox"}, repeat=5), rng=random.Random(1))
    seeds = [job.input["seed"] for job in jobs]
    assert len(jobs) == 5
    assert len(set(seeds)) == 5
    assert all(job.input["prompt"] == "a fox" for job in jobs)
    assert [job.label for job in jobs] == [f"seed {seed}" for seed in seeds]


def test_locked_seed_is_the_given_one_for_every_copy() -> None:
    jobs = expand(BatchSpec("flux-schnell", {"prompt": "a fox", "seed": 42}, repeat=3, seeds="lock"))
    assert [job.input["seed"] for job in jobs] == [42, 42, 42]


def test_locked_seed_without_one_draws_one_for_the_batch() -> None:
    jobs = expand(BatchSpec("flux-schnell", {"prompt": "x"}, repeat=4, seeds="lock"), rng=random.Random(7))
    assert len({job.input["seed"] for job in jobs}) == 1


def test_a_single_run_gets_no_seed_of_ours() -> None:
    (job,) = expand(BatchSpec("flux-schnell", {"prompt": "x"}))
    assert "seed" not in job.input
    assert job.label == ""


def test_prompt_rows_times_matrix_times_copies_in_queue_order() -> None:
    spec = BatchSpec("sdxl", rows=tuple(prompts_from_text("one\n\n two \n")),
                     matrix=(Axis("steps", (4, 8)),), repeat=2)
    jobs = expand(spec, rng=random.Random(3))
    assert spec.count == len(jobs) == 8
    assert [(job.input["prompt"], job.input["steps"]) for job in jobs] == [
        ("one", 4), ("one", 4), ("one", 8), ("one", 8), ("two", 4), ("two", 4), ("two", 8), ("two", 8)]
    assert jobs[2].label.startswith("#1 · steps=8 · seed ")


def test_matrix_over_the_model_varies_the_model_not_an_input() -> None:
    jobs = expand(BatchSpec("flux-schnell", {"prompt": "p"}, matrix=(Axis("model", ("flux-schnell", "sdxl")),
                                                                     Axis("num_outputs", (1, 2)))))
    assert [(job.model, job.input.get("num_outputs")) for job in jobs] == [
        ("flux-schnell", 1), ("flux-schnell", 2), ("sdxl", 1), ("sdxl", 2)]
    assert all("model" not in job.input for job in jobs)


def test_folder_of_files_feeds_a_file_input(tmp_path: Path) -> None:
    for name in ("b.png", "a.png", ".hidden.png", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    files = files_in(tmp_path, suffixes=[".png"])
    assert [path.name for path in files] == ["a.png", "b.png"]
    jobs = expand(BatchSpec("acme/upscaler", {"scale": 2}, file_key="image", files=tuple(files)))
    assert [job.input["image"] for job in jobs] == files
    assert [job.label for job in jobs] == ["a.png", "b.png"]


def test_empty_folder_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(BatchSpecError, match="has no files"):
        files_in(tmp_path)


def test_csv_with_a_header_gives_inputs_per_row() -> None:
    rows = rows_from_csv('prompt,steps,style\n"a cat, sitting",4,noir\nsecond,8,\n\n')
    assert rows == [{"prompt": "a cat, sitting", "steps": 4, "style": "noir"}, {"prompt": "second", "steps": 8}]


def test_csv_without_a_header_takes_the_first_column_as_prompt() -> None:
    assert rows_from_csv("a dog,x\nbird\n") == [{"prompt": "a dog"}, {"prompt": "bird"}]


def test_csv_row_longer_than_the_header_is_refused() -> None:
    with pytest.raises(BatchSpecError, match="Row 2"):
        rows_from_csv("prompt\nx,y\n")


def test_read_rows_by_suffix(tmp_path: Path) -> None:
    text = tmp_path / "p.txt"
    text.write_text("one\ntwo\n", encoding="utf-8")
    table = tmp_path / "p.csv"
    table.write_text("Prompt,seed\nhi,3\n", encoding="utf-8")
    assert read_rows(text) == [{"prompt": "one"}, {"prompt": "two"}]
    assert read_rows(table) == [{"prompt": "hi", "seed": 3}]
    empty = tmp_path / "e.txt"
    empty.write_text("\n \n", encoding="utf-8")
    with pytest.raises(BatchSpecError, match="no prompts"):
        read_rows(empty)
    with pytest.raises(BatchSpecError, match="cannot be read"):
        read_rows(tmp_path / "missing.txt")


def test_parse_axis() -> None:
    assert parse_axis("steps=4, 8 ,x") == Axis("steps", (4, 8, "x"))
    with pytest.raises(BatchSpecError, match="KEY=V1"):
        parse_axis("steps")
    with pytest.raises(BatchSpecError, match="no values"):
        parse_axis("steps=,")


@pytest.mark.parametrize(("spec", "message"), [
    (BatchSpec("m", repeat=0), "at least once"),
    (BatchSpec("m", files=(Path("a"),)), "which file input"),
    (BatchSpec("m", matrix=(Axis("a", (1,)), Axis("a", (2,)))), "varies a twice"),
    (BatchSpec("m", file_key="a", files=(Path("x"),), matrix=(Axis("a", (1,)),)), "both"),
    (BatchSpec("m", matrix=(Axis("a", tuple(range(200))), Axis("b", tuple(range(200))))), "at most"),
    (BatchSpec(" "), "Choose a model"),
])
def test_bad_specs_are_one_sentence(spec: BatchSpec, message: str) -> None:
    with pytest.raises(BatchSpecError, match=message):
        expand(spec)
    assert MAX_JOBS == 10_000


@settings(max_examples=60, deadline=None)
@given(rows=st.integers(0, 4), axes=st.lists(st.integers(1, 3), max_size=2), files=st.integers(0, 3),
       repeat=st.integers(1, 3), lock=st.booleans())
def test_expansion_makes_the_product_each_combination_once(rows: int, axes: list[int], files: int, repeat: int,
                                                            lock: bool) -> None:
    spec = BatchSpec("m", {"base": 1}, rows=tuple({"prompt": f"p{i}"} for i in range(rows)),
                     matrix=tuple(Axis(f"k{i}", tuple(range(n))) for i, n in enumerate(axes)),
                     file_key="image" if files else None, files=tuple(Path(f"f{i}") for i in range(files)),
                     repeat=repeat, seeds="lock" if lock else "vary")
    jobs = expand(spec, rng=random.Random(0))
    assert len(jobs) == spec.count
    assert all(job.input["base"] == 1 and job.model == "m" for job in jobs)
    # Without the seed, each combination appears exactly `repeat` times, in one block of copies.
    keyed = [tuple(sorted((k, str(v)) for k, v in job.input.items() if k != "seed")) for job in jobs]
    assert len(set(keyed)) == len(jobs) // repeat
    assert all(keyed[i] == keyed[i - i % repeat] for i in range(len(keyed)))
    if repeat > 1:
        seeds = [job.input["seed"] for job in jobs]
        assert (len(set(seeds)) == 1) if lock else (len(set(seeds)) == len(seeds))
