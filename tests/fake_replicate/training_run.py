"""Server-side state of one training, and the background run that moves it from `starting` to its new version.

Shapes follow replicate-python's cassettes `trainings-create.yaml`, `trainings-get.yaml`, `trainings-cancel.yaml`
and the OpenAPI spec's `schemas_training_response` (docs/replicate-api.md in the project).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from .prediction import Clock, new_prediction_id, tqdm_line
from .scripts import FakeModel

_log = logging.getLogger(__name__)
TERMINAL = frozenset({"succeeded", "failed", "canceled", "aborted"})
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
DEFAULT_TRAINING_ERROR = "CUDA out of memory while training (step 2)."


@dataclass
class TrainingScript:
    """How trainings of one trainer behave on the server.

    `steps` tqdm lines of `step_time` seconds each (printed with the `prefix` real LoRA trainers put before the
    bar), then `end`. `gate` pauses the run in `processing` after `gate_after` steps until it is set.
    """

    queue_time: float = 0.02
    steps: int = 5
    step_time: float = 0.02
    end: Literal["succeeded", "failed", "canceled", "aborted"] = "succeeded"
    error: str = DEFAULT_TRAINING_ERROR
    prefix: str = "flux_train_replicate: "
    gate: asyncio.Event | None = None
    gate_after: int = 0


class FakeTraining:
    """One training as the server sees it; `to_json()` is what `GET /v1/trainings/{id}` returns for it."""

    def __init__(self, *, trainer: FakeModel, destination: FakeModel, input: dict[str, Any], script: TrainingScript,
                 clock: Clock, base_url: str, root_url: str, read_file: Callable[[str], bytes | None],
                 on_success: Callable[[FakeTraining], str]) -> None:
        self.id = new_prediction_id()
        self.trainer = trainer
        self.version = trainer.version
        self.destination = destination
        self.input = input
        self.script = script
        self.clock = clock
        self.status = "starting"
        self.logs = ""
        self.output: dict[str, Any] | None = None
        self.error: str | None = None
        self.created_at = clock.now()
        self.started_at: float | None = None
        self.completed_at: float | None = None
        self.urls = {
            "web": f"https://replicate.com/p/{self.id}",
            "get": f"{base_url}/trainings/{self.id}",
            "cancel": f"{base_url}/trainings/{self.id}/cancel",
        }
        # The create answer's links point at /v1/predictions/…, as recorded in trainings-create.yaml and shown in
        # the spec's trainings.create example; GET and cancel answers point at /v1/trainings/….
        self.create_urls = {
            "web": self.urls["web"],
            "get": f"{base_url}/predictions/{self.id}",
            "cancel": f"{base_url}/predictions/{self.id}/cancel",
        }
        self.weights: bytes = b""
        self._root_url = root_url
        self._read_file = read_file
        self._on_success = on_success
        self._task: asyncio.Task[None] | None = None

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL

    def start(self) -> None:
        self._task = self.clock.loop.create_task(self._run(), name=f"fake-training-{self.id}")

    def cancel(self) -> None:
        """`POST /v1/trainings/{id}/cancel`: a running or queued training becomes `canceled`."""
        if not self.is_terminal:
            self._finish("canceled")

    async def stop(self) -> None:
        """Stops the background run without changing the status (server shutdown)."""
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    def to_json(self, *, created: bool = False) -> dict[str, Any]:
        """The training object; `created` gives the create answer's shape (no output, metrics or timestamps)."""
        iso = self.clock.iso
        body: dict[str, Any] = {
            "id": self.id,
            "model": self.trainer.full_name,
            "version": self.version,
            "input": self.input,
            "logs": self.logs,
            "error": self.error,
            "status": self.status,
            "created_at": iso(self.created_at),
            "urls": dict(self.create_urls if created else self.urls),
        }
        if created:
            return body
        body.update({"output": self.output, "source": "api", "metrics": self._metrics()})
        if self.started_at is not None:
            body["started_at"] = iso(self.started_at)
        if self.completed_at is not None:
            body["completed_at"] = iso(self.completed_at)
        return body

    # ---- the run ---------------------------------------------------------------------------------

    async def _run(self) -> None:
        try:
            await self._script_run()
        except Exception as exc:  # a bug in the fake itself: end the training visibly, never hang
            _log.exception("fake training %s crashed", self.id)
            if not self.is_terminal:
                self._finish("failed", error=f"fake server error: {exc!r}")

    async def _script_run(self) -> None:
        script = self.script
        await asyncio.sleep(script.queue_time)
        if script.end == "aborted":
            self._finish("aborted")
            return
        self.status = "processing"
        self.started_at = self.clock.now()
        problems = _input_problems(self.trainer.training_input or {}, self.input)
        if problems:  # Replicate accepts the training and it fails at once (replicate-python#308)
            detail = json.dumps({"detail": problems})
            self._finish("failed", error=f"Prediction input failed validation: {detail}")
            return
        self._log("Preparing the training data…")
        found = self._count_images(str(self.input.get("input_images", "")))
        if found is None:
            self._log("Traceback (most recent call last):")
            self._log("zipfile.BadZipFile: File is not a zip file")
            self._finish("failed", error="input_images is not a zip file of images.")
            return
        self._log(f"Extracted {found[0]} images, {found[1]} with captions")
        began = self.clock.now()
        self._log(script.prefix + tqdm_line(0, script.steps, 0.0))
        for step in range(script.steps):
            if script.gate is not None and step == script.gate_after:
                await script.gate.wait()
            await asyncio.sleep(script.step_time)
            self._log(script.prefix + tqdm_line(step + 1, script.steps, self.clock.now() - began))
        if script.end == "failed":
            self._log("Traceback (most recent call last):")
            self._log(f"  {script.error}")
            self._finish("failed", error=script.error)
            return
        if script.end == "canceled":
            self._finish("canceled")
            return
        self._log("Saving LoRA weights…")
        self.weights = f"fake LoRA weights of training {self.id}".encode()
        version = self._on_success(self)
        self.output = {"version": f"{self.destination.full_name}:{version}",
                       "weights": f"{self._root_url}/weights/{self.id}/trained_model.tar"}
        self._finish("succeeded")

    def _count_images(self, url: str) -> tuple[int, int] | None:
        """(images, captions) in the zip at `url` when the fake stores it; (0, 0) for a URL elsewhere."""
        data = self._read_file(url)
        if data is None:
            return (0, 0)
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = [name.lower() for name in archive.namelist()]
        except zipfile.BadZipFile:
            return None
        images = {name.rsplit(".", 1)[0] for name in names if name.endswith(IMAGE_SUFFIXES)}
        captions = {name[:-4] for name in names if name.endswith(".txt")}
        return len(images), len(images & captions)

    def _log(self, line: str) -> None:
        self.logs += line + "\n"

    def _finish(self, status: str, *, error: str | None = None) -> None:
        self.status = status
        self.error = error
        self.completed_at = self.clock.now()
        task = self._task
        if task is not None and task is not asyncio.current_task() and not task.done():
            task.cancel()

    def _metrics(self) -> dict[str, float]:
        if self.completed_at is None:
            return {}
        metrics = {"total_time": round(self.completed_at - self.created_at, 6)}
        if self.started_at is not None:
            metrics["predict_time"] = round(self.completed_at - self.started_at, 6)
        return metrics


