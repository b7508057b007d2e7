"""The app's qasync loop releases the Qt timers of cancelled callbacks at once."""

from __future__ import annotations

import asyncio

from desktop_app.ui.event_loop import AppEventLoop


async def test_cancelled_callbacks_give_back_their_timers() -> None:
    loop = asyncio.get_running_loop()
    assert isinstance(loop, AppEventLoop)
    timers = loop._timer
    before = len(timers._handles)
    handles = [loop.call_later(300, lambda: None) for _ in range(2000)]
    assert len(timers._handles) == before + 2000
    for handle in handles:
        handle.cancel()
    assert len(timers._handles) == before  # not kept until the 300 s are up


async def test_callbacks_still_run_in_order_and_cancel_after_run_is_safe() -> None:
    loop = asyncio.get_running_loop()
    ran: list[int] = []
    handles = [loop.call_later(0.01 * (i % 3), ran.append, i) for i in range(9)]
    await asyncio.sleep(0.1)
    assert sorted(ran) == list(range(9))
    assert ran[:3] == [0, 3, 6]  # the zero-delay ones first, in the order they were scheduled
    for handle in handles:
        handle.cancel()  # already ran: nothing breaks
    done = loop.create_future()
    loop.call_later(0.01, done.set_result, "ok")
    assert await asyncio.wait_for(done, 1) == "ok"
