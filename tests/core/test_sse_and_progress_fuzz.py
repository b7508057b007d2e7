"""Property tests (hypothesis) of the SSE decoder and the tqdm progress parser: any chunking decodes alike,
arbitrary input never raises, the size cap holds, and parsed progress is always consistent."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_app.replicate.errors import UnexpectedResponse
from desktop_app.replicate.progress import last_log_line, parse_progress
from desktop_app.replicate.sse import SSEDecoder, SSEEvent

FUZZ = settings(max_examples=200, deadline=None)

line_text = st.text(st.characters(blacklist_characters="\r\n", blacklist_categories=["Cs"]), max_size=12)
line_end = st.sampled_from([b"\n", b"\r\n", b"\r"])


@st.composite
def event_streams(draw: st.DrawFn) -> tuple[bytes, list[SSEEvent]]:
    """A well-formed stream (comments, unknown fields, any line ends) and the events it must decode to."""
    raw, expected = bytearray(), []
    if draw(st.booleans()):
        raw += b"\xef\xbb\xbf"  # a byte-order mark may open the stream
    for _ in range(draw(st.integers(0, 5))):
        name = draw(st.sampled_from(["output", "logs", "done", "error"]))
        data = draw(st.lists(line_text, min_size=1, max_size=3))
        event_id = draw(st.none() | st.from_regex(r"\A[0-9]{1,10}:[0-9]{1,4}\Z"))
        lines = [f"event: {name}"] + ([f"id: {event_id}"] if event_id is not None else [])
        lines += [f"data: {part}" for part in data]
        if draw(st.booleans()):
            lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from([": hi", "retry: 10", "x-y: z"])))
        for line in [*lines, ""]:
            end = draw(line_end)
            if not line and end == b"\n" and raw.endswith(b"\r"):
                end = b"\r\n"  # a LF right after a CR would join it as one CRLF line break
            raw += line.encode() + end
        expected.append(SSEEvent(name, "\n".join(data), event_id))
    return bytes(raw), expected


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(cut, len(data)) for cut in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


def decode(chunks: list[bytes], limit: int = 1 << 30) -> tuple[list[SSEEvent], str | None, bool]:
    """The events, the last event id, and whether the size cap stopped the stream."""
    decoder = SSEDecoder(limit)
    events: list[SSEEvent] = []
    for chunk in chunks:
        events += decoder.feed(chunk)
        if decoder.error is not None:
            break
    return events, decoder.last_event_id, decoder.error is not None


@FUZZ
@given(event_streams(), st.lists(st.integers(0, 400), max_size=12))
def test_well_formed_streams_decode_to_their_events_in_any_chunking(
    stream: tuple[bytes, list[SSEEvent]], cuts: list[int]
) -> None:
    raw, expected = stream
    events, last_id, stopped = decode(split(raw, cuts))
    assert (events, stopped) == (expected, False)
    ids = [event.id for event in expected if event.id is not None]
    assert last_id == (ids[-1] if ids else None)


@FUZZ
@given(st.binary(max_size=300), st.lists(st.integers(0, 300), max_size=12))
def test_arbitrary_bytes_never_raise_and_chunking_never_matters(raw: bytes, cuts: list[int]) -> None:
    assert decode(split(raw, cuts)) == decode([raw])
    assert decode([bytes([byte]) for byte in raw]) == decode([raw])


@FUZZ
@given(st.binary(max_size=200) | event_streams().map(lambda stream: stream[0]), st.integers(1, 64),
       st.lists(st.integers(0, 300), max_size=8))
def test_the_size_cap_stops_cleanly_and_alike_in_any_chunking(raw: bytes, limit: int, cuts: list[int]) -> None:
    free, _, _ = decode([raw])
    capped, _, stopped = decode(split(raw, cuts), limit)
    assert capped == free[: len(capped)]  # what came before the cap is exactly what an uncapped read gives
    assert stopped == decode([raw], limit)[2]
    longest = max((len(line) for line in raw.replace(b"\r", b"\n").split(b"\n")), default=0)
    if longest > limit:
        assert stopped
    if len(raw) < limit:
        assert not stopped


def test_the_cap_sentence_names_the_limit() -> None:
    decoder = SSEDecoder(max_event_bytes=16)
    assert decoder.feed(b"data: ok\n\n") == [SSEEvent("message", "ok")]
    assert decoder.feed(b"data: two\n\ndata: " + b"x" * 40) == [SSEEvent("message", "two")]
    assert isinstance(decoder.error, UnexpectedResponse)
    assert "larger than 16 bytes" in str(decoder.error)
    with pytest.raises(UnexpectedResponse, match="larger than 16 bytes"):
        decoder.feed(b"\n\n")  # a stopped decoder stays stopped


tqdm_like = st.text(st.sampled_from("0123456789%|/.[]<>:, its█▏\n\r\t "), max_size=80)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=400) | tqdm_like)
def test_progress_parser_never_raises_and_stays_consistent(logs: str) -> None:
    progress = parse_progress(logs)
    last_log_line(logs)
    if progress is not None:
        assert 0.0 <= progress.percentage <= 1.0
        assert 0 <= progress.current <= progress.total and progress.total > 0
        rate = progress.steps_per_second
        assert rate is None or (rate > 0 and math.isfinite(rate))
        left = progress.seconds_left()
        assert left is None or left >= 0


bar_noise = st.text(st.sampled_from("█▏▎▍▌▋▊▉ #=-|0123456789%/.:abc"), max_size=30)


@FUZZ
@given(st.integers(0, 100), st.integers(1, 10**9), st.data(), bar_noise, bar_noise)
def test_progress_reads_any_plausible_bar(percent: int, total: int, data: st.DataObject, before: str,
                                          after: str) -> None:
    current = data.draw(st.integers(0, total))
    rate = data.draw(st.floats(0.01, 1e6, allow_nan=False).map(lambda value: round(value, 2)))
    line = f"{percent:3d}%|{'█' * (percent // 10):10}| {current}/{total} [00:01<00:02, {rate:.2f}it/s]"
    progress = parse_progress(f"{before}\n{line}\n{after.replace('%', '')}")
    assert progress is not None
    assert (progress.percentage, progress.current, progress.total) == (percent / 100, current, total)
    assert progress.steps_per_second == pytest.approx(rate)


@pytest.mark.parametrize("line", [
    "150%|██████████| 3/2 [00:01<00:00]",  # more than done
    "50%|█████     | 5/0 [00:01<00:00]",  # nothing to do
    "50%|█████     | 9/4 [00:01<00:00]",  # more steps than there are
    "50%|█████     | 1/2 [00:01<00:00, 1.2.3it/s]",  # a rate that is no number: the bar still counts
    "5" * 5000 + "%|x| 1/2",  # more digits than int() accepts
])
def test_contradictory_or_huge_bars_are_skipped_not_fatal(line: str) -> None:
    earlier = "  10%|█         | 1/10 [00:00<00:03,  5.0it/s]"
    progress = parse_progress(f"{earlier}\n{line}\n")
    assert progress is not None
    if "1.2.3" in line:
        assert (progress.current, progress.total) == (1, 2)
    else:
        assert (progress.current, progress.total) == (1, 10)
