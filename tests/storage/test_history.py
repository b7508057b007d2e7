"""The history store: conversations, turns, generations, listing and search, deletes, restarts, threads."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desktop_app.storage import AppPaths, HistoryError, HistoryStore, NotFoundError
from desktop_app.storage.history_restart import INTERRUPTED_MESSAGE

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


class Clock:
    """A clock that moves one second per reading, so every write has its own time."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture(params=[True, False], ids=["fts", "like"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[HistoryStore]:
    opened = HistoryStore.open(tmp_path / "history.db", use_fts=request.param, clock=Clock())
    assert opened.uses_fts is request.param
    yield opened
    opened.close()


@pytest.fixture
def fts_store(tmp_path: Path) -> Iterator[HistoryStore]:
    opened = HistoryStore.open(tmp_path / "history.db", clock=Clock())
    yield opened
    opened.close()


def index_matches_tables(path: Path) -> bool:
    """The FTS index holds exactly one document per conversation: its title and all its turns' text."""
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO search_fts (search_fts) VALUES ('integrity-check')")
        indexed = {row[0]: (row[1], sorted(row[2].split("\n")) if row[2] else [])
                   for row in db.execute("SELECT rowid, title, body FROM search_fts")}
        expected = {row[0]: (row[1], sorted(text for (text,) in db.execute(
            "SELECT text FROM turns WHERE conversation_id = ?", (row[0],)))) for row in db.execute(
            "SELECT id, title FROM conversations")}
    return indexed == expected


def chat(store: HistoryStore, title: str, prompt: str, reply: str, model: str = "meta/llama") -> int:
    conversation = store.create_conversation(title, model)
    store.add_turn(conversation, "user", prompt, model, "done")
    store.add_turn(conversation, "assistant", reply, model, "done")
    return conversation


def test_history_modules_import_without_qt() -> None:
    script = textwrap.dedent(
        """
        import sys
        for blocked in ("PySide6", "qasync", "shiboken6"):
            sys.modules[blocked] = None
        from desktop_app.storage import (history, history_export, history_library, history_records, history_schema,
                                         image_metadata)
        assert not [name for name in sys.modules if name.split(".")[0] in ("PySide6", "qasync", "PIL")
                    and sys.modules[name] is not None]
        print("ok")
        """
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).resolve().parents[2],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_app_paths_name_the_history_files(tmp_path: Path) -> None:
    paths = AppPaths.under(tmp_path)
    assert paths.history_db == tmp_path / "data" / "history.db"
    assert paths.library_dir == tmp_path / "data" / "library"


def test_open_creates_the_folder_and_the_default_library(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "deep" / "data" / "history.db") as store:
        assert store.path.is_file()
        assert store.library_dir == tmp_path / "deep" / "data" / "library"
        assert store.last_warning is None


def test_conversation_turns_and_generations_round_trip(fts_store: HistoryStore) -> None:
    conversation = fts_store.create_conversation("  Cats  ", "black-forest-labs/flux-schnell")
    first = fts_store.add_turn(conversation, "user", "A cat in a hat", "black-forest-labs/flux-schnell", "done")
    second = fts_store.add_turn(conversation, "assistant", "", "black-forest-labs/flux-schnell", "streaming")
    generation = fts_store.start_generation(
        conversation, second, "black-forest-labs/flux-schnell", "v1", {"prompt": "A cat in a hat", "seed": 7})
    fts_store.update_generation(generation, prediction_id="pred-1", status="processing",
                                started_at="2026-11-28T14:00:05.123456789Z")
    fts_store.update_turn(second, text="Here it is", state="done")
    fts_store.update_generation(generation, status="succeeded", predict_time=1.25,
                                completed_at=datetime(2026, 11, 28, 14, 0, 9, tzinfo=UTC))
    fts_store.add_turn(conversation, "user", "Now tell me a joke", "meta/llama", "done")

    loaded = fts_store.load_conversation(conversation)

    assert loaded.title == "Cats"
    assert loaded.model == "meta/llama"  # the model used last
    assert loaded.models == ("black-forest-labs/flux-schnell", "meta/llama")
    assert [(t.position, t.role, t.text, t.state) for t in loaded.turns] == [
        (0, "user", "A cat in a hat", "done"), (1, "assistant", "Here it is", "done"),
        (2, "user", "Now tell me a joke", "done")]
    assert loaded.turns[0].id == first
    [stored] = loaded.generations
    assert (stored.turn_id, stored.model, stored.version, stored.prediction_id) == (second, loaded.models[0], "v1",
                                                                                    "pred-1")
    assert stored.input == {"prompt": "A cat in a hat", "seed": 7}
    assert (stored.status, stored.error, stored.predict_time) == ("succeeded", None, 1.25)
    assert stored.started_at == datetime(2026, 11, 28, 14, 0, 5, 123456, tzinfo=UTC)
    assert stored.completed_at == datetime(2026, 11, 28, 14, 0, 9, tzinfo=UTC)
    assert stored.created_at < loaded.updated_at
    assert fts_store.get_generation(generation) == stored


