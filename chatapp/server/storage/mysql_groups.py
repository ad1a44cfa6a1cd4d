"""The groups with roles and privacy of MySQLStorage: creating, joining, invitations,
departures, roles and settings.

Coroutines of an aiomysql cursor, run by MySQLStorage in its transactions (writes) or in
autocommit (reads). A write that counts a group's members or invitations first locks the
group's row (SELECT ... FOR UPDATE), so that two instances cannot both see room for one.
"""

from __future__ import annotations

from .base import (
    AlreadyExists,
    GroupFull,
    InviteOnly,
    NameTaken,
    NoSuchGroup,
    NoSuchInvitation,
    NoSuchUser,
    NotAMember,
)
from .group_rows import Departure, GroupEdit, GroupProfile, Invitation, Membership, counted
from .mysql_accounts import claim_skeleton
from .mysql_pool import Cursor, conflicts
from .rows import CREATOR, FIRST, NORMAL, Group, Member

_COUNT_SQL = "SELECT count(*) FROM group_members WHERE group_id = %s"
_PROFILE_SQL = (
    "SELECT id, name, description, is_public, history,"
    " (SELECT count(*) FROM group_members m WHERE m.group_id = g.id)"
    " FROM chat_groups g WHERE id = %s"
)
# The longest-standing admin, else member: who becomes creator when the creator leaves.
_SUCCESSOR_SQL = (
    "SELECT u.id, u.name FROM group_members m JOIN users u ON u.id = m.user_id"
    " WHERE m.group_id = %s ORDER BY m.role <> 'admin', m.joined_mid, m.user_id LIMIT 1"
)
_SPEND_SQL = "DELETE FROM group_invitations WHERE group_id = %s AND invitee_id = %s"


async def create_group(
    cur: Cursor, name: str, desc: str, creator_id: int, settings: tuple[bool, str, int, str | None]
) -> Group:
    """Storage.create_group; `settings` is (public, history, joined_mid, skeleton)."""
    public, history, joined_mid, skeleton = settings
    with conflicts(duplicate=NameTaken(name)):
        await cur.execute(
            "INSERT INTO chat_groups (name, description, is_public, history)"
            " VALUES (%s, %s, %s, %s)",
            (name, desc, public, history),
        )
        group_id = cur.lastrowid
        if skeleton is not None:
            await claim_skeleton(cur, skeleton, "group_id", group_id)
    with conflicts(missing=NoSuchUser(creator_id)):
        await _add(cur, group_id, user_id=creator_id, role=CREATOR, joined_mid=joined_mid)
    return Group(group_id, name, desc, 1, public, history)


async def join_group(
    cur: Cursor, group_id: int, user_id: int, joined_mid: int, max_members: int
) -> Group:
    """Storage.join_group; the caller holds a transaction."""
    profile = await _locked(cur, group_id)
    if await membership(cur, group_id, user_id) is not None:
        raise AlreadyExists(f"{user_id} in group {group_id}")
    # An invitation into a public group is spent too.
    if not await cur.execute(_SPEND_SQL, (group_id, user_id)) and not profile.public:
        raise InviteOnly(group_id)
    return await _admit(cur, profile, user_id, joined_mid, max_members)


async def _admit(
    cur: Cursor, profile: GroupProfile, user_id: int, joined_mid: int, most: int
) -> Group:
    """Adds a member within the limit; the first of an empty group is its creator."""
    if most and profile.count >= most:
        raise GroupFull(f"group {profile.id} has {profile.count} members")
    role = NORMAL if profile.count else CREATOR
    already = AlreadyExists(f"{user_id} in group {profile.id}")
    with conflicts(duplicate=already, missing=NoSuchUser(user_id)):
        await _add(cur, profile.id, user_id=user_id, role=role, joined_mid=joined_mid)
    return counted(profile, profile.count + 1)


async def _add(cur: Cursor, group_id: int, *, user_id: int, role: str, joined_mid: int) -> None:
    await cur.execute(
        "INSERT INTO group_members (group_id, user_id, role, joined_mid) VALUES (%s, %s, %s, %s)",
        (group_id, user_id, role, joined_mid),
    )


async def group_profile(cur: Cursor, group_id: int) -> GroupProfile | None:
    """Storage.group_profile."""
    await cur.execute(_PROFILE_SQL, (group_id,))
    row = await cur.fetchone()
    if row is None:
        return None
    return GroupProfile(row[0], row[1], row[2], bool(row[3]), row[4], row[5])


async def _locked(cur: Cursor, group_id: int) -> GroupProfile:
    """The group, its row locked until the transaction ends; NoSuchGroup if none."""
    await cur.execute("SELECT id FROM chat_groups WHERE id = %s FOR UPDATE", (group_id,))
    profile = await group_profile(cur, group_id) if await cur.fetchone() else None
    if profile is None:
        raise NoSuchGroup(group_id)
    return profile


