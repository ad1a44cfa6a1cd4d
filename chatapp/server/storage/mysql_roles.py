"""MySQLGroupRoles: the GroupRoles methods of MySQLStorage, each a mysql_groups query."""

from __future__ import annotations

from typing import TypeVar

from . import mysql_groups
from .group_rows import Departure, GroupEdit, GroupProfile, Invitation, Membership
from .mysql_pool import Work
from .rows import Group

T = TypeVar("T")


class MySQLGroupRoles:
    """Groups with roles and privacy, for MySQLStorage, which runs the queries."""

    async def _run(self, work: Work[T], *, write: bool, retry: bool = True) -> T:
        raise NotImplementedError  # MySQLStorage's

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
            lambda cur: mysql_groups.create_group(cur, name, desc, creator_id, settings),
            write=True,
        )

    async def join_group(
        self, group_id: int, user_id: int, *, joined_mid: int = 0, max_members: int = 0
    ) -> Group:
        return await self._run(
            lambda cur: mysql_groups.join_group(cur, group_id, user_id, joined_mid, max_members),
            write=True,
        )

    async def group_profile(self, group_id: int) -> GroupProfile | None:
        return await self._run(lambda cur: mysql_groups.group_profile(cur, group_id), write=False)

    async def membership(self, group_id: int, user_id: int) -> Membership | None:
        return await self._run(
            lambda cur: mysql_groups.membership(cur, group_id, user_id), write=False
        )

    async def invite(
        self, group_id: int, inviter_id: int, invitee_id: int, now_ms: int, *, max_pending: int
    ) -> bool:
        who = (inviter_id, invitee_id)
        return await self._run(
            lambda cur: mysql_groups.invite(cur, group_id, who, now_ms, max_pending), write=True
        )

    async def invitations(self, user_id: int, after: int | None, limit: int) -> list[Invitation]:
        return await self._run(
            lambda cur: mysql_groups.invitations(cur, user_id, after, limit), write=False
        )

    async def answer_invitation(
        self, group_id: int, user_id: int, accept: bool, *, joined_mid: int, max_members: int
    ) -> Group | None:
        joining = (joined_mid, max_members)
        return await self._run(
            lambda cur: mysql_groups.answer_invitation(cur, group_id, user_id, accept, joining),
            write=True,
        )

    async def drop_member(self, group_id: int, user_id: int) -> Departure:
        return await self._run(
            lambda cur: mysql_groups.drop_member(cur, group_id, user_id), write=True
        )

    async def set_role(self, group_id: int, user_id: int, role: str) -> None:
        await self._run(lambda cur: mysql_groups.set_role(cur, group_id, user_id, role), write=True)

    async def edit_group(
        self, group_id: int, edit: GroupEdit, *, skeleton: str | None = None
    ) -> GroupProfile:
        return await self._run(
            lambda cur: mysql_groups.edit_group(cur, group_id, edit, skeleton), write=True
        )
