"""The queries of Admin, written once with `?` marks for both backends (people_rows.marks
gives MySQL its `%s`)."""

from __future__ import annotations

from collections.abc import Sequence

from .base_admin import GroupReport, GroupRole, Stats, UserReport
from .group_rows import GroupProfile
from .rows import Contact, Member, RequestCounts, Settings, User

USER_COLUMNS = "id, name, password_hash, disabled"
USERS_BY_PREFIX = (
    f"SELECT {USER_COLUMNS} FROM users WHERE name_fold >= ? AND name_fold < ?"
    " ORDER BY name_fold, id LIMIT ?"
)
USER_BY_ID = f"SELECT {USER_COLUMNS} FROM users WHERE id = ?"


# One row of counts, each a subquery of the user's id (given once per `?`): USER_COUNTED
# of them. `acked` is the dialect's subquery of the user's cursor, of one `?` (MySQL keeps
# rows at or below it until its next forgetting round, mysql_forget.py: not counted).
def user_counts(acked: str) -> str:
    return (
        "SELECT (SELECT count(*) FROM friends WHERE user_id = ?),"
        " (SELECT count(*) FROM friend_requests WHERE target_id = ?),"
        " (SELECT count(*) FROM friend_requests WHERE requester_id = ?),"
        " (SELECT count(*) FROM blocks WHERE user_id = ?),"
        f" (SELECT count(*) FROM deliveries WHERE user_id = ? AND seq > {acked}),"
        " (SELECT count(*) FROM resume_tokens WHERE user_id = ?)"
    )


USER_COUNTED = 7
FIRST_FRIENDS = (
    "SELECT u.id, u.name FROM friends f JOIN users u ON u.id = f.friend_id"
    " WHERE f.user_id = ? ORDER BY f.friend_id LIMIT ?"
)
GROUPS_OF = (
    "SELECT g.id, g.name, m.role FROM group_members m JOIN chat_groups g ON g.id = m.group_id"
    " WHERE m.user_id = ? ORDER BY g.id LIMIT ?"
)
SETTINGS = "SELECT strangers, findable, receipts FROM user_settings WHERE user_id = ?"

CREATOR_OF = "SELECT group_id FROM group_members WHERE user_id = ? AND role = 'creator'"
# The longest-standing admin, else member, but the one leaving: as drop_member chooses.
SUCCESSOR = (
    "SELECT user_id FROM group_members WHERE group_id = ? AND user_id <> ?"
    " ORDER BY role <> 'admin', joined_mid, user_id LIMIT 1"
)
MAKE_CREATOR = "UPDATE group_members SET role = 'creator' WHERE group_id = ? AND user_id = ?"

# Every row of a deleted user's, each statement given the user's id `n` times.
DELETE_USER: tuple[tuple[str, int], ...] = (
    ("DELETE FROM group_members WHERE user_id = ?", 1),
    ("DELETE FROM friends WHERE user_id = ? OR friend_id = ?", 2),
    ("DELETE FROM friend_requests WHERE requester_id = ? OR target_id = ?", 2),
    ("DELETE FROM blocks WHERE user_id = ? OR blocked_id = ?", 2),
    ("DELETE FROM accepted_senders WHERE user_id = ? OR sender_id = ?", 2),
    ("DELETE FROM held_messages WHERE recipient_id = ? OR sender_id = ?", 2),
    ("DELETE FROM group_invitations WHERE invitee_id = ? OR inviter_id = ?", 2),
    ("DELETE FROM resume_tokens WHERE user_id = ?", 1),
    ("DELETE FROM devices WHERE user_id = ?", 1),
    ("DELETE FROM read_markers WHERE user_id = ?", 1),
    ("DELETE FROM deliveries WHERE user_id = ?", 1),
    ("DELETE FROM name_skeletons WHERE user_id = ?", 1),
    ("DELETE FROM user_settings WHERE user_id = ?", 1),
)
# The tombstone: no password ('!' is no scrypt hash, so nothing verifies against it),
# disabled, its name's key left out of the prefix search's range (an empty key sorts
# before every prefix), and settings that let nobody write to it.
TOMBSTONE = (
    "UPDATE users SET name = ?, name_fold = '', password_hash = '!', disabled = 1 WHERE id = ?"
)
TOMBSTONE_SETTINGS = (
    "INSERT INTO user_settings (user_id, strangers, findable, receipts) VALUES (?, 'nobody', 0, 0)"
)
SET_DISABLED = "UPDATE users SET disabled = ? WHERE id = ?"
# Ending a user's sessions: the next number of `ended`, which only grows, taken under a
# lock on the index's end (MySQL: FOR UPDATE) so that two operators never share one.
LAST_ENDED = "SELECT COALESCE(MAX(ended), 0) FROM users"
SET_ENDED = "UPDATE users SET ended = ? WHERE id = ?"
ENDED_AFTER = "SELECT id, ended FROM users WHERE ended > ? ORDER BY ended LIMIT 1000"
LAST_GROUP_ENDED = "SELECT COALESCE(MAX(n), 0) FROM ended_groups"
ADD_GROUP_ENDED = "INSERT INTO ended_groups (n, group_id) VALUES (?, ?)"
GROUPS_ENDED_AFTER = "SELECT group_id, n FROM ended_groups WHERE n > ? ORDER BY n LIMIT 1000"
ENDINGS = {False: (LAST_ENDED, ENDED_AFTER), True: (LAST_GROUP_ENDED, GROUPS_ENDED_AFTER)}
"""(the last number, the endings after one), of users (False) and of groups (True)."""
DROP_TOKENS = "DELETE FROM resume_tokens WHERE user_id = ?"
# Its devices go with its tokens: none can be resumed, so none should hold deliveries back.
DROP_DEVICES = "DELETE FROM devices WHERE user_id = ?"

