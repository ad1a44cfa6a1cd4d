"""USERS and CONVERSATIONS: finding people by name or id, and the user's conversations."""

from __future__ import annotations

import asyncio
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from chatapp.protocol import (
    Ack,
    ConversationInfo,
    Conversations,
    Errno,
    Event,
    FindUsers,
    MsgId,
    PageItem,
    UserInfo,
    cut_page,
)

from ..chats import chat_event
from ..errors import ChatError
from ..limits import TokenBucket
from ..storage import ConversationRow, Kind, User
from . import checks

if TYPE_CHECKING:
    from ..session import Session


EXACT_COST = 0.25
"""What a look-up by exact name or id takes of the connection's search bucket: they find
anybody, so walking every id for names (findable or not) is slowed down too."""


async def find_users(session: Session, req: FindUsers) -> Event:
    """One user by exact name or id (anybody), or a page of those whose names start with
    a prefix (only the findable); rate limited per connection, an exact look-up costing a
    quarter of a search."""
    checks.me(session, None)
    config = session.server.config
    storage = session.server.storage
    reply = Ack(MsgId.USERS, rid=req.rid)
    if req.prefix is None:
        throttle(session, "search", config.search_rate, config.search_burst, EXACT_COST)
        user = await _exactly(session, req)
        users = [UserInfo(user.id, user.name)] if user is not None else []
        return page(session, reply, "users", users, 1)
    prefix = unicodedata.normalize("NFC", req.prefix)
    if not config.min_prefix_chars <= len(prefix) <= config.max_name_chars:
        raise ChatError(
            Errno.INVALID_ARGUMENT,
            f"prefix must be {config.min_prefix_chars} to {config.max_name_chars} characters",
        )
    limit = checks.page_size(req.limit, config.users_page, config.users_page)
    throttle(session, "search", config.search_rate, config.search_burst)
    contacts = await storage.users_by_prefix(prefix, limit + 1)
    return page(session, reply, "users", [UserInfo(c.id, c.name) for c in contacts], limit)


async def _exactly(session: Session, req: FindUsers) -> User | None:
    """The user the request names by id, or by name (in NFC, as names are kept)."""
    storage = session.server.storage
    if req.id is not None:
        return await storage.user_by_id(req.id)
    return await storage.user_by_name(unicodedata.normalize("NFC", req.name or ""))


async def conversations(session: Session, req: Conversations) -> Event:
    """A page of the user's conversations, newest first, each with its last message (its
    text cut to the preview's bytes) and unread count."""
    me = checks.me(session, None)
    config = session.server.config
    limit = checks.page_size(req.limit, config.conversations_page, config.conversations_page)
    rows = await session.server.storage.conversations(
        me.id, req.before, limit + 1, config.unread_cap
    )
    infos = [conversation_info(row, config.preview_bytes) for row in rows]
    return page(session, Ack(MsgId.CONVERSATIONS, rid=req.rid), "conversations", infos, limit)


def conversation_info(row: ConversationRow, preview_bytes: int) -> ConversationInfo:
    """A conversation as CONVERSATIONS lists it; a last message longer than `preview_bytes`
    of UTF-8 is cut there (at a character's boundary) and marked `cut`."""
    text = row.last.text
    encoded = text.encode()
    cut = len(encoded) > preview_bytes
    if cut:
        text = encoded[:preview_bytes].decode(errors="ignore")
    last = chat_event(replace(row.last, text=text))
    other = UserInfo(row.other_id, row.other_name)
    if row.conversation.kind is Kind.GROUP:
        return ConversationInfo(None, other, last, row.read, row.unread, cut)
    return ConversationInfo(other, None, last, row.read, row.unread, cut)


def page(session: Session, reply: Ack, key: str, found: Sequence[PageItem], limit: int) -> Ack:
    """`reply` with at most `limit` of `found` (read one beyond, to know whether there is
    more) under `key`, and no more than a frame holds."""
    budget = session.server.config.max_frame
    return cut_page(reply, key, found, limit=limit, budget=budget, dialect=session.dialect)


def throttle(session: Session, name: str, rate: float, burst: float, cost: float = 1.0) -> None:
    """Takes `cost` tokens of the connection's bucket `name` (made on first use, full), or
    refuses the request with errno 14; a rate of 0 sets no limit."""
    if rate <= 0:
        return
    buckets = session.buckets
    if buckets is None:
        buckets = session.buckets = {}
    bucket = buckets.get(name)
    if bucket is None:
        clock = asyncio.get_running_loop().time
        bucket = buckets[name] = TokenBucket(rate, max(1.0, burst), clock)
    if not bucket.take(cost):
        raise ChatError(
            Errno.RATE_LIMITED,
            f"too many (over {rate:g} a second): retry in {bucket.wait():.2f} s",
        )
