"""The operator's methods of MySQLStorage (MySQLAdmin): admin_queries run on a cursor."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from . import admin_queries as q
from .base import NoSuchGroup, NoSuchUser, NotAMember
from .base_admin import GroupReport, Stats, UserReport, tombstone_name
from .mysql_pool import Cursor, Work
from .people_rows import marks, prefix_range
from .rows import User

T = TypeVar("T")


_USER_COUNTS = q.user_counts(
    "COALESCE((SELECT acked_seq FROM delivery_cursors WHERE user_id = ?), 0)"
)


async def _one(cur: Cursor, sql: str, params: tuple[Any, ...]) -> Any:
    await cur.execute(marks(sql, "%s"), params)
    return await cur.fetchone()


async def _all(cur: Cursor, sql: str, params: tuple[Any, ...]) -> Any:
    await cur.execute(marks(sql, "%s"), params)
    return await cur.fetchall()


async def _do(cur: Cursor, sql: str, params: tuple[Any, ...]) -> int:
    return int(await cur.execute(marks(sql, "%s"), params))


async def find_users(cur: Cursor, text: str, limit: int) -> list[User]:
    """Admin.find_users."""
    rows = await _all(cur, q.USERS_BY_PREFIX, (*prefix_range(text), limit))
    found = {row[0]: q.user_row(row) for row in rows}
    if text.isdigit() and (row := await _one(cur, q.USER_BY_ID, (int(text),))):
        found[row[0]] = q.user_row(row)
    return [found[uid] for uid in sorted(found)]


async def user_report(cur: Cursor, user_id: int, page: int) -> UserReport | None:
    """Admin.user_report."""
    row = await _one(cur, q.USER_BY_ID, (user_id,))
    if row is None:
        return None
    return q.user_report(
        q.user_row(row),
        await _one(cur, _USER_COUNTS, (user_id,) * q.USER_COUNTED),
        await _all(cur, q.FIRST_FRIENDS, (user_id, page)),
        await _all(cur, q.GROUPS_OF, (user_id, page)),
        await _one(cur, q.SETTINGS, (user_id,)),
    )


async def set_disabled(cur: Cursor, user_id: int, disabled: bool) -> int:
    """Admin.set_disabled; the caller holds a transaction."""
    if await _one(cur, q.USER_BY_ID + " FOR UPDATE", (user_id,)) is None:
        raise NoSuchUser(user_id)
    await _do(cur, q.SET_DISABLED, (int(disabled), user_id))
    return await _end(cur, user_id) if disabled else 0


async def end_sessions(cur: Cursor, user_id: int) -> int:
    """Admin.end_sessions; the caller holds a transaction."""
    if await _one(cur, q.USER_BY_ID + " FOR UPDATE", (user_id,)) is None:
        raise NoSuchUser(user_id)
    return await _end(cur, user_id)


async def _end(cur: Cursor, user_id: int) -> int:
    """Marks the user's sessions ended and forgets their tokens and devices; returns how
    many tokens."""
    (last,) = await _one(cur, q.LAST_ENDED + " FOR UPDATE", ())
    await _do(cur, q.SET_ENDED, (int(last) + 1, user_id))
    dropped = await _do(cur, q.DROP_TOKENS, (user_id,))
    await _do(cur, q.DROP_DEVICES, (user_id,))
    return dropped


async def ended_after(
    cur: Cursor, after: int | None, *, groups: bool = False
) -> list[tuple[int, int]]:
    """Admin.ended_after and groups_ended_after."""
    last, since = (
        (q.LAST_GROUP_ENDED, q.GROUPS_ENDED_AFTER) if groups else (q.LAST_ENDED, q.ENDED_AFTER)
    )
    if after is None:
        return [(0, int((await _one(cur, last, ()))[0]))]
    return [(int(i), int(n)) for i, n in await _all(cur, since, (after,))]


async def delete_user(cur: Cursor, user_id: int) -> str:
    """Admin.delete_user; the caller holds a transaction."""
    name = tombstone_name(user_id)
    if await _one(cur, q.USER_BY_ID + " FOR UPDATE", (user_id,)) is None:
        raise NoSuchUser(user_id)
    for (group_id,) in await _all(cur, q.CREATOR_OF, (user_id,)):
        # Locked as drop_member locks it, so a join cannot slip in while it passes on.
        await _one(cur, "SELECT id FROM chat_groups WHERE id = ? FOR UPDATE", (group_id,))
        heir = await _one(cur, q.SUCCESSOR, (group_id, user_id))
        if heir is not None:
            await _do(cur, q.MAKE_CREATOR, (group_id, heir[0]))
    for sql, times in q.DELETE_USER:
        await _do(cur, sql, (user_id,) * times)
    await _do(cur, q.TOMBSTONE, (name, user_id))
    await _do(cur, q.TOMBSTONE_SETTINGS, (user_id,))
    await _end(cur, user_id)
    return name


async def group_id_by_name(cur: Cursor, name: str) -> int | None:
    """Admin.group_id_by_name."""
    row = await _one(cur, "SELECT id FROM chat_groups WHERE name_key = CAST(? AS BINARY)",
                     (name,))  # fmt: skip
    return int(row[0]) if row else None


async def group_report(cur: Cursor, group_id: int, page: int) -> GroupReport | None:
    """Admin.group_report."""
    profile = await _one(cur, q.GROUP_PROFILE, (group_id,))
    if profile is None:
        return None
    members = await _all(cur, q.GROUP_MEMBERS, (group_id, page))
    return q.group_report(profile, members, await _one(cur, q.GROUP_COUNTS, (group_id,) * 2))


async def _locked_group(cur: Cursor, group_id: int) -> None:
    if await _one(cur, "SELECT id FROM chat_groups WHERE id = ? FOR UPDATE", (group_id,)) is None:
        raise NoSuchGroup(group_id)


async def delete_group(cur: Cursor, group_id: int) -> None:
    """Admin.delete_group; the caller holds a transaction."""
    await _locked_group(cur, group_id)
    for sql in q.DELETE_GROUP:
        await _do(cur, sql, (group_id,))
    (last,) = await _one(cur, q.LAST_GROUP_ENDED + " FOR UPDATE", ())
    await _do(cur, q.ADD_GROUP_ENDED, (int(last) + 1, group_id))


async def transfer_group(cur: Cursor, group_id: int, user_id: int) -> None:
    """Admin.transfer_group; the caller holds a transaction."""
    await _locked_group(cur, group_id)
    if await _one(cur, q.IS_MEMBER, (group_id, user_id)) is None:
        raise NotAMember(f"{user_id} in group {group_id}")
    for sql in q.TRANSFER:
        await _do(cur, sql, (group_id, user_id))


async def _stats(cur: Cursor) -> Stats:
    return q.stats(await _one(cur, q.STATS, ()))


class MySQLAdmin:
    """The Admin methods of MySQLStorage, which provides `_run`."""

    if TYPE_CHECKING:

        async def _run(self, work: Work[T], *, write: bool, retry: bool = True) -> T: ...

    async def find_users(self, text: str, limit: int) -> list[User]:
        return await self._run(lambda cur: find_users(cur, text, limit), write=False)

    async def user_report(self, user_id: int, page: int) -> UserReport | None:
        return await self._run(lambda cur: user_report(cur, user_id, page), write=False)

    async def set_disabled(self, user_id: int, disabled: bool) -> int:
        return await self._run(lambda cur: set_disabled(cur, user_id, disabled), write=True)

    async def delete_user(self, user_id: int) -> str:
        return await self._run(lambda cur: delete_user(cur, user_id), write=True)

    async def end_sessions(self, user_id: int) -> int:
        return await self._run(lambda cur: end_sessions(cur, user_id), write=True)

    async def ended_after(self, after: int | None) -> list[tuple[int, int]]:
        return await self._run(lambda cur: ended_after(cur, after), write=False)

    async def groups_ended_after(self, after: int | None) -> list[tuple[int, int]]:
        return await self._run(lambda cur: ended_after(cur, after, groups=True), write=False)

    async def group_id_by_name(self, name: str) -> int | None:
        return await self._run(lambda cur: group_id_by_name(cur, name), write=False)

    async def group_report(self, group_id: int, page: int) -> GroupReport | None:
        return await self._run(lambda cur: group_report(cur, group_id, page), write=False)

    async def delete_group(self, group_id: int) -> None:
        await self._run(lambda cur: delete_group(cur, group_id), write=True)

    async def transfer_group(self, group_id: int, user_id: int) -> None:
        await self._run(lambda cur: transfer_group(cur, group_id, user_id), write=True)

    async def stats(self) -> Stats:
        return await self._run(_stats, write=False)
