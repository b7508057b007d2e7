"""The fake's routes for models you own and trainings: `POST /v1/models`, `GET /v1/hardware`,
`POST /v1/models/{owner}/{name}/versions/{version}/trainings`, `GET /v1/trainings[/{id}]`,
`POST /v1/trainings/{id}/cancel`, and the weights a training leaves (`/weights/…`, no auth, like replicate.delivery).

Faithful to replicate-api.md §8–§9a and replicate-python's cassettes; where the real API's answer is not recorded the
choice is marked UNCONFIRMED here and in the project's docs/replicate-api.md.
"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .prediction import Clock
from .recording import problem
from .schemas import check_request, invalid_field, invalid_response, model_object
from .scripts import FakeModel, Script, derived_version_id, split_full_name
from .training_run import FakeTraining, TrainingScript, new_version_id

if TYPE_CHECKING:
    from .server import FakeReplicate

FLUX_TRAINER = "ostris/flux-dev-lora-trainer"
# GET /v1/hardware as recorded in hardware-list.yaml, plus the SKUs replicate.com/pricing lists today.
HARDWARE = [
    {"sku": "cpu", "name": "CPU"},
    {"sku": "gpu-t4", "name": "Nvidia T4 GPU"},
    {"sku": "gpu-a40-small", "name": "Nvidia A40 GPU"},
    {"sku": "gpu-a40-large", "name": "Nvidia A40 (Large) GPU"},
    {"sku": "gpu-l40s", "name": "Nvidia L40S GPU"},
    {"sku": "gpu-a100-large", "name": "Nvidia A100 (80GB) GPU"},
    {"sku": "gpu-h100", "name": "Nvidia H100 GPU"},
]
DESTINATION_MISSING = {"detail": "The specified training destination does not exist", "status": 404}
MODEL_EXISTS = {"title": "Conflict", "detail": "This model already exists. Try a different name!", "status": 409}
NOT_A_TRAINER = {"title": "Training not supported", "status": 400,  # UNCONFIRMED: the real body is not recorded
                 "detail": "This model version does not support training."}


def lora_training_input() -> dict[str, Any]:
    """A TrainingInput shaped like a FLUX LoRA trainer's (a zip of images, a trigger word, steps …)."""
    return {
        "type": "object", "title": "TrainingInput", "required": ["input_images"],
        "properties": {
            "input_images": {"type": "string", "format": "uri", "title": "Input Images", "x-order": 0,
                             "description": "A zip file of the images to train on; captions as .txt beside them."},
            "trigger_word": {"type": "string", "title": "Trigger Word", "default": "TOK", "x-order": 1,
                             "description": "A word that stands for what the images show."},
            "autocaption": {"type": "boolean", "title": "Autocaption", "default": True, "x-order": 2,
                            "description": "Caption the images that have no caption file."},
            "steps": {"type": "integer", "title": "Steps", "default": 1000, "minimum": 3, "maximum": 6000,
                      "x-order": 3, "description": "Number of training steps."},
            "lora_rank": {"type": "integer", "title": "Lora Rank", "default": 16, "minimum": 1, "maximum": 128,
                          "x-order": 4, "description": "Higher ranks learn more and take longer."},
            "learning_rate": {"type": "number", "title": "Learning Rate", "default": 0.0004, "x-order": 5},
        },
    }


def add_training_schemas(schema: dict[str, Any], training_input: dict[str, Any]) -> None:
    """Adds a trainer's `TrainingInput`, `TrainingOutput` and `/trainings` path to a version's openapi_schema."""
    schemas = schema["components"]["schemas"]
    schemas["TrainingInput"] = training_input
    schemas["TrainingOutput"] = {"type": "object", "title": "TrainingOutput", "required": ["weights"],
                                 "properties": {"weights": {"type": "string", "format": "uri", "title": "Weights"}}}
    schema["paths"]["/trainings"] = {"post": {"summary": "Train", "operationId": "train_trainings_post"}}


