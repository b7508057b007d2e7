"""The thumbnail cache's bookkeeping: paths by content and size, least recently used out past a total size."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path

import pytest

from desktop_app.storage.thumbnails import TOUCH_AFTER, ThumbnailCache


def digest(number: int) -> str:
    return hashlib.sha256(str(number).encode()).hexdigest()


def age(path: Path, seconds: float) -> None:
    when = time.time() - seconds
    os.utime(path, (when, when))


def test_paths_are_keyed_by_content_and_size(tmp_path: Path) -> None:
    cache = ThumbnailCache(tmp_path / "thumbs")
    sha = digest(1)
    assert cache.path(sha, 256) == tmp_path / "thumbs" / "256" / sha[:2] / f"{sha}.webp"
    assert cache.path(sha, 128) != cache.path(sha, 256)
    assert cache.get(sha, 256) is None
    stored = cache.put(sha, 256, b"thumbnail bytes")
    assert cache.get(sha, 256) == stored
    assert stored.read_bytes() == b"thumbnail bytes"
    assert cache.get(sha, 128) is None
    assert [p.name for p in stored.parent.iterdir()] == [stored.name]  # no temporary file left


@pytest.mark.parametrize(("sha", "size"), [("../../etc/passwd", 256), ("AB" * 32, 256), (digest(1)[:-1], 256),
                                           (digest(1), 8), (digest(1), 99999)])
def test_keys_that_are_not_a_digest_and_a_sane_size_are_refused(tmp_path: Path, sha: str, size: int) -> None:
    with pytest.raises(ValueError, match=r"Not a sha256 digest|A thumbnail size is"):
        ThumbnailCache(tmp_path).path(sha, size)


def test_bad_settings_are_refused(tmp_path: Path) -> None:
    for kwargs in ({"suffix": "../x"}, {"max_bytes": 0}, {"low_water": 0.0}, {"low_water": 1.5}):
        with pytest.raises(ValueError, match=r"Not a thumbnail file suffix|needs a positive size"):
            ThumbnailCache(tmp_path, **kwargs)


def test_the_least_recently_used_go_first_once_the_total_is_passed(tmp_path: Path) -> None:
    cache = ThumbnailCache(tmp_path, max_bytes=1000, low_water=0.6)
    paths = [cache.put(digest(n), 256, bytes(200)) for n in range(4)]
    for index, path in enumerate(paths):
        age(path, 10_000 - index * 1000)  # 0 is the oldest
    cache.get(digest(0), 256)  # used long ago: a hit refreshes it
    assert cache.total_bytes() == 800

    cache.put(digest(4), 256, bytes(300))  # 1,100 > 1,000: down to 600

    kept = {n for n in range(5) if cache.get(digest(n), 256) is not None}
    assert kept == {0, 4}
    assert cache.total_bytes() == 500


def test_replacing_a_thumbnail_counts_its_new_size_only(tmp_path: Path) -> None:
    cache = ThumbnailCache(tmp_path, max_bytes=10_000)
    cache.put(digest(1), 64, bytes(100))
    assert cache.total_bytes() == 100
    cache.put(digest(1), 64, bytes(40))
    assert cache.total_bytes() == 40


def test_a_recent_hit_does_not_touch_the_file(tmp_path: Path) -> None:
    cache = ThumbnailCache(tmp_path)
    path = cache.put(digest(1), 64, b"x")
    age(path, TOUCH_AFTER / 2)
    before = path.stat().st_mtime
    cache.get(digest(1), 64)
    assert path.stat().st_mtime == before


def test_evict_to_a_target_and_count_from_disk(tmp_path: Path) -> None:
    ThumbnailCache(tmp_path).put(digest(1), 64, bytes(100))
    ThumbnailCache(tmp_path).put(digest(2), 64, bytes(100))
    (tmp_path / "64" / "stray.tmp").write_bytes(bytes(999))  # not a thumbnail: never counted nor removed
    fresh = ThumbnailCache(tmp_path)
    assert fresh.total_bytes() == 200
    evicted = fresh.evict(0)
    assert (evicted.files, evicted.bytes) == (2, 200)
    assert (tmp_path / "64" / "stray.tmp").exists()


def test_threads_storing_at_once_keep_the_total_right(tmp_path: Path) -> None:
    cache = ThumbnailCache(tmp_path, max_bytes=1 << 30)
    cache.total_bytes()

    def store(start: int) -> None:
        for n in range(start, start + 25):
            cache.put(digest(n), 128, bytes(10))

    threads = [threading.Thread(target=store, args=(index * 25,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.total_bytes() == 1000
    assert ThumbnailCache(tmp_path).total_bytes() == 1000
