"""What the fake server remembers of its traffic (recorded requests) and the error bodies it sends (§9)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aiohttp import web

PROBLEM_JSON = "application/problem+json"

# Bodies the real API sends for these statuses (replicate-api.md §9 and observed responses).
DEFAULT_PROBLEMS: dict[int, dict[str, Any]] = {
    400: {"title": "Bad request", "detail": "The request could not be understood.", "status": 400},
    401: {"title": "Unauthenticated", "detail": "You did not pass a valid authentication token", "status": 401},
    402: {
        "title": "Billing required",
        "detail": "You need to set up billing to run this model. Go to https://replicate.com/account/billing "
        "and sign in to set up billing.",
        "status": 402,
    },
    403: {"title": "Forbidden", "detail": "You do not have permission to perform this action.", "status": 403},
    404: {"detail": "The requested resource could not be found.", "status": 404},
    413: {"title": "Payload too large", "detail": "Files must be less than 100MB", "status": 413},
    422: {
        "title": "Input validation failed",
        "detail": "- input: prompt is required\n",
        "status": 422,
        "invalid_fields": [{"type": "required", "field": "input", "description": "prompt is required"}],
    },
    429: {"title": "Request was throttled",
          "detail": "Request was throttled. Your rate limit resets in ~30s.", "status": 429},
}


def default_problem(status: int) -> dict[str, Any]:
    """A realistic problem-details body for `status`."""
    if status in DEFAULT_PROBLEMS:
        return dict(DEFAULT_PROBLEMS[status])
    phrase = _reason(status)
    detail = "An unexpected error occurred. Please try again." if status >= 500 else phrase
    return {"title": phrase, "detail": detail, "status": status}


def problem(status: int, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> web.Response:
    """An `application/problem+json` response (the default body for `status` unless one is given)."""
    payload = default_problem(status) if body is None else body
    return web.Response(
        status=status,
        body=json.dumps(payload).encode("utf-8"),
        headers={"Content-Type": PROBLEM_JSON, **(headers or {})},
    )


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _html_page(status: int) -> str:
    phrase = _reason(status)
    return (
        f"<html>\r\n<head><title>{status} {phrase}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {phrase}</h1></center>\r\n<hr><center>cloudflare</center>\r\n"
        "</body>\r\n</html>\r\n"
    )


@dataclass
class RecordedRequest:
    """One request as the server received it (recorded before it was answered)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    json: Any | None
    time: float

    def header(self, name: str) -> str | None:
        """The value of header `name`, looked up case-insensitively; None when absent."""
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None


def error_response(status: int, body: str | bytes | dict[str, Any] | None = None,
                   content_type: str = PROBLEM_JSON, headers: dict[str, str] | None = None) -> web.Response:
    """A scripted error answer; with `body` None a realistic body for `status` (problem+json, an HTML error
    page for text/html, else a line of text)."""
    payload: bytes
    if body is None:
        if "json" in content_type:
            payload = json.dumps(default_problem(status)).encode("utf-8")
        elif content_type.startswith("text/html"):
            payload = _html_page(status).encode("utf-8")
        else:
            payload = f"{status}: {_reason(status)}".encode()
    elif isinstance(body, dict):
        payload = json.dumps(body).encode("utf-8")
    elif isinstance(body, str):
        payload = body.encode("utf-8")
    else:
        payload = body
    return web.Response(status=status, body=payload, headers={"Content-Type": content_type, **(headers or {})})
