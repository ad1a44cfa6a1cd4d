"""Message requests: strangers' messages the server holds for the user (MESSAGE_REQUESTS,
MESSAGE_ANSWER): /message-requests, /allow and /refuse parsed and run, each new one told
once per sender, and what waits told at login. No Textual."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.cells import cell_len, set_cell_size

from chatapp.protocol import (
    Ack,
    MessageAnswer,
    MessageRequests,
    NewMessageRequest,
    SenderInfo,
)

from .command_types import Command, CommandError, Strangers
from .conversation import ConvKey, Kind
from .net import ClientError, RequestFailed
from .wording import refused

if TYPE_CHECKING:
    from .session import Session

LIST, ALLOW, REFUSE = "message-requests", "allow", "refuse"
"""The commands, as typed."""
ARGS = ((LIST, "[more]"), (ALLOW, "<id|name>"), (REFUSE, "<id|name>"))
USAGE = {verb: f"/{verb} {args}" for verb, args in ARGS}
SUMMARY = {
    LIST: "strangers' messages held for your answer (more: the next page); A allows, R refuses",
    ALLOW: "let a stranger message you: their held messages show in your chat with them",
    REFUSE: "delete a stranger's held messages (they are not told; /block stops new ones)",
}
PAGE = 10
"""Senders a page of /message-requests shows: each takes up to PREVIEWS + 2 rows of the
list, which scrolls."""
PREVIEWS = 3
"""Held messages shown of each sender, however many the server sends."""
PREVIEW_CELLS = 48
"""Cells of a held message shown: the start, on one line."""
LOGIN_LOOK = 20
"""Senders asked for at login, to say how many wait."""


def parse(verb: str, rest: str) -> Strangers:
    """Parses the arguments `rest` of command `verb` (one of USAGE)."""
    from .commands import checked_id, is_number  # which imports this module

    if verb == LIST:
        if rest not in ("", "more"):
            raise CommandError(f"usage: {USAGE[LIST]}")
        return Strangers("list", rest or None)
    who = " ".join(rest.split())  # a name may hold spaces
    if not who:
        raise CommandError(f"usage: {USAGE[verb]}")
    return Strangers(verb, checked_id(who) if is_number(who) else who)


def parser(verb: str) -> Callable[[str], Command]:
    """The parser of command `verb`, for the commands table."""
    return lambda rest: parse(verb, rest)


def notice(sender: SenderInfo) -> str:
    """The one notice of a stranger's message request, and how to answer it."""
    who, sid = f"{sender.name} (#{sender.id})", sender.id
    return f"{who} wants to message you: /message-requests to read, /allow {sid} or /refuse {sid}"


def preview(text: str) -> str:
    """The start of a held message on one line, cut to PREVIEW_CELLS cells."""
    first = " ".join(text.split())
    if cell_len(first) > PREVIEW_CELLS:
        first = set_cell_size(first, PREVIEW_CELLS - 1) + "…"
    return f"“{first}”"


def entry(sender: SenderInfo) -> str:
    """A sender as the list of requests shows them: who, how many wait, the first of them."""
    count = sender.count
    lines = [f"{sender.name} (#{sender.id}), {count} message{'s' * (count != 1)}:"]
    shown = sender.messages[:PREVIEWS]
    lines += (f"  {preview(m.msg)}" for m in shown)
    if count > len(shown):
        lines.append(f"  …and {count - len(shown)} more")
    return "\n".join(lines)


NONE_WAIT = "No message requests wait for your answer"
NO_MORE = "No more message requests: /message-requests lists them from the start"


class Gate:
    """What the client knows of message requests in one session: the senders told of (each
    once), their names, and where /message-requests more goes on from."""

    def __init__(self) -> None:
        self.told: set[int] = set()  # the senders told of, not answered yet
        self.names: dict[int, str] = {}  # every sender seen, for /allow <name>
        self.after: int | None = None

    def forget(self) -> None:
        """A new session, perhaps another user's: nothing is known."""
        self.told.clear()
        self.names.clear()
        self.after = None

    def heard(self, event: NewMessageRequest) -> str | None:
        """The notice of a pushed request: only for a sender not told of yet."""
        sender = event.sender
        self.names[sender.id] = sender.name
        if sender.id in self.told:
            return None
        self.told.add(sender.id)
        return notice(sender)

    async def waiting(self, session: Session) -> str:
        """What waits, said at login where nothing said it yet (requests that came while
        the user was away, or while the link was down): the sender's notice where one
        waits, how many otherwise; nothing where the server cannot say now."""
        try:
            reply = await session.link().request(MessageRequests(limit=LOGIN_LOOK))
        except ClientError:
            return ""
        senders = reply.senders or ()
        self.names.update((s.id, s.name) for s in senders)
        fresh = [s for s in senders if s.id not in self.told]
        self.told = {s.id for s in senders}  # one answered elsewhere: told of anew
        if not fresh:
            return ""
        if len(senders) == 1:
            return notice(senders[0])
        many = f"more than {len(senders)}" if reply.more else str(len(senders))
        return f"{many} people want to message you: /message-requests lists them"

    async def page(
        self, session: Session, more: bool = False
    ) -> tuple[tuple[SenderInfo, ...], bool]:
        """A page of the senders waiting (`more`: the page after the last one listed), and
        whether more follow; ClientError (NO_MORE) where the last page was listed."""
        after = self.after if more else None
        if more and after is None:
            raise ClientError(NO_MORE)
        reply = await _ask(session, MessageRequests(after=after, limit=PAGE))
        senders = reply.senders or ()
        self.names.update((s.id, s.name) for s in senders)
        self.after = senders[-1].id if reply.more and senders else None
        return senders, reply.more

    async def answer(self, session: Session, command: Strangers) -> tuple[str, ConvKey | None]:
        """Allows or refuses a stranger: what to tell the user, and the conversation to
        open (the allowed stranger's, where their held messages now are)."""
        user_id, name = await self._who(session, command.target or "")
        accept = command.verb == ALLOW
        await _ask(session, MessageAnswer(user_id, accept=accept))
        self.told.discard(user_id)
        who = f"{name} (#{user_id})"
        if not accept:
            return f"Deleted {who}'s held messages; /block {user_id} stops new ones", None
        key = ConvKey(Kind.USER, user_id)
        session.state.named(key, name)
        return f"{who} may message you now: their messages are in your chat", key

    async def _who(self, session: Session, target: int | str) -> tuple[int, str]:
        """The id and name of sender `target`: one told of or listed, else as the server
        knows them (USERS)."""
        if isinstance(target, int) and target in self.names:
            return target, self.names[target]
        for sid, name in self.names.items():
            if isinstance(target, str) and name.lower() == target.lower():
                return sid, name
        return await session.who_is(target)


async def _ask(session: Session, request: MessageRequests | MessageAnswer) -> Ack:
    """Sends a request; its refusal in plain words, as it means for that request."""
    try:
        return await session.link().request(request)
    except RequestFailed as exc:
        raise ClientError(refused(request.MSGID, exc)) from exc