class FakeTrainings:
    """Routes and state for models you own and trainings; owned by a `FakeReplicate`.

    Trainers are registered by tests with `add_trainer()` (nothing is registered by default, so the catalogue's
    model lists stay as they were). `scripts` (trainer full name → `TrainingScript`) says how trainings behave.
    """

    def __init__(self, fake: FakeReplicate) -> None:
        self.fake = fake
        self.trainings: dict[str, FakeTraining] = {}
        self.scripts: dict[str, TrainingScript] = {}
        self._clock: Clock | None = None

    def add_trainer(self, full_name: str = FLUX_TRAINER, script: TrainingScript | None = None,
                    training_input: dict[str, Any] | None = None) -> FakeModel:
        """Registers (or updates) a trainer model whose one version publishes a TrainingInput."""
        owner, name = split_full_name(full_name)
        model = FakeModel(owner, name, derived_version_id(full_name), Script(kind="image"),
                          f"Fine-tune FLUX.1 on your images ({full_name}, fake)",
                          training_input=training_input or lora_training_input())
        self.fake.models[full_name] = model
        self.scripts[full_name] = script or TrainingScript()
        return model

    def add_model(self, full_name: str, *, visibility: str = "private") -> FakeModel:
        """Registers an empty model (no version yet), as `POST /v1/models` makes one."""
        owner, name = split_full_name(full_name)
        model = FakeModel(owner, name, "", Script(kind="image"), "", visibility=visibility)
        self.fake.models[full_name] = model
        return model

    def add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/v1/models", self._create_model)
        router.add_get("/v1/hardware", self._hardware)
        router.add_post("/v1/models/{owner}/{name}/versions/{version}/trainings", self._create_training)
        router.add_get("/v1/trainings", self._list_trainings)
        router.add_get("/v1/trainings/{id}", self._get_training)
        router.add_post("/v1/trainings/{id}/cancel", self._cancel_training)
        router.add_get("/weights/{id}/{name}", self._weights)

    async def close(self) -> None:
        for training in self.trainings.values():
            await training.stop()

    # ---- models --------------------------------------------------------------------------------------

    async def _create_model(self, request: web.Request) -> web.StreamResponse:
        payload = await _payload(request)
        if isinstance(payload, web.Response):
            return payload
        allowed = ("owner", "name", "visibility", "hardware", "description", "github_url", "paper_url",
                   "license_url", "cover_image_url")
        problems = check_request(payload, allowed, ("owner", "name", "visibility", "hardware"))
        problems += [invalid_field("invalid_type", key, f"{key} must be a string") for key in allowed
                     if key in payload and not isinstance(payload[key], str)]
        if not problems and payload["visibility"] not in ("public", "private"):
            problems.append(invalid_field("enum", "visibility", 'visibility must be one of: "public", "private"'))
        if not problems and payload["hardware"] not in {item["sku"] for item in HARDWARE}:  # UNCONFIRMED body
            problems.append(invalid_field("enum", "hardware", "hardware must be a SKU from GET /v1/hardware"))
        if problems:
            return invalid_response(problems)
        if payload["owner"] != self.fake_account():  # UNCONFIRMED status and body
            return problem(403, {"title": "Forbidden", "status": 403,
                                 "detail": "You can only create models for your own account."})
        full_name = f"{payload['owner']}/{payload['name']}"
        try:
            split_full_name(full_name)
        except ValueError:
            return invalid_response([invalid_field("invalid", "name", "name is not a valid model name")])
        if full_name in self.fake.models:  # replicate-python#323: 409 Conflict
            return problem(409, dict(MODEL_EXISTS))
        model = self.add_model(full_name, visibility=payload["visibility"])
        model.description = payload.get("description", "")
        return web.json_response(model_object(model, self.fake.root_url), status=201)

    async def _hardware(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(HARDWARE)

    def fake_account(self) -> str:
        """The username the fake's token belongs to (server.ACCOUNT; imported late: the server imports us)."""
        from .server import ACCOUNT

        return str(ACCOUNT["username"])

    # ---- trainings -----------------------------------------------------------------------------------

    async def _create_training(self, request: web.Request) -> web.StreamResponse:
        trainer = self.fake.models.get(f"{request.match_info['owner']}/{request.match_info['name']}")
        if trainer is None or not trainer.version or request.match_info["version"] != trainer.version:
            return problem(404, {"detail": "Not found.", "status": 404})
        payload = await _payload(request)
        if isinstance(payload, web.Response):
            return payload
        problems = check_request(payload, ("destination", "input", "webhook", "webhook_events_filter"),
                                 ("destination", "input"))
        if "destination" in payload and not isinstance(payload["destination"], str):
            problems.append(invalid_field("invalid_type", "destination", "destination must be a string"))
        if problems:
            return invalid_response(problems)
        if trainer.training_input is None:
            return problem(400, dict(NOT_A_TRAINER))
        destination = self.fake.models.get(payload["destination"])
        if destination is None or destination.owner != self.fake_account():
            return problem(404, dict(DESTINATION_MISSING))  # trainings-create__invalid-destination.yaml
        self._clock = self._clock or Clock(asyncio.get_running_loop())
        training = FakeTraining(trainer=trainer, destination=destination, input=payload["input"],
                                script=self.scripts.get(trainer.full_name, TrainingScript()), clock=self._clock,
                                base_url=self.fake.base_url, root_url=self.fake.root_url,
                                read_file=self._stored_file, on_success=self._publish_version)
        self.trainings[training.id] = training
        training.start()
        return web.json_response(training.to_json(created=True), status=201)

    async def _get_training(self, request: web.Request) -> web.StreamResponse:
        training = self.trainings.get(request.match_info["id"])
        if training is None:
            return problem(404, {"detail": "Not found.", "status": 404})
        return web.json_response(training.to_json())

    async def _cancel_training(self, request: web.Request) -> web.StreamResponse:
        training = self.trainings.get(request.match_info["id"])
        if training is None:
            return problem(404, {"detail": "Not found.", "status": 404})
        training.cancel()
        return web.json_response(training.to_json())

    async def _list_trainings(self, request: web.Request) -> web.StreamResponse:
        newest_first = sorted(self.trainings.values(), key=lambda t: t.created_at, reverse=True)
        try:
            offset = int(base64.urlsafe_b64decode(request.query.get("cursor", "") + "==").decode() or 0)
        except ValueError:
            return problem(400, {"title": "Bad request", "detail": "Invalid cursor", "status": 400})
        size = self.fake.page_size

        def link(start: int) -> str:
            cursor = base64.urlsafe_b64encode(str(start).encode()).decode().rstrip("=")
            return f"{self.fake.base_url}/trainings?cursor={cursor}"

        return web.json_response({
            "next": link(offset + size) if offset + size < len(newest_first) else None,
            "previous": link(max(0, offset - size)) if offset > 0 else None,
            "results": [training.to_json() for training in newest_first[offset:offset + size]],
        })

    async def _weights(self, request: web.Request) -> web.StreamResponse:
        training = self.trainings.get(request.match_info["id"])
        if training is None or not training.weights:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=training.weights, headers={"Content-Type": "application/x-tar"})

    # ---- helpers -------------------------------------------------------------------------------------

    def _stored_file(self, url: str) -> bytes | None:
        prefix = f"{self.fake.base_url}/files/"
        if not url.startswith(prefix):
            return None
        stored = self.fake.catalogue.files.get(url[len(prefix):])
        return stored.data if stored is not None else b""

    def _publish_version(self, training: FakeTraining) -> str:
        """The destination gets a new version that runs as an image model; returns its id."""
        version = new_version_id(training.id)
        destination = training.destination
        destination.version = version
        destination.created_at = training.clock.iso(training.clock.now())
        return version


async def _payload(request: web.Request) -> Any:
    try:
        return json.loads(await request.read() or b"null")
    except ValueError:
        return problem(400, {"title": "Bad request", "detail": "The request body is not valid JSON.", "status": 400})
