"""SQLiteGroupRoles: the GroupRoles methods of SQLiteStorage, each a sqlite_groups query."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TypeVar

from . import sqlite_groups
from .group_rows import Departure, GroupEdit, GroupProfile, Invitation, Membership
from .rows import Group

T = TypeVar("T")


class SQLiteGroupRoles:
    """Groups with roles and privacy, for SQLiteStorage, which runs the queries."""

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        raise NotImplementedError  # SQLiteStorage's

    async def create_group(
        self,
        name: str,
        desc: str,
        creator_id: int,
        *,
        skeleton: str | None = None,
        public: bool = True,
        history: str = "all",
        joined_mid: int = 0,
    ) -> Group:
        settings = (public, history, joined_mid, skeleton)
        return await self._run(
            lambda db: sqlite_groups.create_group(db, name, desc, creator_id, settings)
        )

    async def join_group(
        self, group_id: int, user_id: int, *, joined_mid: int = 0, max_members: int = 0
    ) -> Group:
        return await self._run(
            lambda db: sqlite_groups.join_group(
                db, group_id, user_id, joined_mid=joined_mid, max_members=max_members
            )
        )

    async def group_profile(self, group_id: int) -> GroupProfile | None:
        return await self._run(lambda db: sqlite_groups.group_profile(db, group_id))

    async def membership(self, group_id: int, user_id: int) -> Membership | None:
        return await self._run(lambda db: sqlite_groups.membership(db, group_id, user_id))

    async def invite(
        self, group_id: int, inviter_id: int, invitee_id: int, now_ms: int, *, max_pending: int
    ) -> bool:
        return await self._run(
            lambda db: sqlite_groups.invite(
                db, group_id, (inviter_id, invitee_id), now_ms=now_ms, max_pending=max_pending
            )
        )

    async def invitations(self, user_id: int, after: int | None, limit: int) -> list[Invitation]:
        return await self._run(lambda db: sqlite_groups.invitations(db, user_id, after, limit))

    async def answer_invitation(
        self, group_id: int, user_id: int, accept: bool, *, joined_mid: int, max_members: int
    ) -> Group | None:
        return await self._run(
            lambda db: sqlite_groups.answer_invitation(
                db, group_id, user_id, accept, joined_mid=joined_mid, max_members=max_members
            )
        )

    async def drop_member(self, group_id: int, user_id: int) -> Departure:
        return await self._run(lambda db: sqlite_groups.drop_member(db, group_id, user_id))

    async def set_role(self, group_id: int, user_id: int, role: str) -> None:
        await self._run(lambda db: sqlite_groups.set_role(db, group_id, user_id, role))

    async def edit_group(
        self, group_id: int, edit: GroupEdit, *, skeleton: str | None = None
    ) -> GroupProfile:
        return await self._run(lambda db: sqlite_groups.edit_group(db, group_id, edit, skeleton))
