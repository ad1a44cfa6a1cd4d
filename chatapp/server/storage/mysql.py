"""MySQLStorage: the shared backend for many server instances, on MySQL 8 or MariaDB 10.11.

URL: ``mysql://user:password@host:3306/dbname?pool_min=1&pool_max=10&connect_timeout=5``.
User and password are percent-decoded (write ``%40`` for an ``@`` in a password); the port
defaults to 3306. Query options, all optional:

- ``pool_min`` (1): connections opened at start and kept open.
- ``pool_max`` (10): connections open at most; further calls wait for a free one.
- ``connect_timeout`` (5): seconds to wait for the server when opening a connection.
- ``pool_recycle`` (3600): seconds after which an idle connection is replaced; keep it below
  the server's ``wait_timeout`` so the server never closes a connection the pool still holds.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, TypeVar

import pymysql

from . import mysql_accounts, mysql_log, mysql_people, mysql_social
from .base import NoSuchUser, StorageUnavailable
from .device_rows import DeviceAck
from .migrations import Migration, load_migrations, migrate
from .mysql_acks import add_acks, raise_cursors
from .mysql_admin import MySQLAdmin
from .mysql_blocks import MySQLBlocks
from .mysql_config import MySQLConfig
from .mysql_devices import MySQLDevices
from .mysql_forget import Forgetting
from .mysql_friends import MySQLFriends
from .mysql_people import MySQLPeople
from .mysql_pool import (
    DUPLICATE,
    NO_PARENT,
    Cursor,
    Retry,
    Work,
    acquire,
    attempt,
    create_pool,
    is_duplicate,
    release,
)
from .mysql_roles import MySQLGroupRoles
from .mysql_tokens import MySQLTokens
from .rows import (
    Contact,
    Conversation,
    Group,
    Logged,
    Member,
    NewMessage,
    Pending,
    Settings,
    StoredMessage,
    User,
)
from .skeletons import Skeleton

log = logging.getLogger(__name__)

T = TypeVar("T")


class MySQLStorage(
    MySQLFriends, MySQLGroupRoles, MySQLBlocks, MySQLPeople, MySQLDevices, MySQLTokens, MySQLAdmin
):
    """Storage in MySQL through a pool of aiomysql connections.

    Reads run in autocommit. Writes run in explicit transactions, even single statements:
    when a connection dies before COMMIT the server discards the work, so the write is tried
    once more on a fresh connection; when it dies during COMMIT the outcome is unknown and
    the call raises StorageUnavailable rather than risk doing the work twice. The queries
    are coroutines of a cursor, by concern: mysql_accounts, mysql_social, mysql_log; friend
    requests are MySQLFriends's, groups with roles MySQLGroupRoles's (mysql_groups),
    blocking and message requests MySQLBlocks's (mysql_blocks), people and conversations
    MySQLPeople's (mysql_people), devices MySQLDevices's (mysql_devices), resume tokens
    MySQLTokens's (mysql_tokens), the operator's MySQLAdmin's (mysql_admin).
    """

    existing = False
    """chatapp-admin's: open only a database at the current schema, never create one."""

    def __init__(self, config: MySQLConfig, *, migrations: Sequence[Migration] = ()) -> None:
        self.config = config
        self._migrations = tuple(migrations) or load_migrations()
        self._pool: Any = None
        self._forgetting = self._new_forgetting()

    def _new_forgetting(self) -> Forgetting:
        """Acknowledged deliveries are deleted in the background (mysql_forget.py)."""
        return Forgetting(
            lambda cursors: self._run(
                lambda cur: mysql_log.forget_acknowledged(cur, cursors), write=True
            )
        )

    @classmethod
    def from_url(cls, url: str) -> MySQLStorage:
        """mysql://user:password@host:port/dbname?options; see the module docstring."""
        return cls(MySQLConfig.from_url(url))

    async def _run(self, work: Work[T], *, write: bool, retry: bool = True) -> T:
        pool = self._pool
        if pool is None:
            raise StorageUnavailable("storage is closed")
        for tries in (1, 2):
            conn = await acquire(pool, self.config.where, check=tries > 1)
            try:
                return await attempt(conn, work, write)
            except Retry as exc:
                if tries > 1 or not retry:
                    raise StorageUnavailable(f"mysql: {exc.__cause__}") from exc.__cause__
                log.warning("mysql: %s; trying once more on a fresh connection", exc.__cause__)
            finally:
                await release(pool, conn)
        raise AssertionError("unreachable")

    # --- Lifecycle -----------------------------------------------------------------

    async def open(self, *, upgrade: bool = False) -> None:
        c = self.config
        self._forgetting = self._new_forgetting()
        self._pool = await create_pool(c)
        try:
            await self._run(
                lambda cur: migrate(
                    cur, self._migrations, upgrade=upgrade, where=c.where, existing=self.existing
                ),
                write=False,
                retry=False,
            )
            await self._run(mysql_people.fold_names, write=True)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        if self._pool is not None:
            await self._forgetting.close()
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()
            await pool.wait_closed()

    async def ping(self) -> None:
        await self._run(lambda cur: cur.execute("SELECT 1"), write=False, retry=False)

    # --- Accounts ------------------------------------------------------------------

    async def create_user(
        self, name: str, password_hash: str, *, skeleton: str | None = None
    ) -> User:
        return await self._run(
            lambda cur: mysql_accounts.create_user(cur, name, password_hash, skeleton),
            write=True,
        )

    async def user_by_id(self, user_id: int) -> User | None:
        return await self._run(
            lambda cur: mysql_accounts.user_where(cur, "id = %s", user_id), write=False
        )

    async def user_by_name(self, name: str) -> User | None:
        condition = "name_key = CAST(%s AS BINARY)"
        return await self._run(
            lambda cur: mysql_accounts.user_where(cur, condition, name), write=False
        )

    async def settings(self, user_id: int) -> Settings:
        return await self._run(lambda cur: mysql_accounts.settings(cur, user_id), write=False)

    async def save_settings(self, user_id: int, settings: Settings) -> None:
        await self._run(
            lambda cur: mysql_accounts.save_settings(cur, user_id, settings), write=True
        )

    async def set_password(self, user_id: int, password_hash: str) -> None:
        await self._run(
            lambda cur: mysql_accounts.set_password(cur, user_id, password_hash), write=True
        )

    async def claim_skeletons(self, skeleton: Skeleton) -> int:
        return await self._run(
            lambda cur: mysql_accounts.claim_skeletons(cur, skeleton), write=True
        )

    # --- Social --------------------------------------------------------------------

    async def add_friendship(self, user_id: int, friend_id: int) -> Contact:
        return await self._run(
            lambda cur: mysql_social.add_friendship(cur, user_id, friend_id), write=True
        )

    async def friends(self, user_id: int, after: int | None, limit: int) -> list[Contact]:
        return await self._run(
            lambda cur: mysql_social.friends(cur, user_id, after, limit), write=False
        )

    async def friend_ids(self, user_id: int) -> list[int]:
        return await self._run(lambda cur: mysql_social.friend_ids(cur, user_id), write=False)

    async def group_member_ids(self, group_id: int) -> list[int] | None:
        return await self._run(
            lambda cur: mysql_social.group_member_ids(cur, group_id), write=False
        )

    async def groups_of(self, user_id: int, after: int | None, limit: int) -> list[Group]:
        return await self._run(
            lambda cur: mysql_social.groups_of(cur, user_id, after, limit), write=False
        )

    async def members(self, group_id: int, after: int | None, limit: int) -> list[Member] | None:
        return await self._run(
            lambda cur: mysql_social.members(cur, group_id, after, limit), write=False
        )

    async def first_members(self, group_ids: Sequence[int], limit: int) -> dict[int, list[Member]]:
        return await self._run(
            lambda cur: mysql_social.first_members(cur, group_ids, limit), write=False
        )

    # --- MessageLog ----------------------------------------------------------------

    async def log_messages(
        self,
        batch: Sequence[NewMessage],
        acks: Sequence[DeviceAck] = (),
        *,
        seen_ms: int = 0,
        stale_ms: int = 0,
    ) -> list[Logged]:
        cursors: dict[int, int] = {}

        async def write(cur: Cursor) -> list[Logged]:
            try:
                logged, floors = await mysql_log.log_messages(
                    cur,
                    batch,
                    is_duplicate,
                    (lambda rnd: add_acks(rnd, acks, seen_ms, stale_ms)) if acks else None,
                )
                if acks:  # in the batch's round trip, the acks read the users' floors
                    cursors.clear()
                    cursors.update(await raise_cursors(cur, floors))
                return logged
            except pymysql.err.IntegrityError as exc:
                if exc.args[0] == NO_PARENT:  # recipients are checked before: a sender
                    senders = [new.message.sender_id for new in batch]
                    missing = await mysql_log.unknown_users(cur, senders)
                    raise NoSuchUser(missing or senders) from None
                if exc.args[0] == DUPLICATE:
                    # Another transaction logged one of the batch's cids after the batch
                    # looked them up: the next attempt finds it.
                    raise Retry() from exc
                raise

        logged = await self._run(write, write=True)
        self._forgetting.add(cursors)
        return logged

    async def pending(self, user_id: int, after: int | None, limit: int) -> Pending:
        return await self._run(
            lambda cur: mysql_log.pending(cur, user_id, after, limit), write=False
        )

    async def history(
        self, conversation: Conversation, before: int | None, limit: int
    ) -> list[StoredMessage]:
        return await self._run(
            lambda cur: mysql_log.history(cur, conversation, before, limit), write=False
        )

    async def last_seq(self, user_id: int) -> int:
        return await self._run(lambda cur: mysql_log.last_seq(cur, user_id), write=False)