def test_a_final_status_records_the_completion_time(fts_store: HistoryStore) -> None:
    conversation = fts_store.create_conversation("x", "m")
    generation = fts_store.start_generation(conversation, None, "m", None, {})
    fts_store.update_generation(generation, status="failed", error="NSFW content detected")

    failed = fts_store.get_generation(generation)

    assert failed.status == "failed"
    assert failed.error == "NSFW content detected"
    assert failed.completed_at is not None
    assert failed.turn_id is None


def test_bad_ids_and_statuses_are_refused(fts_store: HistoryStore) -> None:
    conversation = fts_store.create_conversation("x", "m")
    other = fts_store.create_conversation("y", "m")
    turn = fts_store.add_turn(other, "user", "hi", "m", "done")
    with pytest.raises(NotFoundError):
        fts_store.add_turn(999, "user", "hi", "m", "done")
    with pytest.raises(NotFoundError):
        fts_store.update_turn(999, text="x")
    with pytest.raises(NotFoundError):
        fts_store.start_generation(999, None, "m", None, {})
    with pytest.raises(NotFoundError, match="no turn"):
        fts_store.start_generation(conversation, turn, "m", None, {})  # the turn belongs to another conversation
    with pytest.raises(NotFoundError):
        fts_store.update_generation(999, status="failed")
    with pytest.raises(NotFoundError):
        fts_store.load_conversation(999)
    with pytest.raises(NotFoundError):
        fts_store.get_generation(999)
    with pytest.raises(NotFoundError):
        fts_store.rename_conversation(999, "x")
    with pytest.raises(NotFoundError):
        fts_store.delete_conversation(999)
    generation = fts_store.start_generation(conversation, None, "m", None, {})
    with pytest.raises(ValueError, match="Unknown generation status"):
        fts_store.update_generation(generation, status="exploded")
    with pytest.raises(ValueError, match="JSON"):
        fts_store.start_generation(conversation, None, "m", None, {"file": object()})
    assert isinstance(NotFoundError("x"), LookupError)


def test_token_shaped_text_is_masked_before_it_is_stored(fts_store: HistoryStore) -> None:
    token = "r8_" + "A1b2C3d4" * 5
    conversation = fts_store.create_conversation("x", "m")
    generation = fts_store.start_generation(conversation, None, "m", None, {"api_token": token, "prompt": "hi"})
    fts_store.update_generation(generation, status="failed", error=f"Unauthenticated: {token}")

    stored = fts_store.get_generation(generation)
    fts_store.close()

    assert stored.input == {"api_token": "r8_…", "prompt": "hi"}
    assert stored.error == "Unauthenticated: r8_…"
    raw = b"".join(path.read_bytes() for path in fts_store.path.parent.glob("history.db*"))
    assert token.encode() not in raw


def test_list_entries_newest_activity_first_with_snippet_and_thumbnail(store: HistoryStore) -> None:
    old = chat(store, "Old chat", "first question", "first answer")
    image = store.create_conversation("Pictures", "flux")
    store.add_turn(image, "user", "A red fox", "flux", "done")
    generation = store.start_generation(image, None, "flux", None, {"prompt": "A red fox"})
    output = store.add_output(generation, PNG, "image/png")
    store.add_turn(old, "user", "a later question\n\nwith   spaces", "meta/llama", "done")  # old becomes the newest

    entries = store.list_entries()

    assert [entry.conversation_id for entry in entries] == [old, image]
    assert entries[0].snippet == "a later question with spaces"
    assert entries[0].turn_count == 3
    assert entries[0].thumbnail is None
    assert entries[1].thumbnail == output.path
    assert entries[1].model == "flux"
    assert entries[0].updated_at > entries[1].updated_at
    assert store.count_entries() == 2


