"""Accounts and sessions: register, log in (password or resume token), log out, ping."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Hashable
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
)

from ..errors import ChatError
from ..limits import retry_text
from ..presence import announce_presence
from ..storage import Device, NameTaken, User
from ..text import skeleton
from ..tokens import new_token, token_hash
from . import checks, devices

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


def check_lock(session: Session, account: Hashable | None = None) -> None:
    """Refuses, before any hashing, a login from a locked address or to a locked account."""
    wait = session.server.logins.locked_for(session.host, account)
    if wait > 0:
        raise ChatError(Errno.LOGIN_LOCKED, f"too many failed logins: retry in {retry_text(wait)}")


async def by_password(session: Session, req: Login) -> User:
    storage = session.server.storage
    user = await (storage.user_by_id(req.id) if req.id is not None else
                  storage.user_by_name(req.name or ""))  # fmt: skip
    # Unknown accounts lock too, so that locking does not tell which accounts exist.
    account = user.id if user else req.id if req.id is not None else ("name", req.name)
    check_lock(session, account)
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


async def by_token(session: Session, req: Login) -> tuple[User, Device]:
    """The user and the device a resume token resumes."""
    server = session.server
    found = await server.storage.device_by_token(token_hash(req.token or ""), server.now_ms())
    if found is None or (req.id is not None and req.id != found[0].id):
        server.logins.failed(session.host)
        log.info("login refused: resume token invalid or expired")
        raise ChatError(Errno.BAD_CREDENTIALS, "resume token is invalid or expired")
    _check_enabled(found[0])  # disabling revokes the tokens; this covers a login racing it
    return found


def _check_enabled(user: User) -> None:
    """Refuses an account an operator disabled (chatapp-admin users disable), read from
    storage at each login, so a running server honours it at once."""
    if user.disabled:
        raise ChatError(Errno.ACCOUNT_DISABLED, DISABLED)


async def logout(session: Session, req: Logout) -> Event:
    me = checks.me(session, req.id)
    storage = session.server.storage
    if req.all:  # every device, this one with them, and their resume tokens
        await devices.end_everywhere(session, me)
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
    check_lock(session, me.id)
    checking = server.hashing.verify(req.password, stored)  # or errno 16 now, uncounted
    server.logins.failed(session.host, me.id)
    if not await checking or user is None:
        raise ChatError(Errno.BAD_CREDENTIALS, "the current password is not that")
    server.logins.succeeded(session.host, me.id)
    new_hash = await server.hashing.hash(req.new, server.config.hash_cost)
    await server.storage.set_password(me.id, new_hash)
    session.user = User(me.id, me.name, new_hash)
    session.token_hash = token = None
    if session.dialect is Dialect.V2 and session.device is not None:
        token, session.token_hash = new_token()
        expires = server.now_ms() + int(server.config.resume_token_ttl * 1000)
        await server.storage.save_token(
            session.token_hash,
            session.device,
            expires,
            server.now_ms(),
            max_tokens=server.config.max_device_tokens,
        )
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
    mailbox, session.mailbox = session.mailbox, None
    if mailbox is None:  # never attached (a refused login)
        session.friend_ids = set()
        return
    mailbox.close()
    gone = await session.server.bus.detach(user.id, mailbox.device_id, mailbox.deliver)
    if announce and gone:  # the user's last session anywhere
        await announce_presence(session.server, user, session.friend_ids, online=False)
    session.friend_ids = set()


def ping(session: Session, req: Ping) -> Event:
    return Pong(rid=req.rid)
