"""The SSE decoder and the tqdm progress parser."""

from __future__ import annotations

from collections.abc import AsyncIterator

from desktop_app.replicate.progress import last_log_line, parse_progress
from desktop_app.replicate.sse import SSEEvent, iter_sse

STREAM = (
    b": hi\n\n"
    b"event: output\nid: 1717000000:0\ndata: Once upon\n\n"
    b"event: output\nid: 1717000000:1\ndata: line one\ndata: line two\n\n"
    b"event: logs\r\nid: 1717000000:2\r\ndata: step 1\r\n\r\n"
    b"event: done\nid: 1717000000:3\ndata: {}\n\n"
)


async def _chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def test_sse_events_survive_any_chunking() -> None:
    expected = [
        SSEEvent("output", "Once upon", "1717000000:0"),
        SSEEvent("output", "line one\nline two", "1717000000:1"),
        SSEEvent("logs", "step 1", "1717000000:2"),
        SSEEvent("done", "{}", "1717000000:3"),
    ]
    for size in (1, 3, 7, len(STREAM)):
        events = [event async for event in iter_sse(_chunks(STREAM, size))]
        assert events == expected, size


async def test_sse_unfinished_event_is_not_dispatched() -> None:
    events = [event async for event in iter_sse(_chunks(b"event: output\ndata: half", 4))]
    assert events == []


def test_progress_reads_the_last_tqdm_line() -> None:
    logs = (
        "Loading weights\n"
        "  10%|█         | 2/20 [00:00<00:03,  5.0it/s]\n"
        "  45%|████▌     | 9/20 [00:01<00:01,  8.1it/s]\n"
    )
    progress = parse_progress(logs)
    assert progress is not None
    assert (progress.percentage, progress.current, progress.total) == (0.45, 9, 20)
    assert progress.steps_per_second == 8.1
    assert abs((progress.seconds_left() or 0) - 11 / 8.1) < 1e-9
    assert last_log_line(logs) == "45%|████▌     | 9/20 [00:01<00:01,  8.1it/s]"


def test_progress_handles_seconds_per_step_and_absence() -> None:
    slow = parse_progress("  50%|█████     | 1/2 [00:02<00:02,  2.00s/it]")
    assert slow is not None
    assert slow.steps_per_second == 0.5
    assert parse_progress("no bars here") is None
    assert parse_progress(None) is None
    assert last_log_line("\n\n") is None