def test_rename_does_not_move_a_conversation(store: HistoryStore) -> None:
    first = chat(store, "First", "a", "b")
    second = chat(store, "Second", "c", "d")
    store.rename_conversation(first, "Renamed")
    assert [(e.conversation_id, e.title) for e in store.list_entries()] == [(second, "Second"), (first, "Renamed")]
    assert [e.conversation_id for e in store.list_entries("renamed")] == [first]


def test_paging(store: HistoryStore) -> None:
    ids = [chat(store, f"Chat {index}", "q", "a") for index in range(7)]
    newest_first = ids[::-1]
    assert [e.conversation_id for e in store.list_entries(limit=3)] == newest_first[:3]
    assert [e.conversation_id for e in store.list_entries(offset=3, limit=3)] == newest_first[3:6]
    assert [e.conversation_id for e in store.list_entries(offset=6, limit=3)] == newest_first[6:]
    assert store.list_entries(offset=10) == []


def test_search_over_titles_prompts_and_replies(store: HistoryStore) -> None:
    cats = chat(store, "Feline questions", "Why do cats purr?", "Cats purr when content.")
    dogs = chat(store, "Dogs", "Why do dogs bark?", "Mostly to talk to you.")
    both = chat(store, "Pets", "Tell me about cats", "And dogs, of course, bark loudly.")

    assert {e.conversation_id for e in store.list_entries("purr")} == {cats}
    assert {e.conversation_id for e in store.list_entries("FELINE")} == {cats}  # titles, any case
    assert {e.conversation_id for e in store.list_entries("bark")} == {dogs, both}  # prompts and replies
    assert {e.conversation_id for e in store.list_entries("cats bark")} == {both}  # every word, across turns
    assert {e.conversation_id for e in store.list_entries("pets dogs")} == {both}  # a title word and a turn word
    assert store.list_entries("giraffe") == []
    assert store.count_entries("cats") == 2
    assert store.count_entries("  ") == 3
    [entry] = store.list_entries("loudly")
    assert "bark loudly" in entry.snippet


@pytest.mark.parametrize("query", ['"', "cats\"", "a*", "NEAR(", "-", "%", "_", "\\", "OR", "cats AND", "(x)"])
def test_search_syntax_in_the_query_is_plain_text(store: HistoryStore, query: str) -> None:
    chat(store, "Cats", "cats", "100% sure_thing \\ (x)")
    store.list_entries(query)  # never an FTS or LIKE syntax error
    store.count_entries(query)


def test_like_wildcards_are_escaped(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "h.db", use_fts=False) as store:
        chat(store, "one", "100% sure", "x")
        chat(store, "two", "100 percent", "x")
        assert store.count_entries("100%") == 1
        assert store.count_entries("_") == 0


def test_search_finds_text_updated_while_streaming(store: HistoryStore) -> None:
    conversation = store.create_conversation("Chat", "m")
    turn = store.add_turn(conversation, "assistant", "", "m", "streaming")
    assert store.list_entries("hippopotamus") == []
    store.update_turn(turn, text="A hippopotamus appears")
    assert [e.conversation_id for e in store.list_entries("hippopotamus")] == [conversation]
    store.update_turn(turn, text="A rhinoceros instead")
    assert store.list_entries("hippopotamus") == []
    store.update_turn(turn, state="done")  # state only: the text stays searchable
    assert [e.conversation_id for e in store.list_entries("rhinoceros")] == [conversation]


def test_fts_matches_word_prefixes_and_ignores_accents(fts_store: HistoryStore) -> None:
    conversation = chat(fts_store, "Café", "Photograph of a crème brûlée", "Done")
    assert [e.conversation_id for e in fts_store.list_entries("photo")] == [conversation]
    assert [e.conversation_id for e in fts_store.list_entries("creme brulee")] == [conversation]
    assert [e.conversation_id for e in fts_store.list_entries("cafe")] == [conversation]


