"""The app's qasync loop releases the Qt timers of cancelled callbacks at once."""

from __future__ import annotations

import asyncio

from desktop_app.ui.shell.event_loop import AppEventLoop


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


def test_callbacks_wait_for_the_loop_to_run_again() -> None:
    """qasync processes Qt events once more after run_until_complete; callbacks due then must not run
    outside the loop (get_running_loop would fail in them), but at the next run."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    loop = AppEventLoop(app)
    seen: list[bool] = []

    def probe() -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            seen.append(False)
        else:
            seen.append(True)

    async def schedule() -> None:
        loop.call_soon(loop.call_soon, probe)  # probe becomes due only after the loop's own stop

    try:
        loop.run_until_complete(schedule())
        loop.run_until_complete(asyncio.sleep(0.05))
    finally:
        loop.close()
    assert seen == [True]
