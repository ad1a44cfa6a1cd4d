"""The messages of groups with roles, sans I/O: each round-trips, bad fields are refused,
and a legacy client hears no GROUP_EVENT and sees an admin as `normal`."""

from __future__ import annotations

import orjson
import pytest

from chatapp.protocol import (
    Ack,
    CreateGroup,
    Dialect,
    EditGroup,
    Errno,
    Event,
    GroupEvent,
    GroupInfo,
    GroupInvite,
    GroupSettings,
    InviteAnswer,
    InviteInfo,
    Invites,
    LeaveGroup,
    MemberInfo,
    MsgId,
    Person,
    ProtocolError,
    RemoveMember,
    Request,
    SetRole,
    decode_event,
    decode_request,
    encode,
    encode_request,
)

SETTINGS = GroupSettings(1, "g", "d", public=False, history="joined")
REQUESTS: list[Request] = [
    CreateGroup("g", "d", rid=1, public=False, history="joined"),
    CreateGroup("g"),
    GroupInvite(1, 4, rid=2),
    Invites(after=3, limit=10, rid=3),
    Invites(),
    InviteAnswer(1, accept=True, rid=4),
    InviteAnswer(1, accept=False),
    LeaveGroup(1, rid=5),
    RemoveMember(1, 3, rid=6),
    SetRole(1, 2, "admin", rid=7),
    SetRole(1, 2, "member"),
    EditGroup(1, name="g2", desc="", public=True, history="all", rid=8),
    EditGroup(1),
]
EVENTS: list[Event] = [
    GroupEvent(1, "joined", Person(2, "li si", "normal")),
    GroupEvent(1, "removed", Person(3, "w", "admin"), by=Person(1, "z", "creator")),
    GroupEvent(1, "invited", Person(4, "zhao"), by=Person(1, "z", "creator"), group=SETTINGS),
    Ack(MsgId.INVITES, rid=9, invites=(InviteInfo(1, "g", "d", Person(1, "z")),), more=True),
    Ack(MsgId.INVITES, invites=()),
]


@pytest.mark.parametrize("request_", REQUESTS, ids=repr)
def test_every_group_request_round_trips(request_: Request) -> None:
    assert decode_request(encode_request(request_)[:-1]) == request_


@pytest.mark.parametrize("event", EVENTS, ids=repr)
def test_every_group_event_round_trips(event: Event) -> None:
    data = encode(event, Dialect.V2)
    assert data is not None and decode_event(data[:-1]) == event


def test_a_legacy_create_group_makes_a_public_group_with_all_its_history() -> None:
    legacy = b'{"msgid":8,"id":13,"groupname":"g","groupdesc":"d"}'
    assert decode_request(legacy) == CreateGroup("g", "d", id=13)
    assert b"public" not in encode_request(CreateGroup("g")) and b"history" not in legacy


@pytest.mark.parametrize(
    "frame",
    [
        {"msgid": MsgId.CREATE_GROUP, "groupname": "g", "history": "some"},
        {"msgid": MsgId.CREATE_GROUP, "groupname": "g", "public": 1},
        {"msgid": MsgId.SET_ROLE, "groupid": 1, "userid": 2, "role": "creator"},
        {"msgid": MsgId.INVITE_ANSWER, "groupid": 1},
        {"msgid": MsgId.INVITE_ANSWER, "groupid": 1, "accept": "yes"},
        {"msgid": MsgId.GROUP_INVITE, "groupid": 1},
        {"msgid": MsgId.EDIT_GROUP, "groupid": 1, "history": "never"},
        {"msgid": MsgId.LEAVE_GROUP},
    ],
)
def test_bad_group_fields_are_refused(frame: dict[str, object]) -> None:
    with pytest.raises(ProtocolError) as caught:
        decode_request(orjson.dumps(frame))
    assert caught.value.errno == Errno.BAD_FIELD


def test_a_legacy_client_hears_no_group_event_and_sees_admins_as_normal() -> None:
    assert encode(EVENTS[0], Dialect.LEGACY) is None
    members = (MemberInfo(1, "z", "online", "creator"), MemberInfo(2, "l", "online", "admin"))
    legacy = GroupInfo(1, "g", "d", members, 2).to_wire(Dialect.LEGACY)
    assert [orjson.loads(u)["role"] for u in legacy["users"]] == ["creator", "normal"]
    assert members[1].to_wire()["role"] == "admin"  # the current protocol shows it