def _input_problems(schema: dict[str, Any], value: dict[str, Any]) -> list[dict[str, Any]]:
    """Cog-style (pydantic) problems of `value` against a TrainingInput schema."""
    problems: list[dict[str, Any]] = []
    for name in schema.get("required", []):
        if name not in value:
            problems.append({"loc": ["body", "input", name], "msg": "field required", "type": "value_error.missing"})
    kinds = {"string": str, "integer": int, "number": (int, float), "boolean": bool}
    for name, prop in schema.get("properties", {}).items():
        if name not in value or prop.get("type") not in kinds:
            continue
        item = value[name]
        expected = kinds[prop["type"]]
        wrong_bool = isinstance(item, bool) and prop["type"] != "boolean"
        if wrong_bool or not isinstance(item, expected):  # type: ignore[arg-type]
            problems.append({"loc": ["body", "input", name], "msg": f"value is not a valid {prop['type']}",
                             "type": "type_error"})
        elif prop.get("format") == "uri" and not str(item).startswith(("http://", "https://", "data:")):
            problems.append({"loc": ["body", "input", name],
                             "msg": f"'{item}' is not a valid URL scheme. 'data', 'http', or 'https' is supported.",
                             "type": "value_error"})
        elif "minimum" in prop and item < prop["minimum"]:
            problems.append({"loc": ["body", "input", name],
                             "msg": f"ensure this value is greater than or equal to {prop['minimum']}",
                             "type": "value_error.number.not_ge"})
    return problems


def new_version_id(training_id: str) -> str:
    """A stable 64-hex version id for the version a training creates."""
    return hashlib.sha256(f"fake-training:{training_id}".encode()).hexdigest()
