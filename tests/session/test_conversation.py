"""The conversation as data: which turns a prompt is built from, how run events fill a reply, reopening."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from desktop_app.replicate import Message, PredictionFailed
from desktop_app.session import (
    Conversation,
    OutputReady,
    RunCanceled,
    RunFailed,
    RunFinished,
    TextAppended,
    TextReplaced,
    problem_of,
)
from desktop_app.storage import Conversation as StoredConversation
from desktop_app.storage import Generation, Turn

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_a_reply_fills_from_its_runs_events() -> None:
    conversation = Conversation()
    conversation.add_user("hi", "m")
    reply = conversation.begin_reply(7, "m")
    other = conversation.begin_reply(8, "m")

    for event in (TextAppended(7, "Hel"), TextAppended(7, "lo"), TextAppended(8, "other"),
                  OutputReady(7, 0, "https://x/0.png", "image/png", b"", Path("/lib/0.png"))):
        conversation.apply(event)
    assert (reply.text, reply.state, reply.outputs) == ("Hello", "streaming", [Path("/lib/0.png")])
    conversation.apply(TextReplaced(7, "Hello!"))
    conversation.apply(RunFinished(7, "succeeded", "Hello!", 1.5))
    conversation.apply(RunCanceled(8, "other"))

    assert (reply.text, reply.state, reply.predict_time) == ("Hello!", "done", 1.5)
    assert other.state == "stopped"
    assert conversation.reply_for(8) is other


def test_prompts_leave_out_failed_and_streaming_replies_but_keep_stopped_ones() -> None:
    conversation = Conversation()
    conversation.add_user("one", "m")
    failed = conversation.begin_reply(1, "m")
    conversation.apply(TextAppended(1, "broken"))
    conversation.apply(RunFailed(1, problem_of(PredictionFailed("boom")), "broken"))
    stopped = conversation.begin_reply(2, "m")
    conversation.apply(TextAppended(2, "partial"))
    conversation.apply(RunCanceled(2, "partial"))
    conversation.add_user("two", "m")
    conversation.begin_reply(3, "m")
    conversation.apply(TextAppended(3, "still going"))

    assert conversation.messages("three") == (Message("user", "one"), Message("assistant", "partial"),
                                              Message("user", "two"), Message("user", "three"))
    assert failed.state == "failed" and failed.problem is not None and "boom" in (failed.error or "")
    assert stopped.state == "stopped"


def test_a_stored_conversation_comes_back_with_interrupted_replies_as_failed() -> None:
    def turn(turn_id: int, role: str, text: str, state: str) -> Turn:
        return Turn(turn_id, 1, turn_id, role, text, "m", state, NOW, NOW)

    def generation(generation_id: int, turn_id: int, status: str, error: str | None = None) -> Generation:
        return Generation(generation_id, 1, turn_id, "m", None, {"prompt": "p"}, "id", status, error, NOW, None,
                          None, 2.0)

    stored = StoredConversation(1, "T", "m", NOW, NOW,
                                (turn(1, "user", "q", "done"), turn(2, "assistant", "a", "done"),
                                 turn(3, "user", "q2", "done"), turn(4, "assistant", "", "streaming"),
                                 turn(5, "assistant", "half", "stopped")),
                                (generation(1, 2, "succeeded"), generation(2, 4, "interrupted", "closed")))

    conversation = Conversation.from_history(stored)

    assert conversation.history_id == 1
    assert [(t.role, t.text, t.state, t.error) for t in conversation] == [
        ("user", "q", "done", None), ("assistant", "a", "done", None), ("user", "q2", "done", None),
        ("assistant", "", "failed", "closed"), ("assistant", "half", "stopped", None)]
    assert conversation.turns[1].predict_time == 2.0
