"""Uploading a file once: what Replicate already holds (known by the SHA-256 of its content) is not sent again, and
an upload that breaks off half way is retried — after checking whether it landed all the same."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from .client import ReplicateClient, Sleep
from .errors import NetworkError, NotFoundError, ReplicateError, ServerError, UnexpectedResponse
from .timestamps import epoch_seconds
from .uploads import DEFAULT_CONTENT_TYPE, SentProgress, UploadedFile, file_object, upload_path

log = logging.getLogger(__name__)

MIN_LIFETIME = 3600.0  # a file reused for a training must outlive its start by a good margin
RETRY_DELAYS = (1.0, 4.0, 10.0)


async def upload_file_once(
    client: ReplicateClient,
    path: Path,
    *,
    sha256: str,
    size: int,
    remembered: UploadedFile | None = None,
    content_type: str = DEFAULT_CONTENT_TYPE,
    filename: str | None = None,
    progress: SentProgress | None = None,
    attempts: int = 3,
    sleep: Sleep | None = None,
    now: Callable[[], float] = time.time,
) -> UploadedFile:
    """The Files API's file for the content at ``path`` (``sha256``, ``size`` bytes), sending it only when needed.

    1. ``remembered`` (an earlier upload of the same content) is reused while Replicate still has it
       (``GET /v1/files/{id}``) and it lives at least another hour.
    2. Else a file with the same checksum on the first page of ``GET /v1/files`` is reused.
    3. Else it is uploaded; a dropped connection, a timeout or a 5xx is retried up to ``attempts`` times in all,
       and before each retry the list is read again, in case the failed attempt landed after all.

    The Files API cannot resume an upload part way, so a retry sends the file from its start.
    """
    if remembered is not None and _lasts(remembered, now) and await _still_there(client, remembered):
        log.info("Reusing uploaded file %s (same content)", remembered.id)
        return remembered
    found = await _find(client, sha256, size, now)
    if found is not None:
        log.info("Replicate has this content already as file %s; not uploading it again", found.id)
        return found
    pause = sleep or client.sleep
    for attempt in range(1, attempts + 1):
        try:
            return await upload_path(client, path, content_type=content_type, filename=filename, progress=progress)
        except (NetworkError, ServerError, UnexpectedResponse) as error:
            if isinstance(error, UnexpectedResponse) and not (error.status is None or error.status >= 500):
                raise
            if attempt >= attempts:
                raise
            log.info("Upload of %s failed (%s); attempt %d of %d next", path.name, error, attempt + 1, attempts)
        await pause(RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1])
        found = await _find(client, sha256, size, now)
        if found is not None:
            log.info("The failed upload of %s had landed as file %s", path.name, found.id)
            return found
    raise AssertionError("unreachable: the last attempt returns or raises")


def _lasts(uploaded: UploadedFile, now: Callable[[], float]) -> bool:
    expires = epoch_seconds(uploaded.expires_at)
    return expires is None or expires - now() >= MIN_LIFETIME


async def _still_there(client: ReplicateClient, uploaded: UploadedFile) -> bool:
    if not uploaded.id:
        return False
    try:
        current = file_object(await client.get_json(f"files/{uploaded.id}"))
    except NotFoundError:
        return False
    except ReplicateError as error:  # cannot tell: look for it by checksum instead
        log.info("Could not look up file %s: %s", uploaded.id, error)
        return False
    return current is not None and current.url == uploaded.url


async def _find(client: ReplicateClient, sha256: str, size: int, now: Callable[[], float]) -> UploadedFile | None:
    """A file with this content on the first page of the account's files, if one lives long enough."""
    try:
        page = await client.get_json("files")
    except ReplicateError as error:
        log.info("Could not list uploaded files: %s", error)
        return None
    results = page.get("results")
    for item in results if isinstance(results, list) else ():
        candidate = file_object(item)
        if (candidate is not None and candidate.sha256 == sha256 and candidate.size == size
                and _lasts(candidate, now)):
            return candidate
    return None
