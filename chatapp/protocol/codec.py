"""The codec: frames to typed messages and back, by msgid, in either dialect.

Each message class owns its wire form both ways (`to_wire` and `from_wire` side by side);
this module only looks the class up by msgid and applies the dialect's rules.
"""

from __future__ import annotations

from collections.abc import Callable

import orjson

from .blocks import NewMessageRequest
from .chats import ChatMessage, GroupMessage
from .codes import Dialect, Errno
from .devices import DeviceEvent, Sent
from .errors import ProtocolError
from .events import EVENT_TYPES, Ack, Drain, Event, FriendAdded, Presence
from .fields import Fields, open_frame
from .friends import FriendEvent
from .groups import GroupEvent
from .people import Receipt, TypingNotice
from .requests import REQUEST_TYPES, Request

_REQUESTS: dict[int, Callable[[Fields], Request]] = {t.MSGID: t.from_wire for t in REQUEST_TYPES}
_EVENTS: dict[int, Callable[[Fields], Event]] = {t.MSGID: t.from_wire for t in EVENT_TYPES}
# The two decoders below are spelt out rather than sharing a helper: every frame a server
# reads passes through decode_request, and a call is a measurable part of a chat's cost.


def decode_request(frame: bytes) -> Request:
    """Decodes one client frame; raises ProtocolError for anything but a valid request."""
    f = open_frame(frame)
    decoder = _REQUESTS.get(f.msgid)
    if decoder is None:
        raise _unknown(f)
    return decoder(f)


def decode_event(frame: bytes) -> Event:
    """Decodes one server frame of the current protocol (the client's side)."""
    f = open_frame(frame)
    decoder = _EVENTS.get(f.msgid)
    if decoder is None:
        raise _unknown(f)
    return decoder(f)


def _unknown(f: Fields) -> ProtocolError:
    return ProtocolError(Errno.UNKNOWN_MSGID, f"unknown msgid {f.msgid}", msgid=f.msgid, rid=f.rid)


def encode_request(request: Request) -> bytes:
    """The wire form of a request as a current client sends it."""
    return orjson.dumps(request.to_wire(), option=orjson.OPT_APPEND_NEWLINE)


_NOTICES = (
    Presence,
    FriendAdded,
    FriendEvent,
    GroupEvent,
    Receipt,
    TypingNotice,
    NewMessageRequest,
    Drain,
    Sent,
    DeviceEvent,
)
"""The events the original protocol did not have: a legacy client hears none of them."""

_CHATS = frozenset({ChatMessage, GroupMessage})


def encode(event: Event, dialect: Dialect = Dialect.V2) -> bytes | None:
    """The wire form of an event in `dialect`, or None where that dialect expects nothing.

    A legacy client hears nothing the original server would not have sent on success: no
    presence, no friend notices, no acknowledgements. A refused request is still answered
    with ERROR, which the original console client ignores.
    """
    if type(event) in _CHATS:  # the hot path: a delivery, which every dialect hears
        return orjson.dumps(event.to_wire(dialect), option=orjson.OPT_APPEND_NEWLINE)
    if dialect is Dialect.LEGACY and isinstance(event, _NOTICES):
        return None
    if dialect is Dialect.LEGACY and isinstance(event, Ack) and not event.page:
        # Pages (SYNC, HISTORY, FRIENDS, GROUPS, MEMBERS), which only current clients ask
        # for, are answered in any dialect.
        return None
    return orjson.dumps(event.to_wire(dialect), option=orjson.OPT_APPEND_NEWLINE)
