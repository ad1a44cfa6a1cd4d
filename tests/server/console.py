"""Console: a test client that sends exactly what the original console client sends.

It ends each request with NUL, sends one request per write, logs in by numeric id
without "v", and puts its own id, name and local time into chats.
"""

from __future__ import annotations

import time
from typing import Any

import orjson

from chatapp.protocol import MsgId
from tests.server.conftest import Connect, Users
from tests.wire import WireClient

STALE_TIME = "2020-02-22 00:43:59"


class Console:
    """Sends exactly what the original console client sends, one request per write."""

    def __init__(self, client: WireClient) -> None:
        assert client.legacy
        self.client = client
        self.id = 0
        self.name = ""

    async def register(self, name: str, password: str = "pw") -> dict[str, Any]:
        await self.client.send(msgid=MsgId.REG, name=name, password=password)
        return await self.client.expect(MsgId.REG_ACK)

    async def login(self, user_id: int, password: str = "pw") -> dict[str, Any]:
        await self.client.send(msgid=MsgId.LOGIN, id=user_id, password=password)
        ack = await self.client.expect(MsgId.LOGIN_ACK)
        if ack["errno"] == 0:
            self.id, self.name = ack["id"], ack["name"]
        return ack

    async def chat(self, toid: int, msg: str, *, when: str | None = None) -> None:
        await self.client.send(
            msgid=MsgId.ONE_CHAT,
            id=self.id,
            name=self.name,
            toid=toid,
            msg=msg,
            time=when or time.strftime("%Y-%m-%d %H:%M:%S"),
        )

    async def add_friend(self, friendid: int) -> None:
        await self.client.send(msgid=MsgId.ADD_FRIEND, id=self.id, friendid=friendid)

    async def create_group(self, name: str, desc: str) -> None:
        await self.client.send(msgid=MsgId.CREATE_GROUP, id=self.id, groupname=name, groupdesc=desc)

    async def add_group(self, groupid: int) -> None:
        await self.client.send(msgid=MsgId.ADD_GROUP, id=self.id, groupid=groupid)

    async def group_chat(self, groupid: int, msg: str) -> None:
        await self.client.send(
            msgid=MsgId.GROUP_CHAT,
            id=self.id,
            name=self.name,
            groupid=groupid,
            msg=msg,
            time=time.strftime("%Y-%m-%d %H:%M:%S"),
        )

    async def logout(self) -> None:
        await self.client.send(msgid=MsgId.LOGOUT, id=self.id)


async def console(connect: Connect) -> Console:
    """A new connection speaking as the original console client."""
    return Console(await connect(legacy=True))


async def console_online(users: Users, connect: Connect, name: str) -> tuple[int, Console]:
    """Registers `name` and logs it in from a new console."""
    user_id = await users.register(name)
    con = await console(connect)
    assert (await con.login(user_id))["errno"] == 0
    return user_id, con


def legacy_text(obj: dict[str, Any]) -> str:
    """JSON text as the legacy lists carry it: compact, keys in the given order."""
    return orjson.dumps(obj).decode()