def test_fts_index_stays_consistent_through_deletes(fts_store: HistoryStore) -> None:
    keep = chat(fts_store, "Keep", "walrus", "ok")
    gone = chat(fts_store, "Gone", "walrus too", "ok")
    fts_store.delete_conversation(gone)

    assert [e.conversation_id for e in fts_store.list_entries("walrus")] == [keep]
    assert index_matches_tables(fts_store.path)


def test_search_index_is_rebuilt_after_a_period_without_fts(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    with HistoryStore.open(path) as store:
        early = chat(store, "Early", "narwhal", "x")
    with HistoryStore.open(path, use_fts=False) as store:  # as on an SQLite without FTS5: triggers dropped
        late = chat(store, "Late", "narwhal again", "x")
        store.delete_conversation(early)
        assert [e.conversation_id for e in store.list_entries("narwhal")] == [late]
    with HistoryStore.open(path) as store:
        assert store.uses_fts
        assert [e.conversation_id for e in store.list_entries("narwhal")] == [late]
    assert index_matches_tables(path)


def test_delete_removes_rows_and_output_files(store: HistoryStore) -> None:
    conversation = store.create_conversation("x", "flux")
    generation = store.start_generation(conversation, None, "flux", None, {"prompt": "one"})
    first = store.add_output(generation, PNG, "image/png")
    second = store.add_output(generation, b"GIF89a" + b"\x00" * 20, "image/gif")  # gets a sidecar
    assert first.path.is_file()
    assert second.path.with_name(second.path.name + ".json").is_file()

    store.delete_conversation(conversation)

    assert not first.path.exists()
    assert not second.path.exists()
    assert not second.path.with_name(second.path.name + ".json").exists()
    assert list(store.library_dir.rglob("*")) == []
    assert store.list_entries() == []
    with sqlite3.connect(store.path) as db:
        for table in ("conversations", "turns", "generations", "outputs"):
            assert db.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)
    assert store.last_warning is None


def test_delete_keeps_a_file_another_conversation_still_uses(store: HistoryStore) -> None:
    outputs = []
    conversations = []
    for name in ("one", "two"):
        conversation = store.create_conversation(name, "flux")
        generation = store.start_generation(conversation, None, "flux", None, {})
        outputs.append(store.add_output(generation, PNG, "image/png", metadata={"prompt": "same"}))
        conversations.append(conversation)
    assert outputs[0].path == outputs[1].path  # identical content, one file

    store.delete_conversation(conversations[0])
    assert outputs[1].path.is_file()
    store.delete_conversation(conversations[1])
    assert not outputs[1].path.exists()


def test_delete_reports_files_it_could_not_remove(store: HistoryStore, monkeypatch: pytest.MonkeyPatch) -> None:
    conversation = store.create_conversation("x", "flux")
    generation = store.start_generation(conversation, None, "flux", None, {})
    output = store.add_output(generation, PNG, "image/png")

    def refuse(self: Path, missing_ok: bool = False) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "unlink", refuse)
    store.delete_conversation(conversation)
    monkeypatch.undo()

    assert store.list_entries() == []
    assert store.last_warning is not None
    assert str(output.path) in store.last_warning
    assert "permission denied" in store.last_warning


def test_unfinished_and_interrupted_generations_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    with HistoryStore.open(path) as store:
        conversation = store.create_conversation("x", "m")
        running_turn = store.add_turn(conversation, "assistant", "", "m", "streaming")
        lost_turn = store.add_turn(conversation, "assistant", "", "m", "streaming")
        running = store.start_generation(conversation, running_turn, "m", None, {"prompt": "a"})
        store.update_generation(running, prediction_id="pred-running", status="processing")
        queued = store.start_generation(conversation, None, "m", None, {"prompt": "b"})
        store.update_generation(queued, prediction_id="pred-queued")
        lost = store.start_generation(conversation, lost_turn, "m", None, {"prompt": "c"})  # app died before create
        done = store.start_generation(conversation, None, "m", None, {"prompt": "d"})
        store.update_generation(done, prediction_id="pred-done", status="succeeded")

    with HistoryStore.open(path) as store:
        assert store.restart.mark_interrupted_on_start(turn_state="stopped") == 1
        assert [g.prediction_id for g in store.restart.unfinished_generations()] == ["pred-running", "pred-queued"]
        interrupted = store.get_generation(lost)
        assert interrupted.status == "interrupted"
        assert interrupted.error == INTERRUPTED_MESSAGE
        assert interrupted.completed_at is not None
        states = {turn.id: turn.state for turn in store.load_conversation(conversation).turns}
        assert states == {running_turn: "streaming", lost_turn: "stopped"}
        assert store.restart.mark_interrupted_on_start() == 0


