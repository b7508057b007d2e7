"""History search at 10,000 conversations: ``list_entries(query, 0, 100)`` + ``count_entries(query)`` per query.

What the history sidebar asks of the store for each (debounced) search: the first page and the match count. The
database is built in a temporary folder: 10,000 conversations of ~4 turns each, words drawn from a Zipf-like
vocabulary (a few hundred real words, then a long tail of rarer invented ones), a few hundred with an image output.
~30 queries of five kinds (common word, rare word, two words, prefix, no match) are timed with FTS5 — target: p95
under 100 ms — and, for comparison, with the LIKE fallback the store uses when SQLite lacks FTS5.

Run alone: .venv/bin/python -m bench.core_history_search [--conversations N]
"""

from __future__ import annotations

import argparse
import itertools
import random
import sqlite3
import statistics
import struct
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from desktop_app.storage.history import HistoryStore
from desktop_app.storage.history_records import format_timestamp

TARGET = 0.100  # seconds, for list_entries + count_entries of one query
CONVERSATIONS = 10_000
WITH_IMAGES = 300
PAGE = 100
REPEATS = 3  # per query with FTS5 (the median is kept); the LIKE fallback runs each query once
MODELS = ("black-forest-labs/flux-schnell", "meta/meta-llama-3-70b-instruct", "stability-ai/sdxl",
          "meta/meta-llama-3-8b-instruct", "mistralai/mixtral-8x7b-instruct-v0.1")


def _words(text: str) -> list[str]:
    return text.split()


_FUNCTION = _words("the a of and to in is for with that on as it this be you are at by or from an your can")
_CONTENT = _words("""image photo picture portrait landscape light colour color style background detail sharp soft warm
cold bright dark
city street night morning sunset sunrise forest mountain river ocean sea beach lake sky cloud rain snow storm
cat dog bird horse fox owl dragon robot castle house garden window door table chair book lamp car train ship
woman man child girl boy old young friend family king queen knight wizard painter artist musician chef
red blue green yellow orange purple black white golden silver pink brown grey
write explain summarise summary list plan code python function error test story poem letter email report
idea question answer help please make give show describe compare improve translate rewrite draft short long
simple clear quick careful happy sad calm quiet loud strange beautiful ancient modern futuristic cinematic
watercolour oil pencil sketch render digital film lens camera angle shot closeup wide studio lighting shadow
travel trip holiday weekend recipe dinner bread cake coffee tea market shop museum library school office
data table chart number price cost budget year month week day hour time first last next best new
""")
_SYLLABLES = ("ka", "lo", "mi", "ra", "ven", "tor", "sil", "qua", "bex", "dru", "fen", "gal", "hor", "jin", "lum",
              "mar", "nor", "pel", "rin", "sar", "tal", "ulm", "vor", "wex", "yal", "zen", "bri", "cor", "dal", "eth")


