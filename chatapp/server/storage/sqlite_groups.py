"""The groups with roles and privacy of SQLiteStorage: creating, joining, invitations,
departures, roles and settings.

Plain functions of a connection, as in sqlite_social; each write is one BEGIN IMMEDIATE
transaction, so a count read in it still holds when the row is added.
"""

from __future__ import annotations

import sqlite3

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
from .group_rows import (
    ADMIN,
    Departure,
    GroupEdit,
    GroupProfile,
    Invitation,
    Membership,
    counted,
)
from .rows import CREATOR, FIRST, NORMAL, Group, Member
from .sqlite_accounts import claim_skeleton
from .sqlite_db import refused, transaction

_COUNT_SQL = "SELECT count(*) FROM group_members WHERE group_id = ?"
_PROFILE_SQL = (
    "SELECT id, name, description, is_public, history,"
    " (SELECT count(*) FROM group_members m WHERE m.group_id = g.id)"
    " FROM chat_groups g WHERE id = ?"
)
# The longest-standing admin, else member: who becomes creator when the creator leaves.
_SUCCESSOR_SQL = (
    "SELECT u.id, u.name FROM group_members m JOIN users u ON u.id = m.user_id"
    " WHERE m.group_id = ? ORDER BY m.role <> 'admin', m.joined_mid, m.user_id LIMIT 1"
)


def create_group(
    db: sqlite3.Connection,
    name: str,
    desc: str,
    creator_id: int,
    settings: tuple[bool, str, int, str | None],
) -> Group:
    """Storage.create_group; `settings` is (public, history, joined_mid, skeleton)."""
    public, history, joined_mid, skeleton = settings
    with transaction(db):
        try:
            cur = db.execute(
                "INSERT INTO chat_groups (name, description, is_public, history)"
                " VALUES (?, ?, ?, ?)",
                (name, desc, public, history),
            )
            assert cur.lastrowid is not None
            if skeleton is not None:
                claim_skeleton(db, skeleton, "group_id", cur.lastrowid)
        except sqlite3.IntegrityError:
            raise NameTaken(name) from None
        try:
            _add(db, cur.lastrowid, creator_id, CREATOR, joined_mid)
        except sqlite3.IntegrityError as exc:
            raise refused(exc, NoSuchUser(creator_id)) from None
    return Group(cur.lastrowid, name, desc, 1, public, history)


def join_group(
    db: sqlite3.Connection, group_id: int, user_id: int, *, joined_mid: int, max_members: int
) -> Group:
    """Storage.join_group."""
    with transaction(db):
        profile = _profile(db, group_id)
        if _membership(db, group_id, user_id) is not None:
            raise AlreadyExists(f"{user_id} in group {group_id}")
        spent = db.execute(  # an invitation into a public group is spent too
            "DELETE FROM group_invitations WHERE group_id = ? AND invitee_id = ?",
            (group_id, user_id),
        )
        if not profile.public and not spent.rowcount:
            raise InviteOnly(group_id)
        return _admit(db, profile, user_id, joined_mid, max_members)


def _admit(
    db: sqlite3.Connection, profile: GroupProfile, user_id: int, joined_mid: int, most: int
) -> Group:
    """Adds a member within the limit; the first of an empty group is its creator."""
    if most and profile.count >= most:
        raise GroupFull(f"group {profile.id} has {profile.count} members")
    role = NORMAL if profile.count else CREATOR
    try:
        _add(db, profile.id, user_id, role, joined_mid)
    except sqlite3.IntegrityError as exc:
        raise refused(exc, AlreadyExists(f"{user_id} in group {profile.id}")) from None
    return counted(profile, profile.count + 1)


def _add(db: sqlite3.Connection, group_id: int, user_id: int, role: str, joined_mid: int) -> None:
    db.execute(
        "INSERT INTO group_members (group_id, user_id, role, joined_mid) VALUES (?, ?, ?, ?)",
        (group_id, user_id, role, joined_mid),
    )


def group_profile(db: sqlite3.Connection, group_id: int) -> GroupProfile | None:
    """Storage.group_profile."""
    row = db.execute(_PROFILE_SQL, (group_id,)).fetchone()
    if row is None:
        return None
    return GroupProfile(row[0], row[1], row[2], bool(row[3]), row[4], row[5])


def _profile(db: sqlite3.Connection, group_id: int) -> GroupProfile:
    profile = group_profile(db, group_id)
    if profile is None:
        raise NoSuchGroup(group_id)
    return profile


def membership(db: sqlite3.Connection, group_id: int, user_id: int) -> Membership | None:
    """Storage.membership."""
    return _membership(db, group_id, user_id)


def _membership(db: sqlite3.Connection, group_id: int, user_id: int) -> Membership | None:
    row = db.execute(
        "SELECT m.role, m.joined_mid, g.history FROM group_members m"
        " JOIN chat_groups g ON g.id = m.group_id WHERE m.group_id = ? AND m.user_id = ?",
        (group_id, user_id),
    ).fetchone()
    return None if row is None else Membership(*row)


