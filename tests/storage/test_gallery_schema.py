"""The v3 migration (what the gallery needs): columns filled in for the rows already there, from v1 and v2 files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desktop_app.storage import HistoryStore
from desktop_app.storage import history_schema as schema
from desktop_app.storage.gallery import GalleryFilter, GalleryQueries
from desktop_app.storage.gallery_schema import KIND_SQL, model_name, output_kind
from tests.storage.test_history_schema import SHA, T0, T1, add_v1_rows, build_v1_by_hand, normalized_schema

VERSION = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa"


def add_v2_rows(db: sqlite3.Connection) -> None:
    """Beside the v1 rows: a pinned-version video generation (its JSON input with a non-ASCII prompt), an
    audio output, an output of unknown type, and an interrupted generation (the v2 status)."""
    add_v1_rows(db)
    db.execute("INSERT INTO generations VALUES (3, 1, NULL, ?, NULL, ?, 'pred-3', 'succeeded', NULL, ?, ?, ?, 1.0)",
               (f"minimax/video-01:{VERSION}", '{"prompt": "ночной город, neon", "seed": 7}', T0, T0, T1))
    db.execute("INSERT INTO generations VALUES (4, 1, NULL, 'flux', NULL, '{\"steps\": 4}', NULL, 'interrupted', "
               "NULL, ?, NULL, ?, NULL)", (T1, T1))
    for output_id, content_type in ((2, "video/mp4"), (3, "AUDIO/WAV"), (4, "application/octet-stream")):
        db.execute("INSERT INTO outputs VALUES (?, 3, ?, ?, 10, ?, NULL, ?)",
                   (output_id, f"{SHA[:2]}/{SHA}-{output_id}.bin", content_type, SHA, T1))


def build_v2(path: Path) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    schema.migrate(db, target=2)
    db.execute("BEGIN")
    add_v2_rows(db)
    db.execute("COMMIT")
    db.close()


def test_a_v2_database_gains_kinds_models_prompts_and_empty_flags(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    build_v2(path)

    with HistoryStore.open(path) as store:
        with store.reading() as db:
            outputs = db.execute("SELECT id, model, kind, favourite, rejected, deleted_at FROM outputs "
                                 "ORDER BY id").fetchall()
            generations = db.execute("SELECT id, prompt, source_output_id FROM generations ORDER BY id").fetchall()
        assert outputs == [(1, "flux", "image", 0, 0, None), (2, "minimax/video-01", "video", 0, 0, None),
                           (3, "minimax/video-01", "audio", 0, 0, None), (4, "minimax/video-01", "other", 0, 0, None)]
        assert generations == [(1, "a lighthouse at dusk", None), (2, "", None), (3, "ночной город, neon", None),
                               (4, "", None)]
        gallery = GalleryQueries(store)
        assert [item.id for item in gallery.page(GalleryFilter(search="город")).items] == [4, 3, 2]
        assert [item.id for item in gallery.page(GalleryFilter(search="lighthouse")).items] == [1]
        assert [item.id for item in gallery.page(GalleryFilter(kinds=("video", "audio"))).items] == [3, 2]
        assert store.get_generation(3).outputs[0].content_type == "video/mp4"  # the old records read as before

    fresh = tmp_path / "fresh.db"
    HistoryStore.open(fresh).close()
    assert normalized_schema(path) == normalized_schema(fresh)


def test_a_hand_built_v1_database_reaches_v3_with_its_prompt_searchable(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    build_v1_by_hand(path)
    with HistoryStore.open(path) as store:
        with store.reading() as db:
            assert schema.schema_version(db) == 3
        [item] = GalleryQueries(store).page(GalleryFilter(search="lighth")).items
        assert (item.id, item.model, item.kind, item.prompt, item.conversation_id) == (
            1, "flux", "image", "a lighthouse at dusk", 1)


def test_the_like_fallback_searches_the_migrated_prompts_too(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    build_v2(path)
    with HistoryStore.open(path, use_fts=False) as store:
        gallery = GalleryQueries(store)
        assert [item.id for item in gallery.page(GalleryFilter(search="neon ночной")).items] == [4, 3, 2]
        assert gallery.count(GalleryFilter(search="dusk")) == 1


def test_a_failing_v3_step_leaves_version_2_and_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    build_v2(path)

    def broken(connection: sqlite3.Connection) -> None:
        schema.MIGRATIONS[2](connection)
        raise RuntimeError("bug after the columns were added")

    db = sqlite3.connect(path, isolation_level=None)
    with pytest.raises(RuntimeError, match="bug after"):
        schema.migrate(db, migrations={**schema.MIGRATIONS, 2: broken})
    assert schema.schema_version(db) == 2
    columns = [row[1] for row in db.execute("PRAGMA table_info(outputs)")]
    assert "favourite" not in columns
    assert db.execute("SELECT count(*) FROM outputs").fetchone() == (4,)
    db.close()
    with HistoryStore.open(path) as store:  # and the next start upgrades it after all
        assert GalleryQueries(store).count(GalleryFilter()) == 4


def test_the_source_link_is_cleared_when_its_output_is_removed(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    build_v2(path)
    with HistoryStore.open(path) as store:
        conversation = store.load_conversation(1).id
        made = store.start_generation(conversation, None, "x/upscaler", None, {"prompt": "up"}, source_output_id=1)
        gone = store.start_generation(conversation, None, "x/upscaler", None, {"prompt": "up"}, source_output_id=999)
        with store.writing("test") as db:
            assert db.execute("SELECT id, source_output_id FROM generations WHERE id IN (?, ?) ORDER BY id",
                              (made, gone)).fetchall() == [(made, 1), (gone, None)]
            db.execute("DELETE FROM outputs WHERE id = 1")
            assert db.execute("SELECT source_output_id FROM generations WHERE id = ?", (made,)).fetchone() == (None,)


@pytest.mark.parametrize(("content_type", "kind"), [
    ("image/png", "image"), ("IMAGE/WEBP; q=1", "image"), ("video/mp4", "video"), ("audio/mpeg", "audio"),
    ("application/json", "other"), ("", "other"), (None, "other"), ("imagex/png", "other")])
def test_output_kinds_follow_the_media_type_family(content_type: str | None, kind: str) -> None:
    assert output_kind(content_type) == kind
    with sqlite3.connect(":memory:") as db:  # the migration's SQL agrees with the function
        db.execute("CREATE TABLE outputs (content_type TEXT)")
        db.execute("INSERT INTO outputs VALUES (?)", (content_type or "",))
        sql_kind = db.execute(f"SELECT {KIND_SQL} FROM outputs").fetchone()[0]
    assert sql_kind == kind


@pytest.mark.parametrize(("model", "name"), [
    ("black-forest-labs/flux-schnell", "black-forest-labs/flux-schnell"),
    (f"stability-ai/sdxl:{VERSION}", "stability-ai/sdxl"),
    ("cog:http://localhost:5000", "cog:http://localhost:5000"), (" flux ", "flux")])
def test_model_names_drop_the_pinned_version_but_keep_cog_servers_whole(model: str, name: str) -> None:
    assert model_name(model) == name
