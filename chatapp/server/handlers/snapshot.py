"""The login's snapshot: the first page of the user's friends and groups, and the first
deliveries, cut so that the login ack fits in one frame."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from chatapp.protocol import (
    LOGIN_FRAME,
    OFFLINE,
    ONLINE,
    Dialect,
    FriendInfo,
    GroupInfo,
    RequestCounts,
)

from ..presence import states
from ..storage import Member
from . import checks
from .friends import legacy_friends

if TYPE_CHECKING:
    from ..app import ChatServer
    from ..config import Config

_SMALLEST_LEGACY_MEMBER = 64
"""No member takes fewer bytes of a legacy login ack: its record is JSON text in a string
of the group's JSON text, itself in a string."""
_LEAST_MEMBERS = 8
"""Members read, at least, for each group of a legacy login ack."""


class FirstPages(NamedTuple):
    """What a login ack lists of the user's friends and groups."""

    friends: tuple[FriendInfo, ...]
    more_friends: bool
    groups: tuple[GroupInfo, ...]
    more_groups: bool
    requests: RequestCounts | None
    friend_ids: set[int] | None
    """Every friend's id, where the first page holds them all (None: ask storage)."""


def login_budget(config: Config) -> int:
    """The longest login ack: no longer than the server's frames, nor than what every
    client accepts before it knows that limit."""
    return min(config.max_frame, LOGIN_FRAME)


async def first_pages(server: ChatServer, user_id: int, dialect: Dialect) -> FirstPages:
    """The first page of the user's friends, with their presence, and of their groups,
    with their counts (and, for the legacy dialect, their first members);
    `more_friends` and `more_groups` say where there are more. A legacy client
    lists the users it asked to be friends among them, offline until they accept; a
    current one has the counts of friend requests instead."""
    page, storage = server.config.list_page, server.storage
    asked: set[int] = set()
    counts = None
    if dialect is Dialect.LEGACY:
        friends, asked = await legacy_friends(storage, user_id, page)
    else:
        friends = await storage.friends(user_id, None, page + 1)
        found = await storage.request_counts(user_id)
        counts = RequestCounts(found.incoming, found.outgoing)
    groups = await storage.groups_of(user_id, None, page + 1)
    members: dict[int, list[Member]] = {}
    if dialect is Dialect.LEGACY and groups:
        # As many as the ack could hold, in all: the original listed every member.
        most = login_budget(server.config) // _SMALLEST_LEGACY_MEMBER
        each = max(_LEAST_MEMBERS, most // len(groups[:page]))
        members = await storage.first_members([g.id for g in groups[:page]], each)
    everyone = [f.id for f in friends[:page]] + [m.id for g in members.values() for m in g]
    state = await states(server, everyone)
    state[user_id] = ONLINE
    shown = {**state, **dict.fromkeys(asked, OFFLINE)}  # no presence before they accept
    # A current client's friends are the accepted ones only: all of them, where one page
    # holds them, which spares the login a query.
    whole = dialect is Dialect.V2 and len(friends) <= page
    return FirstPages(
        friends=tuple(FriendInfo(f.id, f.name, shown[f.id]) for f in friends[:page]),
        more_friends=len(friends) > page,
        groups=tuple(checks.group_info(g, members.get(g.id, ()), state) for g in groups[:page]),
        more_groups=len(groups) > page,
        requests=counts,
        friend_ids={f.id for f in friends} if whole else None,
    )
