"""FakeReplicate: an aiohttp.web server on 127.0.0.1 that behaves like api.replicate.com (replicate-api.md §2–§9)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
import ssl
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

from aiohttp import web

from .catalogue import FakeCatalogue
from .faults import Faults, Status
from .hostile import HostileBehaviours
from .images import make_png
from .prediction import Clock, FakePrediction
from .rate_limits import RateLimits
from .recording import RecordedRequest, problem
from .schemas import (
    check_request,
    invalid_response,
    model_object,
    parse_duration,
    parse_prefer_wait,
    validate_input,
    version_object,
)
from .scripts import FakeModel, Script, builtin_models, derived_run_count, derived_version_id, split_full_name
from .streaming import serve_stream
from .trainings import FakeTrainings

TOKEN = "r8_fake_0123456789abcdefghijklmnopqrstuv"
ACCOUNT = {"type": "user", "username": "fake-user", "name": "Fake User", "github_url": None, "avatar_url": None}
_VERSION_ID = re.compile(r"^[0-9a-f]{64}$")
_NOT_FOUND = {"detail": "Not found.", "status": 404}


def _json(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON response with non-ASCII text sent as UTF-8, not as \\u escapes."""
    return web.json_response(data, status=status, headers=headers, dumps=_dumps)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class FakeReplicate:
    """The fake Replicate API. Start it with `await start()` (or `async with`), point the client at `base_url`.

    Routes under /v1 need `Authorization: Bearer <token>` (legacy `Token <token>` too). Output files
    (/files/…), covers (/covers/…) and prediction streams (/stream/…) need no auth: on the real service
    those live on other hosts (replicate.delivery, the stream host) and their URLs act as the credential.
    Webhooks are accepted and validated but never delivered.
    """

    def __init__(self, wait_window: float = 60.0, *, cancel_after_minimum: float = 5.0,
                 page_size: int = 100) -> None:
        self.wait_window = wait_window
        self.cancel_after_minimum = cancel_after_minimum
        self.page_size = page_size
        self.token = TOKEN
        self.requests: list[RecordedRequest] = []
        self.predictions: dict[str, FakePrediction] = {}
        self.models: dict[str, FakeModel] = {model.full_name: model for model in builtin_models()}
        self.max_upload_bytes = 100 * 1024 * 1024  # POST /v1/files answers 413 from this size on
        self.catalogue = FakeCatalogue(self)  # search, collections and the Files API
        self.hostile = HostileBehaviours(self)  # opt-in misbehaviour for edge tests; off unless a test scripts it
        self.faults = Faults()  # scripted faults per request: see faults.py
        self.trainings = FakeTrainings(self)  # models you create, trainings and their new versions
        self.rate_limits = RateLimits()  # the account's limits (600 creates/min by default): see rate_limits.py
        self.inputs_as_files = False  # True: input files are echoed as the URLs of copies kept (input_files.py)
        self._runner: web.AppRunner | None = None
        self._clock: Clock | None = None
        self._port: int | None = None
        self._closing = False

    # ---- public API ------------------------------------------------------------------------------

    @property
    def root_url(self) -> str:
        if self._port is None:
            raise RuntimeError("FakeReplicate is not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1"

    async def start(self, port: int = 0) -> None:
        """Binds 127.0.0.1:`port` (0 = any free port) on the running loop."""
        if self._runner is not None:
            raise RuntimeError("FakeReplicate is already started")
        self._clock = Clock(asyncio.get_running_loop())
        app = web.Application(middlewares=[self._middleware], client_max_size=100 * 1024 * 1024)
        self.rate_limits.install(app)
        self.faults.install(app)
        app.router.add_post("/v1/predictions", self._create_with_version)
        app.router.add_get("/v1/predictions", self._list_predictions)
        app.router.add_get("/v1/predictions/{id}", self._get_prediction)
        app.router.add_post("/v1/predictions/{id}/cancel", self._cancel_prediction)
        app.router.add_post("/v1/models/{owner}/{name}/predictions", self._create_official)
        app.router.add_post("/v1/deployments/{owner}/{name}/predictions", self._create_deployment)
        app.router.add_get("/v1/models/{owner}/{name}", self._get_model)
        app.router.add_get("/v1/models/{owner}/{name}/versions", self._list_versions)
        app.router.add_get("/v1/models/{owner}/{name}/versions/{version}", self._get_version)
        app.router.add_get("/v1/account", self._get_account)
        app.router.add_get("/stream/{id}", self._stream)
        app.router.add_get("/files/{id}/{name}", self._file)
        app.router.add_get("/covers/{owner}/{name}", self._cover)
        self.catalogue.add_routes(app.router)
        self.hostile.add_routes(app.router)
        self.trainings.add_routes(app.router)
        runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])

    async def start_tls(self, context: ssl.SSLContext) -> int:
        """Also serves every route over HTTPS on another port of 127.0.0.1 (a CDN or stream host "elsewhere",
        reached through a test resolver: see elsewhere.py); returns that port."""
        if self._runner is None:
            raise RuntimeError("FakeReplicate is not started")
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=context)
        await site.start()
        return int(self._runner.addresses[-1][1])

    async def close(self) -> None:
        """Stops every prediction's run, ends open streams and held requests, and closes the server."""
        runner, self._runner = self._runner, None
        self._closing = True
        await asyncio.gather(*(prediction.stop() for prediction in self.predictions.values()))
        await self.trainings.close()
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> FakeReplicate:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()

    def set_script(self, model_full_name: str, script: Script) -> None:
        """How new predictions of `owner/name` behave; registers the model if it is unknown."""
        owner, name = split_full_name(model_full_name)
        model = self.models.get(model_full_name)
        if model is not None:
            model.script = script
        else:
            self.models[model_full_name] = FakeModel(
                owner, name, derived_version_id(model_full_name), script,
                description=f"A fake {script.kind} model", run_count=derived_run_count(model_full_name),
            )

    def fail_next(self, method: str, path_regex: str, status: int, *,
                  body: str | bytes | dict[str, Any] | None = None,
                  content_type: str = "application/problem+json",
                  headers: dict[str, str] | None = None, times: int = 1) -> None:
        """The next `times` requests whose method matches (or method "*") and whose whole path matches
        `path_regex` (re.fullmatch, e.g. r"/v1/predictions/\\w+") get this response instead.
        With `body` None a realistic body for `status` is sent (problem+json, or an HTML error page).
        Shorthand for `faults.add(None, Status(...), method=method, path=path_regex, times=times)`."""
        self.faults.add(None, Status(status, body, content_type, dict(headers or {})), method=method,
                        path=path_regex, times=times)

    def requests_to(self, method: str, path_prefix: str) -> list[RecordedRequest]:
        """Recorded requests with this method (case-insensitive) whose path starts with `path_prefix`."""
        return [r for r in self.requests if r.method.upper() == method.upper() and r.path.startswith(path_prefix)]

    # ---- plumbing --------------------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        body = await request.read()
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        self.requests.append(RecordedRequest(
            request.method, request.path, dict(request.query), {str(k): v for k, v in request.headers.items()},
            body, parsed, asyncio.get_running_loop().time(),
        ))
        is_api = request.path == "/v1" or request.path.startswith("/v1/")
        if is_api and not self._authorized(request.headers.get("Authorization", "")):
            return problem(401)
        try:
            return await handler(request)
        except web.HTTPException as exc:
            if is_api and exc.status in (404, 405):
                return problem(exc.status)
            raise

    def _authorized(self, header: str) -> bool:
        scheme, _, token = header.strip().partition(" ")
        return scheme.lower() in ("bearer", "token") and token.strip() == self.token

    def _model(self, request: web.Request) -> FakeModel | None:
        return self.models.get(f"{request.match_info['owner']}/{request.match_info['name']}")

    def _prediction(self, request: web.Request) -> FakePrediction | None:
        return self.predictions.get(request.match_info["id"])

    # ---- creating predictions --------------------------------------------------------------------

    async def _create_with_version(self, request: web.Request) -> web.StreamResponse:
        payload = await self._payload(request)
        if isinstance(payload, web.Response):
            return payload
        allowed = ("version", "input", "webhook", "webhook_events_filter", "stream")
        problems = check_request(payload, allowed, ("version", "input"))
        if problems:
            return invalid_response(problems)
        resolved = self._resolve_version(payload["version"])
        if resolved is None:
            return problem(422, {"title": "Invalid version or not permitted", "status": 422,
                                 "detail": "The specified version does not exist (or perhaps you don't have "
                                           "permission to use it?)"})
        return await self._create(request, resolved[0], resolved[1], payload["input"])

    async def _create_official(self, request: web.Request) -> web.StreamResponse:
        model = self._model(request)
        if model is None or not model.official:
            return problem(404)
        return await self._create_by_name(request, model, deployment=None)

    async def _create_deployment(self, request: web.Request) -> web.StreamResponse:
        model = self._model(request)
        if model is None:
            return problem(404)
        return await self._create_by_name(request, model, deployment=model.full_name)

    async def _create_by_name(self, request: web.Request, model: FakeModel,
                              deployment: str | None) -> web.StreamResponse:
        payload = await self._payload(request)
        if isinstance(payload, web.Response):
            return payload
        problems = check_request(payload, ("input", "webhook", "webhook_events_filter", "stream"), ("input",))
        if problems:
            return invalid_response(problems)
        version = "hidden" if deployment is None else model.version
        return await self._create(request, model, version, payload["input"], deployment)

    async def _payload(self, request: web.Request) -> Any:
        try:
            return json.loads(await request.read() or b"null")
        except ValueError:
            return problem(400, {"title": "Bad request", "detail": "The request body is not valid JSON.",
                                 "status": 400})

    def _resolve_version(self, ref: str) -> tuple[FakeModel, str] | None:
        if _VERSION_ID.match(ref):
            found = [model for model in self.models.values() if model.version == ref]
            return (found[0], ref) if found else None
        name, colon, version = ref.partition(":")
        model = self.models.get(name)
        if model is None:
            return None
        if colon:
            return (model, version) if version == model.version else None
        return (model, "hidden") if model.official else None

    async def _create(self, request: web.Request, model: FakeModel, version: str, input: dict[str, Any],
                      deployment: str | None = None) -> web.StreamResponse:
        problems = validate_input(model.script, input)
        if problems:
            return invalid_response(problems)
        cancel_after: float | None = None
        header = request.headers.get("Cancel-After")
        if header is not None:
            cancel_after = parse_duration(header)
            if cancel_after is None or cancel_after < self.cancel_after_minimum:
                return problem(422, {"title": "Invalid Cancel-After header", "status": 422,
                                     "detail": f"Cancel-After must be a duration such as 30s, 5m or 1h30m, "
                                               f"at least {self.cancel_after_minimum:g}s; got {header!r}"})
        assert self._clock is not None
        prediction = FakePrediction(model=model, version=version, input=input, clock=self._clock,
                                    base_url=self.base_url, root_url=self.root_url, deployment=deployment,
                                    cancel_after=cancel_after)
        if self.inputs_as_files:
            from .input_files import store_input_files

            store_input_files(prediction, self.catalogue.files, self.base_url, self.root_url)
        self.predictions[prediction.id] = prediction
        model.run_count += 1
        prediction.start()
        hold = parse_prefer_wait(request.headers.get("Prefer"), self.wait_window)
        if hold is not None:
            await self._hold(prediction, hold)
        status = 202 if hold is not None and not prediction.is_terminal else 201
        return _json(prediction.to_json(), status=status, headers={"Location": prediction.urls["get"]})

    async def _hold(self, prediction: FakePrediction, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        until = loop.time() + seconds
        while not prediction.is_terminal and not self._closing:
            remaining = until - loop.time()
            if remaining <= 0:
                return
            try:
                await asyncio.wait_for(prediction.changed(), remaining)
            except TimeoutError:
                return

    # ---- reading and cancelling ------------------------------------------------------------------

    async def _get_prediction(self, request: web.Request) -> web.StreamResponse:
        prediction = self._prediction(request)
        if prediction is None:
            return problem(404)
        return _json(prediction.to_json())

    async def _cancel_prediction(self, request: web.Request) -> web.StreamResponse:
        prediction = self._prediction(request)
        if prediction is None:
            return problem(404)
        prediction.cancel()
        return _json(prediction.to_json())

    async def _list_predictions(self, request: web.Request) -> web.StreamResponse:
        newest_first = sorted(self.predictions.values(), key=lambda p: p.created_at, reverse=True)
        try:
            offset = int(base64.urlsafe_b64decode(request.query.get("cursor", "") + "==").decode() or 0)
        except ValueError:
            return problem(400, {"title": "Bad request", "detail": "Invalid cursor", "status": 400})
        page = newest_first[offset:offset + self.page_size]

        def link(start: int) -> str:
            cursor = base64.urlsafe_b64encode(str(start).encode()).decode().rstrip("=")
            return f"{self.base_url}/predictions?cursor={cursor}"

        more = offset + self.page_size < len(newest_first)
        return _json({
            "next": link(offset + self.page_size) if more else None,
            "previous": link(max(0, offset - self.page_size)) if offset > 0 else None,
            "results": [prediction.to_json() for prediction in page],
        })

    # ---- models and account ----------------------------------------------------------------------

    async def _get_model(self, request: web.Request) -> web.StreamResponse:
        model = self._model(request)
        return problem(404) if model is None else _json(model_object(model, self.root_url))

    async def _list_versions(self, request: web.Request) -> web.StreamResponse:
        model = self._model(request)
        if model is None:
            return problem(404)
        if model.official:
            return problem(404, {"status": 404, "title": "Not found",
                                 "detail": "This model is an official model and does not expose a list of versions."})
        versions = [version_object(model)] if model.version else []
        return _json({"next": None, "previous": None, "results": versions})

    async def _get_version(self, request: web.Request) -> web.StreamResponse:
        model = self._model(request)
        if model is None or request.match_info["version"] != model.version:
            return problem(404, dict(_NOT_FOUND))
        return _json(version_object(model))

    async def _get_account(self, request: web.Request) -> web.StreamResponse:
        return _json(dict(ACCOUNT))

    # ---- stream and files (no auth: the URL is the credential) -----------------------------------

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        prediction = self._prediction(request)
        if prediction is None or not prediction.stream:
            return problem(404, dict(_NOT_FOUND))
        return await serve_stream(request, prediction, lambda: self._closing)

    async def _file(self, request: web.Request) -> web.StreamResponse:
        prediction = self._prediction(request)
        found = None if prediction is None else prediction.files.get(request.match_info["name"])
        if found is None:
            return web.Response(status=404, text="Not Found")
        content_type, data = found
        return web.Response(body=data, headers={"Content-Type": content_type, "Cache-Control": "public, max-age=3600"})

    async def _cover(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"].removesuffix(".png")
        full_name = f"{request.match_info['owner']}/{name}"
        if full_name not in self.models:
            return web.Response(status=404, text="Not Found")
        variant = int(hashlib.sha256(full_name.encode()).hexdigest()[:2], 16)
        return web.Response(body=make_png(64, 64, variant), headers={"Content-Type": "image/png"})


__all__ = ["TOKEN", "FakeReplicate"]
