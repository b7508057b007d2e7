"""What a queue job keeps of the create it sent, so that the core's lookup finds it again: a local file's value
stands for any file URL Replicate may echo, other ``data:`` URIs keep only their header, the rest as sent."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from desktop_app.replicate import CreateCall, parse_model
from desktop_app.replicate.lost_create import same_input
from desktop_app.session.lost_creates import FILE_SENT, kept_input, sent_create
from desktop_app.storage.queue_store import JobRecord

SENT_AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PNG = "data:image/png;base64,iVBORw0KGgo="


def job(model_input: dict[str, object], **sent: object) -> JobRecord:
    fields: dict[str, object] = {"sent_at": None, "sent_input": None, "sent_version": None, **sent}
    return JobRecord(1, 1, 1, "acme/painter", model_input, "", "creating", None, 1, error=None, predict_time=None,
                     cost=None, outputs=[], created_at=SENT_AT, updated_at=SENT_AT, **fields)  # type: ignore[arg-type]


def test_local_files_become_a_bare_data_uri_and_other_data_uris_lose_their_bytes(tmp_path: Path) -> None:
    photo = tmp_path / "photo.png"
    job_input = {"prompt": "p", "image": photo, "masks": ["https://example.com/m.png", photo], "style": PNG}
    sent = {"prompt": "p", "image": "https://api.replicate.com/v1/files/abc", "masks": ["https://example.com/m.png",
            PNG], "style": PNG, "steps": 4}
    kept = kept_input(sent, job_input)
    assert kept == {"prompt": "p", "image": FILE_SENT, "masks": ["https://example.com/m.png", FILE_SENT],
                    "style": "data:image/png;base64,", "steps": 4}
    echoed = {"prompt": "p", "image": "https://replicate.delivery/x.png", "masks": ["https://example.com/m.png",
              "https://replicate.delivery/y.png"], "style": "https://replicate.delivery/z.png", "steps": 4}
    assert same_input(kept, echoed)  # what the core's lookup compares
    assert not same_input(kept, {**echoed, "steps": 5})
    assert not same_input(kept, {**echoed, "masks": ["https://example.com/other.png", "https://x/y.png"]})


def test_the_sent_create_is_the_kept_one_else_the_one_the_call_would_send(tmp_path: Path) -> None:
    assert sent_create(job({"prompt": "p"})) is None  # nothing sent
    kept = job({"prompt": "p"}, sent_at=SENT_AT, sent_input={"prompt": "p", "seed": 3}, sent_version="v" * 64)
    sent = sent_create(kept)
    assert sent is not None
    assert (sent.model, sent.version, dict(sent.model_input), sent.sent_at) == (
        "acme/painter", "v" * 64, {"prompt": "p", "seed": 3}, SENT_AT)
    older = job({"prompt": "p", "image": tmp_path / "a.png"}, sent_at=SENT_AT)  # sent by an older version
    assert sent_create(older) is None  # without the call, nobody can tell what it sent
    call = CreateCall(None, parse_model("acme/painter:" + "e" * 64),  # type: ignore[arg-type]
                      {"prompt": "p", "image": PNG}, None, None, None)
    again = sent_create(older, call)
    assert again is not None
    assert (again.version, dict(again.model_input)) == ("e" * 64, {"prompt": "p", "image": FILE_SENT})
