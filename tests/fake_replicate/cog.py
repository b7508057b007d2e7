"""FakeCog: an aiohttp server on 127.0.0.1 that behaves like a local Cog model server (replicate-api.md §12).

No token; `GET /` discovery, `GET /health-check` (STARTING → READY / SETUP_FAILED, BUSY, UNHEALTHY),
`GET /openapi.json`, synchronous `POST /predictions` (or `PUT /predictions/{id}`), `Prefer: respond-async`,
Cog's event stream for `Accept: text/event-stream` (406 when the model does not stream), 409 when busy, 422
FastAPI-style validation errors, `POST /predictions/{id}/cancel`. Like the real one it has no
`GET /predictions/{id}`: predictions cannot be polled.
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Literal

from aiohttp import web

from .images import make_png
from .prediction import tqdm_line
from .recording import RecordedRequest
from .sse import format_event

CogKind = Literal["text", "image"]
DEFAULT_CHUNKS = ("Hello", " from", " a", " local", " Cog", " model.")
DEFAULT_SETUP_LOGS = "Loading weights from /src/weights\nWeights loaded in 0.01s\n"
FAILED_SETUP_LOGS = (
    "Loading weights from /src/weights\nTraceback (most recent call last):\n"
    '  File "/src/predict.py", line 12, in setup\n'
    "FileNotFoundError: [Errno 2] No such file or directory: '/src/weights/model.safetensors'\n"
)


@dataclass
class CogPrediction:
    """One prediction the fake runs; `events` are its stream events as (name, data) pairs."""

    id: str
    input: dict[str, Any]
    status: str = "starting"
    output: Any = None
    logs: str = ""
    error: str | None = None
    created_at: str = ""
    started_at: str | None = None
    completed_at: str | None = None
    predict_time: float = 0.0
    events: list[tuple[str, Any]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    @property
    def done(self) -> bool:
        return self.status in ("succeeded", "failed", "canceled")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "input": self.input, "output": self.output, "logs": self.logs, "error": self.error,
            "status": self.status, "created_at": self.created_at, "started_at": self.started_at,
            "completed_at": self.completed_at, "metrics": {"predict_time": self.predict_time} if self.done else {},
        }

    def emit(self, name: str, data: Any) -> None:
        self.events.append((name, data))
        self.changed.set()
        self.changed = asyncio.Event()


class FakeCog:
    """A fake Cog server. `async with FakeCog(kind="image") as cog:` then point a client at `cog.base_url`.

    `cog_version` below 0.21 means no event stream (the Accept header is ignored). Attributes tests may change
    at any time: `kind` ("text": string chunks, an iterator output; "image":
    tqdm logs, then `data:` PNG URIs), `streams` (False → 406 for `Accept: text/event-stream`), `chunks`,
    `token_interval`, `steps`/`step_time`, `fail_with` (the model raises this error), `unhealthy` (a
    user health-check error), `gate` (an `asyncio.Event` a prediction waits on after `gate_after` chunks
    or steps), `max_concurrency`. `begin_setup()` restarts the STARTING phase.
    """

    def __init__(self, *, kind: CogKind = "text", setup_time: float = 0.0, setup_fails: bool = False,
                 streams: bool = True, cog_version: str = "0.21.0") -> None:
        self.kind: CogKind = kind
        self.streams = streams
        self.cog_version = cog_version
        self.chunks: list[str] = list(DEFAULT_CHUNKS)
        self.token_interval = 0.0
        self.steps = 3
        self.step_time = 0.0
        self.fail_with: str | None = None
        self.unhealthy: str | None = None
        self.gate: asyncio.Event | None = None
        self.gate_after = 0
        self.max_concurrency = 1
        self.requests: list[RecordedRequest] = []
        self.predictions: dict[str, CogPrediction] = {}
        self.setup_time = setup_time
        self.setup_fails = setup_fails
        self.setup_logs = FAILED_SETUP_LOGS if setup_fails else DEFAULT_SETUP_LOGS
        self._setup_started = 0.0
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # ---- public API ------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("FakeCog is not started")
        return f"http://127.0.0.1:{self._port}"

    async def start(self, port: int = 0) -> None:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/", self._root)
        app.router.add_get("/health-check", self._health)
        app.router.add_get("/openapi.json", self._openapi)
        app.router.add_post("/predictions", self._predict)
        app.router.add_put("/predictions/{id}", self._predict)
        app.router.add_post("/predictions/{id}/cancel", self._cancel)
        app.router.add_post("/shutdown", self._shutdown)
        runner = web.AppRunner(app, shutdown_timeout=0.5, access_log=None, handler_cancellation=True)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        self._setup_started = asyncio.get_running_loop().time()

    async def close(self) -> None:
        for prediction in self.predictions.values():
            if prediction.task is not None:
                prediction.task.cancel()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> FakeCog:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()

    def begin_setup(self, seconds: float, *, fails: bool = False, logs: str | None = None) -> None:
        """Starts setup again: STARTING for `seconds`, then READY (or SETUP_FAILED with `logs`)."""
        self.setup_time = seconds
        self.setup_fails = fails
        self.setup_logs = logs if logs is not None else (FAILED_SETUP_LOGS if fails else DEFAULT_SETUP_LOGS)
        self._setup_started = asyncio.get_running_loop().time()

    def requests_to(self, method: str, path_prefix: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method.upper() == method.upper() and r.path.startswith(path_prefix)]

    @property
    def status(self) -> str:
        elapsed = asyncio.get_running_loop().time() - self._setup_started
        if elapsed < self.setup_time:
            return "STARTING"
        if self.setup_fails:
            return "SETUP_FAILED"
        if self.unhealthy:
            return "UNHEALTHY"
        running = sum(not p.done for p in self.predictions.values())
        return "BUSY" if running >= self.max_concurrency else "READY"

    # ---- plumbing --------------------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body = await request.read()
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        self.requests.append(RecordedRequest(
            request.method, request.path, dict(request.query), {str(k): v for k, v in request.headers.items()},
            body, parsed, asyncio.get_running_loop().time(),
        ))
        result: web.StreamResponse = await handler(request)
        return result

    async def _root(self, request: web.Request) -> web.StreamResponse:
        return web.json_response({
            "cog_version": self.cog_version, "docs_url": "/docs", "openapi_url": "/openapi.json",
            "shutdown_url": "/shutdown", "healthcheck_url": "/health-check", "predictions_url": "/predictions",
            "predictions_idempotent_url": "/predictions/{prediction_id}",
            "predictions_cancel_url": "/predictions/{prediction_id}/cancel",
        })

    async def _health(self, request: web.Request) -> web.StreamResponse:
        status = self.status
        starting = status == "STARTING"
        setup = {
            "started_at": _now(),
            "completed_at": None if starting else _now(),
            "status": None if starting else ("failed" if self.setup_fails else "succeeded"),
            "logs": self.setup_logs.split("\n", 1)[0] + "\n" if starting else self.setup_logs,
        }
        body: dict[str, Any] = {"status": status, "setup": setup,
                                "version": {"coglet": "0.17.2", "cog": self.cog_version, "python": "3.12.7"}}
        if self.unhealthy:
            body["user_healthcheck_error"] = self.unhealthy
        return web.json_response(body)

    async def _openapi(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(cog_openapi(self.kind))

    async def _shutdown(self, request: web.Request) -> web.StreamResponse:
        return web.json_response({})

    # ---- predictions -----------------------------------------------------------------------------

    async def _predict(self, request: web.Request) -> web.StreamResponse:
        try:
            payload = json.loads(await request.read() or b"null")
        except ValueError:
            payload = None
        if not isinstance(payload, dict) or not isinstance(payload.get("input", {}), dict):
            return _invalid([{"loc": ["body"], "msg": "value is not a valid dict", "type": "type_error.dict"}])
        if self.status in ("STARTING", "SETUP_FAILED"):
            return web.json_response({"detail": "Setup has not finished"}, status=503)
        model_input = dict(payload.get("input") or {})
        problems = validate_cog_input(self.kind, model_input)
        if problems:
            return _invalid(problems)
        # Cog < 0.21 has no event stream: it ignores the Accept header and answers synchronously.
        streaming = "text/event-stream" in request.headers.get("Accept", "") and _at_least(self.cog_version, 0, 21)
        if streaming and not self.streams:
            return web.json_response({"detail": "This model does not support streaming output"}, status=406)
        prediction_id = request.match_info.get("id") or payload.get("id") or _new_id()
        existing = self.predictions.get(prediction_id)
        if existing is not None and not existing.done:
            await _wait_done(existing)
            return web.json_response(existing.to_json())
        if self.status == "BUSY":
            return web.json_response({"detail": "Already running a prediction"}, status=409)
        prediction = CogPrediction(prediction_id, model_input, created_at=_now())
        self.predictions[prediction_id] = prediction
        prediction.task = asyncio.create_task(self._run(prediction))
        if "respond-async" in request.headers.get("Prefer", ""):
            return web.json_response(prediction.to_json(), status=202)
        if streaming:
            return await self._stream(request, prediction)
        await _wait_done(prediction)
        return web.json_response(prediction.to_json())

    async def _stream(self, request: web.Request, prediction: CogPrediction) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        index = 0
        while True:
            changed = prediction.changed
            while index < len(prediction.events):
                name, data = prediction.events[index]
                await response.write(format_event(name, json.dumps(data), str(index)))
                index += 1
                if name == "completed":
                    await response.write_eof()
                    return response
            await changed.wait()

    async def _run(self, prediction: CogPrediction) -> None:
        loop = asyncio.get_running_loop()
        began = loop.time()
        prediction.status, prediction.started_at = "processing", _now()
        prediction.emit("start", {"id": prediction.id, "status": "processing", "started_at": prediction.started_at})
        try:
            if self.kind == "text":
                await self._produce_text(prediction)
            else:
                await self._produce_images(prediction)
            if self.fail_with:
                prediction.status, prediction.error = "failed", self.fail_with
            else:
                prediction.status = "succeeded"
        except asyncio.CancelledError:
            prediction.status = "canceled"
        prediction.completed_at = _now()
        prediction.predict_time = round(loop.time() - began, 4)
        prediction.emit("completed", prediction.to_json())

    async def _log(self, prediction: CogPrediction, line: str) -> None:
        prediction.logs += line + "\n"
        prediction.emit("log", {"source": "stdout", "data": line})

    async def _produce_text(self, prediction: CogPrediction) -> None:
        await self._log(prediction, "Generating…")
        prediction.output = []
        for index, chunk in enumerate(self.chunks):
            await self._maybe_wait(index)
            await asyncio.sleep(self.token_interval)
            prediction.output.append(chunk)
            prediction.emit("output", {"chunk": chunk, "index": index})
        prediction.emit("metric", {"name": "output_token_count", "value": len(self.chunks), "mode": "replace"})

    async def _produce_images(self, prediction: CogPrediction) -> None:
        for step in range(self.steps + 1):
            if step:
                await self._maybe_wait(step - 1)
                await asyncio.sleep(self.step_time)
            await self._log(prediction, tqdm_line(step, self.steps, step * max(self.step_time, 0.01)))
        count = int(prediction.input.get("num_outputs", 1))
        prediction.output = [
            "data:image/png;base64," + base64.b64encode(make_png(32, 32, variant)).decode() for variant in range(count)
        ]

    async def _maybe_wait(self, index: int) -> None:
        if self.gate is not None and index == self.gate_after:
            await self.gate.wait()

    async def _cancel(self, request: web.Request) -> web.StreamResponse:
        prediction = self.predictions.get(request.match_info["id"])
        if prediction is None:
            return web.json_response({"detail": "Not Found"}, status=404)
        if prediction.task is not None and not prediction.done:
            prediction.task.cancel()
        return web.json_response({})


# ---- schema and validation ---------------------------------------------------------------------


def cog_openapi(kind: CogKind) -> dict[str, Any]:
    """The `/openapi.json` a Cog server serves for a text or image model."""
    schemas: dict[str, Any] = {
        "Status": {"title": "Status", "description": "An enumeration.", "type": "string",
                   "enum": ["starting", "processing", "succeeded", "canceled", "failed"]},
        "PredictionRequest": {"title": "PredictionRequest", "type": "object", "properties": {
            "input": {"$ref": "#/components/schemas/Input"}, "id": {"title": "Id", "type": "string"}}},
    }
    if kind == "text":
        properties: dict[str, Any] = {
            "prompt": {"title": "Prompt", "type": "string", "description": "Text to continue", "x-order": 0},
            "max_new_tokens": {"title": "Max New Tokens", "type": "integer", "default": 128, "minimum": 1,
                               "maximum": 4096, "x-order": 1},
            "temperature": {"title": "Temperature", "type": "number", "default": 0.7, "minimum": 0, "maximum": 2,
                            "x-order": 2},
            "seed": {"title": "Seed", "type": "integer", "x-order": 3},
        }
        output: dict[str, Any] = {"title": "Output", "type": "array", "items": {"type": "string"},
                                  "x-cog-array-type": "iterator", "x-cog-array-display": "concatenate"}
    else:
        properties = {
            "prompt": {"title": "Prompt", "type": "string", "x-order": 0},
            "num_outputs": {"title": "Num Outputs", "type": "integer", "default": 1, "minimum": 1, "maximum": 4,
                            "x-order": 1},
            "output_format": {"allOf": [{"$ref": "#/components/schemas/output_format"}], "default": "png",
                              "x-order": 2},
            "seed": {"title": "Seed", "type": "integer", "x-order": 3},
        }
        schemas["output_format"] = {"title": "output_format", "description": "An enumeration.", "type": "string",
                                    "enum": ["png", "webp"]}
        output = {"title": "Output", "type": "array", "items": {"type": "string", "format": "uri"}}
    schemas["Input"] = {"title": "Input", "type": "object", "required": ["prompt"], "properties": properties}
    schemas["Output"] = output
    return {
        "openapi": "3.0.2",
        "info": {"title": "Cog", "version": "0.1.0"},
        "paths": {
            "/": {"get": {"summary": "Root", "operationId": "root__get"}},
            "/health-check": {"get": {"summary": "Healthcheck", "operationId": "healthcheck_health_check_get"}},
            "/predictions": {"post": {"summary": "Predict", "operationId": "predict_predictions_post"}},
            "/predictions/{prediction_id}": {"put": {"summary": "Predict Idempotent"}},
            "/predictions/{prediction_id}/cancel": {"post": {"summary": "Cancel"}},
        },
        "components": {"schemas": schemas},
    }


def validate_cog_input(kind: CogKind, value: dict[str, Any]) -> list[dict[str, Any]]:
    """FastAPI/pydantic-v1 style problems (`loc`, `msg`, `type`) of an input against the model's schema."""
    schemas = cog_openapi(kind)["components"]["schemas"]
    problems: list[dict[str, Any]] = []
    for name in schemas["Input"]["required"]:
        if name not in value:
            problems.append({"loc": ["body", "input", name], "msg": "field required", "type": "value_error.missing"})
    for name, prop in schemas["Input"]["properties"].items():
        if name not in value:
            continue
        loc, item = ["body", "input", name], value[name]
        if "allOf" in prop:
            prop = schemas[prop["allOf"][0]["$ref"].rsplit("/", 1)[-1]]
        expected = prop["type"]
        if expected == "integer" and (isinstance(item, bool) or not isinstance(item, int)):
            problems.append({"loc": loc, "msg": "value is not a valid integer", "type": "type_error.integer"})
        elif expected == "number" and (isinstance(item, bool) or not isinstance(item, int | float)):
            problems.append({"loc": loc, "msg": "value is not a valid float", "type": "type_error.float"})
        elif expected == "string" and not isinstance(item, str):
            problems.append({"loc": loc, "msg": "str type expected", "type": "type_error.str"})
        elif "enum" in prop and item not in prop["enum"]:
            permitted = ", ".join(repr(choice) for choice in prop["enum"])
            problems.append({"loc": loc, "msg": f"value is not a valid enumeration member; permitted: {permitted}",
                             "type": "type_error.enum"})
        elif "minimum" in prop and item < prop["minimum"]:
            problems.append({"loc": loc, "msg": f"ensure this value is greater than or equal to {prop['minimum']}",
                             "type": "value_error.number.not_ge"})
        elif "maximum" in prop and item > prop["maximum"]:
            problems.append({"loc": loc, "msg": f"ensure this value is less than or equal to {prop['maximum']}",
                             "type": "value_error.number.not_le"})
    return problems


def _invalid(problems: list[dict[str, Any]]) -> web.Response:
    return web.json_response({"detail": problems}, status=422)


async def _wait_done(prediction: CogPrediction) -> None:
    while not prediction.done:
        await prediction.changed.wait()


def _at_least(version: str, major: int, minor: int) -> bool:
    parts = [int(part) for part in version.split(".")[:2] if part.isdigit()]
    return tuple(parts) >= (major, minor)


def _new_id() -> str:
    return base64.b32encode(uuid.uuid4().bytes).decode("ascii").rstrip("=").lower()


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
