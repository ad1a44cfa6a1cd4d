"""Gatekeeping: ChatApp's part in what strangers send and who may: each new message request
told once per sender, what waits told at login, /message-requests, /allow, /refuse and
/settings run."""

from __future__ import annotations

from textual import on

from chatapp.protocol import NewMessageRequest

from . import privacy
from .app_part import AppPart
from .commands import Logout, Privacy, Strangers
from .conversation import ConvKey
from .messages import HeardNews, RunCommand, SessionEnded, SessionStarted
from .net import ClientError
from .screens.requests import Answer, RequestList
from .strangers import NONE_WAIT, Gate
from .wording import plain

NOTICE_SECONDS = 30
"""How long a message request's notice, and a list, stay up: long enough to read and
answer (the notices about messages go sooner; these wait for a decision)."""


class Gatekeeping(AppPart):
    """Handlers ChatApp inherits; Textual calls each class's handler of a message in turn,
    so these run beside ChatApp's own."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = Gate()

    @on(HeardNews)
    def _request_heard(self, message: HeardNews) -> None:
        event = message.event
        if isinstance(event, NewMessageRequest) and (text := self.gate.heard(event)):
            self.notify(text, title="Message request", timeout=NOTICE_SECONDS, markup=False)

    @on(SessionStarted)
    def _look_for_requests(self) -> None:
        """The server tells of a message request live only: one held while the user was
        away, or the link was down, is told now."""
        self.run_worker(self._waiting(), group="strangers", exit_on_error=False)

    async def _waiting(self) -> None:
        if text := await self.gate.waiting(self.session):
            self.notify(text, title="Message requests", timeout=NOTICE_SECONDS, markup=False)

    @on(SessionEnded)
    def _forget_strangers(self) -> None:
        self.gate.forget()  # the next login may be somebody else's

    @on(RunCommand)
    def _strangers_command(self, message: RunCommand) -> None:
        command = message.command
        if isinstance(command, Logout):
            self.gate.forget()
        elif isinstance(command, Strangers | Privacy):
            self.run_worker(self._run(command), group="strangers", exit_on_error=False)

    async def _run(self, command: Strangers | Privacy) -> None:
        """Runs one command; its outcome, or why not, is notified; a list is shown."""
        opened: ConvKey | None = None
        title = ""
        try:
            if isinstance(command, Privacy):
                text, title = await privacy.run(self.session, command)
            elif command.verb == "list":
                senders, more = await self.gate.page(self.session, command.target == "more")
                if senders:
                    self.push_screen(RequestList(senders, more), self._answered)
                    return
                text = NONE_WAIT
            else:
                text, opened = await self.gate.answer(self.session, command)
        except ClientError as exc:
            self.notify(plain(exc), severity="error", markup=False)
            return
        if opened is not None:
            self._open(opened)
            if main := self._view():
                main.refresh_sidebar()
        timeout = NOTICE_SECONDS if title else None  # the settings: to be read
        self.notify(text, title=title, timeout=timeout, markup=False)

    def _answered(self, answer: Answer | None) -> None:
        """The list was closed; with an answer, it goes to the server."""
        if answer is not None:
            verb, sender = answer
            self.run_worker(self._run(Strangers(verb, sender)), exit_on_error=False)
