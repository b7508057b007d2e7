"""Runs the real application in its own process for the crash tests: ``python app_driver.py ROOT [PROMPT]``.

It is the real ``open_window`` + ``main`` (with HOME-independent folders under ROOT); when a prompt is given it
is typed into the prompt box once the window is signed in, as a person would.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPlainTextEdit

from desktop_app.__main__ import build_parser
from desktop_app.app import main, open_window
from desktop_app.storage.paths import AppPaths
from desktop_app.ui.shell.event_loop import AppEventLoop


async def type_prompt(window: object, prompt: str) -> None:
    from desktop_app.ui.shell.main_window import MainWindow

    assert isinstance(window, MainWindow)
    while "Signed in" not in window.account_label.text():  # noqa: ASYNC110 - polling a widget's text
        await asyncio.sleep(0.02)
    box = window.findChild(QPlainTextEdit, "chat_prompt")
    assert box is not None
    box.setPlainText(prompt)
    QTest.keyClick(box, Qt.Key.Key_Return)
    print("prompt sent", flush=True)


def run() -> int:
    root, prompt = Path(sys.argv[1]), (sys.argv[2] if len(sys.argv) > 2 else "")
    model = sys.argv[3] if len(sys.argv) > 3 else "llama-3-70b"
    paths = AppPaths.under(root)
    args = build_parser().parse_args(["--model", model])
    app, window, store = open_window(paths)

    async def both() -> int:
        typing = asyncio.ensure_future(type_prompt(window, prompt)) if prompt else None
        print("started", flush=True)
        result = await main(app, window, args, dict(os.environ), paths, store)
        if typing is not None:
            typing.cancel()
        return result

    with asyncio.Runner(loop_factory=lambda: AppEventLoop(app)) as runner:
        return runner.run(both())


if __name__ == "__main__":
    sys.exit(run())
