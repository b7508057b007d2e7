"""The Qt-free core that runs predictions on Replicate and yields typed events.

Names are imported lazily, so that the window can paint before aiohttp is loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_attributes

if TYPE_CHECKING:
    from .client import DEFAULT_BASE_URL, ReplicateClient
    from .create import CreateCall, CreateStep, cancel_prediction
    from .deadline import DeadlineError, parse_deadline
    from .errors import (
        APIError,
        AuthenticationError,
        BillingRequiredError,
        ConfigurationError,
        EmptyPromptError,
        MalformedPrediction,
        MissingTokenError,
        NetworkError,
        NotFoundError,
        PredictionAborted,
        PredictionCanceled,
        PredictionError,
        PredictionFailed,
        PredictionTimeout,
        RateLimitedError,
        ReplicateError,
        ServerError,
        UnexpectedResponse,
        UnknownModelError,
        UnsafeOutputURLError,
        ValidationError,
        scrub,
    )
    from .events import Completed, ImageResponse, LogsAppended, PredictionEvent, Progress, Started, TextDelta
    from .files import DownloadedFile, SavedDownload, download_output, download_to_file
    from .generator import AsyncResult, ReplicateHome, generate
    from .model_schemas import ModelSchemas, SchemaStore
    from .models import ALIASES, BUILTIN_MODELS, ModelInfo, ModelRef, get_model, known_kind, parse_model
    from .parse import parse_prediction
    from .poll_budget import PollBudget
    from .predictions import APP_POLICY, FollowPolicy, run_prediction
    from .prompts import Message, build_prompt, format_prompt
    from .schema import InputSchema, parse_input_schema

_LAZY: dict[str, str] = {
    "ALIASES": "models",
    "APIError": "errors",
    "APP_POLICY": "predictions",
    "AsyncResult": "generator",
    "AuthenticationError": "errors",
    "BUILTIN_MODELS": "models",
    "BillingRequiredError": "errors",
    "Completed": "events",
    "ConfigurationError": "errors",
    "CreateCall": "create",
    "CreateStep": "create",
    "DEFAULT_BASE_URL": "client",
    "DeadlineError": "deadline",
    "DownloadedFile": "files",
    "EmptyPromptError": "errors",
    "FollowPolicy": "predictions",
    "ImageResponse": "events",
    "InputSchema": "schema",
    "LogsAppended": "events",
    "MalformedPrediction": "errors",
    "Message": "prompts",
    "MissingTokenError": "errors",
    "ModelInfo": "models",
    "ModelRef": "models",
    "ModelSchemas": "model_schemas",
    "NetworkError": "errors",
    "NotFoundError": "errors",
    "PollBudget": "poll_budget",
    "PredictionAborted": "errors",
    "PredictionCanceled": "errors",
    "PredictionError": "errors",
    "PredictionEvent": "events",
    "PredictionFailed": "errors",
    "PredictionTimeout": "errors",
    "Progress": "events",
    "RateLimitedError": "errors",
    "ReplicateClient": "client",
    "ReplicateError": "errors",
    "ReplicateHome": "generator",
    "SavedDownload": "files",
    "SchemaStore": "model_schemas",
    "ServerError": "errors",
    "Started": "events",
    "TextDelta": "events",
    "UnexpectedResponse": "errors",
    "UnknownModelError": "errors",
    "UnsafeOutputURLError": "errors",
    "ValidationError": "errors",
    "build_prompt": "prompts",
    "cancel_prediction": "create",
    "download_output": "files",
    "download_to_file": "files",
    "format_prompt": "prompts",
    "generate": "generator",
    "get_model": "models",
    "known_kind": "models",
    "parse_deadline": "deadline",
    "parse_input_schema": "schema",
    "parse_model": "models",
    "parse_prediction": "parse",
    "run_prediction": "predictions",
    "scrub": "errors",
}


__getattr__ = lazy_attributes(__name__, _LAZY, globals())


__all__ = [
    "ALIASES",
    "APP_POLICY",
    "BUILTIN_MODELS",
    "DEFAULT_BASE_URL",
    "APIError",
    "AsyncResult",
    "AuthenticationError",
    "BillingRequiredError",
    "Completed",
    "ConfigurationError",
    "CreateCall",
    "CreateStep",
    "DeadlineError",
    "DownloadedFile",
    "EmptyPromptError",
    "FollowPolicy",
    "ImageResponse",
    "InputSchema",
    "LogsAppended",
    "MalformedPrediction",
    "Message",
    "MissingTokenError",
    "ModelInfo",
    "ModelRef",
    "ModelSchemas",
    "NetworkError",
    "NotFoundError",
    "PollBudget",
    "PredictionAborted",
    "PredictionCanceled",
    "PredictionError",
    "PredictionEvent",
    "PredictionFailed",
    "PredictionTimeout",
    "Progress",
    "RateLimitedError",
    "ReplicateClient",
    "ReplicateError",
    "ReplicateHome",
    "SavedDownload",
    "SchemaStore",
    "ServerError",
    "Started",
    "TextDelta",
    "UnexpectedResponse",
    "UnknownModelError",
    "UnsafeOutputURLError",
    "ValidationError",
    "build_prompt",
    "cancel_prediction",
    "download_output",
    "download_to_file",
    "format_prompt",
    "generate",
    "get_model",
    "known_kind",
    "parse_deadline",
    "parse_input_schema",
    "parse_model",
    "parse_prediction",
    "run_prediction",
    "scrub",
]
