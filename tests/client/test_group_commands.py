"""Groups with roles in the client, without a server: the group commands parsed, the
member pane's model, the notices of group events and the refusals' words."""

from __future__ import annotations

import pytest

from chatapp.client.commands import COMMANDS, CommandError, parse
from chatapp.client.group_commands import GroupAct
from chatapp.client.members import MORE, PANE_MEMBERS, roster
from chatapp.client.net import RequestFailed
from chatapp.client.roster import group_after
from chatapp.client.social import notice
from chatapp.client.social_groups import describe
from chatapp.client.wording import refused
from chatapp.protocol import (
    Errno,
    FriendInfo,
    GroupEvent,
    GroupInfo,
    GroupSettings,
    MemberInfo,
    MsgId,
    Person,
)

from .fakes import DEVS, demo_state


@pytest.mark.parametrize(
    ("line", "command"),
    [
        ("/invite bob", GroupAct("invite", "bob")),
        ("/invite 7 5", GroupAct("invite", 7, group=5)),
        ("/invite zhang san 5", GroupAct("invite", "zhang san", group=5)),
        ("/kick carol", GroupAct("kick", "carol")),
        ("/kick carol 3", GroupAct("kick", "carol", group=3)),
        ("/role bob admin", GroupAct("role", "bob", value="admin")),
        ("/role 5 Member 3", GroupAct("role", 5, group=3, value="member")),
        ("/invites", GroupAct("invites")),
        ("/accept-invite 4", GroupAct("accept-invite", group=4)),
        ("/decline-invite 4", GroupAct("decline-invite", group=4)),
        ("/group", GroupAct("group")),
        ("/group 3", GroupAct("group", group=3)),
        ("/group private on", GroupAct("group", setting="private", value="on")),
        ("/group history JOINED", GroupAct("group", setting="history", value="joined")),
        ("/group name the new name", GroupAct("group", setting="name", value="the new name")),
        ("/group 2 desc", GroupAct("group", group=2, setting="desc")),
    ],
)
def test_group_commands_parse(line: str, command: GroupAct) -> None:
    assert parse(line) == command


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("/invite", "usage: /invite"),
        ("/kick", "usage: /kick"),
        ("/role bob", "usage: /role"),
        ("/role bob owner", "usage: /role"),
        ("/invites 3", "usage: /invites"),
        ("/accept-invite", "usage: /accept-invite"),
        ("/accept-invite devs", "'devs' is not a group id"),
        ("/decline-invite 0", "ids start at 1"),
        ("/group private maybe", "usage: /group private on|off"),
        ("/group history some", "usage: /group history all|joined"),
        ("/group colour red", "/group changes name, desc, private, history"),
        ("/group name", "usage: /group name"),
    ],
)
def test_group_commands_explain_their_usage(line: str, says: str) -> None:
    with pytest.raises(CommandError, match=says.replace("|", r"\|")):
        parse(line)


def test_help_lists_the_group_commands_within_its_column() -> None:
    for name in ("invite", "invites", "accept-invite", "decline-invite", "kick", "role", "group"):
        assert len(COMMANDS[name].usage) <= 28, name  # the help's first column stays narrow


def member(n: int, name: str, role: str = "normal", state: str = "offline") -> MemberInfo:
    return MemberInfo(n, name, state, role)


def test_the_pane_puts_the_creator_first_then_admins_then_members_by_id() -> None:
    group = GroupInfo(
        1,
        "devs",
        "",
        (member(1, "zed"), member(2, "bob", "admin"), member(3, "amy"), member(4, "cy", "creator")),
        count=4,
    )
    pane = roster(group, {3: FriendInfo(3, "amy", "online")}, me=1)
    assert [(r.name, r.role) for r in pane.rows] == [
        ("cy", "creator"),
        ("bob", "admin"),
        ("zed", "member"),
        ("amy", "member"),
    ]
    # Presence: a friend's is live, mine is online, the rest as the member list said.
    assert [(r.name, r.online, r.me) for r in pane.rows if r.online] == [
        ("zed", True, True),
        ("amy", True, False),
    ]
    assert pane.heading == "Members · 4 · 2 online"


