"""One chat: its conversation, the run filling its newest reply, and what Send, Retry and Regenerate do."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ..replicate import InputSchema, ReplicateError
from .conversation import Conversation
from .library import Library, Reopened, Thumbnail
from .preferences import Preferences
from .recorder import HistoryRecorder
from .requests import RunPlan, RunRequest
from .run import Run
from .runs import RunService


class ChatBusyError(RuntimeError):
    """The chat's reply is still running: stop it (or wait) first."""


class ChatSession:
    """A conversation and its runs, one reply at a time; several chats may run at once on one service.

    :meth:`send` checks the request locally first: when that fails, the conversation is left as it was
    (the window keeps the prompt) and the returned run has already failed. Otherwise the user's message
    and the reply are added to the conversation and recorded, and the reply fills as the run goes.
    """

    def __init__(self, runs: RunService, *, recorder: HistoryRecorder | None = None,
                 library: Library | None = None, preferences: Preferences | None = None) -> None:
        self.runs = runs
        self.recorder = recorder
        self.library = library
        self.preferences = preferences
        self._conversation = Conversation()
        self._run: Run | None = None
        self._last: RunRequest | None = None

    @property
    def conversation(self) -> Conversation:
        return self._conversation

    @property
    def current(self) -> Run | None:
        """The run of the newest reply (running or not), if there was one."""
        return self._run

    @property
    def busy(self) -> bool:
        return self._run is not None and not self._run.done

    def send(self, text: str, model: str, *, parameters: Mapping[str, Any] | None = None,
             schema: InputSchema | None = None, deadline: str | float | None = None) -> Run:
        """Asks ``model`` about ``text``, with the conversation so far and the form's ``parameters``."""
        self._check_idle()
        request = RunRequest(model, self._conversation.messages(text), parameters=dict(parameters or {}),
                             schema=schema, deadline=deadline)
        try:
            plan = self.runs.prepare(request)
        except ReplicateError as error:
            return self.runs.refused(request, error)
        self._conversation.add_user(text, plan.model)
        if self.recorder is not None:
            self.recorder.record_user_turn(self._conversation, text, plan.model)
        return self._launch(plan)

    def retry(self, *, parameters: Mapping[str, Any] | None = None,
              schema: InputSchema | None = None) -> Run | None:
        """Runs the last request again (after a failure or a stop), with new ``parameters`` if given;
        ``None`` when there is nothing to run again."""
        self._check_idle()
        request = self._last or self._request_from_conversation()
        if request is None:
            return None
        if parameters is not None:
            request = dataclasses.replace(request, parameters=dict(parameters), schema=schema or request.schema)
        try:
            plan = self.runs.prepare(request)
        except ReplicateError as error:
            return self.runs.refused(request, error)
        return self._launch(plan)

    def regenerate(self, *, parameters: Mapping[str, Any] | None = None,
                   schema: InputSchema | None = None) -> Run | None:
        """Replaces the last reply with a new one to the same messages; ``None`` when there is no reply."""
        self._check_idle()
        last = self._conversation.last_reply()
        if last is None:
            return None
        self._conversation.remove(last.id)
        if self._last is None:
            self._last = self._request_from_conversation(last.model)
        return self.retry(parameters=parameters, schema=schema)

    def stop(self) -> None:
        """Stops the running reply; its prediction is canceled on the server."""
        if self._run is not None:
            self._run.cancel()

    def new(self) -> None:
        """Stops the running reply and starts an empty conversation."""
        self.stop()
        self._conversation = Conversation()
        self._run = None
        self._last = None

    def adopt(self, conversation: Conversation) -> None:
        """Goes on with ``conversation`` (e.g. the reply chosen in a comparison); new messages continue it."""
        self._check_idle()
        self._conversation = conversation
        self._run = None
        self._last = None

    async def open(self, conversation_id: int, *, thumbnail: Thumbnail | None = None) -> Reopened:
        """Reopens a kept conversation; new messages continue it."""
        self._check_idle()
        if self.library is None:
            raise RuntimeError("There is no history to open conversations from.")
        reopened = await self.library.reopen(conversation_id, thumbnail=thumbnail)
        self._check_idle()
        self._conversation = reopened.conversation
        self._run = None
        self._last = None
        return reopened

    def _launch(self, plan: RunPlan) -> Run:
        self._last = plan.request
        if self.preferences is not None:
            self.preferences.remember_inputs(plan.model, plan.form_values, secret=plan.secret_fields)
        run = self.runs.launch(plan, target=self._conversation, listener=self._conversation.apply)
        self._conversation.begin_reply(run.id, plan.model)
        self._run = run
        return run

    def _request_from_conversation(self, model: str | None = None) -> RunRequest | None:
        """The request for a new reply to the conversation as it stands (after a reopen there is no last one)."""
        messages = self._conversation.messages()
        model = model or next((turn.model for turn in reversed(self._conversation.turns)), None)
        if not messages or messages[-1].role != "user" or model is None:
            return None
        return RunRequest(model, messages)

    def _check_idle(self) -> None:
        if self.busy:
            raise ChatBusyError("The reply is still running; stop it first.")
