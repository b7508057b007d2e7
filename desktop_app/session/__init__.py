"""The Qt-free application layer: what the app does, between the window and the core and storage.

It owns conversations (turns as data), runs (many at once, each an async iterator of typed session events,
each cancellable), the history recorder, recovery after a restart, the account's token, the settings in
use and the history library's actions. The window calls it and shows its events; it never imports Qt.
Names are imported lazily, so that the window can paint before aiohttp is loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_attributes

if TYPE_CHECKING:
    from .account import Account, AccountInfo, SignedIn, TokenSource
    from .backends import Backends, LocalServers, resolve_files
    from .chat import ChatBusyError, ChatSession
    from .conversation import Conversation, Turn
    from .errors import InputProblems, InvalidTokenError, OutputsCannotBeKept, error_kind, invalid_fields, problem_of
    from .events import (
        LogsAppended,
        OutputFailed,
        OutputProgressed,
        OutputReady,
        OutputsAnnounced,
        ProgressChanged,
        RunBegun,
        RunCanceled,
        RunEnd,
        RunFailed,
        RunFinished,
        RunId,
        RunProblem,
        RunStarted,
        SessionEvent,
        TextAppended,
        TextReplaced,
    )
    from .gallery import Deletion, Gallery, GalleryListing
    from .library import KeptImage, Library, Reopened, Reuse
    from .picture_inputs import (
        DroppedFile,
        InputChoice,
        NoInputError,
        Restored,
        SendTo,
        inspect_file,
        restore_settings,
        use_as_input,
    )
    from .preferences import Preferences, form_key
    from .presets import Applied, Presets
    from .recorder import HistoryRecorder, conversation_title
    from .recovery import Recovery
    from .requests import RunPlan, RunRequest
    from .run import Run
    from .runs import RunService
    from .services import Services, build_services

_LAZY: dict[str, str] = {
    "Account": "account",
    "AccountInfo": "account",
    "Applied": "presets",
    "Backends": "backends",
    "ChatBusyError": "chat",
    "ChatSession": "chat",
    "Conversation": "conversation",
    "Deletion": "gallery",
    "DroppedFile": "picture_inputs",
    "Gallery": "gallery",
    "GalleryListing": "gallery",
    "HistoryRecorder": "recorder",
    "InputChoice": "picture_inputs",
    "InputProblems": "errors",
    "InvalidTokenError": "errors",
    "KeptImage": "library",
    "Library": "library",
    "LocalServers": "backends",
    "LogsAppended": "events",
    "NoInputError": "picture_inputs",
    "OutputFailed": "events",
    "OutputProgressed": "events",
    "OutputReady": "events",
    "OutputsAnnounced": "events",
    "OutputsCannotBeKept": "errors",
    "Preferences": "preferences",
    "Presets": "presets",
    "ProgressChanged": "events",
    "Recovery": "recovery",
    "Reopened": "library",
    "Restored": "picture_inputs",
    "Reuse": "library",
    "Run": "run",
    "RunBegun": "events",
    "RunCanceled": "events",
    "RunEnd": "events",
    "RunFailed": "events",
    "RunFinished": "events",
    "RunId": "events",
    "RunPlan": "requests",
    "RunProblem": "events",
    "RunRequest": "requests",
    "RunService": "runs",
    "RunStarted": "events",
    "SendTo": "picture_inputs",
    "Services": "services",
    "SessionEvent": "events",
    "SignedIn": "account",
    "TextAppended": "events",
    "TextReplaced": "events",
    "TokenSource": "account",
    "Turn": "conversation",
    "build_services": "services",
    "conversation_title": "recorder",
    "error_kind": "errors",
    "form_key": "preferences",
    "inspect_file": "picture_inputs",
    "invalid_fields": "errors",
    "problem_of": "errors",
    "resolve_files": "backends",
    "restore_settings": "picture_inputs",
    "use_as_input": "picture_inputs",
}

__getattr__ = lazy_attributes(__name__, _LAZY, globals())

__all__ = [
    "Account",
    "AccountInfo",
    "Applied",
    "Backends",
    "ChatBusyError",
    "ChatSession",
    "Conversation",
    "Deletion",
    "DroppedFile",
    "Gallery",
    "GalleryListing",
    "HistoryRecorder",
    "InputChoice",
    "InputProblems",
    "InvalidTokenError",
    "KeptImage",
    "Library",
    "LocalServers",
    "LogsAppended",
    "NoInputError",
    "OutputFailed",
    "OutputProgressed",
    "OutputReady",
    "OutputsAnnounced",
    "OutputsCannotBeKept",
    "Preferences",
    "Presets",
    "ProgressChanged",
    "Recovery",
    "Reopened",
    "Restored",
    "Reuse",
    "Run",
    "RunBegun",
    "RunCanceled",
    "RunEnd",
    "RunFailed",
    "RunFinished",
    "RunId",
    "RunPlan",
    "RunProblem",
    "RunRequest",
    "RunService",
    "RunStarted",
    "SendTo",
    "Services",
    "SessionEvent",
    "SignedIn",
    "TextAppended",
    "TextReplaced",
    "TokenSource",
    "Turn",
    "build_services",
    "conversation_title",
    "error_kind",
    "form_key",
    "inspect_file",
    "invalid_fields",
    "problem_of",
    "resolve_files",
    "restore_settings",
    "use_as_input",
]
