"""Byte budgets: pages and login acks cut to fit a frame, whatever their items hold, and the
client's frame limit raised by the login ack that announces it."""

from __future__ import annotations

import orjson
from hypothesis import given
from hypothesis import strategies as st

from chatapp.protocol import (
    LOGIN_FRAME,
    Ack,
    ChatMessage,
    ClientConnection,
    Dialect,
    FriendInfo,
    GroupInfo,
    GroupMessage,
    LoginAck,
    MemberInfo,
    MsgId,
    cut_page,
    encode,
    fit_login,
    fitting,
    page_frame,
    page_frame_bound,
    shares,
)
from chatapp.protocol.devices import DeviceInfo
from chatapp.protocol.fitting import _login_bound
from chatapp.protocol.friends import RequestCounts

# Text that grows when encoded: escapes, multi-byte characters, control characters.
TEXT = st.text(st.sampled_from('a"\\\x01é中😀\n'), max_size=40)
NAMES = st.text(st.sampled_from('ab"\\é😀'), min_size=1, max_size=12)
IDS = st.integers(1, 2**53)

friends = st.builds(FriendInfo, IDS, NAMES, st.sampled_from(["online", "offline"]))
members = st.builds(MemberInfo, IDS, NAMES, st.sampled_from(["online"]), st.just("normal"))
groups = st.builds(
    GroupInfo, IDS, NAMES, TEXT, st.lists(members, max_size=30).map(tuple), st.integers(0, 9)
)
chats = st.one_of(
    st.builds(ChatMessage, IDS, NAMES, IDS, TEXT, st.just("2026-01-01 00:00:00"), IDS, IDS, IDS),
    st.builds(GroupMessage, IDS, NAMES, IDS, TEXT, st.just("2026-01-01 00:00:00"), IDS, IDS, IDS),
)
DIALECTS = st.sampled_from([Dialect.LEGACY, Dialect.V2])


def frame_size(event: Ack | LoginAck, dialect: Dialect) -> int:
    data = encode(event, dialect)
    assert data is not None
    return len(data) - 1  # without the newline that ends it, as the splitter counts


def test_fitting_counts_the_items_and_their_commas() -> None:
    assert fitting([3, 3, 3], 8) == 2
    assert fitting([3, 3, 3], 7) == 1
    assert fitting([3], 3) == 0
    assert fitting([], 100) == 0


def test_shares_give_small_lists_what_they_want_and_split_the_rest() -> None:
    assert shares([10, 500, 500], 310) == [10, 150, 150]
    assert shares([10, 20, 30], 1000) == [10, 20, 30]
    assert shares([0, 0, 900], 300) == [0, 0, 300]
    assert shares([100, 100, 100], 100) == [33, 33, 34]


@given(
    st.sampled_from(["messages", "friends", "groups", "members"]),
    st.data(),
    st.integers(1, 40),
    st.integers(200, 3000),
    DIALECTS,
)
def test_a_page_fits_its_budget_holds_one_item_at_least_and_says_when_more_remain(
    key: str, data: st.DataObject, limit: int, budget: int, dialect: Dialect
) -> None:
    items = data.draw(
        st.lists({"messages": chats, "friends": friends, "groups": groups, "members": members}[key])
    )
    page = cut_page(
        Ack(MsgId.SYNC, rid="r"), key, items, limit=limit, budget=budget, dialect=dialect
    )
    held = getattr(page, key)
    assert list(held) == items[: len(held)]
    assert len(held) <= limit
    assert page.more == (len(held) < len(items))
    if len(held) > 1:
        assert frame_size(page, dialect) <= budget
    if items:
        assert held  # paging always advances


@given(
    friend_list=st.lists(friends, max_size=40),
    group_list=st.lists(groups, max_size=10),
    chat_list=st.lists(chats, max_size=40),
    budget=st.integers(300, 6000),
    dialect=DIALECTS,
    more=st.booleans(),
)
def test_a_login_ack_fits_its_budget_and_flags_what_it_cut(
    *,
    friend_list: list[FriendInfo],
    group_list: list[GroupInfo],
    chat_list: list[ChatMessage | GroupMessage],
    budget: int,
    dialect: Dialect,
    more: bool,
) -> None:
    full = LoginAck(
        id=7,
        name="zhang san",
        friends=tuple(friend_list),
        groups=tuple(group_list),
        offlinemsg=tuple(chat_list),
        last=3,
        token="t" * 43,
        more=more,
        max_frame=1 << 20,
        rid="login",
    )
    ack = fit_login(full, budget, dialect)
    assert frame_size(ack, dialect) <= budget
    assert ack.friends == full.friends[: len(ack.friends)]
    assert ack.offlinemsg == full.offlinemsg[: len(ack.offlinemsg)]
    assert ack.more_friends == (len(ack.friends) < len(full.friends))
    assert ack.more_groups == (len(ack.groups) < len(full.groups))
    assert ack.more == (more or len(ack.offlinemsg) < len(full.offlinemsg))
    assert [g.id for g in ack.groups] == [g.id for g in full.groups[: len(ack.groups)]]
    for kept, whole in zip(ack.groups, full.groups, strict=False):
        assert kept.users == whole.users[: len(kept.users)]