def test_the_pane_offers_more_until_its_bound() -> None:
    read = tuple(member(n, f"m{n}") for n in range(1, 201))
    pane = roster(GroupInfo(1, "crowd", "", read, count=5000), {}, me=1)
    assert pane.rows[-1].id == MORE and "4,800 not listed yet" in pane.rows[-1].name
    assert pane.after == 200 and pane.heading.startswith("Members · 5,000")
    full = tuple(member(n, f"m{n}") for n in range(1, PANE_MEMBERS + 1))
    pane = roster(GroupInfo(1, "crowd", "", full, count=5000), {}, me=1)
    assert pane.rows[-1].id is None and pane.rows[-1].name == "and 4,000 more"
    whole = roster(GroupInfo(1, "few", "", read[:3], count=3), {}, me=1)
    assert all(isinstance(r.id, int) for r in whole.rows)


def test_an_invitation_pushed_says_how_to_answer_it() -> None:
    state = demo_state()  # alice, id 1
    invited = GroupEvent(
        9,
        "invited",
        Person(1, "alice"),
        by=Person(2, "bob", "creator"),
        group=GroupSettings(9, "secret", "", public=False),
    )
    assert notice(invited, state) == (
        "bob (#2) invited you into secret (group 9): /accept-invite 9 or /decline-invite 9"
    )
    someone_else = GroupEvent(9, "invited", Person(3, "carol"), by=Person(2, "bob"))
    assert notice(someone_else, state) is None
    promoted = GroupEvent(1, "role", Person(1, "alice", "admin"), by=Person(2, "bob"))
    assert notice(promoted, state) == "You are now admin of devs (group 1)"
    removed = GroupEvent(1, "removed", Person(1, "alice"), by=Person(2, "bob", "admin"))
    assert notice(removed, state) == "bob (#2) removed you from devs (group 1)"
    state.conversation(DEVS)
    state.pushed(removed)  # out of it: named as its conversation was
    assert 1 not in state.groups
    assert notice(removed, state) == "bob (#2) removed you from devs (group 1)"
    assert notice(GroupEvent(7, "removed", Person(1, "alice")), state) == (
        "The server removed you from group 7"
    )


def test_a_new_role_keeps_presence_and_an_edit_its_privacy() -> None:
    group = GroupInfo(1, "devs", "", (member(1, "al", "creator"), member(2, "bo")), count=2)
    after = group_after(group, GroupEvent(1, "role", Person(2, "bo", "admin")), me=1)
    assert after is not None and after.users[1] == member(2, "bo", "admin", "offline")
    edit = GroupSettings(1, "devs2", "d", public=False, history="joined")
    edited = group_after(group, GroupEvent(1, "edited", Person(1, "al"), group=edit), me=1)
    assert edited is not None
    assert (edited.groupname, edited.public, edited.history) == ("devs2", False, "joined")


def test_group_shows_settings_role_and_how_to_change_them() -> None:
    state = demo_state()
    state.add_group(GroupInfo(1, "devs", "build talk", state.groups[1].users, count=2))
    assert describe(state, 1).splitlines() == [
        "devs (group 1): build talk",
        "public: anyone may join",
        "newcomers read everything",
        "2 members · you: creator",
        "/group name|desc|private|history <value>",
    ]


def test_group_refusals_say_what_they_mean_for_the_request() -> None:
    forbidden = RequestFailed(Errno.FORBIDDEN, "you may not remove a member who is admin")
    assert refused(MsgId.REMOVE_MEMBER, forbidden).startswith("Not allowed for your role")
    assert refused(MsgId.SET_ROLE, forbidden).startswith("Not allowed for your role")
    assert refused(MsgId.EDIT_GROUP, forbidden) == (
        "Only admins and the creator may change the group."
    )
    member_already = RequestFailed(Errno.ALREADY_MEMBER, "user 2 is a member already")
    assert refused(MsgId.GROUP_INVITE, member_already) == "They are a member of that group already."
    none_held = RequestFailed(Errno.NO_SUCH_REQUEST, "no invitation")
    assert refused(MsgId.INVITE_ANSWER, none_held) == "You hold no invitation into that group."
    # Elsewhere, the errno's own sentence.
    assert refused(MsgId.INVITES, forbidden) == "Your role in that group does not allow this."
