"""The Qt-free core that runs predictions on Replicate and yields typed events.

Names are imported lazily, so that the window can paint before aiohttp is loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_attributes

if TYPE_CHECKING:
    from .client import DEFAULT_BASE_URL, ReplicateClient
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
    from .events import (
        Completed,
        ImageResponse,
        LogsAppended,
        PredictionEvent,
        Progress,
        Started,
        TextDelta,
        TextReplaced,
    )
    from .files import DownloadedFile, SavedDownload, download_output, download_to_file
    from .generator import AsyncResult, ReplicateHome, generate
    from .models import ALIASES, BUILTIN_MODELS, ModelInfo, ModelRef, get_model, known_kind, parse_model
    from .parse import parse_prediction
    from .predictions import APP_POLICY, FollowPolicy, run_prediction
    from .prompts import Message, build_prompt, format_prompt

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
    "DEFAULT_BASE_URL": "client",
    "DownloadedFile": "files",
    "EmptyPromptError": "errors",
    "FollowPolicy": "predictions",
    "ImageResponse": "events",
    "LogsAppended": "events",
    "MalformedPrediction": "errors",
    "Message": "prompts",
    "MissingTokenError": "errors",
    "ModelInfo": "models",
    "ModelRef": "models",
    "NetworkError": "errors",
    "NotFoundError": "errors",
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
    "ServerError": "errors",
    "Started": "events",
    "TextDelta": "events",
    "TextReplaced": "events",
    "UnexpectedResponse": "errors",
    "UnknownModelError": "errors",
    "UnsafeOutputURLError": "errors",
    "ValidationError": "errors",
    "build_prompt": "prompts",
    "download_output": "files",
    "download_to_file": "files",
    "format_prompt": "prompts",
    "generate": "generator",
    "get_model": "models",
    "known_kind": "models",
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
    "DownloadedFile",
    "EmptyPromptError",
    "FollowPolicy",
    "ImageResponse",
    "LogsAppended",
    "MalformedPrediction",
    "Message",
    "MissingTokenError",
    "ModelInfo",
    "ModelRef",
    "NetworkError",
    "NotFoundError",
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
    "ServerError",
    "Started",
    "TextDelta",
    "TextReplaced",
    "UnexpectedResponse",
    "UnknownModelError",
    "UnsafeOutputURLError",
    "ValidationError",
    "build_prompt",
    "download_output",
    "download_to_file",
    "format_prompt",
    "generate",
    "get_model",
    "known_kind",
    "parse_model",
    "parse_prediction",
    "run_prediction",
    "scrub",
]
