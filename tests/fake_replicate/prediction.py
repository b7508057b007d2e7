"""Server-side state of one prediction, and the background run that moves it through its statuses (§3–§5)."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
import time
import uuid
import zlib
from datetime import UTC, datetime
from typing import Any

from .images import broken_image, content_type_for, make_image
from .scripts import FakeModel, Script
from .sse import SSEEvent

_log = logging.getLogger(__name__)
TERMINAL_STATUSES = frozenset({"succeeded", "failed", "canceled", "aborted"})
_BAR = " ▏▎▍▌▋▊▉"


class Clock:
    """The running loop's clock, anchored to wall time so loop timestamps can be shown as ISO dates."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._mono0 = loop.time()
        self._wall0 = time.time()

    def now(self) -> float:
        return self.loop.time()

    def wall(self, at: float) -> float:
        return self._wall0 + (at - self._mono0)

    def iso(self, at: float) -> str:
        """ISO 8601 in UTC with microseconds and a `Z`, e.g. 2025-05-01T10:00:03.900000Z."""
        moment = datetime.fromtimestamp(self.wall(at), UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_prediction_id() -> str:
    """26 lowercase base32 characters, like Replicate's ids (a UUID in RFC 4648 base32, unpadded)."""
    return base64.b32encode(uuid.uuid4().bytes).decode("ascii").rstrip("=").lower()


def tqdm_line(done: int, total: int, elapsed: float) -> str:
    """A tqdm progress line as diffusion models print it, e.g. ` 45%|████▌     | 9/20 [00:01<00:01,  8.10it/s]`."""
    fraction = done / total if total else 1.0
    filled, remainder = divmod(fraction * 10, 1)
    bar = "█" * int(filled)
    if len(bar) < 10:
        bar += _BAR[int(remainder * 8)]
    bar = bar.ljust(10)

    def clock(seconds: float) -> str:
        minutes, secs = divmod(round(seconds), 60)
        return f"{minutes:02d}:{secs:02d}"

    if done == 0 or elapsed <= 0:
        timing = f"{clock(elapsed)}<?, ?it/s"
    else:
        rate = done / elapsed
        timing = f"{clock(elapsed)}<{clock((total - done) / rate)}, {rate:5.2f}it/s"
    return f"{fraction * 100:3.0f}%|{bar}| {done}/{total} [{timing}]"


class FakePrediction:
    """One prediction as the server sees it; `to_json()` is what the API returns for it."""

    def __init__(
        self,
        *,
        model: FakeModel,
        version: str,
        input: dict[str, Any],
        clock: Clock,
        base_url: str,
        root_url: str,
        deployment: str | None = None,
        cancel_after: float | None = None,
    ) -> None:
        self.id = new_prediction_id()
        self.model = model
        self.script: Script = model.script
        self.version = version
        self.input = input
        self.deployment = deployment
        self.clock = clock
        self.status = "starting"
        self.output: Any = None
        self.logs = ""
        self.error: str | None = None
        self.created_at = clock.now()
        self.started_at: float | None = None
        self.completed_at: float | None = None
        self.deadline: float | None = None if cancel_after is None else self.created_at + cancel_after
        self.events: list[SSEEvent] = []
        self.files: dict[str, tuple[str, bytes]] = {}
        self.stream = bool(self.script.stream)
        self.stream_connections = 0  # streams opened so far (faults like `stream_cuts` count them)
        self.urls = {
            "get": f"{base_url}/predictions/{self.id}",
            "cancel": f"{base_url}/predictions/{self.id}/cancel",
            "web": f"https://replicate.com/p/{self.id}",
        }
        if self.stream:
            self.urls["stream"] = f"{root_url}/stream/{self.id}"
        self._root_url = root_url
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._deadline_handle: asyncio.TimerHandle | None = None

    # ---- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        """Starts the background run (and the deadline timer when `Cancel-After` was given)."""
        self._task = self.clock.loop.create_task(self._run(), name=f"fake-replicate-{self.id}")
        if self.deadline is not None:
            self._deadline_handle = self.clock.loop.call_at(self.deadline, self._on_deadline)

    def cancel(self) -> None:
        """`POST …/cancel`: a running or queued prediction becomes `canceled` and produces nothing more."""
        if not self.is_terminal:
            self._finish("canceled")

    async def stop(self) -> None:
        """Stops the background run without changing the status (server shutdown)."""
        self._drop_deadline()
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self.notify()

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    # ---- observation -----------------------------------------------------------------------------

    def notify(self) -> None:
        """Wakes everything waiting in `changed()`."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def changed(self) -> None:
        """Returns at the next change of state (or on `notify()`)."""
        await self._changed.wait()

    def to_json(self) -> dict[str, Any]:
        """The prediction object of §3; optional timestamps and metrics appear once they exist."""
        iso = self.clock.iso
        body: dict[str, Any] = {
            "id": self.id,
            "model": self.model.full_name,
            "version": self.version,
            "input": self.input,
            "logs": self.logs,
            "output": list(self.output) if isinstance(self.output, list) else self.output,
            "data_removed": False,
            "error": self.error,
            "status": self.status,
            "source": "api",
            "created_at": iso(self.created_at),
            "urls": dict(self.urls),
        }
        if self.started_at is not None:
            body["started_at"] = iso(self.started_at)
        if self.completed_at is not None:
            body["completed_at"] = iso(self.completed_at)
            body["metrics"] = self._metrics()
        if self.deadline is not None:
            body["deadline"] = iso(self.deadline)
        if self.deployment is not None:
            body["deployment"] = self.deployment
        return body

    # ---- the run ---------------------------------------------------------------------------------

    async def _run(self) -> None:
        try:
            await self._script_run()
        except Exception as exc:  # a bug in the fake itself: end the prediction visibly, never hang
            _log.exception("fake prediction %s crashed", self.id)
            if not self.is_terminal:
                self._finish("failed", error=f"fake server error: {exc!r}")

    async def _script_run(self) -> None:
        script = self.script
        await asyncio.sleep(script.queue_time)
        if script.queue_gate is not None:  # still queued (waiting for a GPU) until the test lets it start
            await script.queue_gate.wait()
        if script.end == "aborted":
            self._finish("aborted")
            return
        self.status = "processing"
        self.started_at = self.clock.now()
        self._log("Loading model…")
        if script.oversize_log_line:
            self._log("x" * script.oversize_log_line)
        if script.kind == "text":
            await self._run_text()
        else:
            await self._run_image()
        if script.end == "failed":
            self._log("Traceback (most recent call last):")
            self._log(f"  {script.error}")
            self._finish("failed", error=script.error)
        else:
            self._finish(script.end)

    async def _run_text(self) -> None:
        prompt = str(self.input.get("prompt", ""))
        self._log(f"Formatted prompt: `{prompt}`")
        chunks = re.findall(r"\s*\S+", prompt) if self.script.echo else list(self.script.chunks)
        for index, chunk in enumerate(chunks):
            await self._hold(index, len(chunks))
            await asyncio.sleep(self.script.token_interval)
            if self.output is None:
                self.output = []
            self.output.append(chunk)
            self._emit("output", chunk)
        await self._hold(len(chunks), len(chunks))

    async def _run_image(self) -> None:
        script = self.script
        seed = self.input.get("seed")
        if not isinstance(seed, int):
            seed = zlib.crc32(self.id.encode()) % 100_000
        self._log(f"Using seed: {seed}")
        self._log("txt2img mode")
        began = self.clock.now()
        self._log(tqdm_line(0, script.steps, 0.0))
        for step in range(script.steps):
            await self._hold(step, script.steps)
            await asyncio.sleep(script.step_time)
            self._log(tqdm_line(step + 1, script.steps, self.clock.now() - began))
        await self._hold(script.steps, script.steps)
        if script.end != "succeeded":
            return
        outputs = [self._publish_image(index, spec) for index, spec in enumerate(script.images)]
        if script.output_kind == "single":
            outputs = outputs[:1]
            self.output = outputs[0] if outputs else None
        else:
            self.output = outputs
        for url in outputs:
            self._emit("output", url)

    def _publish_image(self, index: int, spec: tuple[str, int, int]) -> str:
        fmt, width, height = spec
        content_type = content_type_for(fmt)
        if self.script.broken_images:
            content_type, data = "image/png", broken_image(f"{self.id}:{index}")
        else:
            data = make_image(fmt, width, height, index)
        if self.script.image_delivery == "data":
            return f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"
        name = f"out-{index}.{fmt}"
        self.files[name] = (content_type, data)
        return f"{self._root_url}/files/{self.id}/{name}"

    async def _hold(self, emitted: int, total: int) -> None:
        gate = self.script.gate
        if gate is not None and emitted == min(self.script.gate_after, total):
            await gate.wait()

    # ---- state changes ---------------------------------------------------------------------------

    def _emit(self, event: str, data: str) -> None:
        event_id = f"{int(self.clock.wall(self.clock.now()))}:{len(self.events)}"
        self.events.append(SSEEvent(event, data, event_id))
        self.notify()

    def _log(self, line: str) -> None:
        self.logs += line + "\n"
        self._emit("logs", line)

    def _finish(self, status: str, *, error: str | None = None) -> None:
        self.status = status
        self.error = error
        self.completed_at = self.clock.now()
        if status == "failed":
            self._emit("error", json.dumps({"detail": error}))
            self._emit("done", json.dumps({"reason": "error"}))
        elif status == "succeeded":
            self._emit("done", "{}")
        else:
            self._emit("done", json.dumps({"reason": "canceled"}))
        self._drop_deadline()
        task = self._task
        if task is not None and task is not asyncio.current_task() and not task.done():
            task.cancel()

    def _on_deadline(self) -> None:
        self._deadline_handle = None
        if not self.is_terminal:
            self._finish("aborted" if self.status == "starting" else "canceled")

    def _drop_deadline(self) -> None:
        if self._deadline_handle is not None:
            self._deadline_handle.cancel()
            self._deadline_handle = None

    def _metrics(self) -> dict[str, float]:
        assert self.completed_at is not None
        metrics = {"total_time": round(self.completed_at - self.created_at, 6)}
        if self.started_at is not None:
            metrics["predict_time"] = round(self.completed_at - self.started_at, 6)
        return metrics
