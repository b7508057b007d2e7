"""A process killed with SIGKILL in the middle of writing leaves a history that opens cleanly and keeps every commit."""

from __future__ import annotations

import hashlib
import io
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import desktop_app
from desktop_app.storage import HistoryStore

PROJECT_ROOT = Path(desktop_app.__file__).resolve().parent.parent
Image = pytest.importorskip("PIL.Image")

WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from desktop_app.storage.history import HistoryStore

    store = HistoryStore.open(Path(sys.argv[1]))
    png = Path(sys.argv[2]).read_bytes()
    conversation = store.create_conversation("crash test", "m")
    print("conversation", conversation, flush=True)
    index = 0
    while True:
        prompt = f"prompt number {index}"
        turn = store.add_turn(conversation, "user", prompt, "m", "streaming")
        generation = store.start_generation(conversation, turn, "m", None, {"prompt": prompt, "seed": index})
        store.update_generation(generation, prediction_id=f"pred-{index}", status="processing")
        record = store.add_output(generation, png, "image/png", metadata={"index": index})
        store.update_turn(turn, text=prompt + " done", state="done")
        print(turn, generation, record.sha256, flush=True)
        index += 1
    """
)


def noisy_png(seed: int) -> bytes:
    """A ~200 KB PNG (random pixels do not compress), so a kill often lands inside a file write."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (256, 256), bytes(rng.getrandbits(8) for _ in range(256 * 256 * 3)))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
@pytest.mark.parametrize(("committed", "extra_delay"), [(5, 0.0), (30, 0.003), (60, 0.011)])
def test_sigkill_mid_write_leaves_a_consistent_history(tmp_path: Path, committed: int, extra_delay: float) -> None:
    database = tmp_path / "data" / "history.db"
    png_file = tmp_path / "noise.png"
    png_file.write_bytes(noisy_png(committed))
    with subprocess.Popen(
        [sys.executable, "-c", WRITER, str(database), str(png_file)],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    ) as process:  # closes the pipes on the way out
        assert process.stdout is not None
        try:
            header = process.stdout.readline().split()
            assert header[:1] == ["conversation"], process.stderr.read() if process.stderr else ""
            conversation = int(header[1])
            lines = [process.stdout.readline() for _ in range(committed)]
            time.sleep(extra_delay)
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
            lines += process.stdout.readlines()
        finally:
            if process.poll() is None:  # pragma: no cover - only when an assertion failed above
                process.kill()
                process.wait()
    assert process.returncode == -signal.SIGKILL
    reported = [line.split() for line in lines if line.endswith("\n")]
    assert len(reported) >= committed

    with sqlite3.connect(database) as db:  # the raw file first: WAL recovery and a full integrity check
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        db.execute("INSERT INTO search_fts (search_fts) VALUES ('integrity-check')")

    with HistoryStore.open(database) as store:
        assert store.last_warning is None
        loaded = store.load_conversation(conversation)
        turns = {turn.id: turn for turn in loaded.turns}
        generations = {generation.id: generation for generation in loaded.generations}
        assert [turn.position for turn in loaded.turns] == list(range(len(loaded.turns)))
        for index, (turn_id, generation_id, sha256) in enumerate(reported):
            assert turns[int(turn_id)].text == f"prompt number {index} done"
            generation = generations[int(generation_id)]
            assert (generation.status, generation.prediction_id) == ("processing", f"pred-{index}")
            assert [output.sha256 for output in generation.outputs] == [sha256]
        for generation in loaded.generations:  # every recorded file is complete, including unreported ones
            for output in generation.outputs:
                assert hashlib.sha256(output.path.read_bytes()).hexdigest() == output.sha256
        unfinished = {generation.id for generation in store.restart.unfinished_generations()}
        assert {int(generation_id) for _, generation_id, _ in reported} <= unfinished
        assert store.restart.mark_interrupted_on_start() in (0, 1)  # killed between start_generation and its update
        unfinished_now = store.restart.unfinished_generations()
        assert unfinished_now == [g for g in unfinished_now if g.prediction_id]
        store.restart.cleanup_orphans(older_than=0)
        leftovers = [path for path in store.library_dir.rglob("*") if path.is_file()]
        assert not [path for path in leftovers if ".tmp" in path.name]
        recorded = {output.path for generation in loaded.generations for output in generation.outputs}
        assert recorded <= set(leftovers)
        assert len(set(leftovers) - recorded) <= 1  # at most the file whose row the kill prevented
        conversation_after = store.create_conversation("after the crash", "m")
        assert store.list_entries()[0].conversation_id == conversation_after