def test_closed_store_raises_a_history_error(tmp_path: Path) -> None:
    store = HistoryStore.open(tmp_path / "history.db")
    store.close()
    store.close()
    with pytest.raises(HistoryError, match="closed"):
        store.list_entries()


def test_threads_share_one_store(fts_store: HistoryStore) -> None:
    conversations = [fts_store.create_conversation(f"thread {index}", "m") for index in range(8)]
    errors: list[BaseException] = []

    def work(conversation: int) -> None:
        try:
            for step in range(40):
                turn = fts_store.add_turn(conversation, "user", f"step {step}", "m", "done")
                fts_store.update_turn(turn, state="edited")
                fts_store.list_entries("step", limit=5)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(conversation,)) for conversation in conversations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    for conversation in conversations:
        turns = fts_store.load_conversation(conversation).turns
        assert [turn.position for turn in turns] == list(range(40))
        assert {turn.state for turn in turns} == {"edited"}


# --- 10,000 conversations ---------------------------------------------------------------------------

WORDS = ["sun", "moon", "river", "stone", "forest", "cloud", "ember", "frost", "meadow", "harbor",
         "lantern", "orchard", "canyon", "glacier", "prairie", "thunder", "willow", "falcon", "tiger", "otter"]


def populate(path: Path, count: int, seed: int = 7) -> set[int]:
    """Fills the database with ``count`` two-turn conversations (executemany); returns those that mention
    the rare word ``zeppelin``."""
    rng = random.Random(seed)
    rare: set[int] = set()
    conversations, turns = [], []
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for number in range(1, count + 1):
        when = (start + timedelta(minutes=number)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        prompt = " ".join(rng.choices(WORDS, k=12))
        if number % 997 == 0:
            prompt += " zeppelin"
            rare.add(number)
        conversations.append((number, f"Chat {number} {rng.choice(WORDS)}", "meta/llama", when, when))
        turns.append((number, 0, "user", prompt, "meta/llama", "done", when, when))
        turns.append((number, 1, "assistant", " ".join(rng.choices(WORDS, k=60)), "meta/llama", "done", when, when))
    with sqlite3.connect(path) as db:
        db.executemany("INSERT INTO conversations (id, title, model, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                       conversations)
        db.executemany("INSERT INTO turns (conversation_id, position, role, text, model, state, created_at, "
                       "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", turns)
    return rare


@pytest.mark.parametrize("use_fts", [True, False], ids=["fts", "like"])
def test_ten_thousand_conversations_search(tmp_path: Path, use_fts: bool) -> None:
    path = tmp_path / "history.db"
    HistoryStore.open(path, use_fts=use_fts).close()
    started = time.perf_counter()
    rare = populate(path, 10_000)
    filled = time.perf_counter() - started

    with HistoryStore.open(path, use_fts=use_fts) as store:
        timings = {}
        for query in ("", "zeppelin", "otter falcon", "chat 5000", "nothing-like-this"):
            started = time.perf_counter()
            entries = store.list_entries(query)
            total = store.count_entries(query)
            timings[query] = (time.perf_counter() - started) * 1000
            if query == "zeppelin":
                assert {e.conversation_id for e in entries} == rare
                assert total == len(rare) == 10
                assert all("zeppelin" in e.snippet for e in entries)
            elif query == "":
                assert total == 10_000
                assert [e.conversation_id for e in entries] == list(range(10_000, 9_950, -1))
            elif query == "nothing-like-this":
                assert entries == []
                assert total == 0
            else:
                assert len(entries) == min(total, 50)
                assert total > 0
    print(f"\n{'fts' if use_fts else 'like'}: filled in {filled:.2f} s; "
          + ", ".join(f"{query!r} {ms:.1f} ms" for query, ms in timings.items()))
