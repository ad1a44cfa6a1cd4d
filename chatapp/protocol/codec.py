"""Bytes to typed messages and back, validating every field on the way in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from .codes import Dialect, Errno, MsgId
from .errors import ProtocolError, Rid
from .events import (
    Ack,
    ChatMessage,
    Error,
    Event,
    FriendAdded,
    GroupMessage,
    LoginAck,
    Pong,
    Presence,
    RegAck,
)
from .parts import (
    FriendInfo,
    GroupInfo,
    MemberInfo,
)
from .requests import (
    AddFriend,
    AddGroup,
    CreateGroup,
    Delivered,
    GroupChat,
    History,
    Login,
    Logout,
    OneChat,
    Ping,
    Register,
    Request,
    Sync,
)

MAX_RID_LENGTH = 64
# Integers must fit a signed 64-bit column in every storage backend.
_INT_MIN, _INT_MAX = -(1 << 63), (1 << 63) - 1


class _Fields:
    """Typed access to one decoded JSON object; any mismatch is a ProtocolError."""

    __slots__ = ("msgid", "obj", "rid")

    def __init__(self, obj: dict[str, Any], msgid: int, rid: Rid) -> None:
        self.obj = obj
        self.msgid = msgid
        self.rid = rid

    def _fail(self, errmsg: str) -> ProtocolError:
        return ProtocolError(Errno.BAD_FIELD, errmsg, msgid=self.msgid, rid=self.rid)

    def opt_int(self, key: str) -> int | None:
        value = self.obj.get(key)
        if value is None:
            return None
        if type(value) is not int:
            raise self._fail(f"field '{key}' must be an integer")
        if not _INT_MIN <= value <= _INT_MAX:
            raise self._fail(f"field '{key}' is out of range")
        return value

    def req_int(self, key: str) -> int:
        value = self.opt_int(key)
        if value is None:
            raise self._fail(f"field '{key}' is missing")
        return value

    def opt_str(self, key: str) -> str | None:
        value = self.obj.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self._fail(f"field '{key}' must be a string")
        return value

    def req_str(self, key: str) -> str:
        value = self.opt_str(key)
        if value is None:
            raise self._fail(f"field '{key}' is missing")
        return value

    def array(self, key: str) -> list[Any]:
        value = self.obj.get(key, [])
        if not isinstance(value, list):
            raise self._fail(f"field '{key}' must be an array")
        return value

    def sub(self, value: Any) -> _Fields:
        if not isinstance(value, dict):
            raise self._fail("array element must be an object")
        return _Fields(value, self.msgid, self.rid)


def _load_object(frame: bytes) -> dict[str, Any]:
    try:
        obj = orjson.loads(frame)
    except orjson.JSONDecodeError:
        raise ProtocolError(Errno.BAD_FRAME, "frame is not valid JSON") from None
    if not isinstance(obj, dict):
        raise ProtocolError(Errno.BAD_FRAME, "frame is not a JSON object")
    return obj


def _head(obj: dict[str, Any]) -> tuple[int, Rid]:
    rid = obj.get("rid")
    if rid is not None and not (
        (type(rid) is int) or (isinstance(rid, str) and len(rid) <= MAX_RID_LENGTH)
    ):
        raise ProtocolError(
            Errno.BAD_FIELD,
            f"field 'rid' must be an integer or a string of at most {MAX_RID_LENGTH} characters",
        )
    msgid = obj.get("msgid")
    if type(msgid) is not int:
        raise ProtocolError(Errno.BAD_FIELD, "field 'msgid' must be an integer", rid=rid)
    return msgid, rid


# --- Requests -------------------------------------------------------------------------


def _login(f: _Fields) -> Login:
    login = Login(
        password=f.opt_str("password"),
        id=f.opt_int("id"),
        name=f.opt_str("name"),
        v=f.opt_int("v") or 1,
        token=f.opt_str("token"),
        last=f.opt_int("last"),
        rid=f.rid,
    )
    if login.token is None:
        if login.password is None:
            raise f._fail("field 'password' is missing")
        if login.id is None and login.name is None:
            raise f._fail("LOGIN needs 'id' or 'name'")
    return login


def _cid(f: _Fields) -> str | None:
    cid = f.opt_str("cid")
    if cid is not None and not 0 < len(cid) <= MAX_RID_LENGTH:
        raise f._fail(f"field 'cid' must be 1 to {MAX_RID_LENGTH} characters")
    return cid


def _history(f: _Fields) -> History:
    history = History(
        peer=f.opt_int("peer"),
        groupid=f.opt_int("groupid"),
        before=f.opt_int("before"),
        limit=f.opt_int("limit"),
        rid=f.rid,
    )
    if (history.peer is None) == (history.groupid is None):
        raise f._fail("HISTORY needs exactly one of 'peer' and 'groupid'")
    return history


def _register(f: _Fields) -> Register:
    return Register(
        name=f.req_str("name"), password=f.req_str("password"), v=f.opt_int("v") or 1, rid=f.rid
    )


_REQUESTS: dict[int, Callable[[_Fields], Request]] = {
    MsgId.LOGIN: _login,
    MsgId.LOGOUT: lambda f: Logout(id=f.opt_int("id"), rid=f.rid),
    MsgId.REG: _register,
    MsgId.ONE_CHAT: lambda f: OneChat(
        toid=f.req_int("toid"), msg=f.req_str("msg"), id=f.opt_int("id"), cid=_cid(f), rid=f.rid
    ),
    MsgId.ADD_FRIEND: lambda f: AddFriend(
        friendid=f.req_int("friendid"), id=f.opt_int("id"), rid=f.rid
    ),
    MsgId.CREATE_GROUP: lambda f: CreateGroup(
        groupname=f.req_str("groupname"),
        groupdesc=f.opt_str("groupdesc") or "",
        id=f.opt_int("id"),
        rid=f.rid,
    ),
    MsgId.ADD_GROUP: lambda f: AddGroup(
        groupid=f.req_int("groupid"), id=f.opt_int("id"), rid=f.rid
    ),
    MsgId.GROUP_CHAT: lambda f: GroupChat(
        groupid=f.req_int("groupid"),
        msg=f.req_str("msg"),
        id=f.opt_int("id"),
        cid=_cid(f),
        rid=f.rid,
    ),
    MsgId.PING: lambda f: Ping(rid=f.rid),
    MsgId.DELIVERED: lambda f: Delivered(seq=f.req_int("seq")),
    MsgId.SYNC: lambda f: Sync(last=f.req_int("last"), limit=f.opt_int("limit"), rid=f.rid),
    MsgId.HISTORY: _history,
}


def decode_request(frame: bytes) -> Request:
    """Decodes one client frame; raises ProtocolError for anything but a valid request."""
    obj = _load_object(frame)
    msgid, rid = _head(obj)
    decoder = _REQUESTS.get(msgid)
    if decoder is None:
        raise ProtocolError(Errno.UNKNOWN_MSGID, f"unknown msgid {msgid}", msgid=msgid, rid=rid)
    return decoder(_Fields(obj, msgid, rid))


def encode_request(request: Request) -> bytes:
    """The wire form of a request as a current client sends it."""
    return orjson.dumps(request.to_wire(), option=orjson.OPT_APPEND_NEWLINE)


# --- Events ---------------------------------------------------------------------------


def encode(event: Event, dialect: Dialect = Dialect.V2) -> bytes | None:
    """The wire form of an event in `dialect`, or None where that dialect expects nothing.

    A legacy client hears nothing the original server would not have sent on success: no
    presence, no friend notices, no acknowledgements. A refused request is still answered
    with ERROR, which the original console client ignores.
    """
    if dialect is Dialect.LEGACY and isinstance(event, Presence | FriendAdded):
        return None
    if dialect is Dialect.LEGACY and isinstance(event, Ack) and event.messages is None:
        return None  # SYNC and HISTORY, which only current clients send, are answered
    return orjson.dumps(event.to_wire(dialect), option=orjson.OPT_APPEND_NEWLINE)


def _friend(f: _Fields) -> FriendInfo:
    return FriendInfo(
        id=f.req_int("id"), name=f.req_str("name"), state=f.opt_str("state") or "offline"
    )


def _group(f: _Fields) -> GroupInfo:
    users = tuple(
        MemberInfo(
            id=u.req_int("id"),
            name=u.req_str("name"),
            state=u.opt_str("state") or "offline",
            role=u.opt_str("role") or "normal",
        )
        for u in map(f.sub, f.array("users"))
    )
    return GroupInfo(
        id=f.req_int("id"),
        groupname=f.req_str("groupname"),
        groupdesc=f.opt_str("groupdesc") or "",
        users=users,
    )


def _chat(f: _Fields) -> ChatMessage | GroupMessage:
    sender, name, msg = f.req_int("id"), f.req_str("name"), f.req_str("msg")
    time, mid, ts = f.opt_str("time") or "", f.opt_int("mid") or 0, f.opt_int("ts") or 0
    seq = f.opt_int("seq") or 0
    if f.obj.get("msgid") == MsgId.GROUP_CHAT:
        return GroupMessage(sender, name, f.req_int("groupid"), msg, time, mid, ts, seq)
    return ChatMessage(sender, name, f.req_int("toid"), msg, time, mid, ts, seq)


def _errno(f: _Fields) -> Errno:
    value = f.req_int("errno")
    try:
        return Errno(value)
    except ValueError:
        return Errno.INTERNAL


def _login_ack(f: _Fields) -> LoginAck:
    errno = _errno(f)
    if errno:
        return LoginAck(errno=errno, errmsg=f.opt_str("errmsg") or "", rid=f.rid)
    return LoginAck(
        id=f.req_int("id"),
        name=f.req_str("name"),
        friends=tuple(_friend(f.sub(x)) for x in f.array("friends")),
        groups=tuple(_group(f.sub(x)) for x in f.array("groups")),
        offlinemsg=tuple(_chat(f.sub(x)) for x in f.array("offlinemsg")),
        last=f.opt_int("last"),
        token=f.opt_str("token"),
        more=f.obj.get("more") is True,
        rid=f.rid,
    )


def _ack(f: _Fields) -> Ack:
    re_value = f.req_int("re")
    friend = f.obj.get("friend")
    group = f.obj.get("group")
    messages = f.obj.get("messages")
    return Ack(
        re=MsgId(re_value) if re_value in MsgId._value2member_map_ else MsgId.ACK,
        rid=f.rid,
        mid=f.opt_int("mid"),
        groupid=f.opt_int("groupid"),
        friend=_friend(f.sub(friend)) if friend is not None else None,
        group=_group(f.sub(group)) if group is not None else None,
        messages=tuple(_chat(f.sub(m)) for m in f.array("messages"))
        if messages is not None
        else None,
        more=f.obj.get("more") is True,
    )


_EVENTS: dict[int, Callable[[_Fields], Event]] = {
    MsgId.LOGIN_ACK: _login_ack,
    MsgId.REG_ACK: lambda f: RegAck(
        errno=_errno(f), errmsg=f.opt_str("errmsg") or "", id=f.opt_int("id") or 0, rid=f.rid
    ),
    MsgId.ONE_CHAT: _chat,
    MsgId.GROUP_CHAT: _chat,
    MsgId.ACK: _ack,
    MsgId.ERROR: lambda f: Error(
        errno=_errno(f), errmsg=f.opt_str("errmsg") or "", re=f.opt_int("re"), rid=f.rid
    ),
    MsgId.PRESENCE: lambda f: Presence(
        id=f.req_int("id"), name=f.req_str("name"), state=f.req_str("state")
    ),
    MsgId.FRIEND_ADDED: lambda f: FriendAdded(_friend(f)),
    MsgId.PONG: lambda f: Pong(rid=f.rid),
}


def decode_event(frame: bytes) -> Event:
    """Decodes one server frame of the current protocol (the client's side)."""
    obj = _load_object(frame)
    msgid, rid = _head(obj)
    decoder = _EVENTS.get(msgid)
    if decoder is None:
        raise ProtocolError(Errno.UNKNOWN_MSGID, f"unknown msgid {msgid}", msgid=msgid, rid=rid)
    return decoder(_Fields(obj, msgid, rid))
