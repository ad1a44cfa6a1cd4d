"""The Storage contract of groups with roles and privacy, on every backend: invite-only
joins, invitations, the size limit, departures and succession, roles and edits."""

from __future__ import annotations

import asyncio

import pytest

from chatapp.server.storage import (
    ADMIN,
    CREATOR,
    NORMAL,
    AlreadyExists,
    GroupEdit,
    GroupFull,
    GroupProfile,
    Invitation,
    InviteOnly,
    Member,
    Membership,
    NameTaken,
    NoSuchGroup,
    NoSuchInvitation,
    NoSuchUser,
    NotAMember,
    Storage,
)
from chatapp.server.text import skeleton
from tests.server.storage.test_contract import make_users

NOW = 1_800_000_000_000


async def test_a_new_group_is_public_with_all_its_history_unless_told(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    open_group = await storage.create_group("open", "d", a.id, joined_mid=7)
    closed = await storage.create_group("closed", "", b.id, public=False, history="joined")
    assert await storage.group_profile(open_group.id) == GroupProfile(
        open_group.id, "open", "d", True, "all", 1
    )
    assert await storage.group_profile(closed.id) == GroupProfile(
        closed.id, "closed", "", False, "joined", 1
    )
    assert (open_group.public, open_group.history) == (True, "all")
    assert (closed.public, closed.history) == (False, "joined")
    # A user's groups carry their privacy too, as the GROUPS page shows it.
    await storage.invite(closed.id, b.id, a.id, NOW, max_pending=10)
    joined = await storage.join_group(closed.id, a.id, joined_mid=8)
    assert (joined.count, joined.public, joined.history) == (2, False, "joined")
    assert [(g.id, g.public, g.history) for g in await storage.groups_of(a.id, None, 10)] == [
        (open_group.id, True, "all"),
        (closed.id, False, "joined"),
    ]
    assert await storage.membership(open_group.id, a.id) == Membership(CREATOR, 7, "all")
    assert await storage.membership(open_group.id, b.id) is None
    assert await storage.group_profile(closed.id + 100) is None


async def test_an_invite_only_group_takes_only_whom_it_invited(storage: Storage) -> None:
    a, b, c = await make_users(storage, "a", "b", "c")
    group = await storage.create_group("g", "", a.id, public=False)
    with pytest.raises(InviteOnly):
        await storage.join_group(group.id, b.id)
    assert await storage.invite(group.id, a.id, b.id, NOW, max_pending=10)
    assert not await storage.invite(group.id, c.id, b.id, NOW, max_pending=10)  # the first stands
    assert await storage.invitations(b.id, None, 10) == [Invitation(group.id, "g", "", a.id, "a")]
    joined = await storage.join_group(group.id, b.id, joined_mid=5)
    assert joined.count == 2
    assert await storage.membership(group.id, b.id) == Membership(NORMAL, 5, "all")
    assert await storage.invitations(b.id, None, 10) == []  # spent
    with pytest.raises(AlreadyExists):
        await storage.invite(group.id, a.id, b.id, NOW, max_pending=10)
    with pytest.raises(InviteOnly):
        await storage.join_group(group.id, c.id)


async def test_invitations_refuse_unknowns_and_past_the_bound(storage: Storage) -> None:
    a, b, c, d = await make_users(storage, "a", "b", "c", "d")
    group = await storage.create_group("g", "", a.id)
    with pytest.raises(NoSuchGroup):
        await storage.invite(group.id + 1, a.id, b.id, NOW, max_pending=10)
    with pytest.raises(NoSuchUser):
        await storage.invite(group.id, a.id, d.id + 1, NOW, max_pending=10)
    assert await storage.invite(group.id, a.id, b.id, NOW, max_pending=2)
    assert await storage.invite(group.id, a.id, c.id, NOW, max_pending=2)
    with pytest.raises(GroupFull):
        await storage.invite(group.id, a.id, d.id, NOW, max_pending=2)
    assert await storage.invitations(d.id, None, 10) == []


async def test_joining_a_public_group_spends_an_invitation_into_it(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    group = await storage.create_group("g", "", a.id)
    assert await storage.invite(group.id, a.id, b.id, NOW, max_pending=10)
    await storage.join_group(group.id, b.id)
    assert await storage.invitations(b.id, None, 10) == []
    with pytest.raises(NoSuchInvitation):
        await storage.answer_invitation(group.id, b.id, True, joined_mid=0, max_members=0)


async def test_invitations_come_in_pages_by_group(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    groups = [await storage.create_group(f"g{n}", "", a.id) for n in range(5)]
    for group in groups:
        await storage.invite(group.id, a.id, b.id, NOW, max_pending=10)
    first = await storage.invitations(b.id, None, 2)
    rest = await storage.invitations(b.id, first[-1].group_id, 10)
    assert [i.group_id for i in first + rest] == [g.id for g in groups]


async def test_answering_spends_the_invitation(storage: Storage) -> None:
    a, b, c = await make_users(storage, "a", "b", "c")
    group = await storage.create_group("g", "", a.id, public=False, history="joined")
    await storage.invite(group.id, a.id, b.id, NOW, max_pending=10)
    await storage.invite(group.id, a.id, c.id, NOW, max_pending=10)
    assert (
        await storage.answer_invitation(group.id, c.id, False, joined_mid=1, max_members=0) is None
    )
    with pytest.raises(NoSuchInvitation):
        await storage.answer_invitation(group.id, c.id, True, joined_mid=1, max_members=0)
    joined = await storage.answer_invitation(group.id, b.id, True, joined_mid=9, max_members=0)
    assert joined is not None and joined.count == 2
    assert await storage.membership(group.id, b.id) == Membership(NORMAL, 9, "joined")
    assert await storage.group_member_ids(group.id) == [a.id, b.id]


async def test_the_size_limit_holds_for_joins_and_answers(storage: Storage) -> None:
    a, b, c, d = await make_users(storage, "a", "b", "c", "d")
    group = await storage.create_group("g", "", a.id)
    await storage.join_group(group.id, b.id, max_members=2)
    with pytest.raises(GroupFull):
        await storage.join_group(group.id, c.id, max_members=2)
    await storage.invite(group.id, a.id, d.id, NOW, max_pending=10)
    with pytest.raises(GroupFull):
        await storage.answer_invitation(group.id, d.id, True, joined_mid=0, max_members=2)
    assert len(await storage.invitations(d.id, None, 10)) == 1  # it stays, for later
    assert await storage.group_member_ids(group.id) == [a.id, b.id]


async def test_concurrent_joins_do_not_pass_the_limit(storage: Storage) -> None:
    creator, *others = await make_users(storage, *(f"u{n}" for n in range(8)))
    group = await storage.create_group("g", "", creator.id)
    results = await asyncio.gather(
        *(storage.join_group(group.id, u.id, max_members=4) for u in others),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 3
    assert all(isinstance(r, GroupFull) for r in results if isinstance(r, BaseException))
    assert len(await storage.group_member_ids(group.id) or []) == 4


async def test_a_departing_creator_passes_the_role_to_the_longest_standing_admin(
    storage: Storage,
) -> None:
    a, b, c, d = await make_users(storage, "a", "b", "c", "d")
    group = await storage.create_group("g", "", a.id, joined_mid=1)
    for user, mid in ((b, 2), (c, 3), (d, 4)):
        await storage.join_group(group.id, user.id, joined_mid=mid)
    await storage.set_role(group.id, d.id, ADMIN)
    await storage.set_role(group.id, c.id, ADMIN)
    gone = await storage.drop_member(group.id, a.id)
    assert (gone.role, gone.successor, gone.count) == (CREATOR, Member(c.id, "c", CREATOR), 3)
    assert (await storage.membership(group.id, c.id) or Membership("", 0)).role == CREATOR
    # No admin left: the longest-standing member.
    await storage.drop_member(group.id, d.id)
    gone = await storage.drop_member(group.id, c.id)
    assert gone.successor == Member(b.id, "b", CREATOR)


async def test_the_last_member_leaves_an_empty_group_the_next_one_leads(
    storage: Storage,
) -> None:
    a, b = await make_users(storage, "a", "b")
    group = await storage.create_group("g", "", a.id)
    gone = await storage.drop_member(group.id, a.id)
    assert (gone.successor, gone.count) == (None, 0)
    with pytest.raises(NotAMember):
        await storage.drop_member(group.id, a.id)
    with pytest.raises(NoSuchGroup):
        await storage.drop_member(group.id + 1, a.id)
    assert (await storage.join_group(group.id, b.id)).count == 1
    assert await storage.members(group.id, None, 10) == [Member(b.id, "b", CREATOR)]


async def test_roles_change_only_for_members(storage: Storage) -> None:
    a, b = await make_users(storage, "a", "b")
    group = await storage.create_group("g", "", a.id)
    with pytest.raises(NotAMember):
        await storage.set_role(group.id, b.id, ADMIN)
    await storage.join_group(group.id, b.id)
    await storage.set_role(group.id, b.id, ADMIN)
    assert await storage.members(group.id, None, 10) == [
        Member(a.id, "a", CREATOR),
        Member(b.id, "b", ADMIN),
    ]


async def test_an_edit_changes_what_it_names_and_a_new_name_its_skeleton(
    storage: Storage,
) -> None:
    (a,) = await make_users(storage, "a")
    group = await storage.create_group("team", "d", a.id, skeleton=skeleton("team"))
    await storage.create_group("other", "", a.id, skeleton=skeleton("other"))
    edited = await storage.edit_group(
        group.id, GroupEdit(name="crew", history="joined"), skeleton=skeleton("crew")
    )
    assert edited == GroupProfile(group.id, "crew", "d", True, "joined", 1)
    edited = await storage.edit_group(group.id, GroupEdit(desc="", public=False))
    assert edited == GroupProfile(group.id, "crew", "", False, "joined", 1)
    with pytest.raises(NameTaken):
        await storage.edit_group(
            group.id, GroupEdit(name="oth\u0435r"), skeleton=skeleton("oth\u0435r")
        )
    with pytest.raises(NameTaken):
        await storage.edit_group(group.id, GroupEdit(name="other"))
    # The old name is free again; the new one is held.
    assert (await storage.create_group("team", "", a.id, skeleton=skeleton("team"))).id
    with pytest.raises(NameTaken):
        await storage.create_group("cr\u0435w", "", a.id, skeleton=skeleton("cr\u0435w"))
    with pytest.raises(NoSuchGroup):
        await storage.edit_group(group.id + 100, GroupEdit(desc="x"))