GROUP_PROFILE = (
    "SELECT id, name, description, is_public, history,"
    " (SELECT count(*) FROM group_members m WHERE m.group_id = g.id)"
    " FROM chat_groups g WHERE id = ?"
)
GROUP_MEMBERS = (
    "SELECT u.id, u.name, m.role FROM group_members m JOIN users u ON u.id = m.user_id"
    " WHERE m.group_id = ? ORDER BY m.role <> 'creator', m.role <> 'admin', m.user_id LIMIT ?"
)
GROUP_COUNTS = (
    "SELECT (SELECT count(*) FROM group_invitations WHERE group_id = ?),"
    " (SELECT count(*) FROM messages WHERE kind = 10 AND chan_lo = ? AND chan_hi = 0)"
)
# A group's conversation is (kind 10, chan_lo = its id, chan_hi = 0); each statement is
# given the group's id once. A message still waiting for a member stays, with its
# delivery: it was accepted, and taking its number out of the member's sequence would
# leave a gap no SYNC can fill. It is delivered as ever; nobody can page back to it.
DELETE_GROUP: tuple[str, ...] = (
    "DELETE FROM read_markers WHERE kind = 10 AND chan_lo = ? AND chan_hi = 0",
    "DELETE FROM conversation_heads WHERE kind = 10 AND chan_lo = ? AND chan_hi = 0",
    "DELETE FROM messages WHERE kind = 10 AND chan_lo = ? AND chan_hi = 0"
    " AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = messages.id)",
    "DELETE FROM group_invitations WHERE group_id = ?",
    "DELETE FROM group_members WHERE group_id = ?",
    "DELETE FROM name_skeletons WHERE group_id = ?",
    "DELETE FROM chat_groups WHERE id = ?",
)
IS_MEMBER = "SELECT 1 FROM group_members WHERE group_id = ? AND user_id = ?"
# The old creator becomes an admin, then the new one the creator: given (group, new).
TRANSFER: tuple[str, ...] = (
    "UPDATE group_members SET role = 'admin' WHERE group_id = ? AND role = 'creator'"
    " AND user_id <> ?",
    "UPDATE group_members SET role = 'creator' WHERE group_id = ? AND user_id = ?",
)
STATS = (
    "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM chat_groups),"
    " (SELECT count(*) FROM messages), (SELECT count(*) FROM deliveries),"
    " (SELECT count(*) FROM friend_requests)"
)


def user_row(row: Sequence[object]) -> User:
    """A User from the USER_COLUMNS of a row."""
    uid, name, password_hash, disabled = row
    assert isinstance(uid, int) and isinstance(name, str) and isinstance(password_hash, str)
    return User(uid, name, password_hash, bool(disabled))


def user_report(
    user: User,
    counts: Sequence[int],
    friends: Sequence[Sequence[object]],
    groups: Sequence[Sequence[object]],
    settings: Sequence[object] | None,
) -> UserReport:
    """The report from the rows of USER_COUNTS, FIRST_FRIENDS, GROUPS_OF and SETTINGS."""
    n_friends, incoming, outgoing, n_blocks, deliveries, tokens = (int(c) for c in counts)
    return UserReport(
        user=user,
        friends=n_friends,
        first_friends=tuple(Contact(int(str(r[0])), str(r[1])) for r in friends),
        groups=tuple(GroupRole(int(str(r[0])), str(r[1]), str(r[2])) for r in groups),
        requests=RequestCounts(incoming, outgoing),
        settings=(
            Settings(str(settings[0]), bool(settings[1]), bool(settings[2]))
            if settings
            else Settings()
        ),
        blocks=n_blocks,
        deliveries=deliveries,
        tokens=tokens,
    )


def group_report(
    profile: Sequence[object], members: Sequence[Sequence[object]], counts: Sequence[int]
) -> GroupReport:
    """The report from the rows of GROUP_PROFILE, GROUP_MEMBERS and GROUP_COUNTS."""
    gid, name, desc, public, history, count = profile
    return GroupReport(
        GroupProfile(
            int(str(gid)), str(name), str(desc), bool(public), str(history), int(str(count))
        ),
        tuple(Member(int(str(r[0])), str(r[1]), str(r[2])) for r in members),
        int(counts[0]),
        int(counts[1]),
    )


def stats(row: Sequence[int]) -> Stats:
    """Stats from the row of STATS."""
    return Stats(*(int(n) for n in row))