@given(
    friend_list=st.lists(friends, max_size=20),
    group_list=st.lists(groups, max_size=10),
    name=NAMES,
    token=st.one_of(st.none(), TEXT),
    rid=st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1), TEXT),
    number=st.integers(0, 2**63 - 1),
    flags=st.booleans(),
)
def test_the_quick_bound_of_a_login_ack_without_chats_is_never_below_its_size(
    *,
    friend_list: list[FriendInfo],
    group_list: list[GroupInfo],
    name: str,
    token: str | None,
    rid: int | str | None,
    number: int,
    flags: bool,
) -> None:
    ack = LoginAck(
        id=number,
        name=name,
        friends=tuple(friend_list),
        groups=tuple(group_list),
        last=number if flags else None,
        token=token,
        more=flags,
        more_friends=flags,
        more_groups=not flags,
        max_frame=number,
        requests=RequestCounts(number, number) if flags else None,
        device=DeviceInfo(number, name) if flags else None,
        rid=rid,
    )
    assert frame_size(ack, Dialect.V2) <= _login_bound(ack)


def test_the_legacy_login_ack_shares_room_between_groups_members() -> None:
    crowd = tuple(MemberInfo(n, f"member{n}", "online", "normal") for n in range(1, 2000))
    big, small = GroupInfo(1, "big", "", crowd, 1999), GroupInfo(2, "small", "", crowd[:3], 3)
    ack = fit_login(LoginAck(id=1, name="a", groups=(big, small)), LOGIN_FRAME, Dialect.LEGACY)
    assert frame_size(ack, Dialect.LEGACY) <= LOGIN_FRAME
    assert ack.groups[1] == small  # the small group is whole; the big one gets what is left
    assert 300 < len(ack.groups[0].users) < 1999


@given(TEXT, NAMES, IDS)
def test_the_quick_bound_of_a_chats_frame_is_never_below_the_exact_one(
    text: str, name: str, target: int
) -> None:
    chat = GroupMessage(2**53, name, target, text * 50, "2026-01-01 00:00:00", 2**53, 2**45)
    assert page_frame(chat) <= page_frame_bound(chat.msg, chat.name)
    alone = Ack(MsgId.HISTORY, rid="\0" * 64, messages=(chat,), more=True)
    assert frame_size(alone, Dialect.V2) <= page_frame(chat)


def frame(obj: dict[str, object]) -> bytes:
    return orjson.dumps(obj) + b"\n"


def test_the_client_accepts_longer_frames_once_the_login_ack_announces_them() -> None:
    long = ChatMessage(2, "b", 1, "x" * (LOGIN_FRAME + 10), "2026-01-01 00:00:00", 5, 6, 1)
    chat = frame(long.to_wire())
    before = ClientConnection()
    assert before.receive(chat) == []
    assert before.overflowed
    ack = frame({"errno": 0, "id": 1, "msgid": 2, "name": "a", "max_frame": 1 << 20})
    after = ClientConnection()
    # In the same read as the ack: the limit changes between the two frames.
    events = after.receive(ack + chat)
    assert not after.overflowed
    assert events[1] == long
    assert after.max_frame == 1 << 20
    assert after.receive(frame({**long.to_wire(), "msg": "x" * (1 << 20)})) == []
    assert after.overflowed


def test_a_refused_login_raises_no_limit_and_none_goes_above_the_ceiling() -> None:
    conn = ClientConnection()
    conn.receive(frame({"errno": 1, "errmsg": "no", "msgid": 2, "max_frame": 1 << 20}))
    assert conn.max_frame == LOGIN_FRAME
    conn.receive(frame({"errno": 0, "id": 1, "msgid": 2, "name": "a", "max_frame": 1 << 40}))
    assert conn.max_frame == 16 * 1024 * 1024
    conn = ClientConnection()
    conn.receive(frame({"errno": 0, "id": 1, "msgid": 2, "name": "a", "max_frame": 1000}))
    assert conn.max_frame == LOGIN_FRAME  # never lowered: the ack itself was that long