def tiny_png(seed: int) -> bytes:
    """A valid 2×2 RGB PNG whose pixels depend on ``seed`` (so files differ), built with the standard library."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rgb = bytes((seed * 37 + index * 11) % 256 for index in range(12))
    raw = b"\x00" + rgb[:6] + b"\x00" + rgb[6:]
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


class Words:
    """Draws words with Zipf-like frequencies: real common words first, then ~30,000 invented rarer ones."""

    def __init__(self, rng: random.Random) -> None:
        invented = {"".join(rng.choices(_SYLLABLES, k=rng.choice((2, 3, 3, 4, 4)))) for _ in range(40_000)}
        known = _FUNCTION + _CONTENT
        tail = sorted(invented - set(known))
        rng.shuffle(tail)
        self.vocabulary = list(dict.fromkeys(known + tail))[:30_000]
        self._cumulative = list(itertools.accumulate(
            1 / (rank + 8) ** 1.1 for rank in range(len(self.vocabulary))))
        self._rng = rng

    def text(self, count: int) -> list[str]:
        return self._rng.choices(self.vocabulary, cum_weights=self._cumulative, k=count)


@dataclass(frozen=True)
class Corpus:
    """What was generated, for picking queries: how many conversations use each word."""

    document_frequency: Counter[str]
    two_word_pairs: list[tuple[str, str]]


def build(path: Path, conversations: int, with_images: int, seed: int = 20261128) -> Corpus:
    """Creates the database: rows written in bulk (one transaction), the FTS index built once, images via the API."""
    rng = random.Random(seed)
    words = Words(rng)
    HistoryStore.open(path, use_fts=False).close()  # the schema, without the search triggers (rebuilt below)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    frequency: Counter[str] = Counter()
    pairs: list[tuple[str, str]] = []
    conversation_rows, turn_rows = [], []
    for number in range(1, conversations + 1):
        when = format_timestamp(start + timedelta(minutes=number * 5))
        model = rng.choice(MODELS)
        title_words = words.text(rng.randint(3, 7))
        title = " ".join(title_words).capitalize()
        conversation_rows.append((number, title, model, when, when))
        used = set(title_words)
        for position in range(rng.choice((2, 4, 4, 4, 6))):
            user = position % 2 == 0
            turn_words = words.text(rng.randint(8, 30) if user else rng.randint(30, 150))
            used.update(turn_words)
            text = " ".join(turn_words).capitalize() + "."
            turn_rows.append((number, position, "user" if user else "assistant", text, model, "done", when, when))
        frequency.update(used)
        if number % 97 == 0:
            pairs.append((title_words[0], title_words[-1]))
    with sqlite3.connect(path) as db:
        db.executemany("INSERT INTO conversations (id, title, model, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                       conversation_rows)
        db.executemany("INSERT INTO turns (conversation_id, position, role, text, model, state, created_at, "
                       "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", turn_rows)
    with HistoryStore.open(path) as store:  # FTS5 is back: the index is rebuilt once
        for number in rng.sample(range(1, conversations + 1), min(with_images, conversations)):
            generation = store.start_generation(number, None, MODELS[0], None, {"prompt": f"picture {number}"})
            store.update_generation(generation, prediction_id=f"p{number}", status="succeeded")
            store.add_output(generation, tiny_png(number), "image/png")
    return Corpus(frequency, pairs)


def pick_queries(corpus: Corpus, conversations: int, rng: random.Random) -> list[tuple[str, str]]:
    """About 30 (kind, query) pairs: six of each kind."""
    by_frequency = corpus.document_frequency.most_common()
    content = [(word, count) for word, count in by_frequency if word not in _FUNCTION]
    common = [word for word, _ in content[:6]]
    rare = [word for word, count in content if count <= 5][-200:]
    prefixes = sorted({word[:3] for word, count in by_frequency[:300] if len(word) > 5})
    queries = [("common word", word) for word in common]
    queries += [("rare word", word) for word in rng.sample(rare, min(6, len(rare)))]
    queries += [("two words", f"{first} {second}") for first, second in rng.sample(corpus.two_word_pairs, 6)]
    queries += [("prefix", prefix) for prefix in rng.sample(prefixes, min(6, len(prefixes)))]
    queries += [("no match", word) for word in ("xylophonez", "qwzzkt", "zebrafishyq", "nonexistentword",
                                                 "kkkkqq", "jabberwockyx")]
    return queries


@dataclass
class Timing:
    kind: str
    query: str
    seconds: float
    matches: int


def measure(store: HistoryStore, queries: Sequence[tuple[str, str]], repeats: int) -> list[Timing]:
    store.list_entries("", 0, PAGE)  # warm the page cache once
    store.count_entries("")
    results = []
    for kind, query in queries:
        runs = []
        for _ in range(repeats):
            began = time.perf_counter()
            page = store.list_entries(query, 0, PAGE)
            matches = store.count_entries(query)
            runs.append(time.perf_counter() - began)
        assert len(page) == min(PAGE, matches), (query, len(page), matches)
        results.append(Timing(kind, query, statistics.median(runs), matches))
    return results


def p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def report(label: str, timings: Sequence[Timing]) -> tuple[float, float]:
    print(f"\n{label}")
    print(f"  {'kind':<12} {'queries':>7} {'median':>10} {'max':>10}   examples (matches)")
    for kind, group in itertools.groupby(sorted(timings, key=lambda t: t.kind), key=lambda t: t.kind):
        items = list(group)
        seconds = [item.seconds for item in items]
        examples = ", ".join(f"{item.query!r} ({item.matches})" for item in items[:3])
        print(f"  {kind:<12} {len(items):>7} {statistics.median(seconds) * 1000:>7.1f} ms "
              f"{max(seconds) * 1000:>7.1f} ms   {examples}")
    seconds = [timing.seconds for timing in timings]
    middle, high = statistics.median(seconds), p95(seconds)
    print(f"  all          {len(seconds):>7} {middle * 1000:>7.1f} ms   p95 {high * 1000:.1f} ms")
    return middle, high


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=CONVERSATIONS)
    args = parser.parse_args([] if argv is None else argv)
    print(__doc__.split("\n\n")[0])
    with tempfile.TemporaryDirectory(prefix="bench-history-") as folder:
        path = Path(folder) / "history.db"
        began = time.perf_counter()
        corpus = build(path, args.conversations, WITH_IMAGES)
        size = sum(file.stat().st_size for file in Path(folder).glob("history.db*")) / 2**20
        print(f"built {args.conversations:,} conversations ({WITH_IMAGES} with an image) in "
              f"{time.perf_counter() - began:.1f} s; database {size:.0f} MiB")
        queries = pick_queries(corpus, args.conversations, random.Random(7))
        with HistoryStore.open(path) as store:
            assert store.uses_fts, "this SQLite has no FTS5: only the fallback can be measured"
            fts_median, fts_p95 = report(f"FTS5 ({REPEATS} runs per query, median kept)",
                                         measure(store, queries, REPEATS))
        with HistoryStore.open(path, use_fts=False) as store:
            like_median, like_p95 = report("LIKE fallback (use_fts=False, one run per query)",
                                           measure(store, queries, 1))
    print("\nTarget: list_entries(query, 0, 100) + count_entries(query) under 100 ms (p95 over the queries)")
    for label, median, high in (("FTS5", fts_median, fts_p95), ("LIKE fallback", like_median, like_p95)):
        mark = "PASS" if high < TARGET else "MISS"
        print(f"  [{mark}] {label}: p95 {high * 1000:.1f} ms, median {median * 1000:.1f} ms")
    print(f"  FTS5 vs fallback: {like_median / fts_median:.1f}× faster at the median, "
          f"{like_p95 / fts_p95:.1f}× at p95")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
