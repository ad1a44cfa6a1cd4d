"""The account requests every scenario needs: register, log in (password or token), log out."""

from __future__ import annotations

from typing import Any

from chatapp.protocol import MsgId

from .conn import BenchConn, Json


def errno_of(reply: Json | None) -> int | None:
    """The reply's errno (0 for success), or None when there was no reply."""
    if reply is None:
        return None
    errno = reply.get("errno", 0)
    return errno if type(errno) is int else -1


async def register(conn: BenchConn, name: str, password: str, wait: float) -> Json | None:
    """REG in the current protocol; the REG_ACK, or None."""
    return await conn.request(
        {"msgid": MsgId.REG, "name": name, "password": password, "v": 2}, wait
    )


async def login(
    conn: BenchConn,
    wait: float,
    *,
    name: str | None = None,
    password: str | None = None,
    token: str | None = None,
    last: int | None = None,
) -> Json | None:
    """LOGIN by name and password, or with a resume token; the LOGIN_ACK, or None.

    On success the connection learns its user id and its next resume token, and the
    deliveries waiting since `last` (or an earlier run) are taken and acknowledged.
    """
    request: dict[str, Any] = {"msgid": MsgId.LOGIN, "v": 2}
    if token is not None:
        request["token"] = token
    else:
        request.update(name=name, password=password)
    if last is not None:
        request["last"] = last
    ack = await conn.request(request, wait)
    if ack is None or errno_of(ack) != 0:
        return ack
    conn.uid = int(ack["id"])
    conn.name = str(ack.get("name", ""))
    token = ack.get("token")
    conn.token = token if isinstance(token, str) else None
    conn.groups = group_ids(ack)
    conn.note_backlog(_seqs(ack.get("offlinemsg")))
    # With "more", the rest follows the ack as ordinary chats: the sequence takes them.
    conn.flush_acks()
    return ack


def _seqs(messages: object) -> list[int]:
    if not isinstance(messages, list):
        return []
    return [m["seq"] for m in messages if isinstance(m, dict) and type(m.get("seq")) is int]


async def logout(conn: BenchConn, wait: float) -> bool:
    """LOGOUT, keeping the connection; True when acknowledged."""
    return errno_of(await conn.request({"msgid": MsgId.LOGOUT}, wait)) == 0


def group_ids(ack: Json) -> dict[str, tuple[int, int]]:
    """The groups a LOGIN_ACK lists (its first page): name -> (group id, member count)."""
    out: dict[str, tuple[int, int]] = {}
    for group in ack.get("groups") or []:
        if isinstance(group, dict) and type(group.get("id")) is int:
            count = group.get("count")
            out[str(group.get("groupname"))] = (group["id"], count if type(count) is int else 0)
    return out
