"""Accounts and sessions: register, log in (password or resume token), log out, ping."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Hashable
from dataclasses import replace
from typing import TYPE_CHECKING

from chatapp.protocol import (
    Ack,
    ChangePassword,
    Dialect,
    Errno,
    Event,
    Login,
    Logout,
    MsgId,
    Ping,
    Pong,
    RegAck,
    Register,
    fit_login,
)

from ..bus import DOORBELL
from ..chats import chat_events
from ..errors import ChatError
from ..limits import retry_text
from ..mailbox import Mailbox
from ..presence import announce_presence
from ..storage import NameTaken, User
from ..text import skeleton
from ..tokens import new_token, token_hash
from . import checks
from .snapshot import first_pages, login_budget

if TYPE_CHECKING:
    from ..session import Session

# Legacy texts, kept word for word: the original console client prints them.
BAD_CREDENTIALS = "id or password is invalid!"
ALREADY_ONLINE = "this account is using, input another!"
DISABLED = "this account is disabled: ask the server's operator"

log = logging.getLogger(__name__)


async def register(session: Session, req: Register) -> Event:
    config = session.server.config
    name = checks.name(req.name, config.max_name_chars, "name")
    checks.password(req.password, config.max_password_chars)
    password_hash = await _new_hash(session, req.password)
    try:
        user = await session.server.storage.create_user(
            name, password_hash, skeleton=skeleton(name)
        )
    except NameTaken:
        raise ChatError(Errno.NAME_TAKEN, checks.taken("name", name)) from None
    session.server.users.add(user.id)
    return RegAck(id=user.id, rid=req.rid)


async def _new_hash(session: Session, password: str) -> str:
    """The password's hash for a new account, unless its address registered too often
    (errno 17) or the hashing queue is full (errno 16, at once and not counted)."""
    server, host = session.server, session.host
    wait = server.registrations.locked_for(host)
    if wait > 0:
        why = f"too many registrations from this address: retry in {retry_text(wait)}"
        raise ChatError(Errno.REGISTER_LOCKED, why)
    hashing = server.hashing.hash(password, server.config.hash_cost)
    server.registrations.counted(host)
    try:
        return await hashing
    except ChatError:  # it made way for a login before it was hashed
        server.registrations.taken_back(host)
        raise


def _check_lock(session: Session, account: Hashable | None = None) -> None:
    """Refuses, before any hashing, a login from a locked address or to a locked account."""
    wait = session.server.logins.locked_for(session.host, account)
    if wait > 0:
        raise ChatError(Errno.LOGIN_LOCKED, f"too many failed logins: retry in {retry_text(wait)}")


async def _by_password(session: Session, req: Login) -> User:
    storage = session.server.storage
    user = await (storage.user_by_id(req.id) if req.id is not None else
                  storage.user_by_name(req.name or ""))  # fmt: skip
    # Unknown accounts lock too, so that locking does not tell which accounts exist.
    account = user.id if user else req.id if req.id is not None else ("name", req.name)
    _check_lock(session, account)
    # An unknown account costs a hash too, so timing does not tell which accounts exist.
    stored = user.password_hash if user else session.server.decoy_hash
    checking = session.server.hashing.verify(req.password or "", stored)  # or errno 16 now
    logins = session.server.logins
    logins.failed(session.host, account)
    if not await checking or user is None:
        # Each one, with its address in the line: what fail2ban and the like read.
        named = f"id {req.id}" if req.id is not None else f"name {req.name!r}"
        log.info("login refused: wrong password or no such account (%s)", named)
        raise ChatError(Errno.BAD_CREDENTIALS, BAD_CREDENTIALS)
    logins.succeeded(session.host, account)
    # Said only to whoever knows the password, so it tells no one else the account exists.
    _check_enabled(user)
    return user


async def _by_token(session: Session, req: Login) -> User:
    server = session.server
    user = await server.storage.user_by_token(token_hash(req.token or ""), server.now_ms())
    if user is None or (req.id is not None and req.id != user.id):
        server.logins.failed(session.host)
        log.info("login refused: resume token invalid or expired")
        raise ChatError(Errno.BAD_CREDENTIALS, "resume token is invalid or expired")
    _check_enabled(user)  # disabling revokes the tokens; this covers a login racing it
    return user


def _check_enabled(user: User) -> None:
    """Refuses an account an operator disabled (chatapp-admin users disable), read from
    storage at each login, so a running server honours it at once."""
    if user.disabled:
        raise ChatError(Errno.ACCOUNT_DISABLED, DISABLED)


async def login(session: Session, req: Login) -> Event:
    if session.user is not None:
        raise ChatError(Errno.ALREADY_LOGGED_IN, "already logged in: log out first")
    _check_lock(session)  # an account's lock binds its password, not its resume tokens
    server = session.server
    user = await (_by_token(session, req) if req.token is not None else _by_password(session, req))

    dialect = req.dialect
    v2 = dialect is Dialect.V2
    session.mailbox = mailbox = Mailbox(session, user.id)  # holds deliveries until the ack
    if not await server.bus.attach(user.id, mailbox.deliver):
        session.mailbox = None
        raise ChatError(Errno.ALREADY_ONLINE, ALREADY_ONLINE)
    session.user = user
    server.logged_in += 1
    log.debug("logged in as %r", user.name)
    # Spent only once the login has succeeded: a refused one keeps its token.
    spent = token_hash(req.token) if req.token is not None else None
    try:
        first = await first_pages(server, user.id, dialect)
        friend_ids = await server.storage.friend_ids(user.id)
        page = server.config.sync_page
        after = req.last if v2 else None
        pending = await server.storage.pending(user.id, after, page + 1)
        if after is not None and not pending.deliveries:
            await checks.within_log(server.storage, user.id, after, "last")
        token = None
        if v2:  # the next token replaces the spent one at once
            token, session.token_hash = new_token()
            expires = server.now_ms() + int(server.config.resume_token_ttl * 1000)
            await server.storage.save_token(
                session.token_hash, user.id, expires, server.now_ms(), replacing=spent
            )
        elif spent is not None:
            await server.storage.drop_token(spent)
    except BaseException:
        await leave(session, announce=False)
        raise
    session.friend_ids = set(friend_ids)
    server.tally.logins += 1
    ack = replace(
        first,
        id=user.id,
        name=user.name,
        offlinemsg=tuple(chat_events(pending.deliveries[:page])),
        last=pending.after if v2 else None,
        token=token,
        more=len(pending.deliveries) > page,
        max_frame=server.config.max_frame if v2 else None,
        rid=req.rid,
    )
    ack = fit_login(ack, login_budget(server.config), dialect)
    mailbox.sent.restart(pending.after)
    for message in ack.offlinemsg:
        mailbox.sent.add(message.seq)  # legacy: delivered once the ack has left (release)
    if ack.more:
        mailbox.deliver(DOORBELL)  # held until the ack is out; the rest follows, paced
    await announce_presence(server, user, session.friend_ids, online=True)
    return ack


async def logout(session: Session, req: Logout) -> Event:
    me = checks.me(session, req.id)
    storage = session.server.storage
    if req.all:  # every device's resume token, this one's with them
        await storage.drop_tokens(me.id)
    elif session.token_hash is not None:
        await storage.drop_token(session.token_hash)
    session.token_hash = None
    await leave(session)
    return Ack(MsgId.LOGOUT, rid=req.rid)


async def change_password(session: Session, req: ChangePassword) -> Event:
    """Checks the current password as a login would (failures count towards the same
    locks), then sets the new one and revokes every resume token of the account; this
    connection gets its next token in the ACK."""
    me = checks.me(session, None)
    server = session.server
    checks.password(req.new, server.config.max_password_chars)
    user = await server.storage.user_by_id(me.id)
    stored = user.password_hash if user else server.decoy_hash
    _check_lock(session, me.id)
    checking = server.hashing.verify(req.password, stored)  # or errno 16 now, uncounted
    server.logins.failed(session.host, me.id)
    if not await checking or user is None:
        raise ChatError(Errno.BAD_CREDENTIALS, "the current password is not that")
    server.logins.succeeded(session.host, me.id)
    new_hash = await server.hashing.hash(req.new, server.config.hash_cost)
    await server.storage.set_password(me.id, new_hash)
    session.user = User(me.id, me.name, new_hash)
    session.token_hash = token = None
    if session.dialect is Dialect.V2:
        token, session.token_hash = new_token()
        expires = server.now_ms() + int(server.config.resume_token_ttl * 1000)
        await server.storage.save_token(session.token_hash, me.id, expires, server.now_ms())
    return Ack(MsgId.PASSWORD, rid=req.rid, token=token)


async def leave(session: Session, *, announce: bool = True) -> None:
    """Logs the user out of this connection: offline on the bus, friends told; what was
    held for them is in the log for their next login."""
    if session.user is None:
        return
    log.debug("logging out")  # while the lines still name the user
    user, session.user = session.user, None
    session.server.logged_in -= 1
    session.anonymous_since = asyncio.get_running_loop().time()
    if session.mailbox is not None:
        session.mailbox.close()
        session.mailbox = None
    await session.server.bus.detach(user.id)
    if announce:
        await announce_presence(session.server, user, session.friend_ids, online=False)
    session.friend_ids = set()


def ping(session: Session, req: Ping) -> Event:
    return Pong(rid=req.rid)
