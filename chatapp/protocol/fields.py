"""Fields: typed, validated access to the members of one decoded JSON frame."""

from __future__ import annotations

from typing import Any

import orjson

from .codes import Errno
from .errors import ProtocolError, Rid

MAX_RID_LENGTH = 64
"""The longest request id or client message id (`cid`), in characters."""
# Integers must fit a signed 64-bit column in every storage backend.
_INT_MIN, _INT_MAX = -(1 << 63), (1 << 63) - 1


class Fields:
    """Typed access to one decoded JSON object; any mismatch is a ProtocolError."""

    __slots__ = ("msgid", "obj", "rid")

    def __init__(self, obj: dict[str, Any], msgid: int, rid: Rid) -> None:
        self.obj = obj
        self.msgid = msgid
        self.rid = rid

    def fail(self, errmsg: str) -> ProtocolError:
        """The error for a field that is not as it must be."""
        return ProtocolError(Errno.BAD_FIELD, errmsg, msgid=self.msgid, rid=self.rid)

    def opt_int(self, key: str) -> int | None:
        value = self.obj.get(key)
        if value is None:
            return None
        if type(value) is not int:
            raise self.fail(f"field '{key}' must be an integer")
        if not _INT_MIN <= value <= _INT_MAX:
            raise self.fail(f"field '{key}' is out of range")
        return value

    def echoed_int(self, key: str) -> int | None:
        """An integer echoed back as the other side sent it (a refused request's msgid),
        so of any size."""
        value = self.obj.get(key)
        if value is not None and type(value) is not int:
            raise self.fail(f"field '{key}' must be an integer")
        return value

    def req_int(self, key: str) -> int:
        value = self.opt_int(key)
        if value is None:
            raise self.fail(f"field '{key}' is missing")
        return value

    def opt_str(self, key: str) -> str | None:
        value = self.obj.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(f"field '{key}' must be a string")
        return value

    def req_str(self, key: str) -> str:
        value = self.opt_str(key)
        if value is None:
            raise self.fail(f"field '{key}' is missing")
        return value

    def opt_bool(self, key: str) -> bool | None:
        value = self.obj.get(key)
        if value is not None and type(value) is not bool:
            raise self.fail(f"field '{key}' must be true or false")
        return value

    def flag(self, key: str) -> bool:
        """True only where the field is JSON true."""
        return self.obj.get(key) is True

    def array(self, key: str) -> list[Any]:
        value = self.obj.get(key, [])
        if not isinstance(value, list):
            raise self.fail(f"field '{key}' must be an array")
        return value

    def sub(self, value: Any) -> Fields:
        """The fields of an object nested in this one (an array element, say)."""
        if not isinstance(value, dict):
            raise self.fail("array element must be an object")
        return Fields(value, self.msgid, self.rid)

    def opt_sub(self, key: str) -> Fields | None:
        """The fields of the object under `key`, if there is one."""
        value = self.obj.get(key)
        return None if value is None else self.sub(value)

    def subs(self, key: str) -> list[Fields]:
        """The fields of each object in the array under `key`."""
        return [self.sub(item) for item in self.array(key)]


def open_frame(frame: bytes) -> Fields:
    """Parses a frame into its fields; the msgid must be an integer and any rid valid."""
    try:
        obj = orjson.loads(frame)
    except orjson.JSONDecodeError:
        raise ProtocolError(Errno.BAD_FRAME, "frame is not valid JSON") from None
    if not isinstance(obj, dict):
        raise ProtocolError(Errno.BAD_FRAME, "frame is not a JSON object")
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
    return Fields(obj, msgid, rid)


def errno_of(f: Fields) -> Errno:
    """The reply's error number; one this client does not know reads as INTERNAL."""
    value = f.req_int("errno")
    try:
        return Errno(value)
    except ValueError:
        return Errno.INTERNAL
