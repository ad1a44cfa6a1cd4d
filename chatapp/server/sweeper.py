"""The sweeper: the connections that went quiet are closed."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from chatapp.protocol import Dialect, Errno, Error

from .logs import about
from .storage import StorageError

if TYPE_CHECKING:
    from .app import ChatServer

log = logging.getLogger(__name__)


async def sweep_idle(server: ChatServer) -> None:
    """Closes, every few seconds, the connections that went quiet: without a login for
    `--login-timeout`, or (current protocol, logged in) silent for `--idle-timeout`."""
    limit, login = server.config.idle_timeout, server.config.login_timeout
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(min(5.0, *(t / 3 for t in (limit, login) if t > 0)))
        now = loop.time()
        for session in list(server.sessions):
            if 0 < login < now - session.anonymous_since and session.user is None:
                with about(session):
                    log.info("no login within %g s: closing", login)
                session.send(Error(Errno.NOT_LOGGED_IN, f"log in within {login:g} s"))
                session.close()
                continue
            # Legacy clients cannot PING; TCP keepalive finds their dead peers. Before a
            # login only the deadline above applies: the original console client connects
            # first and then waits, silent, for a person at its menu.
            pings = session.user is not None and session.dialect is not Dialect.LEGACY
            if 0 < limit < now - session.last_heard and pings:
                with about(session):
                    log.info("silent for %.0f s: closing", limit)
                session.close()


ENDED = "the server's operator ended this session"


async def sweep_ended(server: ChatServer) -> None:
    """Every `--ended-poll` seconds, what an operator did since the last look
    (chatapp-admin): this instance's connections of the users whose sessions were ended
    (disable, end-sessions, delete) are told with ERROR errno 4 and closed; a client that
    logs in again finds its tokens revoked, and a disabled account refused. The members
    kept in memory of a deleted group are forgotten, and of every group where a user was
    ended (a deleted user has left them all)."""
    period = server.config.ended_poll
    if period <= 0:
        return
    users: int | None = None
    groups: int | None = None
    while True:
        try:
            if users is None or groups is None:
                [(_, users)] = await server.storage.ended_after(None)
                [(_, groups)] = await server.storage.groups_ended_after(None)
            ended = await server.storage.ended_after(users)
            for user_id, number in ended:
                users = max(users, number)
                _close_sessions_of(server, user_id)
            for group_id, number in await server.storage.groups_ended_after(groups):
                groups = max(groups, number)
                server.groups.forget(group_id)
            if ended:
                server.groups.clear()  # read again when next needed: rare, and safe
        except StorageError as exc:  # looked at again next time
            log.warning("cannot look for what the operator ended: %s", exc)
        await asyncio.sleep(period)


def _close_sessions_of(server: ChatServer, user_id: int) -> None:
    for session in list(server.sessions):
        if session.user is not None and session.user.id == user_id:
            with about(session):
                log.info("its sessions were ended by the operator: closing")
            session.send(Error(Errno.NOT_LOGGED_IN, ENDED))
            session.close()
