"""Logging in: by password (a new device, or the account's legacy device) or by resume
token (the device it was handed to); the session attached to the bus, its first pages and
what waits for it in the LOGIN_ACK."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from chatapp.protocol import DeviceInfo, Dialect, Errno, Event, Login, LoginAck, fit_login

from ..bus import DOORBELL
from ..chats import chat_events
from ..errors import ChatError
from ..mailbox import Mailbox
from ..presence import announce_presence
from ..storage import Opened, Pending, TokenSpent
from ..tokens import new_token, token_hash
from . import checks, devices
from .accounts import ALREADY_ONLINE, by_password, by_token, check_lock, leave
from .snapshot import FirstPages, first_pages, login_budget

if TYPE_CHECKING:
    from ..session import Session

log = logging.getLogger(__name__)


async def login(session: Session, req: Login) -> Event:
    if session.user is not None:
        raise ChatError(Errno.ALREADY_LOGGED_IN, "already logged in: log out first")
    check_lock(session)  # an account's lock binds its password, not its resume tokens
    server = session.server
    if req.token is not None:
        spending = token_hash(req.token)
        if spending in server.resuming:  # one login per token at a time, here
            raise ChatError(Errno.BUSY, "a login with this resume token is under way")
        server.resuming.add(spending)
        try:
            return await _login(session, req)
        finally:
            server.resuming.discard(spending)
    return await _login(session, req)


async def _login(session: Session, req: Login) -> Event:
    server = session.server
    v2 = req.dialect is Dialect.V2
    opened: Opened | None = None  # a device this login opened (by password)
    if req.token is not None:
        user, device = await by_token(session, req)
        await devices.take_over(server, user.id, device)
    else:
        user = await by_password(session, req)
        opened = await devices.open_device(session, user, req)
        device = opened.device
    session.mailbox = mailbox = Mailbox(session, user.id, device.id, legacy=not v2)
    # The original's rule for the original's protocol: one session, or none.
    attached = await server.bus.attach(user.id, device.id, mailbox.deliver, exclusive=not v2)
    if not attached.claimed and v2:  # a legacy console holds the account: this one wins
        attached = await devices.take_over_console(server, user.id, device, mailbox.deliver)
    if not attached.claimed:
        session.mailbox = None
        raise ChatError(Errno.ALREADY_ONLINE, ALREADY_ONLINE)
    session.user, session.device = user, device
    server.logged_in += 1
    log.debug("logged in as %r on device %d", user.name, device.id)
    try:
        first, pending, token = await _session_opened(session, req, opened)
    except BaseException:
        await leave(session, announce=False)
        raise
    server.tally.logins += 1
    ack = _ack(session, req, first, pending, token)
    if attached.first:  # a friend sees the user online once, however many devices
        await announce_presence(server, user, session.friend_ids, online=True)
    return ack


async def _session_opened(
    session: Session, req: Login, opened: Opened | None
) -> tuple[FirstPages, Pending, str | None]:
    """The login's reads and writes once attached: its first pages, its devices (the
    others told of a new one), what waits for it, its next token (current protocol)."""
    server, user, device = session.server, session.user, session.device
    assert user is not None and device is not None
    v2 = req.dialect is Dialect.V2
    # Spent only once the login has succeeded: a refused one keeps its token.
    spent = token_hash(req.token) if req.token is not None else None
    first = await first_pages(server, user.id, req.dialect)
    friend_ids = first.friend_ids
    if friend_ids is None:
        friend_ids = set(await server.storage.friend_ids(user.id))
    session.friend_ids = friend_ids
    session.devices = set(await server.storage.device_ids(user.id))
    if opened is not None:
        await devices.opened(session, user, device, opened)
    page = server.config.sync_page
    after = req.last if v2 and req.last is not None else device.acked_seq
    pending = await server.storage.pending(user.id, after, page + 1)
    # A position at or below the device's own is one it was given: no need to look.
    if v2 and after > device.acked_seq and not pending.deliveries:
        await checks.within_log(server.storage, user.id, after, "last")
    token = None
    now = server.now_ms()
    resumed = opened is None  # by token: seen now, from here
    if not session.alive:  # it waited on storage, and its client gave up meanwhile
        raise ChatError(Errno.UNAVAILABLE, "the connection closed during the login")
    if v2:  # the next token replaces the spent one at once, the device seen with it
        token, session.token_hash = new_token()
        expires = now + int(server.config.resume_token_ttl * 1000)
        try:
            await server.storage.save_token(
                session.token_hash,
                device,
                expires,
                now,
                replacing=spent,
                max_tokens=server.config.max_device_tokens,
                seen_from=session.host if resumed else None,
            )
        except TokenSpent:
            session.token_hash = None
            log.info("login refused: its resume token was spent by another login meanwhile")
            raise ChatError(Errno.BAD_CREDENTIALS, "resume token is invalid or expired") from None
    else:
        if spent is not None:
            await server.storage.drop_token(spent)
        if resumed:
            await server.storage.touch_device(device.id, now, session.host)
    return first, pending, token


def _ack(
    session: Session, req: Login, first: FirstPages, pending: Pending, token: str | None
) -> LoginAck:
    """The LOGIN_ACK: the first pages, and the first page of what waits, cut to fit; the
    mailbox counts what it holds as sent, and rings for the rest. A legacy client is not
    shown the user's own chats (the original knew no other devices), which count as sent
    all the same."""
    server, mailbox, user, device = session.server, session.mailbox, session.user, session.device
    assert mailbox is not None and user is not None and device is not None
    page = server.config.sync_page
    events = chat_events(pending.deliveries[:page])
    shown = [e for e in events if e.id != user.id] if mailbox.legacy else events
    v2 = not mailbox.legacy
    ack = LoginAck(
        id=user.id,
        name=user.name,
        friends=first.friends,
        groups=first.groups,
        offlinemsg=tuple(shown),
        last=pending.after if v2 else None,
        token=token,
        more=len(pending.deliveries) > page,
        more_friends=first.more_friends,
        more_groups=first.more_groups,
        max_frame=server.config.max_frame if v2 else None,
        requests=first.requests,
        device=DeviceInfo(device.id, device.name) if v2 else None,
        rid=req.rid,
    )
    ack = fit_login(ack, login_budget(server.config), Dialect.V2 if v2 else Dialect.LEGACY)
    mailbox.sent.restart(pending.after)
    kept = ack.offlinemsg
    top = kept[-1].seq if kept else 0
    for message in events if len(kept) == len(shown) else (e for e in events if e.seq <= top):
        mailbox.sent.add(message.seq)  # legacy: delivered once the ack has left (release)
    if ack.more:
        mailbox.deliver(DOORBELL)  # held until the ack is out; the rest follows, paced
    return ack