def invite(
    db: sqlite3.Connection,
    group_id: int,
    who: tuple[int, int],
    *,
    now_ms: int,
    max_pending: int,
) -> bool:
    """Storage.invite; `who` is (inviter, invitee)."""
    inviter_id, invitee_id = who
    with transaction(db):
        _profile(db, group_id)
        if not db.execute("SELECT 1 FROM users WHERE id = ?", (invitee_id,)).fetchone():
            raise NoSuchUser(invitee_id)
        if _membership(db, group_id, invitee_id) is not None:
            raise AlreadyExists(f"{invitee_id} in group {group_id}")
        if db.execute(
            "SELECT 1 FROM group_invitations WHERE group_id = ? AND invitee_id = ?",
            (group_id, invitee_id),
        ).fetchone():
            return False
        (waiting,) = db.execute(
            "SELECT count(*) FROM group_invitations WHERE group_id = ?", (group_id,)
        ).fetchone()
        if waiting >= max_pending:
            raise GroupFull(f"group {group_id} has {waiting} invitations waiting")
        try:
            db.execute(
                "INSERT INTO group_invitations (group_id, invitee_id, inviter_id, created_ms)"
                " VALUES (?, ?, ?, ?)",
                (group_id, invitee_id, inviter_id, now_ms),
            )
        except sqlite3.IntegrityError as exc:
            raise refused(exc, NoSuchUser(inviter_id)) from None
    return True


def invitations(
    db: sqlite3.Connection, user_id: int, after: int | None, limit: int
) -> list[Invitation]:
    """Storage.invitations."""
    rows = db.execute(
        "SELECT g.id, g.name, g.description, u.id, u.name FROM group_invitations i"
        " JOIN chat_groups g ON g.id = i.group_id JOIN users u ON u.id = i.inviter_id"
        " WHERE i.invitee_id = ? AND i.group_id > ? ORDER BY i.group_id LIMIT ?",
        (user_id, FIRST if after is None else after, limit),
    )
    return [Invitation(*row) for row in rows]


def answer_invitation(
    db: sqlite3.Connection,
    group_id: int,
    user_id: int,
    accept: bool,
    *,
    joined_mid: int,
    max_members: int,
) -> Group | None:
    """Storage.answer_invitation."""
    with transaction(db):
        spent = db.execute(
            "DELETE FROM group_invitations WHERE group_id = ? AND invitee_id = ?",
            (group_id, user_id),
        )
        if not spent.rowcount:
            raise NoSuchInvitation(f"{user_id} into group {group_id}")
        if not accept:
            return None
        return _admit(db, _profile(db, group_id), user_id, joined_mid, max_members)


def drop_member(db: sqlite3.Connection, group_id: int, user_id: int) -> Departure:
    """Storage.drop_member."""
    with transaction(db):
        _profile(db, group_id)
        was = _membership(db, group_id, user_id)
        if was is None:
            raise NotAMember(f"{user_id} in group {group_id}")
        db.execute(
            "DELETE FROM group_members WHERE group_id = ? AND user_id = ?", (group_id, user_id)
        )
        successor = None
        if was.role == CREATOR:
            row = db.execute(_SUCCESSOR_SQL, (group_id,)).fetchone()
            if row is not None:
                set_role_in(db, group_id, row[0], CREATOR)
                successor = Member(row[0], row[1], CREATOR)
        (count,) = db.execute(_COUNT_SQL, (group_id,)).fetchone()
    return Departure(was.role, successor, count)


def set_role(db: sqlite3.Connection, group_id: int, user_id: int, role: str) -> None:
    """Storage.set_role."""
    assert role in (CREATOR, ADMIN, NORMAL)
    with transaction(db):
        set_role_in(db, group_id, user_id, role)


def set_role_in(db: sqlite3.Connection, group_id: int, user_id: int, role: str) -> None:
    """Sets a role within the caller's transaction."""
    cur = db.execute(
        "UPDATE group_members SET role = ? WHERE group_id = ? AND user_id = ?",
        (role, group_id, user_id),
    )
    if not cur.rowcount:
        raise NotAMember(f"{user_id} in group {group_id}")


def edit_group(
    db: sqlite3.Connection, group_id: int, edit: GroupEdit, skeleton: str | None
) -> GroupProfile:
    """Storage.edit_group."""
    changes = edit.columns()
    with transaction(db):
        _profile(db, group_id)
        if changes:
            assignments = ", ".join(f"{column} = ?" for column in changes)
            try:
                db.execute(
                    f"UPDATE chat_groups SET {assignments} WHERE id = ?",
                    (*changes.values(), group_id),
                )
                if "name" in changes:
                    db.execute("DELETE FROM name_skeletons WHERE group_id = ?", (group_id,))
                    if skeleton is not None:
                        claim_skeleton(db, skeleton, "group_id", group_id)
            except sqlite3.IntegrityError:
                raise NameTaken(str(changes.get("name"))) from None
        return _profile(db, group_id)
