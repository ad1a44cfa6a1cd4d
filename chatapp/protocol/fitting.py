"""Byte budgets: how much of a list fits in a frame, so that nothing sent outgrows the limit.

Sizes are those of the compact JSON text (without the newline that ends a frame), the
length the receiving FrameSplitter compares with its limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

import orjson

from .accounts import LoginAck
from .chats import Chat, ChatMessage
from .codes import Dialect, MsgId
from .devices import DeviceInfo
from .events import Ack, PageItem, page_item
from .fields import MAX_RID_LENGTH
from .framing import DEFAULT_MAX_FRAME
from .friends import RequestCounts
from .parts import FriendInfo, GroupInfo, Wire

LOGIN_FRAME = DEFAULT_MAX_FRAME
"""Every client accepts frames this long until its LOGIN_ACK, which is no longer and which
announces (`max_frame`) the limit of everything after it."""

_LARGEST = (1 << 63) - 1
_LONGEST_RID = "\0" * MAX_RID_LENGTH  # each escaped as \u0000: the longest rid on the wire
_PAGE = Ack(MsgId.HISTORY, rid=_LONGEST_RID, messages=(), more=True)


def size(obj: object) -> int:
    """The bytes of `obj` as JSON text."""
    return len(orjson.dumps(obj))


def fitting(sizes: Iterable[int], budget: int) -> int:
    """How many leading items fit in `budget` bytes of a list, each taking its size and a
    comma (one byte more than the list needs: a bound, not an estimate)."""
    count = used = 0
    for item in sizes:
        used += item + 1
        if used > budget:
            break
        count += 1
    return count


def fit(envelope: Wire, items: Sequence[Wire], budget: int) -> int:
    """How many leading `items` fit in the list that `envelope` holds empty, so that the
    whole is at most `budget` bytes."""
    return fitting(map(size, items), budget - size(envelope))


def shares(wants: Sequence[int], budget: int) -> list[int]:
    """Splits `budget` bytes among lists that want `wants`: each gets what it wants or an
    equal share of what the smaller ones leave, whichever is less."""
    given = [0] * len(wants)
    left = budget
    smallest_first = sorted(range(len(wants)), key=wants.__getitem__)
    for done, index in enumerate(smallest_first):
        given[index] = min(wants[index], left // (len(wants) - done))
        left -= given[index]
    return given


def page_frame(chat: Chat) -> int:
    """The longest frame that can carry `chat`: with the largest sequence number, alone in
    a SYNC or HISTORY page that answers the longest request id."""
    return size(_PAGE.to_wire()) + size(replace(chat, seq=_LARGEST).to_wire())


_CHAT_AROUND = page_frame(ChatMessage(_LARGEST, "", _LARGEST, "", "0" * 19, _LARGEST, _LARGEST))


def page_frame_bound(text: str, name: str) -> int:
    """At least `page_frame` of a chat of `text` from `name` (a character takes at most
    six bytes of JSON), without encoding it: a short chat needs no more."""
    return 6 * (len(text) + len(name)) + _CHAT_AROUND


def cut_page(
    reply: Ack,
    key: str,
    found: Sequence[PageItem],
    *,
    limit: int,
    budget: int,
    dialect: Dialect = Dialect.V2,
) -> Ack:
    """`reply` with, under `key`, as many of `found` as `limit` allows and a frame of
    `budget` bytes holds, and `more` where any are left. A page holds at least one item,
    so that paging always advances."""
    items = found[:limit]
    empty: dict[str, Any] = {key: ()}
    envelope = replace(reply, more=True, **empty).to_wire(dialect)
    count = fit(envelope, [page_item(item, dialect) for item in items], budget)
    count = max(count, min(1, len(items)))
    page: dict[str, Any] = {key: tuple(found[:count])}
    return replace(reply, more=len(found) > count, **page)


_LEGACY_LISTS = sum(len(f',"{key}":[]') for key in ("friends", "groups", "offlinemsg"))


def fit_login(ack: LoginAck, budget: int, dialect: Dialect) -> LoginAck:
    """`ack` with its lists cut so that it takes at most `budget` bytes: the three share
    the room (`shares`); what is cut from a list sets its flag (`more_friends`,
    `more_groups`, `more`). In the legacy dialect each group keeps as many members as fit."""
    if dialect is Dialect.V2 and _login_bound(ack) <= budget:
        return ack  # a current login with nothing waiting: all of it fits, no encoding
    if size(ack.to_wire(dialect)) <= budget:
        return ack  # almost every other login: all of it fits, as one encoding tells
    legacy = dialect is Dialect.LEGACY
    empty = replace(ack, friends=(), groups=(), offlinemsg=(), more=True)
    envelope = replace(empty, more_friends=True, more_groups=True).to_wire(dialect)
    room = budget - size(envelope) - (_LEGACY_LISTS if legacy else 0)
    friends = [_element(f.to_wire(), legacy) for f in ack.friends]
    groups = [_element(g.to_wire(dialect), legacy) for g in ack.groups]
    offline = [_element(m.to_wire(dialect), legacy) for m in ack.offlinemsg]
    wants = [sum(sizes) + len(sizes) for sizes in (friends, groups, offline)]
    for_friends, for_groups, for_offline = shares(wants, room)
    kept_friends = fitting(friends, for_friends)
    kept_groups = (
        _legacy_groups(ack.groups, for_groups)
        if legacy
        else ack.groups[: fitting(groups, for_groups)]
    )
    kept_offline = fitting(offline, for_offline)
    return replace(
        ack,
        friends=ack.friends[:kept_friends],
        more_friends=ack.more_friends or kept_friends < len(friends),
        groups=kept_groups,
        more_groups=ack.more_groups or len(kept_groups) < len(groups),
        offlinemsg=ack.offlinemsg[:kept_offline],
        more=ack.more or kept_offline < len(offline),
    )


_DIGITS = 20
"""No number a message carries takes more bytes of JSON (orjson encodes 64 bits at most)."""
# The bytes around what varies: each field and list present, each number one digit, each
# text empty; a number's other digits and a text's characters (at most six bytes each,
# escaped) are added to these.
_ACK_AROUND = size(
    LoginAck(
        id=0, name="", last=0, token="", more=True, more_friends=True, more_groups=True,
        max_frame=0, requests=RequestCounts(0, 0), device=DeviceInfo(0, ""), rid="",
    ).to_wire()
) + 6 * (_DIGITS - 1)  # fmt: skip
_FRIEND_AROUND = size(FriendInfo(0, "", "").to_wire()) + (_DIGITS - 1) + 1  # and a comma
_GROUP_AROUND = size(GroupInfo(0, "", "", (), 0, False, "").to_wire()) + 2 * (_DIGITS - 1) + 1


def _login_bound(ack: LoginAck) -> int:
    """At least the bytes of a successful current-protocol ack without offline messages,
    counted without encoding it; past the largest frame otherwise (not a bound then)."""
    if ack.errno or ack.offlinemsg:
        return _LARGEST
    rid = ack.rid
    texts = len(ack.name) + len(ack.token or "") + (len(ack.device.name) if ack.device else 0)
    total = _ACK_AROUND + 6 * texts + (6 * len(rid) if isinstance(rid, str) else _DIGITS)
    for friend in ack.friends:
        total += _FRIEND_AROUND + 6 * (len(friend.name) + len(friend.state))
    for group in ack.groups:
        texts = len(group.groupname) + len(group.groupdesc) + len(group.history)
        total += _GROUP_AROUND + 6 * texts
    return total


def _element(wire: Wire, legacy: bool) -> int:
    """The bytes of an item of a login ack's list: in the legacy dialect, JSON text in a
    string."""
    return size(orjson.dumps(wire).decode() if legacy else wire)


def _legacy_groups(groups: Sequence[GroupInfo], budget: int) -> tuple[GroupInfo, ...]:
    """As many groups as fit without members, then as many members in each as fit: the
    room beyond the bare groups is shared among them (`shares`)."""
    bare = [_legacy_size(replace(group, users=())) for group in groups]
    count = fitting(bare, budget)
    bare, kept = bare[:count], groups[:count]
    wants = [_legacy_size(group) - alone for group, alone in zip(kept, bare, strict=True)]
    extra = shares(wants, budget - sum(bare) - count)
    return tuple(_fewer_members(group, bare[i] + extra[i]) for i, group in enumerate(kept))


def _legacy_size(group: GroupInfo) -> int:
    return _element(group.to_wire(Dialect.LEGACY), legacy=True)


def _fewer_members(group: GroupInfo, room: int) -> GroupInfo:
    """`group` with as many of its first members as fit its legacy element in `room`."""
    low, high = 0, len(group.users)  # `low` members fit; more than `high` do not
    while low < high:
        middle = (low + high + 1) // 2
        if _legacy_size(replace(group, users=group.users[:middle])) <= room:
            low = middle
        else:
            high = middle - 1
    return replace(group, users=group.users[:low])