async def membership(cur: Cursor, group_id: int, user_id: int) -> Membership | None:
    """Storage.membership."""
    await cur.execute(
        "SELECT m.role, m.joined_mid, g.history FROM group_members m"
        " JOIN chat_groups g ON g.id = m.group_id WHERE m.group_id = %s AND m.user_id = %s",
        (group_id, user_id),
    )
    row = await cur.fetchone()
    return None if row is None else Membership(row[0], int(row[1]), row[2])


async def invite(
    cur: Cursor, group_id: int, who: tuple[int, int], now_ms: int, max_pending: int
) -> bool:
    """Storage.invite; `who` is (inviter, invitee); the caller holds a transaction."""
    inviter_id, invitee_id = who
    await _locked(cur, group_id)
    await cur.execute("SELECT 1 FROM users WHERE id = %s", (invitee_id,))
    if await cur.fetchone() is None:
        raise NoSuchUser(invitee_id)
    if await membership(cur, group_id, invitee_id) is not None:
        raise AlreadyExists(f"{invitee_id} in group {group_id}")
    await cur.execute(
        "SELECT 1 FROM group_invitations WHERE group_id = %s AND invitee_id = %s",
        (group_id, invitee_id),
    )
    if await cur.fetchone() is not None:
        return False
    await cur.execute("SELECT count(*) FROM group_invitations WHERE group_id = %s", (group_id,))
    (waiting,) = await cur.fetchone()
    if waiting >= max_pending:
        raise GroupFull(f"group {group_id} has {waiting} invitations waiting")
    with conflicts(missing=NoSuchUser(inviter_id)):
        await cur.execute(
            "INSERT INTO group_invitations (group_id, invitee_id, inviter_id, created_ms)"
            " VALUES (%s, %s, %s, %s)",
            (group_id, invitee_id, inviter_id, now_ms),
        )
    return True


async def invitations(cur: Cursor, user_id: int, after: int | None, limit: int) -> list[Invitation]:
    """Storage.invitations."""
    await cur.execute(
        "SELECT g.id, g.name, g.description, u.id, u.name FROM group_invitations i"
        " JOIN chat_groups g ON g.id = i.group_id JOIN users u ON u.id = i.inviter_id"
        " WHERE i.invitee_id = %s AND i.group_id > %s ORDER BY i.group_id LIMIT %s",
        (user_id, FIRST if after is None else after, limit),
    )
    return [Invitation(*row) for row in await cur.fetchall()]


async def answer_invitation(
    cur: Cursor, group_id: int, user_id: int, accept: bool, joining: tuple[int, int]
) -> Group | None:
    """Storage.answer_invitation; `joining` is (joined_mid, max_members); the caller holds
    a transaction."""
    profile = await _locked(cur, group_id) if accept else None
    if not await cur.execute(_SPEND_SQL, (group_id, user_id)):
        raise NoSuchInvitation(f"{user_id} into group {group_id}")
    if profile is None:
        return None
    return await _admit(cur, profile, user_id, *joining)


async def drop_member(cur: Cursor, group_id: int, user_id: int) -> Departure:
    """Storage.drop_member; the caller holds a transaction."""
    await _locked(cur, group_id)
    was = await membership(cur, group_id, user_id)
    if was is None:
        raise NotAMember(f"{user_id} in group {group_id}")
    await cur.execute(
        "DELETE FROM group_members WHERE group_id = %s AND user_id = %s", (group_id, user_id)
    )
    successor = None
    if was.role == CREATOR:
        await cur.execute(_SUCCESSOR_SQL, (group_id,))
        row = await cur.fetchone()
        if row is not None:
            await set_role(cur, group_id, row[0], CREATOR)
            successor = Member(row[0], row[1], CREATOR)
    await cur.execute(_COUNT_SQL, (group_id,))
    (count,) = await cur.fetchone()
    return Departure(was.role, successor, count)


async def set_role(cur: Cursor, group_id: int, user_id: int, role: str) -> None:
    """Storage.set_role; the caller holds a transaction."""
    await cur.execute(
        "SELECT 1 FROM group_members WHERE group_id = %s AND user_id = %s FOR UPDATE",
        (group_id, user_id),
    )
    if await cur.fetchone() is None:
        raise NotAMember(f"{user_id} in group {group_id}")
    await cur.execute(
        "UPDATE group_members SET role = %s WHERE group_id = %s AND user_id = %s",
        (role, group_id, user_id),
    )


async def edit_group(
    cur: Cursor, group_id: int, edit: GroupEdit, skeleton: str | None
) -> GroupProfile:
    """Storage.edit_group; the caller holds a transaction."""
    await _locked(cur, group_id)
    changes = edit.columns()
    if changes:
        assignments = ", ".join(f"{column} = %s" for column in changes)
        with conflicts(duplicate=NameTaken(str(changes.get("name")))):
            await cur.execute(
                f"UPDATE chat_groups SET {assignments} WHERE id = %s",
                (*changes.values(), group_id),
            )
            if "name" in changes:
                await cur.execute("DELETE FROM name_skeletons WHERE group_id = %s", (group_id,))
                if skeleton is not None:
                    await claim_skeleton(cur, skeleton, "group_id", group_id)
    return await _locked(cur, group_id)
